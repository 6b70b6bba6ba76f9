import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { Database } from '../db/client.js'
import { notifyChannel } from '../store/events.js'

export const WORKSPACE_EVENTS_CHANNEL = 'outpost_workspace_events'

interface WireEvent {
  workspace_id: string
  /** The instance that published it, which has already told its own watchers. */
  from: string
}

/**
 * "Something about this workspace changed" (an agent connected or left, reported its
 * lifecycle or enrollment, a token was rotated, the workspace was deleted), for the
 * watchers of the workspace on every replica: delivered in-process at once, and to
 * the other replicas through Postgres NOTIFY.
 */
export class WorkspaceEvents {
  private readonly instance = randomUUID()
  private readonly watchers = new Map<string, Set<() => void>>()
  private unlisten: (() => Promise<void>) | undefined

  constructor(
    private readonly database: Pick<Database, 'listen' | 'db'>,
    private readonly log: FastifyBaseLogger,
  ) {}

  async start(): Promise<void> {
    this.unlisten = await this.database.listen(WORKSPACE_EVENTS_CHANNEL, (payload) => {
      try {
        const event = JSON.parse(payload) as WireEvent
        if (event.from !== this.instance) this.deliver(event.workspace_id)
      } catch (err) {
        this.log.warn({ err }, 'ignored a malformed workspace event')
      }
    })
  }

  async stop(): Promise<void> {
    await this.unlisten?.().catch(() => {})
    this.watchers.clear()
  }

  /** Tells every watcher of the workspace; never fails the caller. */
  publish(workspaceId: string): void {
    this.deliver(workspaceId)
    const payload: WireEvent = { workspace_id: workspaceId, from: this.instance }
    this.notify(payload).catch((err: unknown) => this.log.warn({ err }, 'could not publish a workspace event'))
  }

  watch(workspaceId: string, onChange: () => void): () => void {
    const set = this.watchers.get(workspaceId) ?? new Set()
    set.add(onChange)
    this.watchers.set(workspaceId, set)
    return () => {
      set.delete(onChange)
      if (set.size === 0) this.watchers.delete(workspaceId)
    }
  }

  private deliver(workspaceId: string): void {
    for (const onChange of this.watchers.get(workspaceId) ?? []) onChange()
  }

  private notify(payload: WireEvent): Promise<void> {
    return notifyChannel(this.database.db, WORKSPACE_EVENTS_CHANNEL, payload)
  }
}
