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
  const name = `outpost_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  const database = await openDatabase({ kind: 'pg', url: url.toString(), poolSize: 5 })
  await database.migrate()
  t.teardown(async () => {
    await database.close()
    const cleanup = new pg.Client({ connectionString: serverUrl })
    await cleanup.connect()
    await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await cleanup.end()
  })
  return database
}
