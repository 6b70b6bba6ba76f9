import type { FastifyInstance } from 'fastify'
import { auth } from './fixtures.js'
import { createWorkspace, exampleTemplateFiles, pushTemplate, tarOf } from './templates.js'

/** The 7 platforms of the example template, as its `platform` parameter spells them. */
export const PLATFORMS = [
  'linux-amd64',
  'linux-arm64',
  'linux-armv7',
  'darwin-amd64',
  'darwin-arm64',
  'windows-amd64',
  'windows-arm64',
] as const

export const ACCESS_URL = 'http://outpost.test'

/** Coder's attach command (compat §3 step 7), for the test app's access URL. */
export function expectedCommand(os: string, arch: string, token: string): string {
  const url = `${ACCESS_URL}/api/v2/init-script/${os}/${arch}`
  return os === 'windows'
    ? `$env:CODER_AGENT_TOKEN="${token}"; iwr -useb "${url}" | iex`
    : `curl -fsSL "${url}" | CODER_AGENT_TOKEN="${token}" sh`
}

/** A template with one coder_agent and no coder_external_agent. */
export const NO_EXTERNAL_AGENT_FILES = {
  'main.tf': `resource "coder_agent" "main" {
  os   = "linux"
  arch = "amd64"
}
`,
}

/** POST /files with raw bytes. */
export function upload(app: FastifyInstance, token: string, payload: Buffer | string, contentType = 'application/x-tar') {
  return app.inject({
    method: 'POST',
    url: '/api/v2/files',
    headers: { ...auth(token), 'content-type': contentType },
    payload,
  })
}

/** Uploads `files` (or raw archive bytes) and imports a version; returns the response of the import. */
export async function importVersion(
  app: FastifyInstance,
  token: string,
  files: Record<string, string> | Buffer,
  extra: { template_id?: string; name?: string } = {},
) {
  const uploaded = await upload(app, token, Buffer.isBuffer(files) ? files : await tarOf(files))
  if (uploaded.statusCode !== 201 && uploaded.statusCode !== 200) {
    throw new Error(`upload: ${uploaded.statusCode} ${uploaded.body}`)
  }
  return app.inject({
    method: 'POST',
    url: '/api/v2/organizations/default/templateversions',
    headers: auth(token),
    payload: { storage_method: 'file', file_id: uploaded.json().hash, provisioner: 'terraform', ...extra },
  })
}

/** A template made of the example (externally-managed-workspace) files. */
export async function pushExample(app: FastifyInstance, token: string, name = 'external') {
  return pushTemplate(app, token, name, await exampleTemplateFiles())
}

/** Creates a workspace and fails loudly unless it is 201; returns the wire Workspace. */
export async function mustCreateWorkspace(
  app: FastifyInstance,
  token: string,
  name: string,
  templateId: string,
  parameters: Record<string, string> = {},
): Promise<Record<string, any>> {
  const res = await createWorkspace(app, token, name, templateId, parameters)
  if (res.statusCode !== 201) throw new Error(`create workspace ${name}: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** The (single) agent of a workspace's latest build. */
export function agentOf(workspace: Record<string, any>): Record<string, any> {
  const agent = workspace.latest_build.resources[0]?.agents?.[0]
  if (!agent) throw new Error(`workspace ${workspace.id} has no agent`)
  return agent
}

export function build(app: FastifyInstance, token: string, workspaceId: string, payload: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: `/api/v2/workspaces/${workspaceId}/builds`, headers: auth(token), payload })
}

export function deleteWorkspace(app: FastifyInstance, token: string, workspaceId: string) {
  return build(app, token, workspaceId, { transition: 'delete' })
}

export function credentials(app: FastifyInstance, token: string, workspaceId: string, agent = 'main') {
  return app.inject({
    url: `/api/v2/workspaces/${workspaceId}/external-agent/${agent}/credentials`,
    headers: auth(token),
  })
}

/** A bootstrap script's enrollment report, sent with an agent token (if any). */
export function reportEnrollment(app: FastifyInstance, agentToken: string | undefined, payload: Record<string, unknown>) {
  return app.inject({
    method: 'POST',
    url: '/api/v2/workspaceagents/me/enrollment',
    headers: agentToken === undefined ? {} : { 'coder-session-token': agentToken },
    payload,
  })
}

/** GET /workspaces with a search query (and pagination), as `token`. */
export function listWorkspaces(app: FastifyInstance, token: string, query: Record<string, string | number> = {}) {
  return app.inject({
    url: '/api/v2/workspaces',
    query: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])),
    headers: auth(token),
  })
}
