import type { FastifyInstance } from 'fastify'

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
