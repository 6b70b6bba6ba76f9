import AjvCompiler from '@fastify/ajv-compiler'
import cookie from '@fastify/cookie'
import websocket from '@fastify/websocket'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Config } from './config.js'
import type { Database } from './db/client.js'
import { systemClock, type Clock } from './domain/clock.js'
import { createAgentApi } from './domain/agent-api.js'
import { createAgentAuth } from './domain/agent-auth.js'
import { createAuditService } from './domain/audit.js'
import { createAgentBinaries } from './domain/agent-binaries.js'
import { createInitScripts } from './domain/init-scripts/index.js'
import { AgentConnectionHub, livenessStore } from './domain/agent-connections.js'
import { WorkspaceEvents } from './domain/workspace-events.js'
import { inactiveTimeoutSeconds } from './domain/agents.js'
import { createOrganizationService } from './domain/organizations.js'
import { createSessionService } from './domain/sessions.js'
import { createTemplateService } from './domain/templates.js'
import { createUserService } from './domain/users.js'
import { createWorkspaceService } from './domain/workspaces.js'
import { RequestLogController } from './logger.js'
import auditing from './plugins/audit.js'
import authentication from './plugins/auth.js'
import errorHandling from './plugins/errors.js'
import nulGuard from './plugins/nul-guard.js'
import { clientErrorHandler, frameworkErrors, longSegmentGuard, MAX_PARAM_LENGTH } from './plugins/framework-errors.js'
import { authFailureLimit, rateLimits } from './plugins/rate-limits.js'
import securityHeaders from './plugins/security-headers.js'
import uuidParams from './plugins/uuid-params.js'
import agentBinaryRoutes from './routes/agent-binaries.js'
import agentRoutes from './routes/agents.js'
import auditRoutes from './routes/audit.js'
import apiKeyRoutes from './routes/api-keys.js'
import buildInfoRoutes from './routes/buildinfo.js'
import dashboardRoutes from './routes/dashboard.js'
import docsRoutes from './routes/docs.js'
import fileRoutes from './routes/files.js'
import healthRoutes from './routes/health.js'
import initScriptRoutes from './routes/init-scripts.js'
import organizationRoutes from './routes/organizations.js'
import templateRoutes from './routes/templates.js'
import userRoutes from './routes/users.js'
import workspaceRoutes from './routes/workspaces.js'
import { APIKeySchema } from './sdk/api-keys.js'
import { AuditLogSchema } from './sdk/audit.js'
import { ResponseSchema } from './sdk/common.js'
import { OrganizationSchema } from './sdk/organizations.js'
import { ProvisionerJobLogSchema, ProvisionerJobSchema } from './sdk/provisioner-jobs.js'
import { TemplateSchema, TemplateVersionParameterSchema, TemplateVersionSchema } from './sdk/templates.js'
import { UserSchema } from './sdk/users.js'
import { WorkspaceAgentSchema, WorkspaceBuildSchema, WorkspaceResourceSchema, WorkspaceSchema } from './sdk/workspaces.js'

export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version

declare module 'fastify' {
  interface FastifyInstance {
    /** The agent connections this instance holds. */
    agentConnections: AgentConnectionHub
  }
}

export const JSON_BODY_LIMIT = 1024 * 1024

const AJV_OPTIONS = { allErrors: true, removeAdditional: true, useDefaults: true } as const
const validatorFor = AjvCompiler()

/**
 * Query strings, params and headers are text, so they are coerced to their schema
 * types; JSON bodies are not: a number where a string belongs is a 400, as in Coder.
 */
function buildValidatorCompiler(externalSchemas: unknown, options: unknown) {
  const base = (options as { customOptions?: object } | undefined)?.customOptions ?? {}
  const schemas = externalSchemas as Record<string, object>
  const coercing = validatorFor(schemas, { customOptions: { ...base, ...AJV_OPTIONS, coerceTypes: 'array' } })
  const strict = validatorFor(schemas, { customOptions: { ...base, ...AJV_OPTIONS, coerceTypes: false } })
  return (route: AjvCompiler.RouteDefinition) => (route.httpPart === 'body' ? strict(route) : coercing(route))
}

export interface AppDeps {
  config: Readonly<Config>
  database: Database
  logger: FastifyBaseLogger
  clock?: Clock
}

/** The whole HTTP service, ready to `listen` or `inject`. Reads no environment, opens nothing. */
export async function buildApp({ config, database, logger, clock = systemClock }: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger,
    logController: new RequestLogController({ requestIdLogLabel: 'request_id' }),
    bodyLimit: JSON_BODY_LIMIT,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
    clientErrorHandler,
    schemaController: { compilersFactory: { buildValidator: buildValidatorCompiler } },
    return503OnClosing: true,
    // The client address (rate limits, logs) from X-Forwarded-For only when a trusted proxy sent it.
    ...(config.trustedProxies.length > 0 ? { trustProxy: config.trustedProxies } : {}),
  }).withTypeProvider<TypeBoxTypeProvider>()

  // The API takes JSON (and tar uploads); a text/plain body is refused with 415 like any other.
  app.removeContentTypeParser('text/plain')

  app.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id)
    done(null, payload)
  })

  const { db } = database
  const users = createUserService({ db, clock })
  const sessions = createSessionService({ db, clock })
  const organizations = createOrganizationService({ db })
  const audit = createAuditService({ db, clock })
  const agentInactiveTimeoutSeconds = inactiveTimeoutSeconds(config.agentPingIntervalMs)
  const templates = createTemplateService({ db, clock, organizations, agentInactiveTimeoutSeconds })
  if (!config.secretKey) throw new Error('buildApp needs config.secretKey (loadOrCreateSecretKey provides it in embedded mode)')
  const agentAuth = createAgentAuth({ db, clock })
  const hub = new AgentConnectionHub({
    database,
    store: livenessStore(database),
    clock,
    log: app.log,
    pingIntervalMs: config.agentPingIntervalMs,
    inactiveTimeoutSeconds: agentInactiveTimeoutSeconds,
    onChange: (workspaceId) => events.publish(workspaceId),
    onRevocation: (event) => agentAuth.revoke(event),
  })
  const events = new WorkspaceEvents(database, app.log)
  app.addHook('onReady', () => events.start())
  app.addHook('onClose', () => events.stop())
  const workspaces = createWorkspaceService({
    db,
    clock,
    users,
    organizations,
    accessUrl: config.accessUrl,
    secretKey: config.secretKey,
    previousSecretKeys: config.previousSecretKeys,
    agentInactiveTimeoutSeconds,
    onRevoked: (event) => {
      agentAuth.revoke(event)
      hub.revoke(event)
    },
    onChange: (workspaceId) => events.publish(workspaceId),
  })

  app.decorate('agentConnections', hub)
  app.addHook('onReady', () => hub.start())
  app.addHook('preClose', () => hub.stop())

  await app.register(errorHandling)
  await app.register(nulGuard)
  await app.register(uuidParams)
  await app.register(securityHeaders)
  await app.register(longSegmentGuard)
  await app.register(rateLimits, {
    login: config.rateLimitLogin,
    loginIp: config.rateLimitLoginIp,
    downloads: config.rateLimitDownloads,
  })
  await app.register(cookie)
  await app.register(websocket)
  for (const schema of [
    ResponseSchema,
    UserSchema,
    OrganizationSchema,
    APIKeySchema,
    ProvisionerJobSchema,
    ProvisionerJobLogSchema,
    TemplateSchema,
    TemplateVersionSchema,
    TemplateVersionParameterSchema,
    WorkspaceAgentSchema,
    WorkspaceResourceSchema,
    WorkspaceBuildSchema,
    WorkspaceSchema,
    AuditLogSchema,
  ]) {
    app.addSchema(schema)
  }
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Outpost API',
        version: VERSION,
        description: "Coder's API for external workspaces, served by Outpost.",
      },
      components: {
        securitySchemes: { CoderSessionToken: { type: 'apiKey', in: 'header', name: 'Coder-Session-Token' } },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  })
  // BaseLayout: no top bar, whose Swagger logo carries an inline <style> the CSP refuses.
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { deepLinking: false, validatorUrl: null, layout: 'BaseLayout' },
  })

  await app.register(healthRoutes, { database })
  await app.register(docsRoutes)
  // The dashboard at / (the SPA built from web/), on the same public API as any client.
  await app.register(dashboardRoutes, {})

  // What a machine fetches to attach, without credentials: the bootstrap scripts (with the
  // binaries' checksums pinned) and the binaries. Checksums are computed here, once.
  const binaries = await createAgentBinaries(config.agentBinaryDir, {
    onError: (err) => logger.warn({ err, dir: config.agentBinaryDir }, 'agent binary directory'),
    onHashed: ({ name, sha256, size }) => logger.info({ binary: name, sha256, size }, 'agent binary checksum computed'),
  })
  if (binaries.missing().length > 0) {
    logger.warn(
      { dir: config.agentBinaryDir, missing: binaries.missing() },
      "agent binaries missing: machines of these platforms cannot attach until Coder's binaries are put there",
    )
  }
  const initScripts = createInitScripts({ accessUrl: config.accessUrl, binaries })
  app.addHook('onClose', async () => {
    initScripts.close()
    binaries.close()
  })
  await app.register(agentBinaryRoutes, { binaries })
  await app.register(initScriptRoutes, { scripts: initScripts })
  await app.register(
    async (api) => {
      // Everything under /api/v2 requires a session unless a route says `auth: 'none'`.
      await api.register(authFailureLimit, { limit: config.rateLimitAuthFailures })
      await api.register(authentication, { sessions, agents: agentAuth })
      await api.register(auditing, { audit })
      await api.register(auditRoutes, { audit })
      await api.register(buildInfoRoutes, { db, version: VERSION, accessUrl: config.accessUrl })
      await api.register(userRoutes, {
        users,
        sessions,
        organizations,
        secureCookies: config.accessUrl.startsWith('https:'),
      })
      await api.register(apiKeyRoutes, { users, sessions })
      await api.register(organizationRoutes, { organizations })
      await api.register(fileRoutes, { templates, maxUploadBytes: config.maxUploadBytes })
      await api.register(templateRoutes, { templates, organizations })
      await api.register(workspaceRoutes, {
        workspaces,
        users,
        organizations,
        events,
        watchRefreshMs: config.agentPingIntervalMs,
      })
      await api.register(agentRoutes, { agents: createAgentApi({
          db,
          clock,
          accessUrl: config.accessUrl,
          onChange: (workspaceId) => events.publish(workspaceId),
        }), hub })
    },
    { prefix: '/api/v2' },
  )
  return app
}
