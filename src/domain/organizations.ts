import type { Db } from '../db/client.js'
import type { OrganizationRow, UserRow } from '../db/schema.js'
import { errors } from '../errors.js'
import type { Organization } from '../sdk/organizations.js'
import * as orgStore from '../store/organizations.js'
import { can, type Actor } from './authz.js'
import { toOrganization } from './convert.js'
import { isUuid } from './users.js'

export function createOrganizationService({ db }: { db: Db }) {
  /**
   * By ID, name, or `default`; 404 when it does not exist or the caller may not read it.
   * `member` tells whether the caller belongs to it.
   */
  async function resolve(actor: Actor, param: string): Promise<{ organization: OrganizationRow; member: boolean }> {
    const row =
      param === 'default'
        ? await orgStore.findDefaultOrganization(db)
        : isUuid(param)
          ? await orgStore.findOrganizationById(db, param)
          : await orgStore.findOrganizationByName(db, param)
    if (!row) throw errors.notFound()
    const member = await orgStore.isOrganizationMember(db, row.id, actor.user.id)
    if (!can(actor, 'read', { type: 'organization', member })) throw errors.notFound()
    return { organization: row, member }
  }

  return {
    resolve,

    /** Owners see every organization; members the ones they belong to. */
    async list(actor: Actor): Promise<Organization[]> {
      const rows = can(actor, 'read', { type: 'users' })
        ? await orgStore.listOrganizations(db)
        : await orgStore.listOrganizationsOfUser(db, actor.user.id)
      return rows.map(toOrganization)
    },

    async get(actor: Actor, param: string): Promise<Organization> {
      return toOrganization((await resolve(actor, param)).organization)
    },

    async listOfUser(user: UserRow): Promise<Organization[]> {
      return (await orgStore.listOrganizationsOfUser(db, user.id)).map(toOrganization)
    },
  }
}

export type OrganizationService = ReturnType<typeof createOrganizationService>
