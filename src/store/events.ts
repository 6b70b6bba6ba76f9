import { sql } from 'drizzle-orm'
import type { Queryable } from '../db/client.js'

/** Postgres NOTIFY; inside a transaction it is delivered only if the transaction commits. */
export async function notifyChannel(q: Queryable, channel: string, payload: unknown): Promise<void> {
  await q.execute(sql`select pg_notify(${channel}, ${JSON.stringify(payload)})`)
}
