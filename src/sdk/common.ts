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

export const PaginationQuerySchema = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, description: 'Page size; 0 is the server maximum.' })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
})
