import { asc, inArray } from 'drizzle-orm'
import type { Queryable } from '../db/client.js'
import {
  workspaceAgents,
  workspaceResources,
  type WorkspaceAgentRow,
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
