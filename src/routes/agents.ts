import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { WorkspaceService } from '../domain/workspaces.js'
import { agentOf } from '../plugins/auth.js'
import { errorResponses } from '../sdk/common.js'
import { EnrollmentReportSchema } from '../sdk/workspaces.js'

/** Routes called by agents and bootstrap scripts, with an agent token. */
const agentRoutes: FastifyPluginAsyncTypebox<{ workspaces: WorkspaceService }> = async (app, { workspaces }) => {
  app.post(
    '/workspaceagents/me/enrollment',
    {
      config: { auth: 'agent' },
      schema: {
        operationId: 'postEnrollmentStage',
        tags: ['Agents'],
        summary: "Report a bootstrap script's progress (Outpost)",
        body: EnrollmentReportSchema,
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const agent = agentOf(request)
      await workspaces.recordEnrollment(agent, request.body)
      request.log.info({ stage: request.body.stage }, 'enrollment stage reported')
      return reply.code(204).send(null)
    },
  )
}

export default agentRoutes
