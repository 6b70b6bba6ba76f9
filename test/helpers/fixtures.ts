import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'

let counter = 0
function unique(prefix: string): string {
  counter += 1
  return `${prefix}${counter}${Math.random().toString(36).slice(2, 6)}`
}

export const STRONG_PASSWORD = 'Correct-Horse-Battery-9'

export interface TestUser {
  id: string
  username: string
  email: string
  password: string
  token: string
}

export const auth = (token: string) => ({ 'coder-session-token': token })

export async function login(app: FastifyInstance, email: string, password = STRONG_PASSWORD): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v2/users/login', payload: { email, password } })
  if (res.statusCode !== 201) throw new Error(`login failed: ${res.statusCode} ${res.body}`)
  return res.json().session_token
}

/** The deployment's first user (an owner), logged in. */
export async function createOwner(
  app: FastifyInstance,
  fields: Partial<{ username: string; email: string; password: string }> = {},
): Promise<TestUser & { organizationId: string }> {
  const username = fields.username ?? unique('owner')
  const email = fields.email ?? `${username}@example.com`
  const password = fields.password ?? STRONG_PASSWORD
  const res = await app.inject({ method: 'POST', url: '/api/v2/users/first', payload: { username, email, password } })
  if (res.statusCode !== 201) throw new Error(`first user failed: ${res.statusCode} ${res.body}`)
  const { user_id, organization_id } = res.json()
  return { id: user_id, organizationId: organization_id, username, email, password, token: await login(app, email, password) }
}

/** A member of the default organization, created by `owner` and logged in. */
export async function createMember(
  app: FastifyInstance,
  owner: { token: string; organizationId: string },
  fields: Partial<{ username: string; email: string; password: string }> = {},
): Promise<TestUser> {
  const username = fields.username ?? unique('member')
  const email = fields.email ?? `${username}@example.com`
  const password = fields.password ?? STRONG_PASSWORD
  const res = await app.inject({
    method: 'POST',
    url: '/api/v2/users',
    headers: auth(owner.token),
    payload: { username, email, password, organization_ids: [owner.organizationId] },
  })
  if (res.statusCode !== 201) throw new Error(`create user failed: ${res.statusCode} ${res.body}`)
  return { id: res.json().id, username, email, password, token: await login(app, email, password) }
}

/** A user created by `owner` through POST /users (not logged in); returns the wire User. */
export async function createUser(
  app: FastifyInstance,
  owner: { token: string; organizationId: string },
  fields: Partial<{
    username: string
    email: string
    password: string
    name: string
    login_type: 'password' | 'none'
    user_status: 'active' | 'dormant' | 'suspended'
  }> = {},
): Promise<Record<string, unknown> & { id: string; username: string; email: string }> {
  const username = fields.username ?? unique('user')
  const payload: Record<string, unknown> = {
    email: fields.email ?? `${username}@example.com`,
    ...fields,
    username,
    organization_ids: [owner.organizationId],
  }
  if (fields.login_type !== 'none') payload.password = fields.password ?? STRONG_PASSWORD
  const res = await app.inject({ method: 'POST', url: '/api/v2/users', headers: auth(owner.token), payload })
  if (res.statusCode !== 201) throw new Error(`create user failed: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** A named API token for `user` (default `me`), created with `token`; returns the `<id>-<secret>` key. */
export async function createToken(
  app: FastifyInstance,
  token: string,
  body: Partial<{ token_name: string; lifetime: number; scope: string }> = {},
  user = 'me',
): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: `/api/v2/users/${user}/keys/tokens`,
    headers: auth(token),
    payload: body,
  })
  if (res.statusCode !== 201) throw new Error(`create token failed: ${res.statusCode} ${res.body}`)
  return res.json().key
}

/** Splits a session token into the id (looked up) and the secret (hashed). */
export function keyParts(token: string): { id: string; secret: string } {
  const [id = '', secret = ''] = token.split('-')
  return { id, secret }
}

/** Coder's session-token shape: a 10-character id and a 22-character secret. */
export const SESSION_TOKEN_PATTERN = /^[0-9a-zA-Z]{10}-[0-9a-zA-Z]{22}$/

/** Coder's 401 message; the `detail` tells the cause. */
export const SIGNED_OUT = 'You are signed out or your session has expired. Please sign in again to continue.'
/** Coder's generic 404, which does not tell "missing" from "not yours". */
export const NOT_FOUND = { message: 'Resource not found or you do not have access to this resource' }
/** Coder's generic 403. */
export const FORBIDDEN = {
  message: 'Forbidden.',
  detail:
    "You don't have permission to view this content. If you believe this is a mistake, please contact your administrator or try signing in with different credentials.",
}

interface InjectedResponse {
  statusCode: number
  headers: Record<string, unknown>
  body: string
}

/** An error answer: the status, Coder's JSON content type and exactly this body. */
export function assertError(t: Test, res: InjectedResponse, status: number, body: object, message = ''): void {
  const prefix = message === '' ? '' : `${message}: `
  t.equal(res.statusCode, status, `${prefix}status ${status}`)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8', `${prefix}JSON content type`)
  let parsed: unknown
  try {
    parsed = JSON.parse(res.body)
  } catch {
    parsed = res.body
  }
  t.strictSame(parsed, body, `${prefix}body`)
}
