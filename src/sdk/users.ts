import { Type, type Static } from 'typebox'
import { PaginationQuerySchema, TimestampSchema, UuidSchema } from './common.js'

export const SlimRoleSchema = Type.Object(
  {
    name: Type.String(),
    display_name: Type.String(),
    organization_id: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)
export type SlimRole = Static<typeof SlimRoleSchema>

export const UserStatusSchema = Type.Union([Type.Literal('active'), Type.Literal('dormant'), Type.Literal('suspended')])
export const LoginTypeSchema = Type.Union([Type.Literal('password'), Type.Literal('none')])

/** Coder's `codersdk.User`. */
export const UserSchema = Type.Object(
  {
    id: UuidSchema,
    username: Type.String(),
    name: Type.String(),
    email: Type.String(),
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
    last_seen_at: TimestampSchema,
    status: UserStatusSchema,
    login_type: LoginTypeSchema,
    theme_preference: Type.String(),
    organization_ids: Type.Array(UuidSchema),
    roles: Type.Array(SlimRoleSchema),
    avatar_url: Type.String(),
  },
  { $id: 'User', additionalProperties: false },
)
export type User = Static<typeof UserSchema>

export const UserParamsSchema = Type.Object({
  user: Type.String({ minLength: 1, maxLength: 256, description: 'User ID, username, or `me`.' }),
})

export const CreateFirstUserRequestSchema = Type.Object({
  email: Type.String({ format: 'email', maxLength: 320 }),
  username: Type.String({ maxLength: 256 }),
  name: Type.Optional(Type.String({ maxLength: 256 })),
  password: Type.String({ maxLength: 1024 }),
  trial: Type.Optional(Type.Boolean()),
})
export type CreateFirstUserRequest = Static<typeof CreateFirstUserRequestSchema>

export const CreateFirstUserResponseSchema = Type.Object(
  { user_id: UuidSchema, organization_id: UuidSchema },
  { additionalProperties: false },
)

export const LoginWithPasswordRequestSchema = Type.Object({
  email: Type.String({ format: 'email', maxLength: 320 }),
  password: Type.String({ maxLength: 1024 }),
})

export const LoginWithPasswordResponseSchema = Type.Object(
  { session_token: Type.String() },
  { additionalProperties: false },
)

export const CreateUserRequestSchema = Type.Object({
  email: Type.String({ format: 'email', maxLength: 320 }),
  username: Type.String({ maxLength: 256 }),
  name: Type.Optional(Type.String({ maxLength: 256 })),
  password: Type.Optional(Type.String({ maxLength: 1024 })),
  login_type: Type.Optional(Type.Union([LoginTypeSchema, Type.Literal('')])),
  user_status: Type.Optional(UserStatusSchema),
  organization_ids: Type.Optional(Type.Array(UuidSchema, { maxItems: 100 })),
})
export type CreateUserRequest = Static<typeof CreateUserRequestSchema>

export const ListUsersQuerySchema = Type.Intersect([
  PaginationQuerySchema,
  Type.Object({
    q: Type.Optional(Type.String({ maxLength: 1024 })),
    after_id: Type.Optional(UuidSchema),
  }),
])

export const GetUsersResponseSchema = Type.Object(
  { users: Type.Array(Type.Ref('User')), count: Type.Integer() },
  { additionalProperties: false },
)
