import type { FastifyError, FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ApiError, errors, type Validation } from '../errors.js'

interface AjvIssue {
  instancePath?: string
  keyword?: string
  message?: string
  params?: Record<string, unknown>
}

function fieldOf(issue: AjvIssue): string {
  const missing = issue.params?.missingProperty
  if (typeof missing === 'string') return missing
  const path = (issue.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.')
  return path === '' ? 'body' : path
}

function validationsOf(issues: AjvIssue[]): Validation[] {
  const seen = new Set<string>()
  const out: Validation[] = []
  for (const issue of issues) {
    const validation = { field: fieldOf(issue), detail: issue.message ?? 'is invalid' }
    const key = `${validation.field}\u0000${validation.detail}`
    if (!seen.has(key)) out.push(validation)
    seen.add(key)
  }
  return out
}

/** Turns anything thrown into Coder's error shape; only real faults become 500. */
export function toApiError(err: FastifyError): ApiError {
  if (err instanceof ApiError) return err
  if (err.validation) {
    const validations = validationsOf(err.validation as AjvIssue[])
    if (err.validationContext === 'querystring') return errors.invalidQuery(validations)
    if (err.validationContext === 'headers') {
      return new ApiError(400, 'Invalid request headers.', undefined, validations)
    }
    return errors.validation(validations)
  }
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errors.invalidJson(err.message)
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.bodyTooLarge(Number(/\d+/.exec(err.message)?.[0] ?? 0))
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMediaType(String(/: (.*)$/.exec(err.message)?.[1] ?? ''))
  }
  if (err instanceof SyntaxError && err.statusCode === 400) return errors.invalidJson(err.message)
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return new ApiError(err.statusCode, err.message)
  }
  return errors.internal()
}

export default fp(
  async function errorHandling(app: FastifyInstance) {
    app.setErrorHandler((err: FastifyError, request, reply) => {
      const apiError = toApiError(err)
      if (apiError.statusCode >= 500) request.log.error({ err }, 'request failed')
      else request.log.debug({ err: { message: apiError.message, status: apiError.statusCode } }, 'request rejected')
      if (apiError.headers) void reply.headers(apiError.headers)
      const body: Record<string, unknown> = { message: apiError.message }
      if (apiError.detail !== undefined) body.detail = apiError.detail
      if (apiError.validations !== undefined) body.validations = apiError.validations
      return reply.code(apiError.statusCode).type('application/json; charset=utf-8').send(body)
    })
    app.setNotFoundHandler((_request, reply) =>
      reply.code(404).type('application/json; charset=utf-8').send({ message: errors.routeNotFound().message }),
    )
  },
  { name: 'errors' },
)
