import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { AuditAction, AuditEntry, AuditResourceType, AuditService } from '../domain/audit.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Audit this route: every response, success or failure, becomes an audit entry. */
    audit?: { resourceType: AuditResourceType; action: AuditAction }
  }
  interface FastifyRequest {
    /** What the handler learned about the audited resource, as soon as it knew it. */
    audited: Partial<AuditEntry> | null
  }
}

/**
 * Writes the audit entry of an audited route before its response leaves, so an
 * acknowledged action always has its entry. Routes opt in with `config.audit`; the
 * handler fills `request.audited` with the resource (never with a secret).
 */
export default fp(
  async function auditing(app: FastifyInstance, opts: { audit: AuditService }) {
    app.decorateRequest('audited', null)
    const writeEntry = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      const spec = request.routeOptions.config.audit
      if (!spec) return payload
      try {
        await opts.audit.record(
          {
            ip: request.ip,
            userAgent: request.headers['user-agent'] ?? '',
            requestId: request.id,
            statusCode: reply.statusCode,
            sessionUserId: request.session?.actor.user.id,
          },
          { ...spec, ...request.audited },
        )
      } catch (err) {
        request.log.error({ err }, 'audit entry could not be written')
      }
      return payload
    }
    // Only the routes that opt in carry the hook: the others pay nothing for it.
    app.addHook('onRoute', (route) => {
      if (!route.config?.audit) return
      const existing = route.onSend === undefined ? [] : Array.isArray(route.onSend) ? route.onSend : [route.onSend]
      route.onSend = [...existing, writeEntry]
    })
  },
  { name: 'audit', dependencies: ['auth'] },
)
