import { and, asc, desc, eq, gt, inArray, isNull, max, or, sql, type SQL } from 'drizzle-orm'
import type { Queryable } from '../db/client.js'
import { insertAll } from '../db/insert-all.js'
import { prepared } from '../db/prepared.js'
import {
  organizationMembers,
  organizations,
  provisionerJobLogs,
  provisionerJobs,
  templates,
  templateVersions,
  users,
  workspaceAgents,
  workspaceAgentTokens,
  workspaceBuildParameters,
  workspaceBuilds,
  workspaceResources,
  workspaces,
  type NewProvisionerJobRow,
  type OrganizationRow,
  type ProvisionerJobLogRow,
  type ProvisionerJobRow,
  type TemplateRow,
  type TemplateVersionRow,
  type UserRow,
  type WorkspaceAgentRow,
  type WorkspaceAgentTokenRow,
  type WorkspaceBuildRow,
  type WorkspaceResourceRow,
  type WorkspaceRow,
} from '../db/schema.js'
import { resourcesOfJobs, type NewAgentRow, type ResourceWithAgents } from './resources.js'

export type NewWorkspaceRow = typeof workspaces.$inferInsert
export type NewWorkspaceBuildRow = typeof workspaceBuilds.$inferInsert

export type AgentStatusName = 'connecting' | 'connected' | 'disconnected' | 'timeout'

export interface WorkspaceFilter {
  ids?: string[]
  ownerId?: string
  ownerUsername?: string
  nameContains?: string
  exactName?: string
  templateName?: string
  organizationId?: string
  organizationName?: string
  status?: string
  hasExternalAgent?: boolean
  outdated?: boolean
  hasAgent?: AgentStatusName
  /** Members see only their own workspaces. */
  visibleToOwnerId?: string
  includeDeleted?: boolean
}

/** How agent status is derived, for filtering in SQL; domain/agents.ts holds the same rule for display. */
export interface AgentStatusClock {
  now: Date
  inactiveTimeoutSeconds: number
}

/** A build and everything its wire form shows. */
export interface BuildView {
  build: WorkspaceBuildRow
  job: ProvisionerJobRow
  version: TemplateVersionRow
  initiator: UserRow
  resources: ResourceWithAgents[]
}

export interface WorkspaceView {
  workspace: WorkspaceRow
  owner: UserRow
  organization: OrganizationRow
  template: TemplateRow
  latest: BuildView
}

const latestBuildNumber = sql`(select max(wb.build_number) from ${workspaceBuilds} wb where wb.workspace_id = ${workspaces.id})`

/** The joined `workspace_builds` row is its workspace's latest build. */
export const isLatestBuild = sql`${workspaceBuilds.buildNumber} = (select max(wb.build_number) from ${workspaceBuilds} wb where wb.workspace_id = ${workspaceBuilds.workspaceId})`

function jobStatusSql(): SQL {
  return sql`(case j.status
    when 'running' then (case b.transition when 'start' then 'starting' when 'stop' then 'stopping' else 'deleting' end)
    when 'succeeded' then (case b.transition when 'start' then 'running' when 'stop' then 'stopped' else 'deleted' end)
    else j.status end)`
}

function agentStatusSql(status: AgentStatusName, clock: AgentStatusClock): SQL {
  const now = clock.now.toISOString()
  const stale = sql`a.last_connected_at < ${now}::timestamptz - make_interval(secs => ${clock.inactiveTimeoutSeconds})`
  const timedOut = sql`a.connection_timeout_seconds > 0 and a.created_at + make_interval(secs => a.connection_timeout_seconds) < ${now}::timestamptz`
  switch (status) {
    case 'connecting':
      return sql`a.first_connected_at is null and not (${timedOut})`
    case 'timeout':
      return sql`a.first_connected_at is null and ${timedOut}`
    case 'disconnected':
      return sql`a.first_connected_at is not null and (a.disconnected_at >= a.last_connected_at or ${stale})`
    case 'connected':
      return sql`a.first_connected_at is not null and not coalesce(a.disconnected_at >= a.last_connected_at, false) and not (${stale})`
  }
}

function conditions(filter: WorkspaceFilter, clock: AgentStatusClock): SQL[] {
  const where: SQL[] = []
  if (!filter.includeDeleted) where.push(eq(workspaces.deleted, false))
  if (filter.ids) where.push(filter.ids.length ? inArray(workspaces.id, filter.ids) : sql`false`)
  if (filter.ownerId) where.push(eq(workspaces.ownerId, filter.ownerId))
  if (filter.visibleToOwnerId) where.push(eq(workspaces.ownerId, filter.visibleToOwnerId))
  if (filter.ownerUsername !== undefined) where.push(sql`lower(${users.username}) = lower(${filter.ownerUsername})`)
  if (filter.nameContains !== undefined) {
    where.push(sql`${workspaces.name} ilike ${'%' + filter.nameContains.replace(/[\\%_]/g, (c) => `\\${c}`) + '%'}`)
  }
  if (filter.exactName !== undefined) where.push(sql`lower(${workspaces.name}) = lower(${filter.exactName})`)
  if (filter.templateName !== undefined) where.push(sql`lower(${templates.name}) = lower(${filter.templateName})`)
  if (filter.organizationId) where.push(eq(workspaces.organizationId, filter.organizationId))
  if (filter.organizationName !== undefined) {
    where.push(sql`lower(${organizations.name}) = lower(${filter.organizationName})`)
  }
  const latestBuild = sql`${workspaceBuilds} b join ${provisionerJobs} j on j.id = b.job_id where b.workspace_id = ${workspaces.id} and b.build_number = ${latestBuildNumber}`
  if (filter.status !== undefined) where.push(sql`exists (select 1 from ${latestBuild} and ${jobStatusSql()} = ${filter.status})`)
  // The workspace row carries its latest build's value (see the schema): no subquery per row.
  if (filter.hasExternalAgent !== undefined) where.push(eq(workspaces.hasExternalAgent, filter.hasExternalAgent))
  if (filter.outdated !== undefined) {
    const outdated = sql`exists (select 1 from ${latestBuild} and b.template_version_id <> ${templates.activeVersionId})`
    where.push(filter.outdated ? outdated : sql`not ${outdated}`)
  }
  if (filter.hasAgent !== undefined) {
    where.push(sql`exists (select 1 from ${latestBuild}
      and exists (select 1 from ${workspaceResources} r join ${workspaceAgents} a on a.resource_id = r.id
        where r.job_id = b.job_id and ${agentStatusSql(filter.hasAgent, clock)}))`)
  }
  return where
}

/**
 * One page of matching workspace ids, ordered by owner (username) then name, and the
 * total count, in two queries run side by side. The page reads, for each owner in
 * username order, at most `offset + limit` of their matching workspaces in name order
 * (for live workspaces an index range of workspaces_owner_name_key), so it costs about a
 * page whatever the number of workspaces; the count joins only the tables a filter names.
 */
export async function searchWorkspaces(
  q: Queryable,
  filter: WorkspaceFilter,
  page: { limit: number; offset: number },
  clock: AgentStatusClock,
): Promise<{ ids: string[]; total: number }> {
  const where = and(...conditions(filter, clock))
  const ofOwner = q
    .select({ id: workspaces.id, name: workspaces.name, createdAt: workspaces.createdAt })
    .from(workspaces)
    .innerJoin(templates, eq(templates.id, workspaces.templateId))
    .innerJoin(organizations, eq(organizations.id, workspaces.organizationId))
    .where(and(eq(workspaces.ownerId, users.id), where))
    .orderBy(asc(sql`lower(${workspaces.name})`), desc(workspaces.createdAt))
    .limit(page.offset + page.limit)
    .as('of_owner')
  const pageRows = q
    .select({ id: ofOwner.id })
    .from(users)
    .crossJoinLateral(ofOwner)
    .orderBy(asc(sql`lower(${users.username})`), asc(sql`lower(${ofOwner.name})`), desc(ofOwner.createdAt))
    .limit(page.limit)
    .offset(page.offset)
  // Every workspace has its owner, template and organization (foreign keys): a join is
  // needed only to filter on one of them.
  let counting = q.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(workspaces).$dynamic()
  if (filter.ownerUsername !== undefined) counting = counting.innerJoin(users, eq(users.id, workspaces.ownerId))
  if (filter.templateName !== undefined || filter.outdated !== undefined) {
    counting = counting.innerJoin(templates, eq(templates.id, workspaces.templateId))
  }
  if (filter.organizationName !== undefined) {
    counting = counting.innerJoin(organizations, eq(organizations.id, workspaces.organizationId))
  }
  const [rows, [counted]] = await Promise.all([pageRows, counting.where(where)])
  return { ids: rows.map((r) => r.id), total: counted?.n ?? 0 }
}

async function loadBuildViews(q: Queryable, builds: WorkspaceBuildRow[]): Promise<Map<string, BuildView>> {
  const result = new Map<string, BuildView>()
  if (builds.length === 0) return result
  const jobIds = builds.map((b) => b.jobId)
  const [jobs, versions, initiators, resources] = await Promise.all([
    q.select().from(provisionerJobs).where(inArray(provisionerJobs.id, jobIds)),
    q
      .select()
      .from(templateVersions)
      .where(inArray(templateVersions.id, [...new Set(builds.map((b) => b.templateVersionId))])),
    q
      .select()
      .from(users)
      .where(inArray(users.id, [...new Set(builds.map((b) => b.initiatorId))])),
    resourcesOfJobs(q, jobIds),
  ])
  const jobById = new Map(jobs.map((j) => [j.id, j]))
  const versionById = new Map(versions.map((v) => [v.id, v]))
  const userById = new Map(initiators.map((u) => [u.id, u]))
  for (const build of builds) {
    result.set(build.id, {
      build,
      job: jobById.get(build.jobId)!,
      version: versionById.get(build.templateVersionId)!,
      initiator: userById.get(build.initiatorId)!,
      resources: resources.get(build.jobId) ?? [],
    })
  }
  return result
}

/** Full views of the given workspaces, in the order of `ids`, in a fixed number of queries. */
export async function loadWorkspaceViews(q: Queryable, ids: readonly string[]): Promise<WorkspaceView[]> {
  if (ids.length === 0) return []
  const rows = await q
    .select({ workspace: workspaces, owner: users, organization: organizations, template: templates })
    .from(workspaces)
    .innerJoin(users, eq(users.id, workspaces.ownerId))
    .innerJoin(organizations, eq(organizations.id, workspaces.organizationId))
    .innerJoin(templates, eq(templates.id, workspaces.templateId))
    .where(inArray(workspaces.id, [...ids]))
  const latest = await q
    .select()
    .from(workspaceBuilds)
    .where(
      and(
        inArray(workspaceBuilds.workspaceId, [...ids]),
        isLatestBuild,
      ),
    )
  const views = await loadBuildViews(q, latest)
  const latestByWorkspace = new Map(latest.map((b) => [b.workspaceId, views.get(b.id)!]))
  const byId = new Map(rows.map((r) => [r.workspace.id, r]))
  return ids.flatMap((id) => {
    const row = byId.get(id)
    const build = latestByWorkspace.get(id)
    return row && build ? [{ ...row, latest: build }] : []
  })
}

export async function findWorkspaceRow(q: Queryable, id: string): Promise<WorkspaceRow | undefined> {
  const [row] = await q.select().from(workspaces).where(eq(workspaces.id, id))
  return row
}

/** The live workspace with this owner and name, or with `includeDeleted` the newest deleted one. */
export async function findWorkspaceByOwnerAndName(
  q: Queryable,
  ownerId: string,
  name: string,
  includeDeleted: boolean,
): Promise<WorkspaceRow | undefined> {
  const [live] = await q
    .select()
    .from(workspaces)
    .where(and(eq(workspaces.ownerId, ownerId), sql`lower(${workspaces.name}) = lower(${name})`, eq(workspaces.deleted, false)))
  if (live || !includeDeleted) return live
  const [deleted] = await q
    .select()
    .from(workspaces)
    .where(and(eq(workspaces.ownerId, ownerId), sql`lower(${workspaces.name}) = lower(${name})`))
    .orderBy(desc(workspaces.updatedAt))
    .limit(1)
  return deleted
}

/** What a new workspace's first build is made from, with whether its owner may use the template. */
export interface BuildSource {
  template: TemplateRow
  version: TemplateVersionRow
  jobStatus: ProvisionerJobRow['status']
  organization: OrganizationRow
  ownerIsMember: boolean
}

function buildSourceQuery(q: Queryable, by: 'version' | 'template') {
  return q
    .select({
      template: templates,
      version: templateVersions,
      jobStatus: provisionerJobs.status,
      organization: organizations,
      member: organizationMembers.userId,
    })
    .from(templateVersions)
    .innerJoin(templates, eq(templates.id, templateVersions.templateId))
    .innerJoin(provisionerJobs, eq(provisionerJobs.id, templateVersions.jobId))
    .innerJoin(organizations, eq(organizations.id, templates.organizationId))
    .leftJoin(
      organizationMembers,
      and(eq(organizationMembers.organizationId, templates.organizationId), eq(organizationMembers.userId, sql.placeholder('ownerId'))),
    )
    .where(
      by === 'version'
        ? eq(templateVersions.id, sql.placeholder('id'))
        : and(eq(templates.id, sql.placeholder('id')), eq(templateVersions.id, templates.activeVersionId)),
    )
}
const buildSourceByVersion = prepared((q) => buildSourceQuery(q, 'version').prepare('find_build_source_by_version'))
const buildSourceByTemplate = prepared((q) => buildSourceQuery(q, 'template').prepare('find_build_source_by_template'))

/**
 * The template version a create names (by id, or the template's active version), with its
 * template, import job status, organization and the owner's membership, in one query.
 * Undefined when there is no such version belonging to a template.
 */
export async function findBuildSource(
  q: Queryable,
  names: { templateId: string } | { versionId: string },
  ownerId: string,
): Promise<BuildSource | undefined> {
  const [row] =
    'versionId' in names
      ? await buildSourceByVersion(q).execute({ id: names.versionId, ownerId })
      : await buildSourceByTemplate(q).execute({ id: names.templateId, ownerId })
  if (!row) return undefined
  const { member, ...found } = row
  return { ...found, ownerIsMember: member !== null }
}

export interface NewExternalWorkspace {
  workspace: NewWorkspaceRow
  job: NewProvisionerJobRow
  logs: readonly ProvisionerJobLogRow[]
  build: NewWorkspaceBuildRow
  parameters: readonly { buildId: string; name: string; value: string }[]
  resources: readonly WorkspaceResourceRow[]
  agents: readonly NewAgentRow[]
  tokens: readonly WorkspaceAgentTokenRow[]
}

/**
 * Writes a new workspace with its first build, job, logs, parameters, resources, agents
 * and tokens atomically, in one statement, and returns the rows as stored (resources
 * and agents in the order resourcesOfJobs reads them).
 */
export async function insertExternalWorkspace(
  q: Queryable,
  rows: NewExternalWorkspace,
): Promise<{ workspace: WorkspaceRow; build: WorkspaceBuildRow; job: ProvisionerJobRow; resources: ResourceWithAgents[] }> {
  const [[workspace], [job], , [build], , resources, agents] = await insertAll(q, [
    { table: workspaces, rows: [rows.workspace] },
    { table: provisionerJobs, rows: [rows.job] },
    { table: provisionerJobLogs, rows: rows.logs },
    { table: workspaceBuilds, rows: [rows.build] },
    { table: workspaceBuildParameters, rows: rows.parameters },
    { table: workspaceResources, rows: rows.resources, orderBy: 'type, name, id' },
    { table: workspaceAgents, rows: rows.agents, orderBy: 'name' },
    { table: workspaceAgentTokens, rows: rows.tokens },
  ] as const)
  return {
    workspace: workspace!,
    job: job!,
    build: build!,
    resources: resources.map((resource) => ({ resource, agents: agents.filter((a) => a.resourceId === resource.id) })),
  }
}

/** Marks a live workspace deleted; false when it already was (a concurrent delete got there first). */
export async function markWorkspaceDeleted(q: Queryable, id: string, now: Date): Promise<boolean> {
  const rows = await q
    .update(workspaces)
    .set({ deleted: true, updatedAt: now })
    .where(and(eq(workspaces.id, id), eq(workspaces.deleted, false)))
    .returning({ id: workspaces.id })
  return rows.length > 0
}

export async function insertBuild(q: Queryable, row: NewWorkspaceBuildRow): Promise<WorkspaceBuildRow> {
  const [inserted] = await q.insert(workspaceBuilds).values(row).returning()
  return inserted!
}

export async function listBuildParameters(q: Queryable, buildId: string): Promise<{ name: string; value: string }[]> {
  return q
    .select({ name: workspaceBuildParameters.name, value: workspaceBuildParameters.value })
    .from(workspaceBuildParameters)
    .where(eq(workspaceBuildParameters.buildId, buildId))
    .orderBy(asc(workspaceBuildParameters.name))
}

export async function latestBuildNumberOf(q: Queryable, workspaceId: string): Promise<number> {
  const [row] = await q
    .select({ n: max(workspaceBuilds.buildNumber) })
    .from(workspaceBuilds)
    .where(eq(workspaceBuilds.workspaceId, workspaceId))
  return row?.n ?? 0
}

export async function findBuildView(q: Queryable, buildId: string): Promise<BuildView | undefined> {
  const [build] = await q.select().from(workspaceBuilds).where(eq(workspaceBuilds.id, buildId))
  return build && (await loadBuildViews(q, [build])).get(build.id)
}

export async function listBuildViews(
  q: Queryable,
  workspaceId: string,
  page: { limit: number; offset: number },
): Promise<BuildView[]> {
  const builds = await q
    .select()
    .from(workspaceBuilds)
    .where(eq(workspaceBuilds.workspaceId, workspaceId))
    .orderBy(desc(workspaceBuilds.buildNumber))
    .limit(page.limit)
    .offset(page.offset)
  const views = await loadBuildViews(q, builds)
  return builds.map((b) => views.get(b.id)!)
}

/** The build whose job holds this agent's resource: how an agent id leads to its workspace. */
export async function findAgentBuild(
  q: Queryable,
  agentId: string,
): Promise<{ agent: WorkspaceAgentRow; build: WorkspaceBuildRow } | undefined> {
  const [row] = await q
    .select({ agent: workspaceAgents, build: workspaceBuilds })
    .from(workspaceAgents)
    .innerJoin(workspaceResources, eq(workspaceResources.id, workspaceAgents.resourceId))
    .innerJoin(workspaceBuilds, eq(workspaceBuilds.jobId, workspaceResources.jobId))
    .where(eq(workspaceAgents.id, agentId))
  return row
}

/**
 * An authenticated agent. The rows are as they were when the token was looked up, which
 * may be a few seconds ago (domain/agent-auth.ts caches lookups): rely on ids and on
 * fields that never change (names, platform), not on connection or lifecycle state.
 */
export interface AuthenticatedAgent {
  agent: WorkspaceAgentRow
  token: WorkspaceAgentTokenRow
  build: WorkspaceBuildRow
  workspace: WorkspaceRow
  /** The workspace owner's username (for the agent's manifest). */
  ownerName: string
}

const agentByTokenHash = prepared((q) =>
  q
    .select({
      agent: workspaceAgents,
      token: workspaceAgentTokens,
      build: workspaceBuilds,
      workspace: workspaces,
      ownerName: users.username,
    })
    .from(workspaceAgentTokens)
    .innerJoin(workspaceAgents, eq(workspaceAgents.id, workspaceAgentTokens.agentId))
    .innerJoin(workspaceResources, eq(workspaceResources.id, workspaceAgents.resourceId))
    .innerJoin(workspaceBuilds, eq(workspaceBuilds.jobId, workspaceResources.jobId))
    .innerJoin(workspaces, eq(workspaces.id, workspaceBuilds.workspaceId))
    .innerJoin(users, eq(users.id, workspaces.ownerId))
    .where(
      and(
        eq(workspaceAgentTokens.tokenHash, sql.placeholder('tokenHash')),
        or(isNull(workspaceAgentTokens.expiresAt), gt(workspaceAgentTokens.expiresAt, sql.placeholder('now'))),
        eq(workspaces.deleted, false),
        isLatestBuild,
      ),
    )
    .prepare('find_agent_by_token_hash'),
)

/**
 * The agent a token belongs to, only while it may authenticate: the token is current
 * (or inside a rotation's grace period), the agent belongs to the latest build, and the
 * workspace is not deleted. One indexed query, prepared: it runs whenever the lookup cache
 * (domain/agent-auth.ts) misses.
 */
export async function findAgentByTokenHash(q: Queryable, tokenHash: string, now: Date): Promise<AuthenticatedAgent | undefined> {
  const [row] = await agentByTokenHash(q).execute({ tokenHash, now })
  return row
}
