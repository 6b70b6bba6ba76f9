import type { Db } from '../db/client.js'
import { ApiError } from '../errors.js'
import type { RevocationEvent } from '../store/agents.js'
import { findAgentByTokenHash, type AuthenticatedAgent } from '../store/workspaces.js'
import type { Clock } from './clock.js'
import { sha256Hex } from './secrets.js'
import type { TokenSources } from './sessions.js'

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** How long a successful token lookup is reused at most (also the longest a lost NOTIFY can matter). */
export const AGENT_AUTH_CACHE_TTL_MS = 2000
/** Lookups remembered at most; the oldest are dropped first. */
const AGENT_AUTH_CACHE_ENTRIES = 20_000

interface Cached {
  found: AuthenticatedAgent
  /** Epoch milliseconds after which the lookup is made again. */
  until: number
}

export interface AgentAuthOptions {
  db: Db
  clock: Clock
  cacheTtlMs?: number
}

/**
 * Agent-token authentication with Coder's three 401 answers, one indexed lookup per
 * token, reused for up to `cacheTtlMs` (never past the token's own expiry). A token stops
 * working the moment its workspace is deleted or it is rotated out: those events reach
 * `revoke` (on this replica before the deleting request is answered, on the others
 * through Postgres NOTIFY), which forgets the tokens at once; a lookup that was in flight
 * while an event arrived is not kept. The TTL only bounds a notification lost between
 * replicas (a dropped LISTEN connection).
 */
export function createAgentAuth({ db, clock, cacheTtlMs = AGENT_AUTH_CACHE_TTL_MS }: AgentAuthOptions) {
  const cache = new Map<string, Cached>()
  /** Bumped by every revocation: a lookup that started in an older epoch is not cached. */
  let epoch = 0
  let sweeper: NodeJS.Timeout | undefined

  /** Insertion order is age order: drops expired entries from the front, and the oldest when full. */
  function sweep(now: number): void {
    for (const [key, entry] of cache) {
      if (entry.until > now && cache.size <= AGENT_AUTH_CACHE_ENTRIES) break
      cache.delete(key)
    }
  }

  /** While anything is cached, a sweep every TTL, so idle entries do not outlive it (and hold memory). */
  function scheduleSweep(): void {
    if (sweeper || cache.size === 0) return
    sweeper = setTimeout(() => {
      sweeper = undefined
      sweep(clock.now().getTime())
      scheduleSweep()
    }, cacheTtlMs)
    sweeper.unref()
  }

  function remember(hash: string, found: AuthenticatedAgent, now: number): void {
    const expires = found.token.expiresAt?.getTime() ?? Infinity
    cache.delete(hash)
    // Between half the TTL and all of it: lookups cached together (a fleet reconnecting,
    // a burst of requests) do not all expire, and go back to the database, at once.
    cache.set(hash, { found, until: Math.min(now + cacheTtlMs * (0.5 + Math.random() / 2), expires) })
    sweep(now)
    scheduleSweep()
  }

  return {
    async authenticate(sources: TokenSources): Promise<AuthenticatedAgent> {
      const token = sources.cookie || sources.query || sources.header
      if (!token) throw new ApiError(401, 'Cookie "coder_session_token" must be provided.')
      if (!UUID_PATTERN.test(token)) {
        throw new ApiError(401, 'Workspace agent token invalid.', `An agent token must be a valid UUIDv4. (len ${token.length})`)
      }
      const hash = sha256Hex(token.toLowerCase())
      const now = clock.now()
      const cached = cache.get(hash)
      if (cached && cached.until > now.getTime()) return cached.found
      const started = epoch
      const found = await findAgentByTokenHash(db, hash, now)
      if (!found) {
        cache.delete(hash)
        throw new ApiError(
          401,
          'Workspace agent not authorized.',
          'The agent cannot authenticate until the workspace provision job has been completed. If the job is no longer running, this agent is invalid.',
        )
      }
      if (epoch === started) remember(hash, found, clock.now().getTime())
      return found
    },

    /**
     * Forgets the lookups of these agents or tokens, at once, even when the event takes
     * effect later (`at`): the next lookup reads the token's new expiry.
     */
    revoke(event: RevocationEvent): void {
      epoch++
      const agents = new Set(event.agent_ids ?? [])
      const tokens = new Set(event.token_ids ?? [])
      for (const [hash, { found }] of cache) {
        if (agents.has(found.agent.id) || tokens.has(found.token.id)) cache.delete(hash)
      }
    },
  }
}

export type AgentAuth = ReturnType<typeof createAgentAuth>
