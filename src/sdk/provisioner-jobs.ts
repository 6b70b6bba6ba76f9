import { Type, type Static } from 'typebox'
import { MAX_INT32, TimestampSchema, UuidSchema } from './common.js'

export const ProvisionerJobStatusSchema = Type.Union(
  ['pending', 'running', 'succeeded', 'canceling', 'canceled', 'failed'].map((s) => Type.Literal(s)),
)

/** Coder's `codersdk.ProvisionerJob`. */
export const ProvisionerJobSchema = Type.Object(
  {
    id: UuidSchema,
    created_at: TimestampSchema,
    started_at: Type.Optional(TimestampSchema),
    completed_at: Type.Optional(TimestampSchema),
    canceled_at: Type.Optional(TimestampSchema),
    error: Type.Optional(Type.String()),
    error_code: Type.Optional(Type.String()),
    status: Type.String(),
    worker_id: Type.Optional(UuidSchema),
    worker_name: Type.Optional(Type.String()),
    file_id: UuidSchema,
    tags: Type.Record(Type.String(), Type.String()),
    queue_position: Type.Integer(),
    queue_size: Type.Integer(),
    organization_id: UuidSchema,
    initiator_id: UuidSchema,
    input: Type.Object(
      {
        error: Type.Optional(Type.String()),
        template_version_id: Type.Optional(UuidSchema),
        workspace_build_id: Type.Optional(UuidSchema),
      },
      { additionalProperties: false },
    ),
    type: Type.String(),
    available_workers: Type.Optional(Type.Array(UuidSchema)),
    metadata: Type.Object(
      {
        template_version_name: Type.String(),
        template_id: UuidSchema,
        template_name: Type.String(),
        template_display_name: Type.String(),
        template_icon: Type.String(),
        workspace_id: Type.Optional(UuidSchema),
        workspace_name: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
    logs_overflowed: Type.Boolean(),
  },
  { $id: 'ProvisionerJob', additionalProperties: false },
)
export type ProvisionerJob = Static<typeof ProvisionerJobSchema>

/** Coder's `codersdk.ProvisionerJobLog`. */
export const ProvisionerJobLogSchema = Type.Object(
  {
    id: Type.Integer(),
    created_at: TimestampSchema,
    log_source: Type.String(),
    log_level: Type.String(),
    stage: Type.String(),
    output: Type.String(),
  },
  { $id: 'ProvisionerJobLog', additionalProperties: false },
)
export type ProvisionerJobLog = Static<typeof ProvisionerJobLogSchema>

export const JobLogsQuerySchema = Type.Object({
  follow: Type.Optional(Type.Union([Type.Boolean(), Type.String({ maxLength: 8 })])),
  after: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_INT32 })),
  before: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_INT32 })),
})

export const MatchedProvisionersSchema = Type.Object(
  {
    count: Type.Integer(),
    available: Type.Integer(),
    most_recently_seen: Type.Optional(TimestampSchema),
  },
  { additionalProperties: false },
)
