import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino'
import type { LogLevel } from './config.js'

/** Query parameters that carry credentials; their values never reach a log line. */
const SECRET_QUERY_PARAMS = new Set(['coder_session_token', 'token', 'agent_token', 'password'])

/** The URL with credential-bearing query values replaced, for request logs. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?')
  if (q === -1) return url
  const params = new URLSearchParams(url.slice(q + 1))
  let changed = false
  for (const name of params.keys()) {
    if (SECRET_QUERY_PARAMS.has(name.toLowerCase())) {
      params.set(name, '[Redacted]')
      changed = true
    }
  }
  return changed ? `${url.slice(0, q)}?${params.toString()}` : url
}

export const REDACT_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["coder-session-token"]',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'headers["coder-session-token"]',
  'password',
  'session_token',
  'token',
  'key',
  'secret',
  '*.password',
  '*.session_token',
  '*.token',
  '*.key',
  '*.secret',
  '*.agent_token',
]

export function loggerOptions(level: LogLevel): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
    serializers: {
      req: (req: FastifyRequest) => ({
        method: req.method,
        url: redactUrl(req.url),
        host: req.headers.host,
        remote_address: req.ip,
        user_agent: req.headers['user-agent'],
      }),
    },
  }
}

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level))
}

/** One line per request, written when it completes, instead of Fastify's two. */
export class RequestLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { req: request, status: reply.statusCode, response_time_ms: Math.round(reply.elapsedTime * 10) / 10 }
    if (error) reply.log.error({ ...line, err: error }, 'request errored')
    else reply.log.info(line, 'request completed')
  }
}
