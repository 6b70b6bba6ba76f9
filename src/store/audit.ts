import { and, desc, eq, getTableColumns, gte, inArray, lte, sql, type Placeholder, type SQL } from 'drizzle-orm'
import type { Queryable } from '../db/client.js'
import { prepared } from '../db/prepared.js'
import { auditLogs, type AuditLogRow } from '../db/schema.js'

const insertRow = prepared((q) =>
  q
    .insert(auditLogs)
    .values(
      Object.fromEntries(Object.keys(getTableColumns(auditLogs)).map((key) => [key, sql.placeholder(key)])) as {
        [K in keyof AuditLogRow]: Placeholder<K>
      },
    )
    .prepare('insert_audit_log'),
)

/** Every audited request writes one: prepared, with every column given. */
export async function insertAuditLog(q: Queryable, row: AuditLogRow): Promise<void> {
  await insertRow(q).execute(row)
}

export interface AuditFilter {
  action?: string
  resourceType?: string
  resourceId?: string
  resourceTarget?: string
  userIds?: string[]
  requestId?: string
  from?: Date
  to?: Date
}

/** Newest first, one page, and the total matching. */
export async function searchAuditLogs(
  q: Queryable,
  filter: AuditFilter,
  page: { limit: number; offset: number },
): Promise<{ rows: AuditLogRow[]; total: number }> {
  const where: SQL[] = []
  if (filter.action) where.push(eq(auditLogs.action, filter.action))
  if (filter.resourceType) where.push(eq(auditLogs.resourceType, filter.resourceType))
  if (filter.resourceId) where.push(eq(auditLogs.resourceId, filter.resourceId))
  if (filter.resourceTarget !== undefined) where.push(sql`lower(${auditLogs.resourceTarget}) = lower(${filter.resourceTarget})`)
  if (filter.userIds) where.push(filter.userIds.length ? inArray(auditLogs.userId, filter.userIds) : sql`false`)
  if (filter.requestId) where.push(eq(auditLogs.requestId, filter.requestId))
  if (filter.from) where.push(gte(auditLogs.time, filter.from))
  if (filter.to) where.push(lte(auditLogs.time, filter.to))
  const condition = where.length ? and(...where) : undefined
  const [rows, [total]] = await Promise.all([
    q.select().from(auditLogs).where(condition).orderBy(desc(auditLogs.time), desc(auditLogs.id)).limit(page.limit).offset(page.offset),
    q.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(auditLogs).where(condition),
  ])
  return { rows, total: total?.n ?? 0 }
}
