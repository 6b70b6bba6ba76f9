import { Type, type Static } from 'typebox'
import { TimestampSchema, UuidSchema } from './common.js'

/** Coder's `codersdk.Organization`. */
export const OrganizationSchema = Type.Object(
  {
    id: UuidSchema,
    name: Type.String(),
    display_name: Type.String(),
    description: Type.String(),
    icon: Type.String(),
    is_default: Type.Boolean(),
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
  },
  { $id: 'Organization', additionalProperties: false },
)
export type Organization = Static<typeof OrganizationSchema>

export const OrganizationParamsSchema = Type.Object({
  organization: Type.String({ minLength: 1, maxLength: 256, description: 'Organization ID or name.' }),
})
