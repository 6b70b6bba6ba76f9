import { randomUUID } from 'node:crypto'
import type { Db } from '../db/client.js'
import type { AuditLogRow } from '../db/schema.js'
import { errors } from '../errors.js'
import type { AuditLog } from '../sdk/audit.js'
import * as auditStore from '../store/audit.js'
import { findDefaultOrganization } from '../store/organizations.js'
import { findUserByUsername, findUserById, organizationIdsOfUsers } from '../store/users.js'
import { can, type Actor } from './authz.js'
import type { Clock } from './clock.js'
import { toUser } from './convert.js'
import { NIL_UUID } from './jobs.js'
import { parseSearchQuery, single } from './search.js'

export type AuditResourceType =
  | 'api_key'
  | 'user'
  | 'file'
  | 'template'
  | 'template_version'
  | 'workspace'
  | 'workspace_agent'
export type AuditAction = 'login' | 'logout' | 'create' | 'delete' | 'write' | 'read' | 'start' | 'stop'

/** What a route audits; the handler fills in the resource as soon as it knows it. */
export interface AuditEntry {
  resourceType: AuditResourceType
  action: AuditAction
  resourceId?: string
  /** A human name for the resource (username, workspace name, email of a failed login). Never a secret. */
  resourceTarget?: string
  /** The acting user when there is no session yet (a login). */
  userId?: string
  organizationId?: string
  fields?: Record<string, string>
}

export interface AuditRequest {
  ip: string
  userAgent: string
  requestId: string
  statusCode: number
  sessionUserId: string | undefined
}

const SEARCH_KEYS = ['action', 'resource_type', 'resource_id', 'resource_target', 'username', 'request_id', 'date_from', 'date_to']
const MAX_PAGE = 1000

export function createAuditService({ db, clock }: { db: Db; clock: Clock }) {
  return {
    async record(request: AuditRequest, entry: AuditEntry): Promise<void> {
      const userId = request.sessionUserId ?? entry.userId ?? null
      const target = entry.resourceTarget ?? ''
      const outcome = request.statusCode < 400 ? '' : ` (failed: ${request.statusCode})`
      const row: AuditLogRow = {
        id: randomUUID(),
        time: clock.now(),
        userId,
        organizationId: entry.organizationId ?? null,
        ip: request.ip,
        userAgent: request.userAgent.slice(0, 512),
        resourceType: entry.resourceType,
        resourceId: entry.resourceId ?? null,
        resourceTarget: target.slice(0, 256),
        action: entry.action,
        statusCode: request.statusCode,
        requestId: request.requestId,
        description: `${entry.action} ${entry.resourceType}${target ? ` ${target}` : ''}${outcome}`,
        additionalFields: entry.fields ?? {},
      }
      await auditStore.insertAuditLog(db, row)
    },

    /** Owners read the trail; the query keys are Coder's (a subset). */
    async search(
      actor: Actor,
      query: { q?: string | undefined; limit?: number | undefined; offset?: number | undefined },
    ): Promise<{ audit_logs: AuditLog[]; count: number }> {
      if (!can(actor, 'read', { type: 'users' })) throw errors.forbidden()
      const message = 'Invalid audit search query.'
      const terms = parseSearchQuery(query.q ?? '', SEARCH_KEYS, message)
      const filter: auditStore.AuditFilter = {}
      const set = <K extends keyof auditStore.AuditFilter>(key: K, value: auditStore.AuditFilter[K] | undefined) => {
        if (value !== undefined) filter[key] = value
      }
      set('action', single(terms, 'action'))
      set('resourceType', single(terms, 'resource_type'))
      set('resourceTarget', single(terms, 'resource_target'))
      for (const [key, field] of [['resource_id', 'resourceId'], ['request_id', 'requestId']] as const) {
        const value = single(terms, key)
        if (value !== undefined && !/^[0-9a-f-]{36}$/i.test(value)) {
          throw errors.badSearch(message, [{ field: key, detail: `Query param "${key}" must be a valid UUID` }])
        }
        set(field, value)
      }
      for (const [key, field] of [['date_from', 'from'], ['date_to', 'to']] as const) {
        const value = single(terms, key)
        if (value === undefined) continue
        const date = new Date(value)
        if (Number.isNaN(date.getTime())) {
          throw errors.badSearch(message, [{ field: key, detail: `Query param "${key}" must be a valid date (RFC 3339 or YYYY-MM-DD)` }])
        }
        // A bare date as the upper bound means the whole day.
        set(field, key === 'date_to' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(date.getTime() + 86_400_000 - 1) : date)
      }
      const username = single(terms, 'username')
      if (username !== undefined) {
        const user = await findUserByUsername(db, username)
        filter.userIds = user ? [user.id] : []
      }
      const limit = query.limit ? Math.min(query.limit, MAX_PAGE) : 100
      const { rows, total } = await auditStore.searchAuditLogs(db, filter, { limit, offset: query.offset ?? 0 })
      const userIds = [...new Set(rows.map((r) => r.userId).filter((id): id is string => id !== null))]
      const users = new Map(
        (await Promise.all(userIds.map((id) => findUserById(db, id)))).flatMap((u) => (u ? [[u.id, u] as const] : [])),
      )
      const orgIds = await organizationIdsOfUsers(db, userIds)
      const defaultOrg = (await findDefaultOrganization(db))?.id ?? NIL_UUID
      return {
        count: total,
        audit_logs: rows.map((row) => {
          const user = row.userId ? users.get(row.userId) : undefined
          return {
            id: row.id,
            request_id: row.requestId,
            time: row.time.toISOString(),
            ip: row.ip,
            user_agent: row.userAgent,
            resource_type: row.resourceType,
            resource_id: row.resourceId ?? NIL_UUID,
            resource_target: row.resourceTarget,
            resource_icon: '',
            resource_link: '',
            action: row.action,
            diff: {},
            status_code: row.statusCode,
            additional_fields: row.additionalFields,
            description: row.description,
            organization_id: row.organizationId ?? defaultOrg,
            is_deleted: false,
            user: user ? toUser(user, orgIds.get(user.id) ?? []) : null,
          }
        }),
      }
    },
  }
}

export type AuditService = ReturnType<typeof createAuditService>
