/**
 * insertAll (src/db/insert-all.ts): several tables in one statement, rows returned as
 * stored, defaults applied, all or nothing.
 */
import { randomUUID } from 'node:crypto'
import { eq, sql } from 'drizzle-orm'
import t from 'tap'
import { insertAll } from '../src/db/insert-all.js'
import { files, organizationMembers, organizations, users } from '../src/db/schema.js'
import { createTestDatabase } from './helpers/database.js'

const at = new Date('2026-11-29T07:26:34.123Z')

function newUser(name: string, extra: Partial<typeof users.$inferInsert> = {}): typeof users.$inferInsert {
  return { id: randomUUID(), email: `${name}@example.com`, username: name, loginType: 'none', status: 'active', createdAt: at, updatedAt: at, ...extra }
}

function newOrganization(name: string): typeof organizations.$inferInsert {
  return { id: randomUUID(), name, displayName: name.toUpperCase(), createdAt: at, updatedAt: at }
}

t.test('insertAll', async (t) => {
  const { db } = await createTestDatabase(t)
  const count = async (table: typeof users | typeof organizations | typeof organizationMembers) => {
    const [row] = await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(table)
    return row!.n
  }

  t.test('rows that refer to each other, returned as stored with their defaults', async (t) => {
    const org = newOrganization('acme')
    const [b, a] = [newUser('bob', { rbacRoles: ['owner'], lastSeenAt: at }), newUser('alice', { rbacRoles: ['owner'], lastSeenAt: at })]
    const [orgs, people, members] = await insertAll(db, [
      { table: organizations, rows: [org] },
      { table: users, rows: [b, a], orderBy: 'username' },
      { table: organizationMembers, rows: [a, b].map((u) => ({ organizationId: org.id, userId: u.id!, createdAt: at, updatedAt: at })) },
    ] as const)
    t.strictSame(orgs, [{ ...org, description: '', icon: '', isDefault: false }], 'defaults filled in by the database')
    t.strictSame(
      people.map((u) => u.username),
      ['alice', 'bob'],
      'in the order asked for',
    )
    const [stored] = await db.select().from(users).where(eq(users.id, a.id!))
    t.strictSame(people[0], stored, 'the same row a select reads: dates, arrays, nulls')
    t.ok(people[0]!.createdAt instanceof Date)
    t.strictSame(people[0]!.rbacRoles, ['owner'])
    t.equal(people[0]!.hashedPassword, null)
    t.equal(members.length, 2)
    t.strictSame(members[0]!.roles, [], 'an array column left to its default')
  })

  t.test('an empty table in the plan inserts nothing and returns []', async (t) => {
    const org = newOrganization('empty')
    const [orgs, none] = await insertAll(db, [
      { table: organizations, rows: [org] },
      { table: organizationMembers, rows: [] },
    ] as const)
    t.equal(orgs.length, 1)
    t.strictSame(none, [])
  })

  t.test('all or nothing: a violation in the last table leaves no row in the first', async (t) => {
    const [orgsBefore, usersBefore] = [await count(organizations), await count(users)]
    const org = newOrganization('never')
    const user = newUser('carol')
    const failed = insertAll(db, [
      { table: organizations, rows: [org] },
      { table: users, rows: [user] },
      // A member whose user does not exist: the foreign key fails at the end of the statement.
      { table: organizationMembers, rows: [{ organizationId: org.id, userId: randomUUID(), createdAt: at, updatedAt: at }] },
    ] as const)
    await t.rejects(failed)
    t.equal(await count(organizations), orgsBefore, 'no organization written')
    t.equal(await count(users), usersBefore, 'no user written')
  })

  t.test('a unique violation names its constraint', async (t) => {
    await insertAll(db, [{ table: users, rows: [newUser('dave')] }] as const)
    const err = await insertAll(db, [{ table: users, rows: [newUser('Dave', { email: 'other@example.com' })] }] as const).catch((e: unknown) => e)
    const cause = (err as { cause?: { constraint?: string } }).cause ?? (err as { constraint?: string })
    t.equal((cause as { constraint?: string }).constraint, 'users_username_key')
  })

  t.test('binary values are refused rather than stored as JSON', async (t) => {
    const row = { id: randomUUID(), hash: 'x'.repeat(64), createdBy: randomUUID(), mimetype: 'application/x-tar', data: Buffer.from('tar'), createdAt: at }
    await t.rejects(insertAll(db, [{ table: files, rows: [row] }] as const), /files\.data is binary/)
  })

  t.test('rows of one table must set the same columns', async (t) => {
    await t.rejects(
      insertAll(db, [{ table: users, rows: [newUser('erin', { name: 'Erin' }), newUser('frank')] }] as const),
      /every users row must set the same columns/,
    )
    t.equal((await db.select().from(users).where(eq(users.username, 'erin'))).length, 0)
  })
})
