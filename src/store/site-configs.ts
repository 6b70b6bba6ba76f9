import { eq } from 'drizzle-orm'
import { siteConfigs } from '../db/schema.js'
import type { Queryable } from '../db/client.js'

/** Records `key` once; false when it was already there (the primary key decides races). */
export async function claimSiteConfig(q: Queryable, key: string, value: string): Promise<boolean> {
  const rows = await q.insert(siteConfigs).values({ key, value }).onConflictDoNothing().returning()
  return rows.length === 1
}

/** The value under `key`, recording `initial` first when there is none yet. */
export async function getOrCreateSiteConfig(q: Queryable, key: string, initial: string): Promise<string> {
  await q.insert(siteConfigs).values({ key, value: initial }).onConflictDoNothing()
  const [row] = await q.select().from(siteConfigs).where(eq(siteConfigs.key, key))
  return row!.value
}
