import { and, asc, count, eq, gt, inArray, sql } from 'drizzle-orm'
import type { Queryable } from '../db/client.js'
import { organizationMembers, users, type NewUserRow, type UserRow } from '../db/schema.js'

const live = eq(users.deleted, false)

export async function countUsers(q: Queryable): Promise<number> {
  const [row] = await q.select({ n: count() }).from(users).where(live)
  return row?.n ?? 0
}

export async function insertUser(q: Queryable, user: NewUserRow): Promise<UserRow> {
  const [row] = await q.insert(users).values(user).returning()
  return row!
}

export async function findUserById(q: Queryable, id: string): Promise<UserRow | undefined> {
  const [row] = await q.select().from(users).where(and(eq(users.id, id), live))
  return row
}

export async function findUserByUsername(q: Queryable, username: string): Promise<UserRow | undefined> {
  const [row] = await q
    .select()
    .from(users)
    .where(and(sql`lower(${users.username}) = lower(${username})`, live))
  return row
}

export async function findUserByEmail(q: Queryable, email: string): Promise<UserRow | undefined> {
  const [row] = await q
    .select()
    .from(users)
    .where(and(sql`lower(${users.email}) = lower(${email})`, live))
  return row
}

export interface UserPage {
  limit: number
  offset: number
  /** Cursor: only users ordered after this one. */
  afterUsername?: string
}

/** Live users ordered by lower(username), as Coder lists them, and the total before paging. */
export async function listUsers(q: Queryable, page: UserPage): Promise<{ rows: UserRow[]; total: number }> {
  const where = page.afterUsername === undefined ? live : and(live, gt(sql`lower(${users.username})`, page.afterUsername.toLowerCase()))
  const [rows, [total]] = await Promise.all([
    q.select().from(users).where(where).orderBy(asc(sql`lower(${users.username})`)).limit(page.limit).offset(page.offset),
    q.select({ n: count() }).from(users).where(where),
  ])
  return { rows, total: total?.n ?? 0 }
}

/** Organization ids per user, for a page of users, in one query. */
export async function organizationIdsOfUsers(q: Queryable, userIds: readonly string[]): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>(userIds.map((id) => [id, []]))
  if (userIds.length === 0) return result
  const rows = await q
    .select({ userId: organizationMembers.userId, organizationId: organizationMembers.organizationId })
    .from(organizationMembers)
    .where(inArray(organizationMembers.userId, [...userIds]))
    .orderBy(asc(organizationMembers.organizationId))
  for (const row of rows) result.get(row.userId)?.push(row.organizationId)
  return result
}

export async function updateUserLastSeen(q: Queryable, id: string, at: Date): Promise<void> {
  await q.update(users).set({ lastSeenAt: at }).where(eq(users.id, id))
}

export async function activateUser(q: Queryable, id: string, at: Date): Promise<void> {
  await q.update(users).set({ status: 'active', updatedAt: at }).where(eq(users.id, id))
}
