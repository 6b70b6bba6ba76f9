import { sql } from 'drizzle-orm'
import {
  bigint,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core'

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  // PGlite returns Uint8Array, pg returns Buffer: callers always get a Buffer.
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
})

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

/** Uploaded template sources (tar), deduplicated per creator by content hash. */
export const files = pgTable(
  'files',
  {
    id: uuid('id').primaryKey(),
    hash: text('hash').notNull(),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    mimetype: text('mimetype').notNull(),
    data: bytea('data').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [uniqueIndex('files_hash_created_by_key').on(t.hash, t.createdBy)],
)

export const JOB_TYPES = ['template_version_import', 'workspace_build', 'template_version_dry_run'] as const
export const JOB_STATUSES = ['pending', 'running', 'succeeded', 'canceling', 'canceled', 'failed'] as const

/**
 * Coder's provisioner jobs. Outpost provisions nothing, so every job runs to its end
 * inside the request that creates it; the rows exist because clients watch them.
 */
export const provisionerJobs = pgTable('provisioner_jobs', {
  id: uuid('id').primaryKey(),
  organizationId: uuid('organization_id')
    .notNull()
    .references(() => organizations.id),
  type: text('type', { enum: JOB_TYPES }).notNull(),
  status: text('status', { enum: JOB_STATUSES }).notNull(),
  error: text('error').notNull().default(''),
  errorCode: text('error_code').notNull().default(''),
  fileId: uuid('file_id').references(() => files.id),
  initiatorId: uuid('initiator_id')
    .notNull()
    .references(() => users.id),
  /** Job input: template version, workspace build, and for dry runs the parameter values. */
  input: jsonb('input').$type<JobInput>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
  completedAt: timestamp('completed_at', { withTimezone: true, mode: 'date' }),
  canceledAt: timestamp('canceled_at', { withTimezone: true, mode: 'date' }),
})

export interface JobInput {
  template_version_id?: string
  workspace_build_id?: string
  workspace_name?: string
  rich_parameter_values?: { name: string; value: string }[]
}

export const provisionerJobLogs = pgTable(
  'provisioner_job_logs',
  {
    jobId: uuid('job_id')
      .notNull()
      .references(() => provisionerJobs.id, { onDelete: 'cascade' }),
    /** 1, 2, 3… within the job: the `id` clients resume from with `after`. */
    seq: integer('seq').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    source: text('source', { enum: ['provisioner_daemon', 'provisioner'] }).notNull(),
    level: text('level', { enum: ['trace', 'debug', 'info', 'warn', 'error'] }).notNull(),
    stage: text('stage').notNull(),
    output: text('output').notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.seq] })],
)

export const templates = pgTable(
  'templates',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    displayName: text('display_name').notNull().default(''),
    description: text('description').notNull().default(''),
    icon: text('icon').notNull().default(''),
    activeVersionId: uuid('active_version_id').notNull(),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id),
    /** Non-empty means deprecated: no new workspaces. */
    deprecationMessage: text('deprecation_message').notNull().default(''),
    useClassicParameterFlow: boolean('use_classic_parameter_flow').notNull().default(true),
    requireActiveVersion: boolean('require_active_version').notNull().default(false),
    allowUserCancelWorkspaceJobs: boolean('allow_user_cancel_workspace_jobs').notNull().default(false),
    deleted: boolean('deleted').notNull().default(false),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('templates_organization_name_key')
      .on(t.organizationId, sql`lower(${t.name})`)
      .where(sql`NOT ${t.deleted}`),
  ],
)

export const templateVersions = pgTable(
  'template_versions',
  {
    id: uuid('id').primaryKey(),
    templateId: uuid('template_id').references(() => templates.id),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    message: text('message').notNull().default(''),
    readme: text('readme').notNull().default(''),
    fileId: uuid('file_id')
      .notNull()
      .references(() => files.id),
    jobId: uuid('job_id')
      .notNull()
      .references(() => provisionerJobs.id),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id),
    hasExternalAgent: boolean('has_external_agent').notNull().default(false),
    /** The static analysis of the template (parameters, agents, expressions); null when the import failed. */
    analysis: jsonb('analysis'),
    archived: boolean('archived').notNull().default(false),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('template_versions_template_name_key')
      .on(t.templateId, sql`lower(${t.name})`)
      .where(sql`${t.templateId} IS NOT NULL`),
    index('template_versions_template_id_idx').on(t.templateId),
  ],
)

export const workspaces = pgTable(
  'workspaces',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id),
    templateId: uuid('template_id')
      .notNull()
      .references(() => templates.id),
    name: text('name').notNull(),
    automaticUpdates: text('automatic_updates', { enum: ['always', 'never'] }).notNull().default('never'),
    autostartSchedule: text('autostart_schedule'),
    ttlMs: bigint('ttl_ms', { mode: 'number' }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }).notNull(),
    deleted: boolean('deleted').notNull().default(false),
    /**
     * Its latest build's has_external_agent, on the row so the `has_external_agent` search
     * (what `coder external-workspaces list` sends) and its count need no per-row subquery.
     * Set at creation from build 1; a delete build copies its predecessor's value, so it
     * never changes. A build that could change it must update it too.
     */
    hasExternalAgent: boolean('has_external_agent').notNull().default(false),
    ...timestamps,
  },
  (t) => [
    // The API promises one live workspace per owner and name: concurrent creates race here.
    // It is also the order of a search page: owner, then name (store/workspaces.ts).
    uniqueIndex('workspaces_owner_name_key')
      .on(t.ownerId, sql`lower(${t.name})`)
      .where(sql`NOT ${t.deleted}`),
    // Counting the live workspaces with (or without) an external agent, index only.
    index('workspaces_live_external_agent_idx').on(t.hasExternalAgent).where(sql`NOT ${t.deleted}`),
    index('workspaces_template_id_idx').on(t.templateId),
    index('workspaces_organization_id_idx').on(t.organizationId),
  ],
)

export const WORKSPACE_TRANSITIONS = ['start', 'stop', 'delete'] as const

export const workspaceBuilds = pgTable(
  'workspace_builds',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id),
    templateVersionId: uuid('template_version_id')
      .notNull()
      .references(() => templateVersions.id),
    buildNumber: integer('build_number').notNull(),
    transition: text('transition', { enum: WORKSPACE_TRANSITIONS }).notNull(),
    initiatorId: uuid('initiator_id')
      .notNull()
      .references(() => users.id),
    reason: text('reason').notNull().default('initiator'),
    jobId: uuid('job_id')
      .notNull()
      .references(() => provisionerJobs.id),
    hasExternalAgent: boolean('has_external_agent').notNull(),
    ...timestamps,
  },
  (t) => [
    // Two builds cannot take the same number: concurrent deletes serialise here.
    uniqueIndex('workspace_builds_workspace_number_key').on(t.workspaceId, t.buildNumber),
    index('workspace_builds_job_id_idx').on(t.jobId),
  ],
)

export const workspaceBuildParameters = pgTable(
  'workspace_build_parameters',
  {
    buildId: uuid('build_id')
      .notNull()
      .references(() => workspaceBuilds.id),
    name: text('name').notNull(),
    value: text('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.buildId, t.name] })],
)

/** Resources a job produced: a workspace build's, a dry run's, or a template import's. */
export const workspaceResources = pgTable(
  'workspace_resources',
  {
    id: uuid('id').primaryKey(),
    jobId: uuid('job_id')
      .notNull()
      .references(() => provisionerJobs.id),
    transition: text('transition', { enum: WORKSPACE_TRANSITIONS }).notNull(),
    type: text('type').notNull(),
    name: text('name').notNull(),
    hide: boolean('hide').notNull().default(false),
    icon: text('icon').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('workspace_resources_job_id_idx').on(t.jobId)],
)

export const AGENT_LIFECYCLE_STATES = [
  'created',
  'starting',
  'start_timeout',
  'start_error',
  'ready',
  'shutting_down',
  'shutdown_timeout',
  'shutdown_error',
  'off',
] as const

export const workspaceAgents = pgTable(
  'workspace_agents',
  {
    id: uuid('id').primaryKey(),
    resourceId: uuid('resource_id')
      .notNull()
      .references(() => workspaceResources.id),
    name: text('name').notNull(),
    operatingSystem: text('operating_system').notNull(),
    architecture: text('architecture').notNull(),
    connectionTimeoutSeconds: integer('connection_timeout_seconds').notNull().default(120),
    troubleshootingUrl: text('troubleshooting_url').notNull().default(''),
    directory: text('directory').notNull().default(''),
    lifecycleState: text('lifecycle_state', { enum: AGENT_LIFECYCLE_STATES }).notNull().default('created'),
    firstConnectedAt: timestamp('first_connected_at', { withTimezone: true, mode: 'date' }),
    lastConnectedAt: timestamp('last_connected_at', { withTimezone: true, mode: 'date' }),
    disconnectedAt: timestamp('disconnected_at', { withTimezone: true, mode: 'date' }),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    readyAt: timestamp('ready_at', { withTimezone: true, mode: 'date' }),
    version: text('version').notNull().default(''),
    apiVersion: text('api_version').notNull().default(''),
    /** The last stage the bootstrap script reported (script_started … agent_starting, or failed). */
    enrollmentStage: text('enrollment_stage'),
    enrollmentStageAt: timestamp('enrollment_stage_at', { withTimezone: true, mode: 'date' }),
    enrollmentError: text('enrollment_error').notNull().default(''),
    ...timestamps,
  },
  (t) => [index('workspace_agents_resource_id_idx').on(t.resourceId)],
)

/**
 * Agent tokens. Coder keeps one plain UUID per agent; Outpost keeps a SHA-256 for
 * lookup and an AES-256-GCM ciphertext for re-display, never the token itself, and
 * allows a second token during a rotation's grace period.
 */
export const workspaceAgentTokens = pgTable(
  'workspace_agent_tokens',
  {
    id: uuid('id').primaryKey(),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => workspaceAgents.id),
    tokenHash: text('token_hash').notNull(),
    tokenCiphertext: text('token_ciphertext').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** Null while current; set when a rotation retires the token (then it works until this time). */
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('workspace_agent_tokens_token_hash_key').on(t.tokenHash),
    index('workspace_agent_tokens_agent_id_idx').on(t.agentId),
  ],
)

export type FileRow = typeof files.$inferSelect
export type ProvisionerJobRow = typeof provisionerJobs.$inferSelect
export type NewProvisionerJobRow = typeof provisionerJobs.$inferInsert
export type ProvisionerJobLogRow = typeof provisionerJobLogs.$inferSelect
export type TemplateRow = typeof templates.$inferSelect
export type TemplateVersionRow = typeof templateVersions.$inferSelect
export type WorkspaceRow = typeof workspaces.$inferSelect
export type WorkspaceBuildRow = typeof workspaceBuilds.$inferSelect
export type WorkspaceResourceRow = typeof workspaceResources.$inferSelect
export type WorkspaceAgentRow = typeof workspaceAgents.$inferSelect
export type WorkspaceAgentTokenRow = typeof workspaceAgentTokens.$inferSelect

/** The audit trail: who did what to which resource, from where, with what outcome. */
export const auditLogs = pgTable(
  'audit_logs',
  {
    id: uuid('id').primaryKey(),
    time: timestamp('time', { withTimezone: true, mode: 'date' }).notNull(),
    /** Null when nobody was signed in (e.g. a failed login for an unknown email). */
    userId: uuid('user_id'),
    organizationId: uuid('organization_id'),
    ip: text('ip').notNull(),
    userAgent: text('user_agent').notNull(),
    resourceType: text('resource_type').notNull(),
    resourceId: uuid('resource_id'),
    resourceTarget: text('resource_target').notNull(),
    action: text('action').notNull(),
    statusCode: integer('status_code').notNull(),
    requestId: uuid('request_id').notNull(),
    description: text('description').notNull().default(''),
    additionalFields: jsonb('additional_fields').$type<Record<string, string>>().notNull(),
  },
  (t) => [
    index('audit_logs_time_idx').on(t.time),
    index('audit_logs_resource_idx').on(t.resourceType, t.resourceId),
    index('audit_logs_user_id_idx').on(t.userId),
  ],
)

export type AuditLogRow = typeof auditLogs.$inferSelect
