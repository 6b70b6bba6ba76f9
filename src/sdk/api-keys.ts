import { Type, type Static } from 'typebox'
import { TimestampSchema, UuidSchema } from './common.js'

/** Coder's `codersdk.APIKey`: the metadata of a key, never its secret. */
export const APIKeySchema = Type.Object(
  {
    id: Type.String(),
    user_id: UuidSchema,
    username: Type.String(),
    token_name: Type.String(),
    login_type: Type.Union([Type.Literal('password'), Type.Literal('token')]),
    scope: Type.String(),
    scopes: Type.Array(Type.String()),
    lifetime_seconds: Type.Integer(),
    expires_at: TimestampSchema,
    last_used: TimestampSchema,
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
  },
  { $id: 'APIKey', additionalProperties: false },
)
export type APIKey = Static<typeof APIKeySchema>

export const CreateTokenRequestSchema = Type.Object({
  token_name: Type.Optional(Type.String({ maxLength: 64 })),
  /** Nanoseconds, as Go's `time.Duration`; 0 or absent means the default lifetime. */
  lifetime: Type.Optional(Type.Integer()),
  scope: Type.Optional(Type.String({ maxLength: 64 })),
})
export type CreateTokenRequest = Static<typeof CreateTokenRequestSchema>

export const GenerateAPIKeyResponseSchema = Type.Object({ key: Type.String() }, { additionalProperties: false })

export const KeyParamsSchema = Type.Object({
  user: Type.String({ minLength: 1, maxLength: 256 }),
  keyid: Type.String({ minLength: 1, maxLength: 64 }),
})
