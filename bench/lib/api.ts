// The benchmarks' setup through Outpost's public HTTP API, as a client would do it.
import { exampleTemplateFiles, tarOf } from '../../test/helpers/templates.js'

export const PASSWORD = 'Correct-Horse-Battery-9'

async function call(url: string, init: RequestInit & { token?: string; json?: unknown } = {}): Promise<Response> {
  const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) }
  if (init.token) headers['coder-session-token'] = init.token
  let body = init.body
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(init.json)
  }
  return fetch(url, { ...init, headers, body })
}

async function expectJson(res: Response, status: number[], what: string): Promise<any> {
  const text = await res.text()
  if (!status.includes(res.status)) throw new Error(`${what}: ${res.status} ${text}`)
  return text ? JSON.parse(text) : undefined
}

export interface Owner {
  token: string
  userId: string
  organizationId: string
}

/** The first user (an owner), logged in. */
export async function createOwner(base: string, username = 'admin'): Promise<Owner> {
  const email = `${username}@example.com`
  const first = await expectJson(
    await call(`${base}/api/v2/users/first`, { method: 'POST', json: { username, email, password: PASSWORD } }),
    [201],
    'first user',
  )
  return { token: await login(base, email), userId: first.user_id, organizationId: first.organization_id }
}

export async function login(base: string, email: string): Promise<string> {
  const res = await expectJson(
    await call(`${base}/api/v2/users/login`, { method: 'POST', json: { email, password: PASSWORD } }),
    [201],
    'login',
  )
  return res.session_token
}

/** A member of the default organization; returns its id. */
export async function createMember(base: string, owner: Owner, username: string): Promise<string> {
  const res = await expectJson(
    await call(`${base}/api/v2/users`, {
      method: 'POST',
      token: owner.token,
      json: { username, email: `${username}@example.com`, password: PASSWORD, organization_ids: [owner.organizationId] },
    }),
    [201],
    'create user',
  )
  return res.id
}

/** The example template (externally-managed-workspace) pushed as `name`. */
export async function pushTemplate(base: string, token: string, name: string): Promise<{ templateId: string; versionId: string }> {
  const uploaded = await expectJson(
    await call(`${base}/api/v2/files`, {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/x-tar' },
      body: new Uint8Array(await tarOf(await exampleTemplateFiles())),
    }),
    [200, 201],
    'upload',
  )
  const version = await expectJson(
    await call(`${base}/api/v2/organizations/default/templateversions`, {
      method: 'POST',
      token,
      json: { storage_method: 'file', file_id: uploaded.hash, provisioner: 'terraform' },
    }),
    [201],
    'template version',
  )
  const template = await expectJson(
    await call(`${base}/api/v2/organizations/default/templates`, {
      method: 'POST',
      token,
      json: { name, template_version_id: version.id },
    }),
    [201],
    'template',
  )
  return { templateId: template.id, versionId: version.id }
}

/** The body `POST /api/v2/users/me/workspaces` takes (what `outpost external-workspaces create` sends). */
export function createBody(name: string, templateId: string): Record<string, unknown> {
  return { name, template_id: templateId, rich_parameter_values: [{ name: 'platform', value: 'linux-amd64' }] }
}

export async function createWorkspace(base: string, token: string, name: string, templateId: string): Promise<any> {
  return expectJson(
    await call(`${base}/api/v2/users/me/workspaces`, { method: 'POST', token, json: createBody(name, templateId) }),
    [201],
    `create ${name}`,
  )
}

export async function agentToken(base: string, token: string, workspaceId: string): Promise<string> {
  const res = await expectJson(
    await call(`${base}/api/v2/workspaces/${workspaceId}/external-agent/main/credentials`, { token }),
    [200],
    'credentials',
  )
  return res.agent_token
}

export async function deleteWorkspace(base: string, token: string, workspaceId: string): Promise<void> {
  await expectJson(
    await call(`${base}/api/v2/workspaces/${workspaceId}/builds`, { method: 'POST', token, json: { transition: 'delete' } }),
    [201],
    'delete',
  )
}

/** Rotates the agent's token with no grace period; returns the new token. */
export async function rotateToken(base: string, token: string, workspaceId: string): Promise<string> {
  const res = await expectJson(
    await call(`${base}/api/v2/workspaces/${workspaceId}/external-agent/main/credentials/rotate`, {
      method: 'POST',
      token,
      json: { grace_period_seconds: 0 },
    }),
    [200, 201],
    'rotate',
  )
  return res.agent_token
}

/** GET with an agent token; the status code. */
export async function agentStatus(base: string, agentTokenValue: string, path = '/api/v2/workspaceagents/me/manifest'): Promise<number> {
  const res = await fetch(`${base}${path}`, { headers: { 'coder-session-token': agentTokenValue } })
  await res.arrayBuffer()
  return res.status
}

export async function getJson(base: string, token: string, path: string): Promise<any> {
  return expectJson(await call(`${base}${path}`, { token }), [200], `GET ${path}`)
}
