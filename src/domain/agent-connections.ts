import type { FastifyBaseLogger } from 'fastify'
import type { WebSocket } from 'ws'
import type { Database } from '../db/client.js'
import * as agentStore from '../store/agents.js'
import type { AuthenticatedAgent } from '../store/workspaces.js'
import type { Clock } from './clock.js'

/** Close code sent when an agent's token stops being valid (workspace deleted, token rotated). */
export const CLOSE_REVOKED = 4401
const CLOSE_INACTIVE = 4408

interface Connection {
  socket: WebSocket
  workspaceId: string
  agentId: string
  tokenId: string
  lastPong: number
}

/** The statements liveness needs; the real ones are in store/agents.ts, tests count calls. */
export interface LivenessStore {
  markAgentConnected(agentId: string, now: Date): Promise<void>
  markAgentsAlive(agentIds: readonly string[], now: Date): Promise<void>
  markAgentsDisconnected(agentIds: readonly string[], now: Date): Promise<void>
  stillValidTokenIds(tokenIds: readonly string[], now: Date): Promise<Set<string>>
}

export function livenessStore(database: Database): LivenessStore {
  const { db } = database
  return {
    markAgentConnected: (agentId, now) => agentStore.markAgentConnected(db, agentId, now),
    markAgentsAlive: (agentIds, now) => agentStore.markAgentsAlive(db, agentIds, now),
    markAgentsDisconnected: (agentIds, now) => agentStore.markAgentsDisconnected(db, agentIds, now),
    stillValidTokenIds: (tokenIds, now) => agentStore.stillValidTokenIds(db, tokenIds, now),
  }
}

export interface AgentConnectionHubOptions {
  database: Pick<Database, 'listen'>
  store: LivenessStore
  clock: Clock
  log: FastifyBaseLogger
  pingIntervalMs: number
  inactiveTimeoutSeconds: number
  /** Told when an agent's connection state changed, so watchers can refresh. */
  onChange?: (workspaceId: string) => void
  /** Told of every revocation event from any replica as it arrives (the agent-token cache). */
  onRevocation?: (event: agentStore.RevocationEvent) => void
}

/**
 * The agent connections this instance holds, and their bookkeeping as Coder does it:
 * connecting marks the agent connected at once; every ping interval all live agents
 * are refreshed in one statement, silent ones are dropped, and tokens that stopped
 * being valid are found in one query. Revocations from any replica arrive through
 * NOTIFY and close the affected connections immediately.
 */
export class AgentConnectionHub {
  private readonly connections = new Set<Connection>()
  private timer: NodeJS.Timeout | undefined
  private unlisten: (() => Promise<void>) | undefined
  private ticking: Promise<void> | undefined
  private stopped = false
  private readonly timers = new Set<NodeJS.Timeout>()

  constructor(private readonly options: AgentConnectionHubOptions) {}

  async start(): Promise<void> {
    this.unlisten = await this.options.database.listen(agentStore.REVOCATION_CHANNEL, (payload) => {
      try {
        const event = JSON.parse(payload) as agentStore.RevocationEvent
        this.options.onRevocation?.(event)
        this.revoke(event)
      } catch (err) {
        this.options.log.warn({ err }, 'ignored a malformed revocation event')
      }
    })
    this.timer = setInterval(() => void this.tick(), this.options.pingIntervalMs)
    this.timer.unref()
  }

  /** Registers an accepted connection and records the agent as connected. */
  async attach(agent: AuthenticatedAgent, socket: WebSocket): Promise<void> {
    const connection: Connection = {
      socket,
      workspaceId: agent.workspace.id,
      agentId: agent.agent.id,
      tokenId: agent.token.id,
      lastPong: this.options.clock.now().getTime(),
    }
    this.connections.add(connection)
    socket.on('pong', () => {
      connection.lastPong = this.options.clock.now().getTime()
    })
    socket.on('close', () => {
      this.connections.delete(connection)
      if (!this.stopped && ![...this.connections].some((c) => c.agentId === connection.agentId)) {
        void this.write('disconnect', () =>
          this.options.store.markAgentsDisconnected([connection.agentId], this.options.clock.now()),
        ).then(() => this.options.onChange?.(connection.workspaceId))
      }
    })
    await this.options.store.markAgentConnected(agent.agent.id, this.options.clock.now())
    this.options.onChange?.(agent.workspace.id)
  }

  /** How many connections this instance holds (for tests and metrics). */
  get size(): number {
    return this.connections.size
  }

  /** One liveness round: drop silent connections and revoked tokens, refresh the rest, ping. */
  tick(): Promise<void> {
    this.ticking ??= this.runTick().finally(() => {
      this.ticking = undefined
    })
    return this.ticking
  }

  private async runTick(): Promise<void> {
    const now = this.options.clock.now()
    const deadline = now.getTime() - this.options.inactiveTimeoutSeconds * 1000
    for (const c of this.connections) {
      if (c.lastPong < deadline) {
        this.connections.delete(c)
        c.socket.close(CLOSE_INACTIVE, 'no pong within the inactivity timeout')
      }
    }
    const live = [...this.connections]
    if (live.length === 0) return
    const valid = await this.read(() =>
      this.options.store.stillValidTokenIds(
        live.map((c) => c.tokenId),
        now,
      ),
    )
    if (valid) {
      for (const c of live) if (!valid.has(c.tokenId)) this.close(c, 'token no longer valid')
    }
    const alive = [...new Set([...this.connections].map((c) => c.agentId))]
    await this.write('heartbeat', () => this.options.store.markAgentsAlive(alive, now))
    for (const c of this.connections) c.socket.ping()
  }

  /**
   * Closes this instance's connections whose token no longer authenticates: those of the
   * agents, or those using the tokens; at once, or when a grace period ends.
   */
  revoke(event: agentStore.RevocationEvent): void {
    const delay = event.at ? Date.parse(event.at) - this.options.clock.now().getTime() : 0
    if (delay > 0) {
      const timer = setTimeout(() => {
        this.timers.delete(timer)
        this.revoke({ ...event, at: undefined })
      }, delay)
      timer.unref()
      this.timers.add(timer)
      return
    }
    const agents = new Set(event.agent_ids ?? [])
    const tokens = new Set(event.token_ids ?? [])
    for (const c of this.connections) {
      if (agents.has(c.agentId) || tokens.has(c.tokenId)) this.close(c, 'token revoked')
    }
  }

  private close(connection: Connection, reason: string): void {
    this.options.log.info({ agent_id: connection.agentId, reason }, 'closing agent connection')
    // Forgotten at once, so the same tick neither refreshes nor pings it.
    this.connections.delete(connection)
    connection.socket.close(CLOSE_REVOKED, reason)
  }

  private async read<T>(query: () => Promise<T>): Promise<T | undefined> {
    try {
      return await query()
    } catch (err) {
      this.options.log.warn({ err }, 'agent liveness check failed; retrying next interval')
      return undefined
    }
  }

  private async write(what: string, statement: () => Promise<void>): Promise<void> {
    try {
      await statement()
    } catch (err) {
      this.options.log.warn({ err, what }, 'agent liveness write failed')
    }
  }

  /** Stops the timer and the subscription, closes every connection and records it. */
  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    for (const timer of this.timers) clearTimeout(timer)
    await this.ticking
    await this.unlisten?.().catch(() => {})
    const agentIds = [...new Set([...this.connections].map((c) => c.agentId))]
    for (const c of this.connections) c.socket.close(1001, 'server shutting down')
    this.connections.clear()
    await this.write('shutdown', () => this.options.store.markAgentsDisconnected(agentIds, this.options.clock.now()))
  }
}
