import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
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

/**
 * A union of literals fails as one `const` issue per branch plus an `anyOf` issue, all on
 * one field: say once which values are allowed instead.
 */
function mergeChoices(issues: AjvIssue[]): AjvIssue[] {
  const byPath = new Map<string, AjvIssue[]>()
  for (const issue of issues) {
    const path = issue.instancePath ?? ''
    byPath.set(path, [...(byPath.get(path) ?? []), issue])
  }
  const merged = new Map<string, AjvIssue>()
  for (const [path, group] of byPath) {
    const branches = group.filter((i) => i.keyword !== 'anyOf')
    if (group.length === branches.length || branches.length === 0) continue
    if (!branches.every((i) => i.keyword === 'const')) continue
    const allowed = [...new Set(branches.map((i) => JSON.stringify(i.params?.allowedValue)))]
    merged.set(path, { instancePath: path, keyword: 'anyOf', message: `must be one of ${allowed.join(', ')}` })
  }
  const out: AjvIssue[] = []
  for (const issue of issues) {
    const replacement = merged.get(issue.instancePath ?? '')
    if (replacement === undefined) out.push(issue)
    else if (!out.includes(replacement)) out.push(replacement)
  }
  return out
}

function validationsOf(issues: AjvIssue[]): Validation[] {
  const seen = new Set<string>()
  const out: Validation[] = []
  for (const issue of mergeChoices(issues)) {
    const validation = { field: fieldOf(issue), detail: issue.message ?? 'is invalid' }
    const key = `${validation.field}\u0000${validation.detail}`
    if (!seen.has(key)) out.push(validation)
    seen.add(key)
  }
  return out
}

/** What the request said, for errors whose text Fastify does not carry. */
export interface RequestFacts {
  bodyLimit?: number | undefined
  contentType?: string | undefined
}

/** Turns anything thrown into Coder's error shape; only real faults become 500. */
export function toApiError(err: FastifyError, facts: RequestFacts = {}): ApiError {
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
    // Fastify's messages name neither the limit nor the type, so they come from the request.
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.bodyTooLarge(facts.bodyLimit ?? 0)
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMediaType((facts.contentType ?? '').split(';')[0]!.trim())
  }
  if (err instanceof SyntaxError && err.statusCode === 400) return errors.invalidJson(err.message)
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return new ApiError(err.statusCode, err.message)
  }
  return errors.internal()
}

/** Sends an error in Coder's shape `{message, detail?, validations?}`, with its headers. */
export function sendApiError(reply: FastifyReply, apiError: ApiError): FastifyReply {
  if (apiError.headers) void reply.headers(apiError.headers)
  const body: Record<string, unknown> = { message: apiError.message }
  if (apiError.detail !== undefined) body.detail = apiError.detail
  if (apiError.validations !== undefined) body.validations = apiError.validations
  return reply.code(apiError.statusCode).type('application/json; charset=utf-8').send(body)
}

export default fp(
  async function errorHandling(app: FastifyInstance) {
    app.setErrorHandler((err: FastifyError, request, reply) => {
      // A route that does not exist is 404 whatever its body was (Fastify still parses it).
      const apiError = request.is404
        ? errors.routeNotFound()
        : toApiError(err, { bodyLimit: request.routeOptions.bodyLimit, contentType: request.headers['content-type'] })
      if (apiError.statusCode >= 500) request.log.error({ err }, 'request failed')
      else request.log.debug({ err: { message: apiError.message, status: apiError.statusCode } }, 'request rejected')
      return sendApiError(reply, apiError)
    })
    app.setNotFoundHandler((_request, reply) =>
      reply.code(404).type('application/json; charset=utf-8').send({ message: errors.routeNotFound().message }),
    )
  },
  { name: 'errors' },
)
