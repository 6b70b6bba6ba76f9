import t from 'tap'
import WebSocket from 'ws'
import { connectAgent, listen, workspaceWithAgent } from './helpers/agents.js'
import { buildTestApp } from './helpers/app.js'
import { auth, createMember, createOwner } from './helpers/fixtures.js'

interface Message {
  type: string
  data: { latest_build: { transition: string; resources: { agents: { status: string; lifecycle_state: string }[] }[] } }
}

/** Coder's workspace watch: a WebSocket of ServerSentEvent JSON messages, session in the cookie. */
function watch(baseUrl: string, workspaceId: string, token: string) {
  const socket = new WebSocket(`${baseUrl.replace('http', 'ws')}/api/v2/workspaces/${workspaceId}/watch-ws`, {
    headers: { cookie: `coder_session_token=${token}` },
  })
  const messages: Message[] = []
  const waiters: (() => void)[] = []
  socket.on('message', (data) => {
    messages.push(JSON.parse(data.toString()) as Message)
    for (const w of waiters.splice(0)) w()
  })
  const opened = new Promise<void>((resolve, reject) => {
    socket.on('open', () => resolve())
    socket.on('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)))
  })
  /** The first message (from `from` on) that satisfies `test`, waiting up to `ms`. */
  const next = async (test: (m: Message) => boolean, ms = 2000): Promise<Message> => {
    const deadline = Date.now() + ms
    for (;;) {
      const found = messages.find(test)
      if (found) return found
      if (Date.now() > deadline) throw new Error(`no matching message in ${ms} ms; got ${JSON.stringify(messages.map((m) => m.type))}`)
      await new Promise<void>((resolve) => {
        waiters.push(resolve)
        setTimeout(resolve, 50)
      })
    }
  }
  return { socket, opened, messages, next }
}

const agentOf = (m: Message) => m.data.latest_build.resources[0]?.agents[0]

t.test('watchers see agent changes and the delete as they happen', async (t) => {
  const { app } = await buildTestApp(t, { env: { OUTPOST_AGENT_PING_INTERVAL: '10m' } })
  const owner = await createOwner(app)
  const ws = await workspaceWithAgent(app, owner.token)
  const baseUrl = await listen(app)
  const watcher = watch(baseUrl, ws.workspaceId, owner.token)
  t.teardown(() => watcher.socket.close())
  await watcher.opened
  const first = await watcher.next((m) => m.type === 'data')
  t.equal(agentOf(first)?.status, 'connecting', 'the workspace at once')

  const agent = await connectAgent(baseUrl, ws.agentToken)
  const connected = await watcher.next((m) => m.type === 'data' && agentOf(m)?.status === 'connected', 1000)
  t.ok(connected, 'the connection shows up without asking')

  await app.inject({
    method: 'POST',
    url: '/api/v2/workspaceagents/me/report-lifecycle',
    headers: { 'coder-session-token': ws.agentToken },
    payload: { state: 'ready' },
  })
  t.ok(await watcher.next((m) => m.type === 'data' && agentOf(m)?.lifecycle_state === 'ready', 1000), 'lifecycle ready')

  await app.inject({ method: 'POST', url: `/api/v2/workspaces/${ws.workspaceId}/builds`, headers: auth(owner.token), payload: { transition: 'delete' } })
  t.ok(await watcher.next((m) => m.type === 'data' && m.data.latest_build.transition === 'delete', 1000), 'the delete')
  await agent.closed
})

t.test('only who may read the workspace can watch it', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const member = await createMember(app, owner)
  const ws = await workspaceWithAgent(app, owner.token)
  const baseUrl = await listen(app)
  await t.rejects(watch(baseUrl, ws.workspaceId, member.token).opened, /refused 404/)
  await t.rejects(watch(baseUrl, ws.workspaceId, 'nope-nope').opened, /refused 401/)
  const plain = await fetch(`${baseUrl}/api/v2/workspaces/${ws.workspaceId}/watch-ws`, { headers: auth(owner.token) })
  t.equal(plain.status, 400)
})
