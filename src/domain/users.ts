import { randomUUID } from 'node:crypto'
import type { Db, Queryable } from '../db/client.js'
import { isUniqueViolation } from '../db/errors.js'
import type { UserRow } from '../db/schema.js'
import { errors } from '../errors.js'
import type { CreateFirstUserRequest, CreateUserRequest, User } from '../sdk/users.js'
import * as orgStore from '../store/organizations.js'
import { claimSiteConfig } from '../store/site-configs.js'
import * as userStore from '../store/users.js'
import { can, type Actor } from './authz.js'
import type { Clock } from './clock.js'
import { toUser } from './convert.js'
import { nameProblem, realNameProblem, validations } from './names.js'
import { hashPassword, passwordWeakness } from './passwords.js'

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const MAX_PAGE = 1000

export interface UserServiceDeps {
  db: Db
  clock: Clock
}

function checkNewUserFields(req: { username: string; name?: string | undefined }): void {
  const problems = validations({
    username: nameProblem(req.username),
    name: req.name === undefined ? undefined : realNameProblem(req.name),
  })
  if (problems.length > 0) throw errors.validation(problems)
}

function checkPassword(password: string): void {
  const weakness = passwordWeakness(password)
  if (weakness !== undefined) throw errors.weakPassword(weakness)
}

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value)
}

export function createUserService({ db, clock }: UserServiceDeps) {
  async function toWire(q: Queryable, row: UserRow): Promise<User> {
    const orgIds = await userStore.organizationIdsOfUsers(q, [row.id])
    return toUser(row, orgIds.get(row.id) ?? [])
  }

  async function defaultOrganizationId(q: Queryable): Promise<string> {
    const org = await orgStore.findDefaultOrganization(q)
    if (!org) throw new Error('the default organization is missing: were the migrations applied?')
    return org.id
  }

  /** Inserts a user and their memberships; a taken username or email is 409. */
  async function insertUser(
    q: Queryable,
    fields: Omit<UserRow, 'id' | 'createdAt' | 'updatedAt' | 'lastSeenAt' | 'deleted' | 'avatarUrl'>,
    organizationIds: readonly string[],
  ): Promise<UserRow> {
    const now = clock.now()
    try {
      const row = await userStore.insertUser(q, { ...fields, id: randomUUID(), createdAt: now, updatedAt: now })
      await orgStore.addOrganizationMembers(q, row.id, organizationIds, now)
      return row
    } catch (err) {
      if (isUniqueViolation(err, 'users_username_key') || isUniqueViolation(err, 'users_email_key')) {
        throw errors.userExists()
      }
      throw err
    }
  }

  return {
    toWire: (row: UserRow) => toWire(db, row),

    async firstUserExists(): Promise<boolean> {
      return (await userStore.countUsers(db)) > 0
    },

    /** The first user becomes `owner`. A site-config claim makes concurrent calls safe. */
    async createFirstUser(req: CreateFirstUserRequest): Promise<{ userId: string; organizationId: string }> {
      checkNewUserFields(req)
      checkPassword(req.password)
      const hashedPassword = await hashPassword(req.password)
      return db.transaction(async (tx) => {
        if (!(await claimSiteConfig(tx, 'first_user_created', clock.now().toISOString()))) {
          throw errors.firstUserExists()
        }
        const organizationId = await defaultOrganizationId(tx)
        const user = await insertUser(
          tx,
          {
            email: req.email,
            username: req.username,
            name: req.name ?? '',
            hashedPassword,
            loginType: 'password',
            status: 'active',
            rbacRoles: ['owner'],
          },
          [organizationId],
        )
        return { userId: user.id, organizationId }
      })
    },

    async createUser(actor: Actor, req: CreateUserRequest): Promise<User> {
      if (!can(actor, 'create', { type: 'users' })) throw errors.forbidden()
      checkNewUserFields(req)
      const loginType = req.login_type === undefined || req.login_type === '' ? 'password' : req.login_type
      if (loginType !== 'password' && req.password) throw errors.passwordNotAllowed(loginType)
      if (loginType === 'password') checkPassword(req.password ?? '')
      const organizationIds = req.organization_ids ?? []
      if (organizationIds.length === 0) throw errors.noOrganization()
      for (const id of organizationIds) {
        if (!(await orgStore.findOrganizationById(db, id))) throw errors.unknownOrganization(id)
      }
      const hashedPassword = loginType === 'password' ? await hashPassword(req.password ?? '') : null
      const row = await db.transaction((tx) =>
        insertUser(
          tx,
          {
            email: req.email,
            username: req.username,
            name: req.name ?? '',
            hashedPassword,
            loginType,
            status: req.user_status ?? 'dormant',
            rbacRoles: [],
          },
          organizationIds,
        ),
      )
      return toWire(db, row)
    },

    /**
     * Resolves `me`, a UUID or a username. Members asking for anyone else get 404 whether
     * the user exists or not; owners get Coder's 400 for an unknown user.
     */
    async resolveUser(actor: Actor, param: string, action: 'read' | 'update' = 'read'): Promise<UserRow> {
      if (param === 'me') return actor.user
      const row = isUuid(param) ? await userStore.findUserById(db, param) : await userStore.findUserByUsername(db, param)
      if (row && can(actor, action, { type: 'user', id: row.id })) return row
      if (can(actor, 'read', { type: 'users' })) throw errors.unknownUser(param)
      throw errors.notFound()
    },

    async listUsers(
      actor: Actor,
      query: { limit?: number | undefined; offset?: number | undefined; after_id?: string | undefined },
    ): Promise<{ users: User[]; count: number }> {
      if (!can(actor, 'read', { type: 'users' })) throw errors.forbidden()
      let afterUsername: string | undefined
      if (query.after_id !== undefined) {
        const after = await userStore.findUserById(db, query.after_id)
        if (!after) throw errors.invalidQuery([{ field: 'after_id', detail: 'No user exists with this id.' }])
        afterUsername = after.username
      }
      const limit = query.limit === undefined || query.limit === 0 ? MAX_PAGE : Math.min(query.limit, MAX_PAGE)
      const { rows, total } = await userStore.listUsers(db, {
        limit,
        offset: query.offset ?? 0,
        ...(afterUsername === undefined ? {} : { afterUsername }),
      })
      const orgIds = await userStore.organizationIdsOfUsers(
        db,
        rows.map((r) => r.id),
      )
      return { users: rows.map((r) => toUser(r, orgIds.get(r.id) ?? [])), count: total }
    },
  }
}

export type UserService = ReturnType<typeof createUserService>
