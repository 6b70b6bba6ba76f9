import { Type, type Static } from 'typebox'
import { MAX_PAGE_SIZE, OffsetQuerySchema, TimestampSchema, UuidSchema } from './common.js'

/**
 * Coder's `codersdk.AuditLog`. Outpost records two things Coder does not: template file
 * uploads (resource_type `file`) and agent credential reads (action `read`).
 */
export const AuditLogSchema = Type.Object(
  {
    id: UuidSchema,
    request_id: UuidSchema,
    time: TimestampSchema,
    ip: Type.String(),
    user_agent: Type.String(),
    resource_type: Type.String(),
    resource_id: UuidSchema,
    resource_target: Type.String(),
    resource_icon: Type.String(),
    resource_link: Type.String(),
    action: Type.String(),
    diff: Type.Record(Type.String(), Type.Unknown()),
    status_code: Type.Integer(),
    additional_fields: Type.Record(Type.String(), Type.String()),
    description: Type.String(),
    organization_id: UuidSchema,
    is_deleted: Type.Boolean(),
    user: Type.Union([Type.Ref('User'), Type.Null()]),
  },
  { $id: 'AuditLog', additionalProperties: false },
)
export type AuditLog = Omit<Static<typeof AuditLogSchema>, 'user'> & { user: unknown }

export const AuditLogResponseSchema = Type.Object(
  { audit_logs: Type.Array(Type.Ref('AuditLog')), count: Type.Integer() },
  { additionalProperties: false },
)

export const AuditQuerySchema = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 1024 })),
  limit: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_PAGE_SIZE, description: `Page size, at most ${MAX_PAGE_SIZE}; 0 means 100.` })),
  offset: Type.Optional(OffsetQuerySchema),
})
