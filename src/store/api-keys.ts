import { and, asc, eq, sql } from 'drizzle-orm'
import type { Queryable } from '../db/client.js'
import { prepared } from '../db/prepared.js'
import { apiKeys, users, type ApiKeyRow, type NewApiKeyRow, type UserRow } from '../db/schema.js'

export async function insertApiKey(q: Queryable, key: NewApiKeyRow): Promise<ApiKeyRow> {
  const [row] = await q.insert(apiKeys).values(key).returning()
  return row!
}

const keyWithUser = prepared((q) =>
  q
    .select({ key: apiKeys, user: users })
    .from(apiKeys)
    .leftJoin(users, and(eq(users.id, apiKeys.userId), eq(users.deleted, false)))
    .where(eq(apiKeys.id, sql.placeholder('id')))
    .prepare('find_api_key_with_user'),
)

/** A key and its user unless deleted, in one query (every authenticated request reads both). */
export async function findApiKeyWithUser(q: Queryable, id: string): Promise<{ key: ApiKeyRow; user: UserRow | null } | undefined> {
  const [row] = await keyWithUser(q).execute({ id })
  return row
}

export type TokenRow = ApiKeyRow & { username: string }

/** A user's named tokens (login sessions are not listed), oldest first. */
export async function listTokensOfUser(q: Queryable, userId: string): Promise<TokenRow[]> {
  const rows = await q
    .select({ key: apiKeys, username: users.username })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(and(eq(apiKeys.userId, userId), eq(apiKeys.loginType, 'token')))
    .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id))
  return rows.map((r) => ({ ...r.key, username: r.username }))
}

export async function findTokenOfUser(
  q: Queryable,
  userId: string,
  by: { id: string } | { tokenName: string },
): Promise<TokenRow | undefined> {
  const match = 'id' in by ? eq(apiKeys.id, by.id) : and(eq(apiKeys.tokenName, by.tokenName), eq(apiKeys.loginType, 'token'))
  const [row] = await q
    .select({ key: apiKeys, username: users.username })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(and(eq(apiKeys.userId, userId), match))
  return row && { ...row.key, username: row.username }
}

/** Deletes one of the user's keys; false when there was none. */
export async function deleteApiKey(q: Queryable, userId: string, id: string): Promise<boolean> {
  const rows = await q
    .delete(apiKeys)
    .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId)))
    .returning({ id: apiKeys.id })
  return rows.length === 1
}

export async function refreshApiKey(q: Queryable, id: string, lastUsed: Date, expiresAt: Date): Promise<void> {
  await q.update(apiKeys).set({ lastUsed, expiresAt, updatedAt: lastUsed }).where(eq(apiKeys.id, id))
}
