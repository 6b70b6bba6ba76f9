import { sql } from 'drizzle-orm'
import {
  bigint,
  boolean,
  index,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core'

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
}

/** Deployment-wide singletons, keyed by name. The primary key makes "only once" races safe. */
export const siteConfigs = pgTable('site_configs', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
})

export const organizations = pgTable(
  'organizations',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    displayName: text('display_name').notNull(),
    description: text('description').notNull().default(''),
    icon: text('icon').notNull().default(''),
    isDefault: boolean('is_default').notNull().default(false),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('organizations_name_key').on(sql`lower(${t.name})`),
    uniqueIndex('organizations_single_default').on(t.isDefault).where(sql`${t.isDefault}`),
  ],
)

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    email: text('email').notNull(),
    username: text('username').notNull(),
    name: text('name').notNull().default(''),
    /** scrypt hash in the `scrypt$N$r$p$salt$hash` form; null for users without a password. */
    hashedPassword: text('hashed_password'),
    loginType: text('login_type', { enum: ['password', 'none'] }).notNull(),
    status: text('status', { enum: ['active', 'dormant', 'suspended'] }).notNull(),
    /** Site-wide roles, such as `owner`. Every user is implicitly a `member`. */
    rbacRoles: text('rbac_roles').array().notNull().default(sql`'{}'::text[]`),
    avatarUrl: text('avatar_url').notNull().default(''),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }),
    deleted: boolean('deleted').notNull().default(false),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('users_username_key').on(sql`lower(${t.username})`).where(sql`NOT ${t.deleted}`),
    uniqueIndex('users_email_key').on(sql`lower(${t.email})`).where(sql`NOT ${t.deleted}`),
  ],
)

export const organizationMembers = pgTable(
  'organization_members',
  {
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    roles: text('roles').array().notNull().default(sql`'{}'::text[]`),
    ...timestamps,
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.userId] }),
    index('organization_members_user_id_idx').on(t.userId),
  ],
)

export const apiKeys = pgTable(
  'api_keys',
  {
    /** The public 10-character part of `<id>-<secret>`. */
    id: text('id').primaryKey(),
    /** SHA-256 of the 22-character secret; the secret itself is never stored. */
    hashedSecret: text('hashed_secret').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** `password` for login sessions, `token` for named long-lived tokens. */
    loginType: text('login_type', { enum: ['password', 'token'] }).notNull(),
    tokenName: text('token_name').notNull().default(''),
    lifetimeSeconds: bigint('lifetime_seconds', { mode: 'number' }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    lastUsed: timestamp('last_used', { withTimezone: true, mode: 'date' }).notNull(),
    scope: text('scope').notNull().default('all'),
    ...timestamps,
  },
  (t) => [
    index('api_keys_user_id_idx').on(t.userId),
    uniqueIndex('api_keys_user_token_name_key')
      .on(t.userId, t.tokenName)
      .where(sql`${t.loginType} = 'token'`),
  ],
)

export type OrganizationRow = typeof organizations.$inferSelect
export type UserRow = typeof users.$inferSelect
export type NewUserRow = typeof users.$inferInsert
export type OrganizationMemberRow = typeof organizationMembers.$inferSelect
export type ApiKeyRow = typeof apiKeys.$inferSelect
export type NewApiKeyRow = typeof apiKeys.$inferInsert
