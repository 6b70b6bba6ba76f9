import type { UserRow } from '../db/schema.js'

export type Role = 'owner' | 'member'

export interface Actor {
  user: UserRow
  roles: readonly Role[]
}

export type Action = 'read' | 'create' | 'update' | 'delete'

export type Resource =
  | { type: 'user'; id: string }
  | { type: 'users' }
  | { type: 'api_key'; ownerId: string }
  | { type: 'organization'; member: boolean }
  /** Templates, their versions and the files behind them: members of the organization read them, owners change them. */
  | { type: 'template'; member: boolean }
  | { type: 'workspace'; ownerId: string }

export function rolesOf(user: Pick<UserRow, 'rbacRoles'>): Role[] {
  return user.rbacRoles.includes('owner') ? ['owner', 'member'] : ['member']
}

/**
 * The whole policy. Owners may do anything; members act on themselves, their own
 * keys and their own workspaces, and read the organizations (and their templates)
 * they belong to. Callers turn a "no" on a single
 * resource into 404, so that members cannot learn what exists.
 */
export function can(actor: Actor, action: Action, resource: Resource): boolean {
  if (actor.roles.includes('owner')) return true
  switch (resource.type) {
    case 'user':
      return resource.id === actor.user.id && (action === 'read' || action === 'update')
    case 'users':
      return false
    case 'api_key':
      return resource.ownerId === actor.user.id
    case 'organization':
    case 'template':
      return resource.member && action === 'read'
    case 'workspace':
      return resource.ownerId === actor.user.id
  }
}
