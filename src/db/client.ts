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
  close(): Promise<void>
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
    return {
      db: db as unknown as Db,
      driver: 'pg',
      migrate: () => migrateNodePg(db, { migrationsFolder: MIGRATIONS_DIR }),
      ping: async () => {
        await pool.query('SELECT 1')
      },
      close: () => pool.end(),
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
    close: () => client.close(),
  }
}
