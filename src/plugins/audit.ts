import type { FastifyInstance } from 'fastify'
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
    app.addHook('onSend', async (request, reply, payload) => {
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
    })
  },
  { name: 'audit', dependencies: ['auth'] },
)
