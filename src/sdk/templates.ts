import { Type, type Static } from 'typebox'
import { PaginationQuerySchema, TimestampSchema, UuidSchema } from './common.js'
import type { ProvisionerJob } from './provisioner-jobs.js'

/** Coder's `codersdk.Template`. */
export const TemplateSchema = Type.Object(
  {
    id: UuidSchema,
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
    organization_id: UuidSchema,
    organization_name: Type.String(),
    organization_display_name: Type.String(),
    organization_icon: Type.String(),
    name: Type.String(),
    display_name: Type.String(),
    provisioner: Type.String(),
    active_version_id: UuidSchema,
    active_user_count: Type.Integer(),
    build_time_stats: Type.Record(
      Type.String(),
      Type.Object({ p50: Type.Union([Type.Integer(), Type.Null()]), p95: Type.Union([Type.Integer(), Type.Null()]) }),
    ),
    description: Type.String(),
    deprecated: Type.Boolean(),
    deprecation_message: Type.String(),
    icon: Type.String(),
    default_ttl_ms: Type.Integer(),
    activity_bump_ms: Type.Integer(),
    autostop_requirement: Type.Object({ days_of_week: Type.Array(Type.String()), weeks: Type.Integer() }),
    autostart_requirement: Type.Object({ days_of_week: Type.Array(Type.String()) }),
    created_by_id: UuidSchema,
    created_by_name: Type.String(),
    allow_user_autostart: Type.Boolean(),
    allow_user_autostop: Type.Boolean(),
    allow_user_cancel_workspace_jobs: Type.Boolean(),
    failure_ttl_ms: Type.Integer(),
    time_til_dormant_ms: Type.Integer(),
    time_til_dormant_autodelete_ms: Type.Integer(),
    require_active_version: Type.Boolean(),
    max_port_share_level: Type.String(),
    cors_behavior: Type.String(),
    use_classic_parameter_flow: Type.Boolean(),
  },
  { $id: 'Template', additionalProperties: false },
)
export type Template = Static<typeof TemplateSchema>

export const MinimalUserSchema = Type.Object(
  { id: UuidSchema, username: Type.String(), name: Type.String(), avatar_url: Type.String() },
  { additionalProperties: false },
)

/** Coder's `codersdk.TemplateVersion`. */
export const TemplateVersionSchema = Type.Object(
  {
    id: UuidSchema,
    template_id: Type.Optional(UuidSchema),
    organization_id: UuidSchema,
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
    name: Type.String(),
    message: Type.String(),
    job: Type.Ref('ProvisionerJob'),
    readme: Type.String(),
    created_by: MinimalUserSchema,
    archived: Type.Boolean(),
    warnings: Type.Array(Type.String()),
    has_external_agent: Type.Boolean(),
  },
  { $id: 'TemplateVersion', additionalProperties: false },
)
export type TemplateVersion = Omit<Static<typeof TemplateVersionSchema>, 'job'> & { job: ProvisionerJob }

export const TemplateVersionParameterSchema = Type.Object(
  {
    name: Type.String(),
    display_name: Type.String(),
    description: Type.String(),
    description_plaintext: Type.String(),
    type: Type.String(),
    form_type: Type.String(),
    mutable: Type.Boolean(),
    default_value: Type.String(),
    icon: Type.String(),
    options: Type.Array(
      Type.Object(
        { name: Type.String(), description: Type.String(), value: Type.String(), icon: Type.String() },
        { additionalProperties: false },
      ),
    ),
    validation_error: Type.Optional(Type.String()),
    validation_regex: Type.Optional(Type.String()),
    validation_min: Type.Optional(Type.Integer()),
    validation_max: Type.Optional(Type.Integer()),
    validation_monotonic: Type.Optional(Type.String()),
    required: Type.Boolean(),
    ephemeral: Type.Boolean(),
  },
  { $id: 'TemplateVersionParameter', additionalProperties: false },
)

export const CreateTemplateVersionRequestSchema = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 64 })),
  message: Type.Optional(Type.String({ maxLength: 1048576 })),
  template_id: Type.Optional(UuidSchema),
  storage_method: Type.String({ maxLength: 16 }),
  file_id: Type.Optional(UuidSchema),
  example_id: Type.Optional(Type.String({ maxLength: 256 })),
  provisioner: Type.String({ maxLength: 32 }),
  tags: Type.Optional(Type.Record(Type.String(), Type.String())),
  user_variable_values: Type.Optional(Type.Array(Type.Object({ name: Type.String(), value: Type.String() }))),
})
export type CreateTemplateVersionRequest = Static<typeof CreateTemplateVersionRequestSchema>

export const CreateTemplateRequestSchema = Type.Object({
  name: Type.String({ maxLength: 256 }),
  display_name: Type.Optional(Type.String({ maxLength: 256 })),
  description: Type.Optional(Type.String({ maxLength: 4096 })),
  icon: Type.Optional(Type.String({ maxLength: 1024 })),
  template_version_id: UuidSchema,
  require_active_version: Type.Optional(Type.Boolean()),
  template_use_classic_parameter_flow: Type.Optional(Type.Boolean()),
  // A Go *bool without omitempty: `coder templates push` sends null when unset.
  allow_user_cancel_workspace_jobs: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
})
export type CreateTemplateRequest = Static<typeof CreateTemplateRequestSchema>

export const UpdateActiveTemplateVersionSchema = Type.Object({ id: UuidSchema })

export const TemplatesQuerySchema = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 1024 })),
})

export const TemplateVersionsQuerySchema = Type.Intersect([
  PaginationQuerySchema,
  Type.Object({ after_id: Type.Optional(UuidSchema), include_archived: Type.Optional(Type.Boolean()) }),
])

export const UploadResponseSchema = Type.Object({ hash: UuidSchema }, { additionalProperties: false })

export const DryRunRequestSchema = Type.Object({
  workspace_name: Type.Optional(Type.String({ maxLength: 256 })),
  rich_parameter_values: Type.Optional(
    Type.Union([
      Type.Array(Type.Object({ name: Type.String({ maxLength: 256 }), value: Type.String({ maxLength: 65536 }) }), {
        maxItems: 256,
      }),
      Type.Null(),
    ]),
  ),
  user_variable_values: Type.Optional(Type.Unknown()),
})
export type DryRunRequest = Static<typeof DryRunRequestSchema>

export const DynamicParametersRequestSchema = Type.Object({
  id: Type.Optional(Type.Integer()),
  inputs: Type.Optional(Type.Record(Type.String(), Type.String())),
  owner_id: Type.Optional(UuidSchema),
})
