import { randomUUID } from 'node:crypto'
import type { Db, Queryable } from '../db/client.js'
import { isUniqueViolation } from '../db/errors.js'
import type { ProvisionerJobRow, UserRow } from '../db/schema.js'
import { errors } from '../errors.js'
import type {
  CreateWorkspaceBuildRequest,
  CreateWorkspaceRequest,
  ExternalAgentCredentials,
  Workspace,
  WorkspaceAgent,
  WorkspaceBuild,
  WorkspaceResource,
} from '../sdk/workspaces.js'
import { notifyRevocation, rotateAgentToken, type RevocationEvent } from '../store/agents.js'
import * as jobStore from '../store/jobs.js'
import { currentTokenOfAgent } from '../store/resources.js'
import * as templateStore from '../store/templates.js'
import { findUserByUsername } from '../store/users.js'
import * as workspaceStore from '../store/workspaces.js'
import { attachCommand, toWorkspaceAgent } from './agents.js'
import { can, type Actor } from './authz.js'
import type { Clock } from './clock.js'
import { toWorkspace, toWorkspaceBuild, toWorkspaceResource } from './convert.js'
import { JobLog, NIL_UUID, toJobLog } from './jobs.js'
import { nameProblem } from './names.js'
import type { OrganizationService } from './organizations.js'
import { resolveParameterValues } from './parameters.js'
import { issueAgentToken, materialiseResources, planResources, resolveSupportedPlatforms } from './provisioning.js'
import { booleanTerm, parseSearchQuery, single } from './search.js'
import { decryptWithAny } from './secrets.js'
import { analysisOf } from './templates.js'
import type { UserService } from './users.js'

const SEARCH_MESSAGE = 'Invalid workspace search query.'
const SEARCH_KEYS = [
  'owner',
  'name',
  'template',
  'status',
  'has_external_agent',
  'has-external-agent',
  'has-agent',
  'outdated',
  'organization',
  'id',
  'dormant',
  'has-ai-task',
  'last_used_after',
  'last_used_before',
]
const WORKSPACE_STATUSES = ['pending', 'starting', 'running', 'stopping', 'stopped', 'failed', 'canceling', 'canceled', 'deleting', 'deleted']
const AGENT_STATUSES = ['connecting', 'connected', 'disconnected', 'timeout'] as const
const MAX_PAGE = 1000
const MAX_GRACE_SECONDS = 24 * 3600

export interface WorkspaceServiceDeps {
  db: Db
  clock: Clock
  users: UserService
  organizations: OrganizationService
  accessUrl: string
  secretKey: Buffer
  /** Older keys agent tokens may still be sealed under (OUTPOST_PREVIOUS_SECRET_KEYS). */
  previousSecretKeys: readonly Buffer[]
  agentInactiveTimeoutSeconds: number
  /** Called after tokens stopped authenticating, to close this instance's connections at once. */
  onRevoked: (event: RevocationEvent) => void
  /** Told after a workspace changed (deleted, token rotated), so watchers can refresh. */
  onChange: (workspaceId: string) => void
}

/** The all-zero UUID Coder's CLI sends for "not given". */
function given(id: string | undefined): string | undefined {
  return id === undefined || id === NIL_UUID ? undefined : id
}

export function createWorkspaceService(deps: WorkspaceServiceDeps) {
  const { db, clock } = deps
  const statusClock = () => ({ now: clock.now(), inactiveTimeoutSeconds: deps.agentInactiveTimeoutSeconds })

  function openToken(sealed: string): string {
    try {
      return decryptWithAny([deps.secretKey, ...deps.previousSecretKeys], sealed).plaintext
    } catch {
      throw errors.tokenUnreadable()
    }
  }

  async function view(q: Queryable, id: string): Promise<workspaceStore.WorkspaceView> {
    const [found] = await workspaceStore.loadWorkspaceViews(q, [id])
    if (!found) throw errors.notFound()
    return found
  }

  /** A workspace the caller may read: 404 otherwise, and 410 for a deleted one unless asked for. */
  async function readable(actor: Actor, id: string, includeDeleted = false): Promise<workspaceStore.WorkspaceView> {
    const row = await workspaceStore.findWorkspaceRow(db, id)
    if (!row || !can(actor, 'read', { type: 'workspace', ownerId: row.ownerId })) throw errors.notFound()
    if (row.deleted && !includeDeleted) throw errors.workspaceGone(row.id)
    return view(db, row.id)
  }

  /**
   * The template version a create request names, with its template, organization and the
   * owner's membership, checked for everything creation needs.
   */
  async function buildSource(req: CreateWorkspaceRequest, ownerId: string): Promise<workspaceStore.BuildSource> {
    const templateId = given(req.template_id)
    const versionId = given(req.template_version_id)
    if (templateId && versionId) throw errors.templateAndVersion()
    if (!templateId && !versionId) throw errors.templateOrVersionRequired()
    const source = await workspaceStore.findBuildSource(db, versionId ? { versionId } : { templateId: templateId! }, ownerId)
    if (!source) throw await missingVersion(templateId, versionId)
    const { template, version } = source
    if (template.deleted) throw errors.templateDeleted(template.name)
    if (template.deprecationMessage) throw errors.templateDeprecated(template.name)
    if (template.requireActiveVersion && version.id !== template.activeVersionId) {
      throw errors.validation([{ field: 'template_version_id', detail: 'This template requires its active version.' }])
    }
    if (source.jobStatus !== 'succeeded') throw errors.versionNotImported(version.id)
    if (!version.hasExternalAgent) throw errors.noExternalAgent(version.id)
    return source
  }

  /** Why no template version with a template was found for what a create request names. */
  async function missingVersion(templateId: string | undefined, versionId: string | undefined): Promise<Error> {
    if (versionId) {
      const version = await templateStore.findTemplateVersionById(db, versionId)
      if (!version) return errors.unknownVersion(versionId)
      if (!version.templateId) return errors.versionWithoutTemplate(versionId)
    }
    return errors.unknownTemplate(templateId ?? versionId ?? '')
  }

  function checkCreateFields(req: CreateWorkspaceRequest): void {
    const problem = nameProblem(req.name)
    if (problem) throw errors.validation([{ field: 'name', detail: problem }])
    if (req.automatic_updates && req.automatic_updates !== 'always' && req.automatic_updates !== 'never') {
      throw errors.invalidAutomaticUpdates(req.automatic_updates)
    }
    // Outpost cannot start or stop a machine it does not own, so it takes no schedule.
    if (req.autostart_schedule) throw errors.noAutostart()
    if (req.ttl_ms) throw errors.noAutostop()
  }

  return {
    readable,

    /**
     * Records an external workspace in one transaction: the workspace, build 1
     * (`start`, its job already `succeeded`), parameters, resources and agents with
     * fresh tokens. The unique (owner, name) index decides concurrent creates.
     */
    async create(
      actor: Actor,
      owner: UserRow,
      req: CreateWorkspaceRequest,
      scope: { organizationId?: string } = {},
    ): Promise<Workspace> {
      if (!can(actor, 'create', { type: 'workspace', ownerId: owner.id })) throw errors.forbiddenCreate()
      checkCreateFields(req)
      const { template, version, organization, ownerIsMember } = await buildSource(req, owner.id)
      if (scope.organizationId && template.organizationId !== scope.organizationId) {
        throw errors.validation([{ field: 'template_id', detail: 'The template belongs to another organization.' }])
      }
      if (!ownerIsMember) throw errors.cannotUseTemplate(template.name)
      const analysis = analysisOf(version)
      const values = resolveParameterValues(analysis.parameters, req.rich_parameter_values ?? [])
      const platforms = resolveSupportedPlatforms(analysis, values)

      const now = clock.now()
      const workspaceId = randomUUID()
      const buildId = randomUUID()
      const jobId = randomUUID()
      const log = new JobLog(jobId, () => clock.now())
      for (const [agent, p] of platforms) {
        log.add('Recording external agents', `coder_agent.${agent}: ${p.os}/${p.arch}, token issued`)
      }
      log.add('Recording external agents', 'Nothing was provisioned: the machine attaches with the agent credentials.')
      const materialised = materialiseResources(
        planResources(analysis, platforms),
        { id: jobId, transition: 'start' },
        now,
        deps.secretKey,
      )
      let created: Awaited<ReturnType<typeof workspaceStore.insertExternalWorkspace>>
      try {
        created = await workspaceStore.insertExternalWorkspace(db, {
          workspace: {
            id: workspaceId,
            organizationId: template.organizationId,
            ownerId: owner.id,
            templateId: template.id,
            name: req.name,
            automaticUpdates: req.automatic_updates === 'always' ? 'always' : 'never',
            // As build 1's below (only versions with an external agent get this far).
            hasExternalAgent: true,
            lastUsedAt: now,
            createdAt: now,
            updatedAt: now,
          },
          job: buildJob(jobId, template.organizationId, actor.user.id, version.fileId, buildId, version.id, now, clock.now()),
          logs: log.rows,
          build: {
            id: buildId,
            workspaceId,
            templateVersionId: version.id,
            buildNumber: 1,
            transition: 'start',
            initiatorId: actor.user.id,
            reason: 'initiator',
            jobId,
            hasExternalAgent: true,
            createdAt: now,
            updatedAt: now,
          },
          parameters: values.map((v) => ({ buildId, name: v.name, value: v.value })),
          resources: materialised.resources,
          agents: materialised.agents,
          tokens: materialised.tokens,
        })
      } catch (err) {
        if (isUniqueViolation(err, 'workspaces_owner_name_key')) throw errors.workspaceNameTaken(req.name)
        throw err
      }
      // The response is built from the rows as stored, not read back.
      const latest = { build: created.build, job: created.job, version, initiator: actor.user, resources: created.resources }
      return toWorkspace({ workspace: created.workspace, owner, organization, template, latest }, statusClock())
    },

    async get(actor: Actor, id: string, includeDeleted: boolean): Promise<Workspace> {
      return toWorkspace(await readable(actor, id, includeDeleted), statusClock())
    },

    async getByOwnerAndName(actor: Actor, owner: UserRow, name: string, includeDeleted: boolean): Promise<Workspace> {
      if (!can(actor, 'read', { type: 'workspace', ownerId: owner.id })) throw errors.notFound()
      const row = await workspaceStore.findWorkspaceByOwnerAndName(db, owner.id, name, includeDeleted)
      if (!row) throw errors.notFound()
      return toWorkspace(await view(db, row.id), statusClock())
    },

    async search(
      actor: Actor,
      query: { q?: string | undefined; limit?: number | undefined; offset?: number | undefined },
    ): Promise<{ workspaces: Workspace[]; count: number }> {
      const filter = await this.parseFilter(actor, query.q ?? '')
      if (!filter) return { workspaces: [], count: 0 }
      if (!can(actor, 'read', { type: 'users' })) filter.visibleToOwnerId = actor.user.id
      const limit = query.limit ? Math.min(query.limit, MAX_PAGE) : MAX_PAGE
      const { ids, total } = await workspaceStore.searchWorkspaces(db, filter, { limit, offset: query.offset ?? 0 }, statusClock())
      const at = statusClock()
      const views = await workspaceStore.loadWorkspaceViews(db, ids)
      return { workspaces: views.map((v) => toWorkspace(v, at)), count: total }
    },

    /** Coder's workspace search keys as a store filter; undefined when nothing can match. */
    async parseFilter(actor: Actor, q: string): Promise<workspaceStore.WorkspaceFilter | undefined> {
      const terms = parseSearchQuery(q, SEARCH_KEYS, SEARCH_MESSAGE)
      const filter: workspaceStore.WorkspaceFilter = {}
      const bad = (field: string, detail: string) => errors.badSearch(SEARCH_MESSAGE, [{ field, detail }])

      const owner = single(terms, 'owner')
      if (owner !== undefined) {
        if (owner.toLowerCase() === 'me') filter.ownerId = actor.user.id
        else filter.ownerUsername = owner
      }
      const name = single(terms, 'name')
      if (name !== undefined) filter.nameContains = name
      const template = single(terms, 'template')
      if (template !== undefined) filter.templateName = template
      const status = single(terms, 'status')
      if (status !== undefined) {
        if (!WORKSPACE_STATUSES.includes(status.toLowerCase())) {
          throw bad('status', `Query param "status" has invalid value: must be one of ${WORKSPACE_STATUSES.join(', ')}`)
        }
        filter.status = status.toLowerCase()
      }
      // Older CLIs spell it with a hyphen.
      const external = booleanTerm(terms, 'has_external_agent', SEARCH_MESSAGE) ?? booleanTerm(terms, 'has-external-agent', SEARCH_MESSAGE)
      if (external !== undefined) filter.hasExternalAgent = external
      const hasAgent = single(terms, 'has-agent')
      if (hasAgent !== undefined) {
        const wanted = AGENT_STATUSES.find((s) => s === hasAgent.toLowerCase())
        if (!wanted) throw bad('has-agent', `Query param "has-agent" has invalid value: must be one of ${AGENT_STATUSES.join(', ')}`)
        filter.hasAgent = wanted
      }
      const outdated = booleanTerm(terms, 'outdated', SEARCH_MESSAGE)
      if (outdated !== undefined) filter.outdated = outdated
      const organization = single(terms, 'organization')
      if (organization !== undefined) {
        if (/^[0-9a-f-]{36}$/i.test(organization)) filter.organizationId = organization
        else filter.organizationName = organization
      }
      const ids = terms.values.get('id')
      if (ids !== undefined) {
        const list = ids.flatMap((v) => v.split(','))
        const invalid = list.find((id) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
        if (invalid !== undefined) throw bad('id', `Query param "id" has invalid value: ${JSON.stringify(invalid)} is not a UUID`)
        filter.ids = list
      }
      // Outpost workspaces are never dormant and run no AI tasks.
      if (booleanTerm(terms, 'dormant', SEARCH_MESSAGE) === true) return undefined
      if (booleanTerm(terms, 'has-ai-task', SEARCH_MESSAGE) === true) return undefined
      for (const key of ['last_used_after', 'last_used_before']) {
        const value = single(terms, key)
        if (value !== undefined && Number.isNaN(Date.parse(value))) {
          throw bad(key, `Query param "${key}" must be a valid date format (RFC 3339)`)
        }
      }
      if (filter.ownerUsername !== undefined && !(await findUserByUsername(db, filter.ownerUsername))) return undefined
      return filter
    },

    async builds(actor: Actor, workspaceId: string, page: { limit?: number | undefined; offset?: number | undefined }): Promise<WorkspaceBuild[]> {
      const w = await readable(actor, workspaceId, true)
      const builds = await workspaceStore.listBuildViews(db, w.workspace.id, {
        limit: page.limit ? Math.min(page.limit, MAX_PAGE) : MAX_PAGE,
        offset: page.offset ?? 0,
      })
      const at = statusClock()
      return builds.map((b) => toWorkspaceBuild(b, { row: w.workspace, owner: w.owner, template: w.template }, at))
    },

    /** A build the caller may read, with its workspace. */
    async readableBuild(actor: Actor, buildId: string) {
      const build = await workspaceStore.findBuildView(db, buildId)
      if (!build) throw errors.notFound()
      const w = await readable(actor, build.build.workspaceId, true)
      return { build, workspace: w }
    },

    async build(actor: Actor, buildId: string): Promise<WorkspaceBuild> {
      const { build, workspace: w } = await this.readableBuild(actor, buildId)
      return toWorkspaceBuild(build, { row: w.workspace, owner: w.owner, template: w.template }, statusClock())
    },

    async buildResources(actor: Actor, buildId: string): Promise<WorkspaceResource[]> {
      const { build } = await this.readableBuild(actor, buildId)
      const at = statusClock()
      return build.resources.map((r) => toWorkspaceResource(r, at))
    },

    async buildParameters(actor: Actor, buildId: string): Promise<{ name: string; value: string }[]> {
      const { build } = await this.readableBuild(actor, buildId)
      return workspaceStore.listBuildParameters(db, build.build.id)
    },

    async buildLogs(actor: Actor, buildId: string, range: { after?: number | undefined; before?: number | undefined }) {
      const { build } = await this.readableBuild(actor, buildId)
      return (await jobStore.listJobLogs(db, build.job.id, range)).map(toJobLog)
    },

    /**
     * Only `delete` is accepted: Outpost does not own the machine, so it cannot start
     * or stop it. A delete records build N+1 and marks the workspace deleted in one
     * transaction; the agents of the old latest build stop authenticating with it.
     */
    async createBuild(actor: Actor, workspaceId: string, req: CreateWorkspaceBuildRequest): Promise<WorkspaceBuild> {
      const w = await readable(actor, workspaceId, true)
      if (!can(actor, 'update', { type: 'workspace', ownerId: w.workspace.ownerId })) throw errors.notFound()
      if (req.transition === 'start' || req.transition === 'stop') {
        if (w.workspace.deleted) throw errors.workspaceGone(w.workspace.id)
        throw errors.externalLifecycle(req.transition, w.workspace.name)
      }
      if (req.transition !== 'delete') throw errors.invalidTransition(req.transition)
      if (req.dry_run) throw errors.validation([{ field: 'dry_run', detail: 'Dry runs of builds are not supported.' }])
      const shape = { row: w.workspace, owner: w.owner, template: w.template }
      // Deleting again answers with the delete that already happened: nothing is lost or redone.
      if (w.workspace.deleted && w.latest.build.transition === 'delete') {
        return toWorkspaceBuild(w.latest, shape, statusClock())
      }
      const now = clock.now()
      const buildId = randomUUID()
      const jobId = randomUUID()
      const log = new JobLog(jobId, () => clock.now())
      log.add('Deleting', 'Revoking the agent tokens of this workspace. The machine itself is not contacted.')
      const revoked = w.latest.resources.flatMap((r) => r.agents.map((a) => a.id))
      if (req.orphan) log.add('Deleting', 'Orphan requested: Outpost never removes external resources anyway.')
      const claimed = await db.transaction(async (tx) => {
        // Claimed first: concurrent deletes wait on the row lock here, and all but the first find it deleted.
        if (!(await workspaceStore.markWorkspaceDeleted(tx, w.workspace.id, now))) return false
        const number = (await workspaceStore.latestBuildNumberOf(tx, w.workspace.id)) + 1
        await jobStore.insertJob(tx, buildJob(jobId, w.workspace.organizationId, actor.user.id, w.latest.version.fileId, buildId, w.latest.version.id, now, clock.now()))
        await jobStore.insertJobLogs(tx, log.rows)
        await workspaceStore.insertBuild(tx, {
          id: buildId,
          workspaceId: w.workspace.id,
          templateVersionId: w.latest.version.id,
          buildNumber: number,
          transition: 'delete',
          initiatorId: actor.user.id,
          reason: req.reason ?? 'initiator',
          jobId,
          hasExternalAgent: w.latest.build.hasExternalAgent,
          createdAt: now,
          updatedAt: now,
        })
        // Delivered on commit: every other replica closes these agents' connections.
        await notifyRevocation(tx, { agent_ids: revoked })
        return true
      })
      // A concurrent delete won: answer with its build.
      if (!claimed) return toWorkspaceBuild((await view(db, w.workspace.id)).latest, shape, statusClock())
      deps.onRevoked({ agent_ids: revoked })
      deps.onChange(w.workspace.id)
      const build = await workspaceStore.findBuildView(db, buildId)
      return toWorkspaceBuild(build!, shape, statusClock())
    },

    /** Coder's credentials endpoint: the agent's token and the command that attaches the machine. */
    async credentials(
      actor: Actor,
      workspaceId: string,
      agentName: string,
    ): Promise<{ credentials: ExternalAgentCredentials; agentId: string }> {
      const w = await readable(actor, workspaceId)
      if (!w.latest.build.hasExternalAgent) throw errors.noExternalAgentInWorkspace()
      const agent = w.latest.resources.flatMap((r) => r.agents).find((a) => a.name === agentName)
      if (!agent) throw errors.externalAgentNotFound(agentName)
      const current = await currentTokenOfAgent(db, agent.id)
      if (!current) throw errors.externalAgentNotFound(agentName)
      const token = openToken(current.tokenCiphertext)
      return {
        credentials: { agent_token: token, command: attachCommand(deps.accessUrl, agent.operatingSystem, agent.architecture, token) },
        agentId: agent.id,
      }
    },

    /**
     * A new token for the agent without deleting anything. The old token keeps working
     * for `graceSeconds` (0: it stops at once), then it fails and connections using it
     * are closed, on every replica.
     */
    async rotateCredentials(
      actor: Actor,
      workspaceId: string,
      agentName: string,
      graceSeconds: number,
    ): Promise<{ credentials: ExternalAgentCredentials; agentId: string }> {
      const w = await readable(actor, workspaceId)
      if (!can(actor, 'update', { type: 'workspace', ownerId: w.workspace.ownerId })) throw errors.notFound()
      if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS) {
        throw errors.validation([
          { field: 'grace_period_seconds', detail: `must be a whole number of seconds from 0 to ${MAX_GRACE_SECONDS}` },
        ])
      }
      const agent = w.latest.resources.flatMap((r) => r.agents).find((a) => a.name === agentName)
      if (!agent) throw errors.externalAgentNotFound(agentName)
      const now = clock.now()
      const expiresAt = new Date(now.getTime() + graceSeconds * 1000)
      const { token, row } = issueAgentToken(agent.id, deps.secretKey, now)
      const event: RevocationEvent = await db.transaction(async (tx) => {
        const retired = await rotateAgentToken(tx, agent.id, row, expiresAt)
        const revocation = { token_ids: retired, ...(graceSeconds > 0 ? { at: expiresAt.toISOString() } : {}) }
        await notifyRevocation(tx, revocation)
        return revocation
      })
      deps.onRevoked(event)
      deps.onChange(w.workspace.id)
      return {
        credentials: { agent_token: token, command: attachCommand(deps.accessUrl, agent.operatingSystem, agent.architecture, token) },
        agentId: agent.id,
      }
    },

    async agent(actor: Actor, agentId: string): Promise<WorkspaceAgent> {
      const found = await workspaceStore.findAgentBuild(db, agentId)
      if (!found) throw errors.notFound()
      await readable(actor, found.build.workspaceId, true)
      return toWorkspaceAgent(found.agent, statusClock())
    },
  }
}

function buildJob(
  id: string,
  organizationId: string,
  initiatorId: string,
  fileId: string,
  buildId: string,
  versionId: string,
  startedAt: Date,
  completedAt: Date,
): ProvisionerJobRow {
  return {
    id,
    organizationId,
    type: 'workspace_build',
    status: 'succeeded',
    error: '',
    errorCode: '',
    fileId,
    initiatorId,
    input: { workspace_build_id: buildId, template_version_id: versionId },
    createdAt: startedAt,
    updatedAt: completedAt,
    startedAt,
    completedAt,
    canceledAt: null,
  }
}

export type WorkspaceService = ReturnType<typeof createWorkspaceService>
