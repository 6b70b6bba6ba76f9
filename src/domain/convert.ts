import type { ApiKeyRow, OrganizationRow, UserRow } from '../db/schema.js'
import type { APIKey } from '../sdk/api-keys.js'
import type { Organization } from '../sdk/organizations.js'
import type { SlimRole, User } from '../sdk/users.js'

/** Go's zero time, which Coder sends for timestamps that never happened. */
const ZERO_TIME = '0001-01-01T00:00:00Z'

const ROLE_DISPLAY_NAMES: Record<string, string> = { owner: 'Owner', member: 'Member' }

function slimRole(name: string): SlimRole {
  return { name, display_name: ROLE_DISPLAY_NAMES[name] ?? name }
}

export function toUser(row: UserRow, organizationIds: readonly string[]): User {
  return {
    id: row.id,
    username: row.username,
    name: row.name,
    email: row.email,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    last_seen_at: row.lastSeenAt?.toISOString() ?? ZERO_TIME,
    status: row.status,
    login_type: row.loginType,
    theme_preference: '',
    organization_ids: [...organizationIds],
    roles: row.rbacRoles.map(slimRole),
    avatar_url: row.avatarUrl,
  }
}

export function toOrganization(row: OrganizationRow): Organization {
  return {
    id: row.id,
    name: row.name,
    display_name: row.displayName,
    description: row.description,
    icon: row.icon,
    is_default: row.isDefault,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  }
}

export function toApiKey(row: ApiKeyRow & { username: string }): APIKey {
  return {
    id: row.id,
    user_id: row.userId,
    username: row.username,
    token_name: row.tokenName,
    login_type: row.loginType,
    scope: row.scope,
    scopes: [row.scope === 'all' ? 'coder:all' : row.scope],
    lifetime_seconds: row.lifetimeSeconds,
    expires_at: row.expiresAt.toISOString(),
    last_used: row.lastUsed.toISOString(),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  }
}
