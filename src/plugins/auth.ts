import type {} from '@fastify/cookie'
import type {} from '@fastify/swagger'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { errors } from '../errors.js'
import type { AgentAuth } from '../domain/agent-auth.js'
import type { Session, SessionService } from '../domain/sessions.js'
import type { AuthenticatedAgent } from '../store/workspaces.js'

export const SESSION_COOKIE = 'coder_session_token'
export const SESSION_HEADER = 'coder-session-token'

/** Who may call a route. Routes declare it in `config.auth`; the default is a user session. */
export type AuthMode = 'user' | 'agent' | 'none'

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthMode
  }
  interface FastifyRequest {
    session: Session | null
    agent: AuthenticatedAgent | null
  }
}

function firstString(value: unknown): string | undefined {
  if (Array.isArray(value)) return firstString(value[0])
  return typeof value === 'string' ? value : undefined
}

/**
 * Adds fields to every later log line of the request. `request.log` is already this
 * request's own child logger, so pino's setBindings changes only it, at a fraction of the
 * cost of yet another child (a measurable share of a cached agent request).
 */
function bindToRequestLog(request: FastifyRequest, bindings: Record<string, string>): void {
  const log = request.log as FastifyRequest['log'] & { setBindings?: (bindings: Record<string, string>) => void }
  if (typeof log.setBindings === 'function') log.setBindings(bindings)
  else request.log = request.log.child(bindings)
}

/** The calling agent; only call on routes whose `config.auth` is `agent`. */
export function agentOf(request: FastifyRequest): AuthenticatedAgent {
  if (!request.agent) throw errors.signedOut('Cookie "coder_session_token" must be provided.')
  return request.agent
}

/** The caller's session; only call on routes whose `config.auth` is `user`. */
export function sessionOf(request: FastifyRequest): Session {
  if (!request.session) throw errors.signedOut('Cookie "coder_session_token" or query parameter must be provided.')
  return request.session
}

/**
 * Authenticates every route unless it opts out with `config.auth: 'none'`, so a
 * route added without thought is closed, not open.
 */
export default fp(
  async function authentication(app: FastifyInstance, opts: { sessions: SessionService; agents: AgentAuth }) {
    app.decorateRequest('session', null)
    app.decorateRequest('agent', null)
    app.addHook('onRoute', (route) => {
      const mode = (route.config as { auth?: AuthMode } | undefined)?.auth ?? 'user'
      if (mode !== 'none' && route.schema && !route.schema.security) {
        route.schema.security = [{ CoderSessionToken: [] }]
      }
    })
    app.addHook('onRequest', async (request) => {
      const mode = request.routeOptions.config.auth ?? 'user'
      if (mode === 'none' || request.is404) return
      const sources = {
        cookie: request.cookies[SESSION_COOKIE],
        query: firstString((request.query as Record<string, unknown> | undefined)?.[SESSION_COOKIE]),
        header: firstString(request.headers[SESSION_HEADER]),
      }
      if (mode === 'agent') {
        request.agent = await opts.agents.authenticate(sources)
        bindToRequestLog(request, { agent_id: request.agent.agent.id })
        return
      }
      request.session = await opts.sessions.authenticate(sources)
      bindToRequestLog(request, { user_id: request.session.actor.user.id })
    })
  },
  { name: 'auth', dependencies: ['@fastify/cookie'] },
)
