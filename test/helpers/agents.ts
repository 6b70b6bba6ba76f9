import type { FastifyInstance } from 'fastify'
import WebSocket from 'ws'
import { auth } from './fixtures.js'
import { createWorkspace, exampleTemplateFiles, pushTemplate } from './templates.js'

export interface AttachedWorkspace {
  workspaceId: string
  agentId: string
  agentToken: string
}

/** The example template pushed, a workspace created from it, and its agent's credentials. */
export async function workspaceWithAgent(
  app: FastifyInstance,
  ownerToken: string,
  name = 'attached',
  templateId?: string,
): Promise<AttachedWorkspace & { templateId: string }> {
  const template = templateId ?? (await pushTemplate(app, ownerToken, `tpl-${name}`, await exampleTemplateFiles())).templateId
  const created = await createWorkspace(app, ownerToken, name, template)
  if (created.statusCode !== 201) throw new Error(`create: ${created.statusCode} ${created.body}`)
  const workspace = created.json()
  const credentials = await app.inject({
    method: 'GET',
    url: `/api/v2/workspaces/${workspace.id}/external-agent/main/credentials`,
    headers: auth(ownerToken),
  })
  return {
    templateId: template,
    workspaceId: workspace.id,
    agentId: workspace.latest_build.resources[0].agents[0].id,
    agentToken: credentials.json().agent_token,
  }
}

export interface OpenAgentSocket {
  socket: WebSocket
  closed: Promise<{ code: number; at: number }>
}

/** Opens the agent RPC WebSocket the way Coder's agent does: token in the cookie. */
export async function connectAgent(baseUrl: string, token: string, query = 'version=2.10&role=agent'): Promise<OpenAgentSocket> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/v2/workspaceagents/me/rpc?${query}`, {
    headers: { cookie: `coder_session_token=${token}` },
  })
  const closed = new Promise<{ code: number; at: number }>((resolve) =>
    socket.on('close', (code) => resolve({ code, at: Date.now() })),
  )
  await new Promise<void>((resolve, reject) => {
    socket.on('open', () => resolve())
    socket.on('error', reject)
    socket.on('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)))
  })
  return { socket, closed }
}

export async function agentJson(app: FastifyInstance, ownerToken: string, agentId: string) {
  const res = await app.inject({ method: 'GET', url: `/api/v2/workspaceagents/${agentId}`, headers: auth(ownerToken) })
  return res.json()
}

export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (!address || typeof address === 'string') throw new Error('no address')
  return `http://127.0.0.1:${address.port}`
}
