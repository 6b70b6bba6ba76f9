import type { Db } from '../db/client.js'
import { isUniqueViolation } from '../db/errors.js'
import type { ApiKeyRow, UserRow } from '../db/schema.js'
import { errors } from '../errors.js'
import type { APIKey } from '../sdk/api-keys.js'
import * as keyStore from '../store/api-keys.js'
import * as userStore from '../store/users.js'
import { generateApiKey, parseApiKey, secretMatches } from './api-keys.js'
import { can, rolesOf, type Actor } from './authz.js'
import type { Clock } from './clock.js'
import { toApiKey } from './convert.js'
import { randomName } from './names.js'
import { verifyNothing, verifyPassword } from './passwords.js'

const HOUR = 3600
export const SESSION_LIFETIME_SECONDS = 24 * HOUR
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 7 * 24 * HOUR
export const MAX_TOKEN_LIFETIME_SECONDS = 876600 * HOUR
const NANOS_PER_SECOND = 1_000_000_000

/** Where a session token may come from, in Coder's order of precedence. */
export interface TokenSources {
  cookie?: string | undefined
  query?: string | undefined
  header?: string | undefined
}

export interface Session {
  actor: Actor
  apiKey: ApiKeyRow
}

/** Go's time.Duration formatting for whole seconds, as Coder's messages print it. */
function goDuration(seconds: number): string {
  const h = Math.floor(seconds / HOUR)
  const m = Math.floor((seconds % HOUR) / 60)
  const s = seconds % 60
  return `${h}h${m}m${s}s`
}

export function createSessionService({ db, clock }: { db: Db; clock: Clock }) {
  async function issueKey(
    user: UserRow,
    fields: { loginType: 'password' | 'token'; tokenName: string; lifetimeSeconds: number; scope?: string },
  ): Promise<string> {
    const key = generateApiKey()
    const now = clock.now()
    await keyStore.insertApiKey(db, {
      id: key.id,
      hashedSecret: key.hashedSecret,
      userId: user.id,
      loginType: fields.loginType,
      tokenName: fields.tokenName,
      lifetimeSeconds: fields.lifetimeSeconds,
      expiresAt: new Date(now.getTime() + fields.lifetimeSeconds * 1000),
      // Coder starts last_used at the Unix epoch until the key is first used.
      lastUsed: new Date(0),
      scope: fields.scope ?? 'all',
      createdAt: now,
      updatedAt: now,
    })
    return key.token
  }

  return {
    /**
     * Resolves the caller from a session token, with Coder's 401 details. The key's
     * `last_used` and the user's `last_seen_at` move at most once an hour, and the
     * expiry slides forward by the key's lifetime when more than an hour of it has passed.
     */
    async authenticate(sources: TokenSources): Promise<Session> {
      const token = sources.cookie || sources.query || sources.header
      if (!token) throw errors.signedOut('Cookie "coder_session_token" or query parameter must be provided.')
      const parsed = parseApiKey(token)
      if ('error' in parsed) throw errors.signedOut(`Invalid API key format: ${parsed.error}`)
      const found = await keyStore.findApiKeyWithUser(db, parsed.id)
      if (!found) throw errors.signedOut('API key is invalid.')
      const { key, user } = found
      if (!secretMatches(parsed.secret, key.hashedSecret)) throw errors.signedOut('API key secret is invalid.')
      const now = clock.now()
      if (key.expiresAt.getTime() <= now.getTime()) {
        throw errors.signedOut(`API key expired at ${JSON.stringify(key.expiresAt.toISOString())}.`)
      }
      if (!user) throw errors.signedOut('API key is invalid.')
      if (user.status === 'suspended') throw errors.userInactive(user.status)

      if (now.getTime() - key.lastUsed.getTime() > HOUR * 1000) {
        const lifetimeMs = key.lifetimeSeconds * 1000
        const slide = key.expiresAt.getTime() - now.getTime() <= lifetimeMs - HOUR * 1000
        const expiresAt = slide && key.loginType === 'password' ? new Date(now.getTime() + lifetimeMs) : key.expiresAt
        await keyStore.refreshApiKey(db, key.id, now, expiresAt)
        await userStore.updateUserLastSeen(db, user.id, now)
        key.lastUsed = now
        key.expiresAt = expiresAt
        user.lastSeenAt = now
      }
      return { actor: { user, roles: rolesOf(user) }, apiKey: key }
    },

    /** Password login; returns the new session token and whose it is. */
    async login(email: string, password: string): Promise<{ token: string; userId: string }> {
      const user = await userStore.findUserByEmail(db, email)
      if (!user || user.hashedPassword === null) {
        await verifyNothing(password)
        throw errors.badCredentials()
      }
      if (!(await verifyPassword(password, user.hashedPassword))) throw errors.badCredentials()
      if (user.status === 'suspended') throw errors.accountInactive(user.status)
      if (user.status === 'dormant') await userStore.activateUser(db, user.id, clock.now())
      const token = await issueKey(user, { loginType: 'password', tokenName: '', lifetimeSeconds: SESSION_LIFETIME_SECONDS })
      return { token, userId: user.id }
    },

    async logout(session: Session): Promise<void> {
      await keyStore.deleteApiKey(db, session.actor.user.id, session.apiKey.id)
    },

    /** A named long-lived token; `lifetimeNanos` is a Go duration, 0 meaning the default. */
    async createToken(
      actor: Actor,
      owner: UserRow,
      req: { token_name?: string | undefined; lifetime?: number | undefined; scope?: string | undefined },
    ): Promise<string> {
      if (!can(actor, 'create', { type: 'api_key', ownerId: owner.id })) throw errors.notFound()
      const nanos = req.lifetime ?? 0
      if (nanos < 0) throw errors.invalidTokenRequest('lifetime must be positive number greater than 0')
      const lifetimeSeconds = nanos === 0 ? DEFAULT_TOKEN_LIFETIME_SECONDS : Math.ceil(nanos / NANOS_PER_SECOND)
      if (lifetimeSeconds > MAX_TOKEN_LIFETIME_SECONDS) {
        throw errors.invalidTokenRequest(`lifetime must be less than ${goDuration(MAX_TOKEN_LIFETIME_SECONDS)}`)
      }
      const scope = req.scope === undefined || req.scope === '' ? 'all' : req.scope
      if (scope !== 'all' && scope !== 'application_connect') {
        throw errors.invalidTokenRequest(`invalid scope ${JSON.stringify(scope)}: use "all" or "application_connect"`)
      }
      const tokenName = req.token_name?.trim() || randomName()
      if (/[\u0000-\u001f\u007f]/.test(tokenName)) {
        throw errors.validation([{ field: 'token_name', detail: 'must not contain control characters' }])
      }
      try {
        return await issueKey(owner, { loginType: 'token', tokenName, lifetimeSeconds, scope })
      } catch (err) {
        if (isUniqueViolation(err, 'api_keys_user_token_name_key')) throw errors.tokenNameTaken(tokenName)
        throw err
      }
    },

    async listTokens(actor: Actor, owner: UserRow): Promise<APIKey[]> {
      if (!can(actor, 'read', { type: 'api_key', ownerId: owner.id })) throw errors.notFound()
      return (await keyStore.listTokensOfUser(db, owner.id)).map(toApiKey)
    },

    async getToken(actor: Actor, owner: UserRow, by: { id: string } | { tokenName: string }): Promise<APIKey> {
      if (!can(actor, 'read', { type: 'api_key', ownerId: owner.id })) throw errors.notFound()
      const row = await keyStore.findTokenOfUser(db, owner.id, by)
      if (!row) throw errors.notFound()
      return toApiKey(row)
    },

    async deleteKey(actor: Actor, owner: UserRow, keyId: string): Promise<void> {
      if (!can(actor, 'delete', { type: 'api_key', ownerId: owner.id })) throw errors.notFound()
      if (!(await keyStore.deleteApiKey(db, owner.id, keyId))) throw errors.notFound()
    },
  }
}

export type SessionService = ReturnType<typeof createSessionService>
