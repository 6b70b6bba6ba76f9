import { and, asc, eq, sql } from 'drizzle-orm'
import type { Queryable } from '../db/client.js'
import { organizationMembers, organizations, type OrganizationRow } from '../db/schema.js'

export async function findDefaultOrganization(q: Queryable): Promise<OrganizationRow | undefined> {
  const [row] = await q.select().from(organizations).where(eq(organizations.isDefault, true))
  return row
}

export async function findOrganizationById(q: Queryable, id: string): Promise<OrganizationRow | undefined> {
  const [row] = await q.select().from(organizations).where(eq(organizations.id, id))
  return row
}

export async function findOrganizationByName(q: Queryable, name: string): Promise<OrganizationRow | undefined> {
  const [row] = await q
    .select()
    .from(organizations)
    .where(sql`lower(${organizations.name}) = lower(${name})`)
  return row
}

export async function listOrganizations(q: Queryable): Promise<OrganizationRow[]> {
  return q.select().from(organizations).orderBy(asc(organizations.name))
}

export async function listOrganizationsOfUser(q: Queryable, userId: string): Promise<OrganizationRow[]> {
  const rows = await q
    .select({ organization: organizations })
    .from(organizations)
    .innerJoin(organizationMembers, eq(organizationMembers.organizationId, organizations.id))
    .where(eq(organizationMembers.userId, userId))
    .orderBy(asc(organizations.name))
  return rows.map((r) => r.organization)
}

export async function isOrganizationMember(q: Queryable, organizationId: string, userId: string): Promise<boolean> {
  const rows = await q
    .select({ userId: organizationMembers.userId })
    .from(organizationMembers)
    .where(and(eq(organizationMembers.organizationId, organizationId), eq(organizationMembers.userId, userId)))
  return rows.length > 0
}

export async function addOrganizationMembers(
  q: Queryable,
  userId: string,
  organizationIds: readonly string[],
  now: Date,
): Promise<void> {
  if (organizationIds.length === 0) return
  await q
    .insert(organizationMembers)
    .values(organizationIds.map((organizationId) => ({ organizationId, userId, createdAt: now, updatedAt: now })))
    .onConflictDoNothing()
}
