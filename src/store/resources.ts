import { and, asc, desc, eq, inArray, isNull } from 'drizzle-orm'
import type { Queryable } from '../db/client.js'
import {
  workspaceAgents,
  workspaceAgentTokens,
  workspaceResources,
  type WorkspaceAgentRow,
  type WorkspaceAgentTokenRow,
  type WorkspaceResourceRow,
} from '../db/schema.js'

export type NewAgentRow = typeof workspaceAgents.$inferInsert

export async function insertResources(q: Queryable, rows: readonly WorkspaceResourceRow[]): Promise<void> {
  if (rows.length > 0) await q.insert(workspaceResources).values([...rows])
}

export async function insertAgents(q: Queryable, rows: readonly NewAgentRow[]): Promise<void> {
  if (rows.length > 0) await q.insert(workspaceAgents).values([...rows])
}

export interface ResourceWithAgents {
  resource: WorkspaceResourceRow
  agents: WorkspaceAgentRow[]
}

/** The resources of each job with their agents, in two queries however many jobs. */
export async function resourcesOfJobs(
  q: Queryable,
  jobIds: readonly string[],
): Promise<Map<string, ResourceWithAgents[]>> {
  const result = new Map<string, ResourceWithAgents[]>(jobIds.map((id) => [id, []]))
  if (jobIds.length === 0) return result
  const resources = await q
    .select()
    .from(workspaceResources)
    .where(inArray(workspaceResources.jobId, [...new Set(jobIds)]))
    .orderBy(asc(workspaceResources.type), asc(workspaceResources.name), asc(workspaceResources.id))
  if (resources.length === 0) return result
  const agents = await q
    .select()
    .from(workspaceAgents)
    .where(
      inArray(
        workspaceAgents.resourceId,
        resources.map((r) => r.id),
      ),
    )
    .orderBy(asc(workspaceAgents.name))
  const byResource = new Map<string, WorkspaceAgentRow[]>()
  for (const agent of agents) byResource.set(agent.resourceId, [...(byResource.get(agent.resourceId) ?? []), agent])
  for (const resource of resources) {
    result.get(resource.jobId)?.push({ resource, agents: byResource.get(resource.id) ?? [] })
  }
  return result
}

/** The agent's current token (the newest one not retired by a rotation). */
export async function currentTokenOfAgent(q: Queryable, agentId: string): Promise<WorkspaceAgentTokenRow | undefined> {
  const [row] = await q
    .select()
    .from(workspaceAgentTokens)
    .where(and(eq(workspaceAgentTokens.agentId, agentId), isNull(workspaceAgentTokens.expiresAt)))
    .orderBy(desc(workspaceAgentTokens.createdAt))
    .limit(1)
  return row
}

export async function recordEnrollmentStage(
  q: Queryable,
  agentId: string,
  stage: { stage: string; error: string; at: Date },
): Promise<void> {
  await q
    .update(workspaceAgents)
    .set({ enrollmentStage: stage.stage, enrollmentError: stage.error, enrollmentStageAt: stage.at, updatedAt: stage.at })
    .where(eq(workspaceAgents.id, agentId))
}
