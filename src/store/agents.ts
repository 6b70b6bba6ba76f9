import { and, eq, gt, isNull, or, sql, type AnyColumn, type SQL } from 'drizzle-orm'
import type { Queryable } from '../db/client.js'
import {
  workspaceAgents,
  workspaceAgentTokens,
  workspaceBuilds,
  workspaceResources,
  workspaces,
  type WorkspaceAgentRow,
  type WorkspaceAgentTokenRow,
} from '../db/schema.js'
import { notifyChannel } from './events.js'
import { isLatestBuild } from './workspaces.js'

/** The NOTIFY channel on which replicas learn that agent tokens stopped being valid. */
export const REVOCATION_CHANNEL = 'outpost_agent_revocations'

/**
 * Tokens that stop authenticating: every token of `agent_ids` (a deleted workspace), or
 * just `token_ids` (a rotation), at once or at `at` (the end of a grace period).
 */
export interface RevocationEvent {
  agent_ids?: string[]
  token_ids?: string[]
  at?: string
}

/** Sends a revocation event; inside a transaction it is delivered only if that commits. */
export async function notifyRevocation(q: Queryable, event: RevocationEvent): Promise<void> {
  await notifyChannel(q, REVOCATION_CHANNEL, event)
}

/** A new connection: first connect time once, last connect time now. */
export async function markAgentConnected(q: Queryable, agentId: string, now: Date): Promise<void> {
  await q
    .update(workspaceAgents)
    .set({
      firstConnectedAt: sql`coalesce(${workspaceAgents.firstConnectedAt}, ${now.toISOString()}::timestamptz)`,
      lastConnectedAt: now,
      updatedAt: now,
    })
    .where(eq(workspaceAgents.id, agentId))
}

/**
 * `column = any($1::uuid[])` with the ids as one array parameter: a statement about every
 * agent an instance holds (tens of thousands) stays one small SQL text with one parameter,
 * instead of an IN list of as many placeholders (built anew each time, and refused by
 * Postgres past 65,535).
 */
function anyUuid(column: AnyColumn, ids: readonly string[]): SQL {
  return sql`${column} = any(${`{${ids.join(',')}}`}::uuid[])`
}

/** The liveness heartbeat of every agent held by this instance, in one statement. */
export async function markAgentsAlive(q: Queryable, agentIds: readonly string[], now: Date): Promise<void> {
  if (agentIds.length === 0) return
  await q
    .update(workspaceAgents)
    .set({ lastConnectedAt: now, disconnectedAt: null, updatedAt: now })
    .where(anyUuid(workspaceAgents.id, agentIds))
}

export async function markAgentsDisconnected(q: Queryable, agentIds: readonly string[], now: Date): Promise<void> {
  if (agentIds.length === 0) return
  await q
    .update(workspaceAgents)
    .set({ disconnectedAt: now, updatedAt: now })
    .where(anyUuid(workspaceAgents.id, agentIds))
}

/**
 * Of the given tokens, those that may still authenticate: current or in a grace period,
 * for an agent of its workspace's latest build, in a live workspace. One query.
 */
export async function stillValidTokenIds(q: Queryable, tokenIds: readonly string[], now: Date): Promise<Set<string>> {
  if (tokenIds.length === 0) return new Set()
  const rows = await q
    .select({ id: workspaceAgentTokens.id })
    .from(workspaceAgentTokens)
    .innerJoin(workspaceAgents, eq(workspaceAgents.id, workspaceAgentTokens.agentId))
    .innerJoin(workspaceResources, eq(workspaceResources.id, workspaceAgents.resourceId))
    .innerJoin(workspaceBuilds, eq(workspaceBuilds.jobId, workspaceResources.jobId))
    .innerJoin(workspaces, eq(workspaces.id, workspaceBuilds.workspaceId))
    .where(
      and(
        anyUuid(workspaceAgentTokens.id, tokenIds),
        or(isNull(workspaceAgentTokens.expiresAt), gt(workspaceAgentTokens.expiresAt, now)),
        eq(workspaces.deleted, false),
        isLatestBuild,
      ),
    )
  return new Set(rows.map((r) => r.id))
}

export async function updateAgentLifecycle(
  q: Queryable,
  agentId: string,
  state: WorkspaceAgentRow['lifecycleState'],
  changedAt: Date,
): Promise<void> {
  await q
    .update(workspaceAgents)
    .set({
      lifecycleState: state,
      updatedAt: changedAt,
      ...(state === 'starting' ? { startedAt: changedAt } : {}),
      ...(state === 'ready' || state === 'start_error' || state === 'start_timeout' ? { readyAt: changedAt } : {}),
    })
    .where(eq(workspaceAgents.id, agentId))
}


/**
 * Retires the agent's current token(s), from `expiresAt` on, and stores the new one:
 * one transaction, so there is never a moment with no valid token or two current ones.
 */
export async function rotateAgentToken(
  q: Queryable,
  agentId: string,
  next: WorkspaceAgentTokenRow,
  expiresAt: Date,
): Promise<string[]> {
  // Concurrent rotations of one agent take turns here, so exactly one token stays current.
  await q.select({ id: workspaceAgents.id }).from(workspaceAgents).where(eq(workspaceAgents.id, agentId)).for('update')
  const retired = await q
    .update(workspaceAgentTokens)
    .set({ expiresAt })
    .where(and(eq(workspaceAgentTokens.agentId, agentId), isNull(workspaceAgentTokens.expiresAt)))
    .returning({ id: workspaceAgentTokens.id })
  await q.insert(workspaceAgentTokens).values(next)
  return retired.map((r) => r.id)
}

/** Agent tokens' ids and ciphertexts in id order, a page at a time (for key rotation). */
export async function listAgentTokenCiphertexts(
  q: Queryable,
  afterId: string | undefined,
  limit: number,
): Promise<{ id: string; tokenCiphertext: string }[]> {
  return q
    .select({ id: workspaceAgentTokens.id, tokenCiphertext: workspaceAgentTokens.tokenCiphertext })
    .from(workspaceAgentTokens)
    .where(afterId ? gt(workspaceAgentTokens.id, afterId) : undefined)
    .orderBy(workspaceAgentTokens.id)
    .limit(limit)
}

export async function updateAgentTokenCiphertext(q: Queryable, id: string, tokenCiphertext: string): Promise<void> {
  await q.update(workspaceAgentTokens).set({ tokenCiphertext }).where(eq(workspaceAgentTokens.id, id))
}
