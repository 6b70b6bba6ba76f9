import { and, asc, count, eq, ilike, inArray, ne, sql, type SQL } from 'drizzle-orm'
import type { Queryable } from '../db/client.js'
import {
  organizations,
  templates,
  templateVersions,
  users,
  workspaces,
  type OrganizationRow,
  type TemplateRow,
  type TemplateVersionRow,
} from '../db/schema.js'

export type NewTemplateRow = typeof templates.$inferInsert
export type NewTemplateVersionRow = typeof templateVersions.$inferInsert

/** A template with what its wire form needs: organization and creator. */
export interface TemplateView {
  template: TemplateRow
  organization: OrganizationRow
  createdByName: string
}

export interface TemplateFilter {
  organizationId?: string
  exactName?: string
  nameContains?: string
  exactDisplayName?: string
  displayNameContains?: string
  hasExternalAgent?: boolean
  deprecated?: boolean
  ids?: string[]
  authorId?: string
}

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

export async function insertTemplate(q: Queryable, row: NewTemplateRow): Promise<TemplateRow> {
  const [inserted] = await q.insert(templates).values(row).returning()
  return inserted!
}

export async function searchTemplates(q: Queryable, filter: TemplateFilter): Promise<TemplateView[]> {
  const where: SQL[] = [eq(templates.deleted, false)]
  if (filter.organizationId) where.push(eq(templates.organizationId, filter.organizationId))
  if (filter.exactName !== undefined) where.push(sql`lower(${templates.name}) = lower(${filter.exactName})`)
  if (filter.nameContains !== undefined) where.push(ilike(templates.name, likePattern(filter.nameContains)))
  if (filter.exactDisplayName !== undefined) {
    where.push(sql`lower(${templates.displayName}) = lower(${filter.exactDisplayName})`)
  }
  if (filter.displayNameContains !== undefined) {
    where.push(ilike(templates.displayName, likePattern(filter.displayNameContains)))
  }
  if (filter.deprecated !== undefined) {
    where.push(filter.deprecated ? ne(templates.deprecationMessage, '') : eq(templates.deprecationMessage, ''))
  }
  if (filter.ids) where.push(filter.ids.length ? inArray(templates.id, filter.ids) : sql`false`)
  if (filter.authorId) where.push(eq(templates.createdBy, filter.authorId))
  if (filter.hasExternalAgent !== undefined) {
    where.push(
      sql`exists (select 1 from ${templateVersions} tv where tv.id = ${templates.activeVersionId} and tv.has_external_agent = ${filter.hasExternalAgent})`,
    )
  }
  const rows = await q
    .select({ template: templates, organization: organizations, createdByName: users.username })
    .from(templates)
    .innerJoin(organizations, eq(organizations.id, templates.organizationId))
    .innerJoin(users, eq(users.id, templates.createdBy))
    .where(and(...where))
    .orderBy(asc(sql`lower(${templates.name})`), asc(templates.id))
  return rows
}

export async function findTemplateView(q: Queryable, id: string): Promise<TemplateView | undefined> {
  const [row] = await searchTemplates(q, { ids: [id] })
  return row
}

export async function findTemplateById(q: Queryable, id: string): Promise<TemplateRow | undefined> {
  const [row] = await q.select().from(templates).where(eq(templates.id, id))
  return row
}

export async function setActiveVersion(q: Queryable, templateId: string, versionId: string, now: Date): Promise<void> {
  await q.update(templates).set({ activeVersionId: versionId, updatedAt: now }).where(eq(templates.id, templateId))
}

export async function softDeleteTemplate(q: Queryable, templateId: string, now: Date): Promise<void> {
  await q.update(templates).set({ deleted: true, updatedAt: now }).where(eq(templates.id, templateId))
}

export async function countLiveWorkspacesOfTemplate(q: Queryable, templateId: string): Promise<number> {
  const [row] = await q
    .select({ n: count() })
    .from(workspaces)
    .where(and(eq(workspaces.templateId, templateId), eq(workspaces.deleted, false)))
  return row?.n ?? 0
}

export async function insertTemplateVersion(q: Queryable, row: NewTemplateVersionRow): Promise<TemplateVersionRow> {
  const [inserted] = await q.insert(templateVersions).values(row).returning()
  return inserted!
}

export async function attachVersionToTemplate(
  q: Queryable,
  versionId: string,
  templateId: string,
  now: Date,
): Promise<void> {
  await q.update(templateVersions).set({ templateId, updatedAt: now }).where(eq(templateVersions.id, versionId))
}

export async function findTemplateVersionById(q: Queryable, id: string): Promise<TemplateVersionRow | undefined> {
  const [row] = await q.select().from(templateVersions).where(eq(templateVersions.id, id))
  return row
}

export async function findTemplateVersionsByIds(
  q: Queryable,
  ids: readonly string[],
): Promise<Map<string, TemplateVersionRow>> {
  if (ids.length === 0) return new Map()
  const rows = await q.select().from(templateVersions).where(inArray(templateVersions.id, [...new Set(ids)]))
  return new Map(rows.map((r) => [r.id, r]))
}

export async function findTemplateVersionByName(
  q: Queryable,
  templateId: string,
  name: string,
): Promise<TemplateVersionRow | undefined> {
  const [row] = await q
    .select()
    .from(templateVersions)
    .where(and(eq(templateVersions.templateId, templateId), sql`lower(${templateVersions.name}) = lower(${name})`))
  return row
}

export async function listTemplateVersions(
  q: Queryable,
  templateId: string,
  page: { limit: number; offset: number; includeArchived: boolean },
): Promise<TemplateVersionRow[]> {
  const where = [eq(templateVersions.templateId, templateId)]
  if (!page.includeArchived) where.push(eq(templateVersions.archived, false))
  return q
    .select()
    .from(templateVersions)
    .where(and(...where))
    .orderBy(asc(templateVersions.createdAt), asc(templateVersions.id))
    .limit(page.limit)
    .offset(page.offset)
}
