import { createHash, randomUUID } from 'node:crypto'
import type { Db } from '../db/client.js'
import { isUniqueViolation } from '../db/errors.js'
import type { FileRow, ProvisionerJobRow, TemplateRow, TemplateVersionRow } from '../db/schema.js'
import { errors } from '../errors.js'
import type { ProvisionerJob } from '../sdk/provisioner-jobs.js'
import type {
  CreateTemplateRequest,
  CreateTemplateVersionRequest,
  DryRunRequest,
  Template,
  TemplateVersion,
} from '../sdk/templates.js'
import type { WorkspaceResource } from '../sdk/workspaces.js'
import * as fileStore from '../store/files.js'
import * as jobStore from '../store/jobs.js'
import { findUserById, findUserByUsername } from '../store/users.js'
import * as orgStore from '../store/organizations.js'
import { insertAgents, insertResources, resourcesOfJobs } from '../store/resources.js'
import * as templateStore from '../store/templates.js'
import { can, type Actor } from './authz.js'
import type { Clock } from './clock.js'
import { jobMetadata, toTemplate, toTemplateVersion, toWorkspaceResource } from './convert.js'
import { JobLog, NIL_UUID, toJobLog, toProvisionerJob } from './jobs.js'
import { nameProblem, randomName } from './names.js'
import type { OrganizationService } from './organizations.js'
import { resolveParameterValues } from './parameters.js'
import { materialiseResources, planResources, resolveSupportedPlatforms } from './provisioning.js'
import { booleanTerm, parseSearchQuery, single } from './search.js'
import { ArchiveError, readTemplateArchive } from './template-archive.js'
import {
  analyzeTemplate,
  resolveAgentPlatforms,
  TemplateImportError,
  type TemplateAnalysis,
  type TemplateParameter,
} from './template-analysis/index.js'

export const UPLOAD_CONTENT_TYPES = ['application/x-tar', 'application/zip'] as const

const TEMPLATE_SEARCH_KEYS = [
  'name',
  'exact_name',
  'display_name',
  'exact_display_name',
  'deprecated',
  'has_external_agent',
  'has-ai-task',
  'author',
  'organization',
  'ids',
  'deleted',
]

export interface TemplateServiceDeps {
  db: Db
  clock: Clock
  organizations: OrganizationService
  agentInactiveTimeoutSeconds: number
}

/** The stored analysis of a version, or a 400 when its import did not succeed. */
export function analysisOf(version: TemplateVersionRow): TemplateAnalysis {
  if (!version.analysis) throw errors.versionNotImported(version.id)
  return version.analysis as TemplateAnalysis
}

export function createTemplateService({ db, clock, organizations, agentInactiveTimeoutSeconds }: TemplateServiceDeps) {
  const statusClock = () => ({ now: clock.now(), inactiveTimeoutSeconds: agentInactiveTimeoutSeconds })

  async function requireMember(actor: Actor, organizationId: string, action: 'read' | 'create' | 'update' | 'delete') {
    const member = await orgStore.isOrganizationMember(db, organizationId, actor.user.id)
    if (!can(actor, action, { type: 'template', member })) {
      throw action === 'read' || !member ? errors.notFound() : errors.forbidden()
    }
  }

  async function templateOf(version: TemplateVersionRow): Promise<TemplateRow | undefined> {
    return version.templateId ? templateStore.findTemplateById(db, version.templateId) : undefined
  }

  async function versionWire(version: TemplateVersionRow, job?: ProvisionerJobRow): Promise<TemplateVersion> {
    const [jobRow, creator, template] = await Promise.all([
      job ?? jobStore.findJobById(db, version.jobId),
      findUserById(db, version.createdBy),
      templateOf(version),
    ])
    return toTemplateVersion(version, jobRow!, creator!, template)
  }

  /** A version the caller may read, or 404. */
  async function readableVersion(actor: Actor, id: string): Promise<TemplateVersionRow> {
    const version = await templateStore.findTemplateVersionById(db, id)
    if (!version) throw errors.notFound()
    await requireMember(actor, version.organizationId, 'read')
    return version
  }

  /** A live template the caller may read, or 404. */
  async function readableTemplate(actor: Actor, id: string): Promise<templateStore.TemplateView> {
    const view = await templateStore.findTemplateView(db, id)
    if (!view) throw errors.notFound()
    await requireMember(actor, view.template.organizationId, 'read')
    return view
  }

  /** Reads, analyses and records a template import, all at once: Outpost runs no Terraform. */
  async function runImport(
    file: FileRow,
    log: JobLog,
  ): Promise<{ analysis: TemplateAnalysis; readme: string } | { error: string }> {
    log.add('Setting up', `Reading template archive (${file.data.length} bytes)`)
    let sources: Map<string, string>
    try {
      sources = await readTemplateArchive(file.data)
    } catch (err) {
      if (err instanceof ArchiveError) return { error: err.message }
      throw err
    }
    const readme = [...sources].find(([name]) => /^readme\.md$/i.test(name))?.[1] ?? ''
    const tf = new Map([...sources].filter(([name]) => name.endsWith('.tf')))
    log.add('Parsing template parameters', `Parsing ${tf.size} Terraform file(s): ${[...tf.keys()].join(', ') || 'none'}`)
    try {
      const analysis = await analyzeTemplate(tf)
      for (const line of analysis.log) log.add('Detecting persistent resources', line)
      if (!analysis.hasExternalAgent) {
        log.add(
          'Detecting persistent resources',
          'No coder_external_agent resource: this version can be imported, but Outpost cannot create workspaces from it.',
          'warn',
        )
      }
      log.add('Cleaning Up', 'Import complete: nothing was provisioned.')
      return { analysis, readme }
    } catch (err) {
      if (err instanceof TemplateImportError) return { error: err.message }
      throw err
    }
  }

  return {
    readableVersion,
    readableTemplate,

    async uploadFile(actor: Actor, contentType: string, data: Buffer): Promise<{ id: string; created: boolean }> {
      if (!can(actor, 'create', { type: 'template', member: true })) throw errors.forbidden()
      const mimetype = contentType.split(';')[0]!.trim().toLowerCase()
      if (!(UPLOAD_CONTENT_TYPES as readonly string[]).includes(mimetype)) throw errors.unsupportedUpload(mimetype)
      const { row, created } = await fileStore.insertFileOnce(db, {
        id: randomUUID(),
        hash: createHash('sha256').update(data).digest('hex'),
        createdBy: actor.user.id,
        mimetype,
        data,
        createdAt: clock.now(),
      })
      return { id: row.id, created }
    },

    /** Files are read by who uploaded them, and by owners. */
    async getFile(actor: Actor, id: string): Promise<FileRow> {
      const file = await fileStore.findFileById(db, id)
      if (!file || (file.createdBy !== actor.user.id && !can(actor, 'read', { type: 'users' }))) throw errors.notFound()
      return file
    },

    async createVersion(actor: Actor, organizationParam: string, req: CreateTemplateVersionRequest): Promise<TemplateVersion> {
      const { organization, member } = await organizations.resolve(actor, organizationParam)
      if (!can(actor, 'create', { type: 'template', member })) throw errors.forbidden()
      if (req.storage_method !== 'file') throw errors.unsupportedStorage(req.storage_method)
      if (req.provisioner !== 'terraform') throw errors.unsupportedProvisioner(req.provisioner)
      if (!req.file_id) throw errors.validation([{ field: 'file_id', detail: 'A file_id is required with storage_method "file".' }])
      const file = await fileStore.findFileById(db, req.file_id)
      if (!file || (file.createdBy !== actor.user.id && !can(actor, 'read', { type: 'users' }))) {
        throw errors.fileNotFound(req.file_id)
      }
      let template: TemplateRow | undefined
      // `coder templates push` of a new template sends Go's uuid.Nil here: no template.
      if (req.template_id && req.template_id !== NIL_UUID) {
        template = await templateStore.findTemplateById(db, req.template_id)
        if (!template || template.deleted || template.organizationId !== organization.id) {
          throw errors.templateNotFound(req.template_id)
        }
      }
      const name = req.name?.trim() || randomName()
      if (name.length > 64) throw errors.validation([{ field: 'name', detail: 'must be <= 64 characters' }])

      const now = clock.now()
      const jobId = randomUUID()
      const versionId = randomUUID()
      const log = new JobLog(jobId, () => clock.now())
      const outcome = await runImport(file, log)
      const failed = 'error' in outcome
      if (failed) log.add('Parsing template parameters', outcome.error, 'error')

      const job: ProvisionerJobRow = {
        id: jobId,
        organizationId: organization.id,
        type: 'template_version_import',
        status: failed ? 'failed' : 'succeeded',
        error: failed ? outcome.error : '',
        errorCode: '',
        fileId: file.id,
        initiatorId: actor.user.id,
        input: { template_version_id: versionId },
        createdAt: now,
        updatedAt: now,
        startedAt: now,
        completedAt: clock.now(),
        canceledAt: null,
      }
      // The version's preview resources: agents with the platforms the parameter defaults give.
      const materialised = failed
        ? { resources: [], agents: [] }
        : materialiseResources(
            planResources(outcome.analysis, previewPlatforms(outcome.analysis)),
            { id: jobId, transition: 'start' },
            now,
          )
      try {
        const version = await db.transaction(async (tx) => {
          await jobStore.insertJob(tx, job)
          await jobStore.insertJobLogs(tx, log.rows)
          const row = await templateStore.insertTemplateVersion(tx, {
            id: versionId,
            templateId: template?.id ?? null,
            organizationId: organization.id,
            name,
            message: req.message ?? '',
            readme: failed ? '' : outcome.readme,
            fileId: file.id,
            jobId,
            createdBy: actor.user.id,
            hasExternalAgent: failed ? false : outcome.analysis.hasExternalAgent,
            analysis: failed ? null : outcome.analysis,
            createdAt: now,
            updatedAt: now,
          })
          await insertResources(tx, materialised.resources)
          await insertAgents(tx, materialised.agents)
          return row
        })
        return versionWire(version, job)
      } catch (err) {
        if (isUniqueViolation(err, 'template_versions_template_name_key')) throw errors.versionNameTaken(name)
        throw err
      }
    },

    async getVersion(actor: Actor, id: string): Promise<TemplateVersion> {
      return versionWire(await readableVersion(actor, id))
    },

    async versionResources(actor: Actor, id: string): Promise<WorkspaceResource[]> {
      const version = await readableVersion(actor, id)
      const resources = (await resourcesOfJobs(db, [version.jobId])).get(version.jobId) ?? []
      return resources.map((r) => toWorkspaceResource(r, statusClock()))
    },

    async versionParameters(actor: Actor, id: string): Promise<TemplateParameter[]> {
      return analysisOf(await readableVersion(actor, id)).parameters
    },

    async versionLogs(actor: Actor, id: string, range: { after?: number | undefined; before?: number | undefined }) {
      const version = await readableVersion(actor, id)
      return (await jobStore.listJobLogs(db, version.jobId, range)).map(toJobLog)
    },

    async createTemplate(actor: Actor, organizationParam: string, req: CreateTemplateRequest): Promise<Template> {
      const { organization, member } = await organizations.resolve(actor, organizationParam)
      if (!can(actor, 'create', { type: 'template', member })) throw errors.forbidden()
      const problem = nameProblem(req.name)
      if (problem) throw errors.validation([{ field: 'name', detail: problem }])
      const version = await templateStore.findTemplateVersionById(db, req.template_version_id)
      if (!version || version.organizationId !== organization.id) throw errors.versionNotFound(req.template_version_id)
      if (version.templateId) throw errors.versionAlreadyUsed(version.id)
      const job = await jobStore.findJobById(db, version.jobId)
      if (job?.status !== 'succeeded') throw errors.versionNotImported(version.id)
      const now = clock.now()
      try {
        const template = await db.transaction(async (tx) => {
          const row = await templateStore.insertTemplate(tx, {
            id: randomUUID(),
            organizationId: organization.id,
            name: req.name,
            displayName: req.display_name ?? '',
            description: req.description ?? '',
            icon: req.icon ?? '',
            activeVersionId: version.id,
            createdBy: actor.user.id,
            useClassicParameterFlow: req.template_use_classic_parameter_flow ?? true,
            requireActiveVersion: req.require_active_version ?? false,
            allowUserCancelWorkspaceJobs: req.allow_user_cancel_workspace_jobs ?? false,
            createdAt: now,
            updatedAt: now,
          })
          await templateStore.attachVersionToTemplate(tx, version.id, row.id, now)
          return row
        })
        return toTemplate((await templateStore.findTemplateView(db, template.id))!)
      } catch (err) {
        if (isUniqueViolation(err, 'templates_organization_name_key')) throw errors.templateNameTaken(req.name)
        throw err
      }
    },

    async searchTemplates(actor: Actor, query: string, organizationId?: string): Promise<Template[]> {
      const message = 'Invalid template search query.'
      const terms = parseSearchQuery(query, TEMPLATE_SEARCH_KEYS, message)
      const filter: templateStore.TemplateFilter = {}
      if (organizationId) filter.organizationId = organizationId
      const exactName = single(terms, 'exact_name')
      if (exactName !== undefined) filter.exactName = exactName
      const name = single(terms, 'name')
      if (name !== undefined) filter.nameContains = name
      const displayName = single(terms, 'display_name')
      if (displayName !== undefined) filter.displayNameContains = displayName
      const exactDisplayName = single(terms, 'exact_display_name')
      if (exactDisplayName !== undefined) filter.exactDisplayName = exactDisplayName
      const deprecated = booleanTerm(terms, 'deprecated', message)
      if (deprecated !== undefined) filter.deprecated = deprecated
      const external = booleanTerm(terms, 'has_external_agent', message)
      if (external !== undefined) filter.hasExternalAgent = external
      // Outpost templates never have AI tasks; deleted templates are never listed.
      if (booleanTerm(terms, 'has-ai-task', message) === true || booleanTerm(terms, 'deleted', message) === true) return []
      const ids = single(terms, 'ids')
      if (ids !== undefined) filter.ids = ids.split(',').filter((id) => /^[0-9a-f-]{36}$/i.test(id))
      const author = single(terms, 'author')
      if (author !== undefined) {
        const user = await findUserByUsername(db, author)
        if (!user) return []
        filter.authorId = user.id
      }
      const organization = single(terms, 'organization')
      if (organization !== undefined) {
        const org = await organizations.resolve(actor, organization).catch(() => undefined)
        if (!org) return []
        filter.organizationId = org.organization.id
      }
      const views = await templateStore.searchTemplates(db, filter)
      if (can(actor, 'read', { type: 'users' })) return views.map(toTemplate)
      const memberOf = new Set((await orgStore.listOrganizationsOfUser(db, actor.user.id)).map((o) => o.id))
      return views.filter((v) => memberOf.has(v.organization.id)).map(toTemplate)
    },

    async getTemplate(actor: Actor, id: string): Promise<Template> {
      return toTemplate(await readableTemplate(actor, id))
    },

    async getTemplateByName(actor: Actor, organizationParam: string, name: string): Promise<Template> {
      const { organization } = await organizations.resolve(actor, organizationParam)
      const [view] = await templateStore.searchTemplates(db, { organizationId: organization.id, exactName: name })
      if (!view) throw errors.notFound()
      await requireMember(actor, organization.id, 'read')
      return toTemplate(view)
    },

    async listVersions(
      actor: Actor,
      templateId: string,
      page: { limit?: number | undefined; offset?: number | undefined; include_archived?: boolean | undefined },
    ): Promise<TemplateVersion[]> {
      const view = await readableTemplate(actor, templateId)
      const versions = await templateStore.listTemplateVersions(db, view.template.id, {
        limit: page.limit ? Math.min(page.limit, 1000) : 1000,
        offset: page.offset ?? 0,
        includeArchived: page.include_archived ?? false,
      })
      const [jobs, creators] = await Promise.all([
        jobStore.findJobsByIds(
          db,
          versions.map((v) => v.jobId),
        ),
        Promise.all(versions.map((v) => findUserById(db, v.createdBy))),
      ])
      return versions.map((v, i) => toTemplateVersion(v, jobs.get(v.jobId)!, creators[i]!, view.template))
    },

    async getVersionByName(actor: Actor, templateId: string, name: string): Promise<TemplateVersion> {
      const view = await readableTemplate(actor, templateId)
      const version = await templateStore.findTemplateVersionByName(db, view.template.id, name)
      if (!version) throw errors.notFound()
      return versionWire(version)
    },

    async setActiveVersion(actor: Actor, templateId: string, versionId: string): Promise<void> {
      const view = await readableTemplate(actor, templateId)
      await requireMember(actor, view.template.organizationId, 'update')
      const version = await templateStore.findTemplateVersionById(db, versionId)
      if (!version || version.templateId !== view.template.id) throw errors.versionNotInTemplate(versionId)
      const job = await jobStore.findJobById(db, version.jobId)
      if (job?.status !== 'succeeded') throw errors.versionNotImported(version.id)
      await templateStore.setActiveVersion(db, view.template.id, version.id, clock.now())
    },

    /** Refused while live workspaces use it; Coder answers the same way. */
    async deleteTemplate(actor: Actor, templateId: string): Promise<void> {
      const view = await readableTemplate(actor, templateId)
      await requireMember(actor, view.template.organizationId, 'delete')
      await db.transaction(async (tx) => {
        if ((await templateStore.countLiveWorkspacesOfTemplate(tx, view.template.id)) > 0) throw errors.templateInUse()
        await templateStore.softDeleteTemplate(tx, view.template.id, clock.now())
      })
    },

    /**
     * A dry run: the resources a workspace would get with these values, without a
     * workspace. Problems with the values fail the job (the CLI shows its error).
     */
    async createDryRun(actor: Actor, versionId: string, req: DryRunRequest): Promise<ProvisionerJob> {
      const version = await readableVersion(actor, versionId)
      const now = clock.now()
      const jobId = randomUUID()
      const log = new JobLog(jobId, () => clock.now())
      const given = req.rich_parameter_values ?? []
      let materialised: ReturnType<typeof materialiseResources> = { resources: [], agents: [], tokens: [] }
      let error = ''
      try {
        const analysis = analysisOf(version)
        const values = resolveParameterValues(analysis.parameters, given)
        const platforms = resolveSupportedPlatforms(analysis, values)
        materialised = materialiseResources(planResources(analysis, platforms), { id: jobId, transition: 'start' }, now)
        for (const [agent, p] of platforms) log.add('Planning', `coder_agent.${agent}: ${p.os}/${p.arch}`)
        log.add('Planning', 'Dry run complete: nothing was provisioned.')
      } catch (err) {
        if (!(err instanceof Error) || !('statusCode' in err)) throw err
        const apiError = err as Error & { validations?: { field: string; detail: string }[] }
        error = [apiError.message, ...(apiError.validations ?? []).map((v) => `${v.field}: ${v.detail}`)].join(' ')
        log.add('Planning', error, 'error')
      }
      const job: ProvisionerJobRow = {
        id: jobId,
        organizationId: version.organizationId,
        type: 'template_version_dry_run',
        status: error ? 'failed' : 'succeeded',
        error,
        errorCode: '',
        fileId: version.fileId,
        initiatorId: actor.user.id,
        input: {
          template_version_id: version.id,
          ...(req.workspace_name ? { workspace_name: req.workspace_name } : {}),
          rich_parameter_values: given,
        },
        createdAt: now,
        updatedAt: now,
        startedAt: now,
        completedAt: clock.now(),
        canceledAt: null,
      }
      await db.transaction(async (tx) => {
        await jobStore.insertJob(tx, job)
        await jobStore.insertJobLogs(tx, log.rows)
        await insertResources(tx, materialised.resources)
        await insertAgents(tx, materialised.agents)
      })
      return toProvisionerJob(job, jobMetadata(version, await templateOf(version)))
    },

    /** A dry-run job of this version, visible to who started it (and owners). */
    async dryRunJob(actor: Actor, versionId: string, jobId: string): Promise<{ job: ProvisionerJobRow; version: TemplateVersionRow }> {
      const version = await readableVersion(actor, versionId)
      const job = await jobStore.findJobById(db, jobId)
      if (
        !job ||
        job.type !== 'template_version_dry_run' ||
        job.input.template_version_id !== version.id ||
        (job.initiatorId !== actor.user.id && !can(actor, 'read', { type: 'users' }))
      ) {
        throw errors.notFound()
      }
      return { job, version }
    },

    async dryRunWire(actor: Actor, versionId: string, jobId: string): Promise<ProvisionerJob> {
      const { job, version } = await this.dryRunJob(actor, versionId, jobId)
      return toProvisionerJob(job, jobMetadata(version, await templateOf(version)))
    },

    async dryRunResources(actor: Actor, versionId: string, jobId: string): Promise<WorkspaceResource[]> {
      const { job } = await this.dryRunJob(actor, versionId, jobId)
      return ((await resourcesOfJobs(db, [job.id])).get(job.id) ?? []).map((r) => toWorkspaceResource(r, statusClock()))
    },

    async jobLogs(jobId: string, range: { after?: number | undefined; before?: number | undefined }) {
      return (await jobStore.listJobLogs(db, jobId, range)).map(toJobLog)
    },
  }

}

/** Platforms with each parameter's default, for previews; agents that cannot resolve get none. */
function previewPlatforms(analysis: TemplateAnalysis): Map<string, { os: string; arch: string }> {
  const defaults = Object.fromEntries(analysis.parameters.filter((p) => !p.required).map((p) => [p.name, p.default_value]))
  try {
    return resolveAgentPlatforms(analysis, defaults)
  } catch {
    return new Map()
  }
}

export type TemplateService = ReturnType<typeof createTemplateService>
