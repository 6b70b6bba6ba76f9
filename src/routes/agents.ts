import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { AgentApi } from '../domain/agent-api.js'
import type { AgentConnectionHub } from '../domain/agent-connections.js'
import { ApiError } from '../errors.js'
import { agentOf } from '../plugins/auth.js'
import { AGENT_LIFECYCLE_STATES } from '../db/schema.js'
import { errorResponses, TimestampSchema, UuidSchema } from '../sdk/common.js'
import { EnrollmentReportSchema } from '../sdk/workspaces.js'

const tags = ['Agents']
const NoContent = { 204: Type.Null(), ...errorResponses }

/** The RPC API versions Coder's agents speak: 2.x. */
function checkApiVersion(version: string | undefined): void {
  const value = version ?? '2.0'
  const match = /^(\d+)\.(\d+)$/.exec(value)
  if (!match || match[1] !== '2') {
    throw new ApiError(400, 'Unknown or unsupported API version', undefined, [
      { field: 'version', detail: `unsupported version ${JSON.stringify(value)}: this server speaks 2.x` },
    ])
  }
}

/** Routes called by agents and bootstrap scripts, with an agent token. */
const agentRoutes: FastifyPluginAsyncTypebox<{ agents: AgentApi; hub: AgentConnectionHub }> = async (app, { agents, hub }) => {
  app.post(
    '/workspaceagents/me/enrollment',
    {
      config: { auth: 'agent' },
      schema: {
        operationId: 'postEnrollmentStage',
        tags,
        summary: "Report a bootstrap script's progress (Outpost)",
        body: EnrollmentReportSchema,
        response: NoContent,
      },
    },
    async (request, reply) => {
      await agents.recordEnrollment(agentOf(request), request.body)
      request.log.info({ stage: request.body.stage }, 'enrollment stage reported')
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/workspaceagents/me/manifest',
    {
      config: { auth: 'agent' },
      schema: {
        operationId: 'getAgentManifest',
        tags,
        summary: "The calling agent's identity (Outpost)",
        response: {
          200: Type.Object(
            {
              agent_id: UuidSchema,
              agent_name: Type.String(),
              workspace_id: UuidSchema,
              workspace_name: Type.String(),
              owner_id: UuidSchema,
              owner_name: Type.String(),
              operating_system: Type.String(),
              architecture: Type.String(),
              access_url: Type.String(),
            },
            { additionalProperties: false },
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => agents.manifest(agentOf(request)),
  )

  app.post(
    '/workspaceagents/me/report-lifecycle',
    {
      config: { auth: 'agent' },
      schema: {
        operationId: 'postAgentLifecycle',
        tags,
        summary: "Report the agent's lifecycle state",
        body: Type.Object({
          state: Type.Union(AGENT_LIFECYCLE_STATES.map((s) => Type.Literal(s))),
          changed_at: Type.Optional(TimestampSchema),
        }),
        response: NoContent,
      },
    },
    async (request, reply) => {
      await agents.reportLifecycle(agentOf(request), request.body)
      return reply.code(204).send(null)
    },
  )

  // Accepting this WebSocket is what marks an agent connected. Outpost holds the
  // connection and pings it, but does not speak Coder's yamux/dRPC agent protocol.
  app.route({
    method: 'GET',
    url: '/workspaceagents/me/rpc',
    config: { auth: 'agent' },
    schema: {
      operationId: 'workspace-agent-rpc-api',
      tags,
      summary: 'Workspace agent RPC API (WebSocket)',
      querystring: Type.Object({
        version: Type.Optional(Type.String({ maxLength: 16 })),
        role: Type.Optional(Type.String({ maxLength: 32 })),
      }),
      response: { ...errorResponses },
    },
    preHandler: async (request) => checkApiVersion((request.query as { version?: string }).version),
    handler: async () => {
      throw new ApiError(400, 'This endpoint requires a WebSocket upgrade.')
    },
    wsHandler: async (socket, request) => {
      await hub.attach(agentOf(request), socket)
      request.log.info('agent connected')
      // @fastify/websocket keeps the request for as long as the socket lives; the hub has
      // the ids it needs, so the agent's rows need not stay in memory with it.
      request.agent = null
    },
  })
}

export default agentRoutes
