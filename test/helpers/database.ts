import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { openDatabase, type Database } from '../../src/db/client.js'

interface Teardown {
  teardown(fn: () => unknown): void
}

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or a new
 * database on the server in DATABASE_URL (dropped again at teardown).
 */
export async function createTestDatabase(t: Teardown): Promise<Database> {
  const serverUrl = process.env.DATABASE_URL
  if (!serverUrl) {
    const database = await openDatabase({ kind: 'pglite', dataDir: undefined })
    await database.migrate()
    t.teardown(() => database.close())
    return database
  }
  const database = await openDatabase({ kind: 'pg', url: await createServerDatabase(t, serverUrl), poolSize: 5 })
  await database.migrate()
  t.teardown(() => database.close())
  return database
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  try {
    await admin.query(sql)
  } finally {
    await admin.end()
  }
}

/** A new, empty database on the server in `serverUrl`, dropped at teardown; returns its URL. */
export async function createServerDatabase(t: Teardown, serverUrl: string): Promise<string> {
  const name = `outpost_test_${randomBytes(6).toString('hex')}`
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`)
  // Registered first, so it runs after teardowns registered later (which close pools).
  t.teardown(() => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}
