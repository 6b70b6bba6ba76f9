import type {} from '@fastify/websocket'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { OrganizationService } from '../domain/organizations.js'
import type { UserService } from '../domain/users.js'
import type { WorkspaceEvents } from '../domain/workspace-events.js'
import type { WorkspaceService } from '../domain/workspaces.js'
import { ApiError } from '../errors.js'
import { sessionOf } from '../plugins/auth.js'
import { errorResponses, PaginationQuerySchema, UuidSchema } from '../sdk/common.js'
import {
  CreateWorkspaceBuildRequestSchema,
  CreateWorkspaceRequestSchema,
  ExternalAgentCredentialsSchema,
  WorkspaceBuildParameterSchema,
  WorkspacesQuerySchema,
  WorkspacesResponseSchema,
} from '../sdk/workspaces.js'
import { registerJobLogRoute } from './job-logs.js'

export interface WorkspaceRoutesOptions {
  workspaces: WorkspaceService
  users: UserService
  organizations: OrganizationService
  events: WorkspaceEvents
  /** How often a watcher gets the workspace again even without an event (status ages with time). */
  watchRefreshMs: number
}

const WorkspaceParams = Type.Object({ workspace: UuidSchema })
const BuildParams = Type.Object({ workspacebuild: UuidSchema })
const UserParam = Type.String({ minLength: 1, maxLength: 256, description: 'User ID, username, or `me`.' })
const IncludeDeletedQuery = Type.Object({ include_deleted: Type.Optional(Type.Boolean()) })

const workspaceRoutes: FastifyPluginAsyncTypebox<WorkspaceRoutesOptions> = async (app, opts) => {
  const { workspaces, users, organizations, events } = opts

  // Coder's live view of one workspace: a `ServerSentEvent` ({type, data}) with the
  // workspace at once, again after every change, and at least every refresh interval.
  app.route({
    method: 'GET',
    url: '/workspaces/:workspace/watch-ws',
    schema: {
      operationId: 'watch-workspace-ws',
      tags: ['Workspaces'],
      summary: 'Watch workspace by ID via WebSockets',
      params: WorkspaceParams,
      response: { ...errorResponses },
    },
    preHandler: async (request) => {
      await workspaces.readable(sessionOf(request).actor, (request.params as { workspace: string }).workspace)
    },
    handler: async () => {
      throw new ApiError(400, 'This endpoint requires a WebSocket upgrade.')
    },
    wsHandler: (socket, request) => {
      const { actor } = sessionOf(request)
      const id = (request.params as { workspace: string }).workspace
      let running = false
      let again = false
      const send = async (): Promise<void> => {
        if (running) {
          again = true
          return
        }
        running = true
        try {
          do {
            again = false
            const workspace = await workspaces.get(actor, id, true)
            if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type: 'data', data: workspace }))
          } while (again)
        } catch (err) {
          const message = err instanceof ApiError ? err.message : 'The workspace could not be read.'
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type: 'error', data: { message } }))
          socket.close(1011, 'watch ended')
        } finally {
          running = false
        }
      }
      const unwatch = events.watch(id, () => void send())
      const refresh = setInterval(() => void send(), opts.watchRefreshMs)
      socket.on('close', () => {
        unwatch()
        clearInterval(refresh)
      })
      void send()
    },
  })

  app.post(
    '/users/:user/workspaces',
    {
      config: { audit: { resourceType: 'workspace', action: 'create' } },
      schema: {
        operationId: 'create-user-workspace',
        tags: ['Workspaces'],
        summary: 'Create user workspace',
        params: Type.Object({ user: UserParam }),
        body: CreateWorkspaceRequestSchema,
        response: { 201: Type.Ref('Workspace'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { actor } = sessionOf(request)
      request.audited = { resourceTarget: request.body.name }
      const owner = await users.resolveUser(actor, request.params.user)
      const workspace = await workspaces.create(actor, owner, request.body)
      request.audited = { resourceId: workspace.id, resourceTarget: workspace.name, organizationId: workspace.organization_id }
      request.log.info({ workspace_id: workspace.id }, 'workspace created')
      return reply.code(201).send(workspace)
    },
  )

  app.post(
    '/organizations/:organization/members/:user/workspaces',
    {
      config: { audit: { resourceType: 'workspace', action: 'create' } },
      schema: {
        operationId: 'create-user-workspace-by-organization',
        tags: ['Workspaces'],
        summary: 'Create user workspace by organization',
        deprecated: true,
        params: Type.Object({ organization: Type.String({ minLength: 1, maxLength: 256 }), user: UserParam }),
        body: CreateWorkspaceRequestSchema,
        response: { 201: Type.Ref('Workspace'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { actor } = sessionOf(request)
      request.audited = { resourceTarget: request.body.name }
      const { organization } = await organizations.resolve(actor, request.params.organization)
      const owner = await users.resolveUser(actor, request.params.user)
      const workspace = await workspaces.create(actor, owner, request.body, { organizationId: organization.id })
      request.audited = { resourceId: workspace.id, resourceTarget: workspace.name, organizationId: workspace.organization_id }
      request.log.info({ workspace_id: workspace.id }, 'workspace created')
      return reply.code(201).send(workspace)
    },
  )

  app.get(
    '/workspaces',
    {
      schema: {
        operationId: 'list-workspaces',
        tags: ['Workspaces'],
        summary: 'List workspaces',
        querystring: WorkspacesQuerySchema,
        response: { 200: WorkspacesResponseSchema, ...errorResponses },
      },
    },
    async (request) => workspaces.search(sessionOf(request).actor, request.query),
  )

  app.get(
    '/workspaces/:workspace',
    {
      schema: {
        operationId: 'get-workspace-metadata-by-id',
        tags: ['Workspaces'],
        summary: 'Get workspace metadata by ID',
        params: WorkspaceParams,
        querystring: IncludeDeletedQuery,
        response: { 200: Type.Ref('Workspace'), ...errorResponses },
      },
    },
    async (request) =>
      workspaces.get(sessionOf(request).actor, request.params.workspace, request.query.include_deleted ?? false),
  )

  app.get(
    '/users/:user/workspace/:workspacename',
    {
      schema: {
        operationId: 'get-workspace-metadata-by-user-and-workspace-name',
        tags: ['Workspaces'],
        summary: 'Get workspace metadata by user and workspace name',
        params: Type.Object({ user: UserParam, workspacename: Type.String({ minLength: 1, maxLength: 256 }) }),
        querystring: IncludeDeletedQuery,
        response: { 200: Type.Ref('Workspace'), ...errorResponses },
      },
    },
    async (request) => {
      const { actor } = sessionOf(request)
      const owner = await users.resolveUser(actor, request.params.user)
      return workspaces.getByOwnerAndName(actor, owner, request.params.workspacename, request.query.include_deleted ?? false)
    },
  )

  app.get(
    '/workspaces/:workspace/builds',
    {
      schema: {
        operationId: 'get-workspace-builds-by-workspace-id',
        tags: ['Builds'],
        summary: 'Get workspace builds by workspace ID',
        params: WorkspaceParams,
        querystring: PaginationQuerySchema,
        response: { 200: Type.Array(Type.Ref('WorkspaceBuild')), ...errorResponses },
      },
    },
    async (request) => workspaces.builds(sessionOf(request).actor, request.params.workspace, request.query),
  )

  app.post(
    '/workspaces/:workspace/builds',
    {
      config: { audit: { resourceType: 'workspace', action: 'delete' } },
      schema: {
        operationId: 'create-workspace-build',
        tags: ['Builds'],
        summary: 'Create workspace build',
        params: WorkspaceParams,
        body: CreateWorkspaceBuildRequestSchema,
        response: { 201: Type.Ref('WorkspaceBuild'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { transition } = request.body
      request.audited = {
        resourceId: request.params.workspace,
        action: transition === 'start' || transition === 'stop' ? transition : 'delete',
      }
      const build = await workspaces.createBuild(sessionOf(request).actor, request.params.workspace, request.body)
      request.audited = { ...request.audited, resourceTarget: build.workspace_name }
      request.log.info({ workspace_id: request.params.workspace, transition: build.transition }, 'workspace build created')
      return reply.code(201).send(build)
    },
  )

  app.get(
    '/workspacebuilds/:workspacebuild',
    {
      schema: {
        operationId: 'get-workspace-build',
        tags: ['Builds'],
        summary: 'Get workspace build',
        params: BuildParams,
        response: { 200: Type.Ref('WorkspaceBuild'), ...errorResponses },
      },
    },
    async (request) => workspaces.build(sessionOf(request).actor, request.params.workspacebuild),
  )

  app.get(
    '/workspacebuilds/:workspacebuild/resources',
    {
      schema: {
        operationId: 'get-workspace-resources-for-workspace-build',
        tags: ['Builds'],
        summary: 'Get workspace resources for workspace build',
        params: BuildParams,
        response: { 200: Type.Array(Type.Ref('WorkspaceResource')), ...errorResponses },
      },
    },
    async (request) => workspaces.buildResources(sessionOf(request).actor, request.params.workspacebuild),
  )

  app.get(
    '/workspacebuilds/:workspacebuild/parameters',
    {
      schema: {
        operationId: 'get-build-parameters-for-workspace-build',
        tags: ['Builds'],
        summary: 'Get build parameters for workspace build',
        params: BuildParams,
        response: { 200: Type.Array(WorkspaceBuildParameterSchema), ...errorResponses },
      },
    },
    async (request) => workspaces.buildParameters(sessionOf(request).actor, request.params.workspacebuild),
  )

  registerJobLogRoute(app, '/workspacebuilds/:workspacebuild/logs', {
    operationId: 'get-workspace-build-logs',
    tags: ['Builds'],
    summary: 'Get workspace build logs',
    params: BuildParams,
    load: (request, range) =>
      workspaces.buildLogs(sessionOf(request).actor, (request.params as { workspacebuild: string }).workspacebuild, range),
  })

  app.get(
    '/workspaces/:workspace/external-agent/:agent/credentials',
    {
      config: { audit: { resourceType: 'workspace_agent', action: 'read' } },
      schema: {
        operationId: 'get-workspace-external-agent-credentials',
        tags: ['Enterprise'],
        summary: 'Get workspace external agent credentials',
        params: Type.Object({ workspace: UuidSchema, agent: Type.String({ minLength: 1, maxLength: 256 }) }),
        response: { 200: ExternalAgentCredentialsSchema, ...errorResponses },
      },
    },
    async (request) => {
      request.audited = { resourceTarget: request.params.agent, fields: { workspace_id: request.params.workspace } }
      const { credentials, agentId } = await workspaces.credentials(
        sessionOf(request).actor,
        request.params.workspace,
        request.params.agent,
      )
      request.audited = { ...request.audited, resourceId: agentId }
      request.log.info({ workspace_id: request.params.workspace, agent: request.params.agent }, 'agent credentials read')
      return credentials
    },
  )

  app.post(
    '/workspaces/:workspace/external-agent/:agent/credentials/rotate',
    {
      config: { audit: { resourceType: 'workspace_agent', action: 'write' } },
      schema: {
        operationId: 'rotateExternalAgentCredentials',
        tags: ['Enterprise'],
        summary: 'Rotate the agent token (Outpost)',
        description:
          'Issues a new agent token. The old one keeps working for grace_period_seconds (default 0, at most 86400), then stops, and connections using it are closed.',
        params: Type.Object({ workspace: UuidSchema, agent: Type.String({ minLength: 1, maxLength: 256 }) }),
        body: Type.Optional(Type.Object({ grace_period_seconds: Type.Optional(Type.Integer()) })),
        response: { 200: ExternalAgentCredentialsSchema, ...errorResponses },
      },
    },
    async (request) => {
      const grace = request.body?.grace_period_seconds ?? 0
      request.audited = {
        resourceTarget: request.params.agent,
        fields: { workspace_id: request.params.workspace, grace_period_seconds: String(grace) },
      }
      const { credentials, agentId } = await workspaces.rotateCredentials(
        sessionOf(request).actor,
        request.params.workspace,
        request.params.agent,
        grace,
      )
      request.audited = { ...request.audited, resourceId: agentId }
      request.log.info({ workspace_id: request.params.workspace, agent: request.params.agent, grace }, 'agent token rotated')
      return credentials
    },
  )

  app.get(
    '/workspaceagents/:workspaceagent',
    {
      schema: {
        operationId: 'get-workspace-agent-by-id',
        tags: ['Agents'],
        summary: 'Get workspace agent by ID',
        params: Type.Object({ workspaceagent: UuidSchema }),
        response: { 200: Type.Ref('WorkspaceAgent'), ...errorResponses },
      },
    },
    async (request) => workspaces.agent(sessionOf(request).actor, request.params.workspaceagent),
  )
}

export default workspaceRoutes
