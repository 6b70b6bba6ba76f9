import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { OrganizationService } from '../domain/organizations.js'
import { sessionOf } from '../plugins/auth.js'
import { errorResponses } from '../sdk/common.js'
import { OrganizationParamsSchema } from '../sdk/organizations.js'

const tags = ['Organizations']

const organizationRoutes: FastifyPluginAsyncTypebox<{ organizations: OrganizationService }> = async (
  app,
  { organizations },
) => {
  app.get(
    '/organizations',
    {
      schema: {
        operationId: 'get-organizations',
        tags,
        summary: 'Get organizations',
        response: { 200: Type.Array(Type.Ref('Organization')), ...errorResponses },
      },
    },
    async (request) => organizations.list(sessionOf(request).actor),
  )

  app.get(
    '/organizations/:organization',
    {
      schema: {
        operationId: 'get-organization-by-id',
        tags,
        summary: 'Get organization by ID',
        params: OrganizationParamsSchema,
        response: { 200: Type.Ref('Organization'), ...errorResponses },
      },
    },
    async (request) => organizations.get(sessionOf(request).actor, request.params.organization),
  )
}

export default organizationRoutes
