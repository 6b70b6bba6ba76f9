import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AuditService } from '../domain/audit.js'
import { sessionOf } from '../plugins/auth.js'
import { AuditLogResponseSchema, AuditQuerySchema } from '../sdk/audit.js'
import { errorResponses } from '../sdk/common.js'

const auditRoutes: FastifyPluginAsyncTypebox<{ audit: AuditService }> = async (app, { audit }) => {
  app.get(
    '/audit',
    {
      schema: {
        operationId: 'get-audit-logs',
        tags: ['Audit'],
        summary: 'Get audit logs',
        querystring: AuditQuerySchema,
        response: { 200: AuditLogResponseSchema, ...errorResponses },
      },
    },
    async (request) => audit.search(sessionOf(request).actor, request.query),
  )
}

export default auditRoutes
