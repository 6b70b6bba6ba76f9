import { PGlite } from '@electric-sql/pglite'
import type { ExtractTablesWithRelations } from 'drizzle-orm'
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres'
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator'
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import * as schema from './schema.js'

export type Schema = typeof schema
/** The drizzle database, whichever driver is underneath. Only this module knows which. */
export type Db = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>
/** Either the database or an open transaction: store functions accept both. */
export type Queryable = Db | Tx

export interface Database {
  db: Db
  driver: 'pg' | 'pglite'
  migrate(): Promise<void>
  /** Liveness of the connection, for readiness checks. */
  ping(): Promise<void>
  /**
   * Subscribes to a Postgres NOTIFY channel (how replicas tell each other that tokens
   * were revoked). Returns the unsubscribe function. Delivery is best effort: a lost
   * connection is re-established, and callers must also recheck state periodically.
   */
  listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>>
  close(): Promise<void>
}

/** A LISTEN connection to the server that reconnects (and re-LISTENs) after errors. */
function createPgListener(url: string) {
  const handlers = new Map<string, Set<(payload: string) => void>>()
  let client: pg.Client | undefined
  let connecting: Promise<pg.Client> | undefined
  let closed = false
  let retry: NodeJS.Timeout | undefined

  const quote = (channel: string) => `"${channel.replace(/"/g, '""')}"`

  function connect(): Promise<pg.Client> {
    connecting ??= (async () => {
      const next = new pg.Client({ connectionString: url })
      next.on('notification', (msg) => {
        for (const handler of handlers.get(msg.channel) ?? []) handler(msg.payload ?? '')
      })
      const lost = () => {
        if (client !== next) return
        client = undefined
        connecting = undefined
        next.end().catch(() => {})
        if (!closed && handlers.size > 0) retry = setTimeout(() => void connect().catch(() => lost()), 1000)
      }
      next.on('error', lost)
      next.on('end', lost)
      await next.connect()
      for (const channel of handlers.keys()) await next.query(`LISTEN ${quote(channel)}`)
      client = next
      return next
    })()
    return connecting.catch((err: unknown) => {
      connecting = undefined
      throw err
    })
  }

  return {
    async listen(channel: string, handler: (payload: string) => void) {
      const fresh = !handlers.has(channel)
      handlers.set(channel, new Set([...(handlers.get(channel) ?? []), handler]))
      const conn = await connect()
      if (fresh && conn === client) await conn.query(`LISTEN ${quote(channel)}`)
      return async () => {
        handlers.get(channel)?.delete(handler)
        if (handlers.get(channel)?.size === 0) {
          handlers.delete(channel)
          await client?.query(`UNLISTEN ${quote(channel)}`).catch(() => {})
        }
      }
    },
    async close() {
      closed = true
      clearTimeout(retry)
      const current = client
      client = undefined
      await current?.end().catch(() => {})
    },
  }
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url))

export type DatabaseOptions =
  | { kind: 'pg'; url: string; poolSize?: number }
  /** `dataDir` undefined: in memory (tests). */
  | { kind: 'pglite'; dataDir: string | undefined }

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.kind === 'pg') {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 })
    // An idle client's error (e.g. the server restarting) must not crash the process;
    // the pool drops that client and the next query gets a fresh one.
    pool.on('error', () => {})
    const db = drizzleNodePg(pool, { schema })
    const listener = createPgListener(options.url)
    return {
      db: db as unknown as Db,
      driver: 'pg',
      migrate: () => migrateNodePg(db, { migrationsFolder: MIGRATIONS_DIR }),
      ping: async () => {
        await pool.query('SELECT 1')
      },
      listen: (channel, handler) => listener.listen(channel, handler),
      close: async () => {
        await listener.close()
        await pool.end()
      },
    }
  }
  if (options.dataDir !== undefined) await mkdir(options.dataDir, { recursive: true, mode: 0o700 })
  const client = new PGlite(options.dataDir)
  const db = drizzlePglite(client, { schema })
  return {
    db: db as unknown as Db,
    driver: 'pglite',
    migrate: () => migratePglite(db, { migrationsFolder: MIGRATIONS_DIR }),
    ping: async () => {
      await client.query('SELECT 1')
    },
    listen: async (channel, handler) => {
      const unlisten = await client.listen(channel, handler)
      return async () => {
        if (!client.closed) await unlisten()
      }
    },
    close: () => client.close(),
  }
}
