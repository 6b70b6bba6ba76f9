import { Type, type Static } from 'typebox'
import { LimitQuerySchema, OffsetQuerySchema, TimestampSchema, UuidSchema } from './common.js'
import type { ProvisionerJob } from './provisioner-jobs.js'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

export const WorkspaceAgentHealthSchema = Type.Object(
  { healthy: Type.Boolean(), reason: Type.Optional(Type.String()) },
  { additionalProperties: false },
)

/** Coder's `codersdk.WorkspaceAgent`. */
export const WorkspaceAgentSchema = Type.Object(
  {
    id: UuidSchema,
    parent_id: Nullable(UuidSchema),
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
    first_connected_at: Type.Optional(TimestampSchema),
    last_connected_at: Type.Optional(TimestampSchema),
    disconnected_at: Type.Optional(TimestampSchema),
    started_at: Type.Optional(TimestampSchema),
    ready_at: Type.Optional(TimestampSchema),
    status: Type.String(),
    lifecycle_state: Type.String(),
    name: Type.String(),
    resource_id: UuidSchema,
    instance_id: Type.Optional(Type.String()),
    architecture: Type.String(),
    environment_variables: Type.Record(Type.String(), Type.String()),
    operating_system: Type.String(),
    logs_length: Type.Integer(),
    logs_overflowed: Type.Boolean(),
    directory: Type.Optional(Type.String()),
    expanded_directory: Type.Optional(Type.String()),
    version: Type.String(),
    api_version: Type.String(),
    apps: Type.Array(Type.Unknown()),
    connection_timeout_seconds: Type.Integer(),
    troubleshooting_url: Type.String(),
    subsystems: Type.Array(Type.String()),
    health: WorkspaceAgentHealthSchema,
    display_apps: Type.Array(Type.String()),
    log_sources: Type.Array(Type.Unknown()),
    scripts: Type.Array(Type.Unknown()),
    startup_script_behavior: Type.String(),
    /** Outpost's own: the last stage the bootstrap script reported. Coder clients ignore it. */
    enrollment: Type.Optional(
      Type.Object(
        { stage: Type.String(), at: TimestampSchema, error: Type.Optional(Type.String()) },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'WorkspaceAgent', additionalProperties: false },
)
export type WorkspaceAgent = Static<typeof WorkspaceAgentSchema>

/** Coder's `codersdk.WorkspaceResource`. */
export const WorkspaceResourceSchema = Type.Object(
  {
    id: UuidSchema,
    created_at: TimestampSchema,
    job_id: UuidSchema,
    workspace_transition: Type.String(),
    type: Type.String(),
    name: Type.String(),
    hide: Type.Boolean(),
    icon: Type.String(),
    agents: Type.Optional(Type.Array(Type.Ref('WorkspaceAgent'))),
    metadata: Type.Optional(
      Type.Array(Type.Object({ key: Type.String(), value: Type.String(), sensitive: Type.Boolean() })),
    ),
    daily_cost: Type.Integer(),
  },
  { $id: 'WorkspaceResource', additionalProperties: false },
)
export type WorkspaceResource = Omit<Static<typeof WorkspaceResourceSchema>, 'agents'> & { agents?: WorkspaceAgent[] }

/** Coder's `codersdk.WorkspaceBuild`. */
export const WorkspaceBuildSchema = Type.Object(
  {
    id: UuidSchema,
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
    workspace_id: UuidSchema,
    workspace_name: Type.String(),
    workspace_owner_id: UuidSchema,
    workspace_owner_name: Type.String(),
    workspace_owner_avatar_url: Type.Optional(Type.String()),
    template_version_id: UuidSchema,
    template_version_name: Type.String(),
    build_number: Type.Integer(),
    transition: Type.String(),
    initiator_id: UuidSchema,
    initiator_name: Type.String(),
    job: Type.Ref('ProvisionerJob'),
    reason: Type.String(),
    resources: Type.Array(Type.Ref('WorkspaceResource')),
    deadline: Nullable(TimestampSchema),
    max_deadline: Nullable(TimestampSchema),
    status: Type.String(),
    daily_cost: Type.Integer(),
    template_version_preset_id: Nullable(UuidSchema),
    has_external_agent: Type.Boolean(),
  },
  { $id: 'WorkspaceBuild', additionalProperties: false },
)
export type WorkspaceBuild = Omit<Static<typeof WorkspaceBuildSchema>, 'job' | 'resources'> & {
  job: ProvisionerJob
  resources: WorkspaceResource[]
}

/** Coder's `codersdk.Workspace`. */
export const WorkspaceSchema = Type.Object(
  {
    id: UuidSchema,
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
    owner_id: UuidSchema,
    owner_name: Type.String(),
    owner_avatar_url: Type.String(),
    organization_id: UuidSchema,
    organization_name: Type.String(),
    template_id: UuidSchema,
    template_name: Type.String(),
    template_display_name: Type.String(),
    template_icon: Type.String(),
    template_allow_user_cancel_workspace_jobs: Type.Boolean(),
    template_active_version_id: UuidSchema,
    template_require_active_version: Type.Boolean(),
    template_use_classic_parameter_flow: Type.Boolean(),
    latest_build: Type.Ref('WorkspaceBuild'),
    latest_app_status: Type.Null(),
    outdated: Type.Boolean(),
    name: Type.String(),
    autostart_schedule: Type.Optional(Type.String()),
    ttl_ms: Type.Optional(Type.Integer()),
    last_used_at: TimestampSchema,
    deleting_at: Nullable(TimestampSchema),
    dormant_at: Nullable(TimestampSchema),
    health: Type.Object(
      { healthy: Type.Boolean(), failing_agents: Type.Array(UuidSchema) },
      { additionalProperties: false },
    ),
    automatic_updates: Type.String(),
    allow_renames: Type.Boolean(),
    favorite: Type.Boolean(),
    next_start_at: Nullable(TimestampSchema),
    is_prebuild: Type.Boolean(),
    task_id: Nullable(UuidSchema),
  },
  { $id: 'Workspace', additionalProperties: false },
)
export type Workspace = Omit<Static<typeof WorkspaceSchema>, 'latest_build'> & { latest_build: WorkspaceBuild }

export const WorkspacesResponseSchema = Type.Object(
  { workspaces: Type.Array(Type.Ref('Workspace')), count: Type.Integer() },
  { additionalProperties: false },
)

const ParameterValuesSchema = Type.Array(
  Type.Object({ name: Type.String({ maxLength: 256 }), value: Type.String({ maxLength: 65536 }) }),
  { maxItems: 256 },
)

export const CreateWorkspaceRequestSchema = Type.Object({
  name: Type.String({ maxLength: 256 }),
  template_id: Type.Optional(UuidSchema),
  template_version_id: Type.Optional(UuidSchema),
  autostart_schedule: Type.Optional(Type.String({ maxLength: 256 })),
  ttl_ms: Type.Optional(Nullable(Type.Integer())),
  rich_parameter_values: Type.Optional(Nullable(ParameterValuesSchema)),
  automatic_updates: Type.Optional(Type.String({ maxLength: 16 })),
  template_version_preset_id: Type.Optional(UuidSchema),
  claim_prebuild_if_available: Type.Optional(Type.Boolean()),
})
export type CreateWorkspaceRequest = Static<typeof CreateWorkspaceRequestSchema>

export const CreateWorkspaceBuildRequestSchema = Type.Object({
  transition: Type.String({ maxLength: 16 }),
  template_version_id: Type.Optional(UuidSchema),
  dry_run: Type.Optional(Type.Boolean()),
  orphan: Type.Optional(Type.Boolean()),
  rich_parameter_values: Type.Optional(Nullable(ParameterValuesSchema)),
  log_level: Type.Optional(Type.String({ maxLength: 16 })),
  template_version_preset_id: Type.Optional(UuidSchema),
  reason: Type.Optional(Type.String({ maxLength: 64 })),
  state: Type.Optional(Type.Unknown()),
})
export type CreateWorkspaceBuildRequest = Static<typeof CreateWorkspaceBuildRequestSchema>

export const WorkspacesQuerySchema = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 4096 })),
  limit: Type.Optional(LimitQuerySchema),
  offset: Type.Optional(OffsetQuerySchema),
})

export const ExternalAgentCredentialsSchema = Type.Object(
  { command: Type.String(), agent_token: Type.String() },
  { additionalProperties: false },
)
export type ExternalAgentCredentials = Static<typeof ExternalAgentCredentialsSchema>

export const WorkspaceBuildParameterSchema = Type.Object(
  { name: Type.String(), value: Type.String() },
  { additionalProperties: false },
)

export const ENROLLMENT_STAGES = ['script_started', 'binary_downloaded', 'binary_verified', 'agent_starting', 'failed'] as const

export const EnrollmentReportSchema = Type.Object({
  stage: Type.Union(ENROLLMENT_STAGES.map((s) => Type.Literal(s))),
  error: Type.Optional(Type.String({ maxLength: 2048 })),
  hostname: Type.Optional(Type.String({ maxLength: 256 })),
  uname: Type.Optional(Type.String({ maxLength: 512 })),
})
export type EnrollmentReport = Static<typeof EnrollmentReportSchema>
