import { and, eq } from 'drizzle-orm'
import type { Queryable } from '../db/client.js'
import { files, type FileRow } from '../db/schema.js'

/** Stores a file unless the creator already uploaded the same bytes; returns the row and whether it is new. */
export async function insertFileOnce(
  q: Queryable,
  file: Omit<FileRow, 'createdAt'> & { createdAt: Date },
): Promise<{ row: FileRow; created: boolean }> {
  const inserted = await q.insert(files).values(file).onConflictDoNothing().returning()
  if (inserted[0]) return { row: inserted[0], created: true }
  const [existing] = await q
    .select()
    .from(files)
    .where(and(eq(files.hash, file.hash), eq(files.createdBy, file.createdBy)))
  return { row: existing!, created: false }
}

export async function findFileById(q: Queryable, id: string): Promise<FileRow | undefined> {
  const [row] = await q.select().from(files).where(eq(files.id, id))
  return row
}
