import { and, asc, eq, gt, inArray, lt } from 'drizzle-orm'
import type { Queryable } from '../db/client.js'
import {
  provisionerJobLogs,
  provisionerJobs,
  type NewProvisionerJobRow,
  type ProvisionerJobLogRow,
  type ProvisionerJobRow,
} from '../db/schema.js'

export async function insertJob(q: Queryable, job: NewProvisionerJobRow): Promise<ProvisionerJobRow> {
  const [row] = await q.insert(provisionerJobs).values(job).returning()
  return row!
}

export async function findJobById(q: Queryable, id: string): Promise<ProvisionerJobRow | undefined> {
  const [row] = await q.select().from(provisionerJobs).where(eq(provisionerJobs.id, id))
  return row
}

export async function findJobsByIds(q: Queryable, ids: readonly string[]): Promise<Map<string, ProvisionerJobRow>> {
  if (ids.length === 0) return new Map()
  const rows = await q.select().from(provisionerJobs).where(inArray(provisionerJobs.id, [...new Set(ids)]))
  return new Map(rows.map((r) => [r.id, r]))
}

export async function insertJobLogs(q: Queryable, logs: readonly ProvisionerJobLogRow[]): Promise<void> {
  if (logs.length > 0) await q.insert(provisionerJobLogs).values([...logs])
}

export async function listJobLogs(
  q: Queryable,
  jobId: string,
  range: { after?: number | undefined; before?: number | undefined } = {},
): Promise<ProvisionerJobLogRow[]> {
  const conditions = [eq(provisionerJobLogs.jobId, jobId)]
  if (range.after !== undefined) conditions.push(gt(provisionerJobLogs.seq, range.after))
  if (range.before !== undefined) conditions.push(lt(provisionerJobLogs.seq, range.before))
  return q
    .select()
    .from(provisionerJobLogs)
    .where(and(...conditions))
    .orderBy(asc(provisionerJobLogs.seq))
}
