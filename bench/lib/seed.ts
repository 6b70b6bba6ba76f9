// Seeds external workspaces straight into the database, in bulk, with the same rows
// `POST /users/me/workspaces` writes (src/domain/workspaces.ts create): the workspace,
// its succeeded build job and that job's log, build 1 with its parameter values, the
// resources and agents the template plans (materialiseResources) and a token per agent
// (issueAgentToken). Creating 100,000 through the API would take most of the run.
import { randomUUID } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { openDatabase, type Db } from '../../src/db/client.js'
import {
  provisionerJobLogs,
  provisionerJobs,
  workspaceAgents,
  workspaceAgentTokens,
  workspaceBuildParameters,
  workspaceBuilds,
  workspaceResources,
  workspaces,
} from '../../src/db/schema.js'
import { JobLog } from '../../src/domain/jobs.js'
import { resolveParameterValues } from '../../src/domain/parameters.js'
import { issueAgentToken, materialiseResources, planResources, resolveSupportedPlatforms } from '../../src/domain/provisioning.js'
import { analysisOf } from '../../src/domain/templates.js'
import { findTemplateVersionById } from '../../src/store/templates.js'

export interface SeedTarget {
  databaseUrl: string
  secretKey: string
  organizationId: string
  templateId: string
  versionId: string
  /** Owners, in turn; the first is also the initiator of every build. */
  ownerIds: string[]
}

export interface SeededWorkspace {
  workspaceId: string
  agentId: string
  tokenId: string
  /** The agent token in clear, as the credentials endpoint would show it. */
  token: string
}

const CHUNK = 1000

/** What a create from this version plans, as the create endpoint works it out. */
export async function templatePlan(db: Db, versionId: string, platform = 'linux-amd64') {
  const version = await findTemplateVersionById(db, versionId)
  if (!version) throw new Error('seed: no such template version')
  const analysis = analysisOf(version)
  const values = resolveParameterValues(analysis.parameters, [{ name: 'platform', value: platform }])
  const platforms = resolveSupportedPlatforms(analysis, values)
  return { version, values, platforms, plan: planResources(analysis, platforms) }
}

/** templatePlan on its own connection. */
export async function templatePlanAt(databaseUrl: string, versionId: string, platform?: string) {
  const database = await openDatabase({ kind: 'pg', url: databaseUrl, poolSize: 1 })
  try {
    return await templatePlan(database.db, versionId, platform)
  } finally {
    await database.close()
  }
}

/** Seeds `count` workspaces named `<prefix><n>`; returns their ids and agent tokens (with `keepTokens`). */
export async function seedWorkspaces(
  target: SeedTarget,
  count: number,
  prefix: string,
  options: { keepTokens?: boolean; platform?: string } = {},
): Promise<SeededWorkspace[]> {
  const database = await openDatabase({ kind: 'pg', url: target.databaseUrl, poolSize: 2 })
  const { db } = database
  const key = Buffer.from(target.secretKey, 'base64')
  try {
    const { version, values, platforms, plan } = await templatePlan(db, target.versionId, options.platform)
    const seeded: SeededWorkspace[] = []
    for (let start = 0; start < count; start += CHUNK) {
      const rows = {
        workspaces: [] as (typeof workspaces.$inferInsert)[],
        jobs: [] as (typeof provisionerJobs.$inferInsert)[],
        logs: [] as (typeof provisionerJobLogs.$inferInsert)[],
        builds: [] as (typeof workspaceBuilds.$inferInsert)[],
        parameters: [] as (typeof workspaceBuildParameters.$inferInsert)[],
        resources: [] as (typeof workspaceResources.$inferInsert)[],
        agents: [] as (typeof workspaceAgents.$inferInsert)[],
        tokens: [] as (typeof workspaceAgentTokens.$inferInsert)[],
      }
      for (let i = start; i < Math.min(count, start + CHUNK); i++) {
        const now = new Date()
        const workspaceId = randomUUID()
        const buildId = randomUUID()
        const jobId = randomUUID()
        const ownerId = target.ownerIds[i % target.ownerIds.length]!
        const initiatorId = target.ownerIds[0]!
        rows.workspaces.push({
          id: workspaceId,
          organizationId: target.organizationId,
          ownerId,
          templateId: target.templateId,
          name: `${prefix}${i}`,
          automaticUpdates: 'never',
          hasExternalAgent: true,
          lastUsedAt: now,
          createdAt: now,
          updatedAt: now,
        })
        rows.jobs.push({
          id: jobId,
          organizationId: target.organizationId,
          type: 'workspace_build',
          status: 'succeeded',
          error: '',
          errorCode: '',
          fileId: version.fileId,
          initiatorId,
          input: { workspace_build_id: buildId, template_version_id: version.id },
          createdAt: now,
          updatedAt: now,
          startedAt: now,
          completedAt: now,
          canceledAt: null,
        })
        const log = new JobLog(jobId, () => now)
        for (const [agent, p] of platforms) log.add('Recording external agents', `coder_agent.${agent}: ${p.os}/${p.arch}, token issued`)
        log.add('Recording external agents', 'Nothing was provisioned: the machine attaches with the agent credentials.')
        rows.logs.push(...log.rows)
        rows.builds.push({
          id: buildId,
          workspaceId,
          templateVersionId: version.id,
          buildNumber: 1,
          transition: 'start',
          initiatorId,
          reason: 'initiator',
          jobId,
          hasExternalAgent: true,
          createdAt: now,
          updatedAt: now,
        })
        rows.parameters.push(...values.map((v) => ({ buildId, ...v })))
        const materialised = materialiseResources(plan, { id: jobId, transition: 'start' }, now)
        rows.resources.push(...materialised.resources)
        rows.agents.push(...materialised.agents)
        for (const agent of materialised.agents) {
          const { token, row } = issueAgentToken(agent.id!, key, now)
          rows.tokens.push(row)
          if (options.keepTokens !== false) seeded.push({ workspaceId, agentId: agent.id!, tokenId: row.id, token })
        }
      }
      await db.transaction(async (tx) => {
        await tx.insert(workspaces).values(rows.workspaces)
        await tx.insert(provisionerJobs).values(rows.jobs)
        await tx.insert(provisionerJobLogs).values(rows.logs)
        await tx.insert(workspaceBuilds).values(rows.builds)
        if (rows.parameters.length) await tx.insert(workspaceBuildParameters).values(rows.parameters)
        await tx.insert(workspaceResources).values(rows.resources)
        await tx.insert(workspaceAgents).values(rows.agents)
        await tx.insert(workspaceAgentTokens).values(rows.tokens)
      })
    }
    // What autovacuum would have done by now: statistics, and the visibility map that
    // index-only scans rely on.
    await db.execute(sql`vacuum analyze`)
    return seeded
  } finally {
    await database.close()
  }
}
