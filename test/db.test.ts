import { randomUUID } from 'node:crypto'
import t from 'tap'
import { isUniqueViolation } from '../src/db/errors.js'
import { findDefaultOrganization } from '../src/store/organizations.js'
import { claimSiteConfig } from '../src/store/site-configs.js'
import { findUserByUsername, insertUser } from '../src/store/users.js'
import { createTestDatabase } from './helpers/database.js'

const expectedDriver = process.env.DATABASE_URL ? 'pg' : 'pglite'

function userRow(username: string, email = `${username}@example.com`) {
  const now = new Date()
  return {
    id: randomUUID(),
    username,
    email,
    loginType: 'password' as const,
    status: 'active' as const,
    hashedPassword: null,
    createdAt: now,
    updatedAt: now,
  }
}

t.test(`the ${expectedDriver} driver: migrated, reachable, constraints and transactions hold`, async (t) => {
  const database = await createTestDatabase(t)
  t.equal(database.driver, expectedDriver)
  await database.ping()
  const { db } = database

  const org = await findDefaultOrganization(db)
  t.match(org, { name: 'coder', isDefault: true }, 'the default organization comes with the migrations')

  await insertUser(db, userRow('alice'))
  const duplicate = await insertUser(db, userRow('ALICE', 'other@example.com')).catch((err: unknown) => err)
  t.ok(isUniqueViolation(duplicate, 'users_username_key'), 'usernames are unique regardless of case')
  t.notOk(isUniqueViolation(duplicate, 'users_email_key'))
  t.equal((await findUserByUsername(db, 'Alice'))?.username, 'alice')

  // A failure mid-transaction leaves nothing behind.
  await t.rejects(
    db.transaction(async (tx) => {
      await insertUser(tx, userRow('bob'))
      throw new Error('crash after the first write')
    }),
    { message: 'crash after the first write' },
  )
  t.equal(await findUserByUsername(db, 'bob'), undefined)

  // Concurrent claims of one key: exactly one wins.
  const claims = await Promise.all(Array.from({ length: 8 }, () => claimSiteConfig(db, 'once', 'x')))
  t.equal(claims.filter(Boolean).length, 1)
})

t.test('migrating twice is a no-op', async (t) => {
  const database = await createTestDatabase(t)
  await database.migrate()
  t.ok(await findDefaultOrganization(database.db))
})
