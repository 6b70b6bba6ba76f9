import { Type, type Static } from 'typebox'

export const UuidSchema = Type.String({ format: 'uuid' })
export const TimestampSchema = Type.String({ format: 'date-time' })

export const ValidationErrorSchema = Type.Object(
  { field: Type.String(), detail: Type.String() },
  { additionalProperties: false },
)

/** Coder's `codersdk.Response`: every error body, and some plain acknowledgements. */
export const ResponseSchema = Type.Object(
  {
    message: Type.String(),
    detail: Type.Optional(Type.String()),
    validations: Type.Optional(Type.Array(ValidationErrorSchema)),
  },
  { $id: 'Response', additionalProperties: false },
)
export type Response = Static<typeof ResponseSchema>

/** The error responses every route may answer with, by `$ref` to the shared schema. */
export const errorResponses = {
  '4xx': Type.Ref('Response'),
  '5xx': Type.Ref('Response'),
}

/** The largest page a list endpoint returns; a larger `limit` is a 400. */
export const MAX_PAGE_SIZE = 1000
/** The largest 32-bit integer: Coder parses `offset` as one, and log ids are stored as one. */
export const MAX_INT32 = 2_147_483_647
/** The largest `offset`; larger is a 400. */
export const MAX_OFFSET = MAX_INT32

export const LimitQuerySchema = Type.Integer({
  minimum: 0,
  maximum: MAX_PAGE_SIZE,
  description: `Page size, at most ${MAX_PAGE_SIZE}; 0 is the server maximum.`,
})
export const OffsetQuerySchema = Type.Integer({ minimum: 0, maximum: MAX_OFFSET })

export const PaginationQuerySchema = Type.Object({
  limit: Type.Optional(LimitQuerySchema),
  offset: Type.Optional(OffsetQuerySchema),
})
