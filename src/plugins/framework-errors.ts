import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { maxHeaderSize } from 'node:http'
import type { Socket } from 'node:net'
import { errors, type ApiError } from '../errors.js'
import { sendApiError } from './errors.js'

/** The longest path parameter the router accepts (Fastify's `maxParamLength`). */
export const MAX_PARAM_LENGTH = 512

/**
 * Fastify's `frameworkErrors`: a path parameter over `MAX_PARAM_LENGTH` or malformed
 * percent-encoding, found by the router before any route or hook runs. Answered in
 * Coder's shape like every other error, not with Fastify's body that echoes the path.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  let apiError: ApiError
  switch (err.code) {
    case 'FST_ERR_MAX_PARAM_LENGTH':
      apiError = errors.pathParamTooLong(MAX_PARAM_LENGTH)
      break
    case 'FST_ERR_BAD_URL':
      apiError = errors.badUrl()
      break
    default:
      request.log.error({ err }, 'request failed')
      apiError = errors.internal()
  }
  // No hook runs for these requests: the headers every response carries are set here.
  void reply.header('x-request-id', request.id).header('x-content-type-options', 'nosniff')
  sendApiError(reply, apiError)
}

/**
 * Fastify's `clientErrorHandler`, for what Node's HTTP parser refuses before Fastify sees
 * a request: headers over Node's limit (431), a timed-out or unparsable request. The
 * same answers Fastify gives, in Coder's shape.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const apiError =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? errors.headersTooLarge(maxHeaderSize)
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? errors.clientTimeout()
        : errors.badRequest()
  const body = JSON.stringify(apiError.detail === undefined ? { message: apiError.message } : { message: apiError.message, detail: apiError.detail })
  const reason = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' }[apiError.statusCode] ?? ''
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${apiError.statusCode} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `X-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
  }
  socket.destroy(err)
}

/**
 * The same 400 when a wildcard route (the dashboard's `/*`) matched a path the router
 * would otherwise have refused: no route has a static segment that long, so any path
 * segment over `MAX_PARAM_LENGTH` (as sent, percent-encoded) is a parameter too long.
 */
export const longSegmentGuard = fp(
  async function longSegmentGuard(app: FastifyInstance) {
    app.addHook('onRequest', (request, _reply, done) => {
      if (request.url.length <= MAX_PARAM_LENGTH) return done()
      const path = request.url.split('?', 1)[0]!
      if (path.split('/').some((segment) => segment.length > MAX_PARAM_LENGTH)) return done(errors.pathParamTooLong(MAX_PARAM_LENGTH))
      done()
    })
  },
  { name: 'long-segment-guard' },
)
