import { EventEmitter } from 'node:events'
import pg from 'pg'
import t from 'tap'
import WebSocket from 'ws'
import { buildApp } from '../src/app.js'
import { openDatabase } from '../src/db/client.js'
import { createLogger } from '../src/logger.js'
import { AgentConnectionHub, type LivenessStore } from '../src/domain/agent-connections.js'
import { buildTestApp, testConfig } from './helpers/app.js'
import { agentJson, connectAgent, listen, workspaceWithAgent } from './helpers/agents.js'
import { TestClock } from './helpers/clock.js'
import { createServerDatabase } from './helpers/database.js'
import { auth, createOwner } from './helpers/fixtures.js'

// Liveness runs on a timer of OUTPOST_AGENT_PING_INTERVAL; these tests set it long and
// call tick() themselves, with a clock they move, so every boundary is exact.
const MANUAL_TICKS = { OUTPOST_AGENT_PING_INTERVAL: '10m' }

t.test('accepting the RPC WebSocket marks the agent connected; closing it, disconnected', async (t) => {
  const clock = new TestClock()
  const { app } = await buildTestApp(t, { clock, env: MANUAL_TICKS })
  const owner = await createOwner(app)
  const ws = await workspaceWithAgent(app, owner.token)
  const baseUrl = await listen(app)

  let agent = await agentJson(app, owner.token, ws.agentId)
  t.equal(agent.status, 'connecting')
  t.notOk(agent.first_connected_at)

  const conn = await connectAgent(baseUrl, ws.agentToken)
  // The connection is recorded right after the upgrade, a moment after the client sees it open.
  await t.resolves(waitFor(async () => (await agentJson(app, owner.token, ws.agentId)).status === 'connected'))
  agent = await agentJson(app, owner.token, ws.agentId)
  t.equal(agent.first_connected_at, clock.now().toISOString())
  t.equal(agent.last_connected_at, clock.now().toISOString())
  t.same(agent.health, { healthy: true })
  const workspace = (await app.inject({ method: 'GET', url: `/api/v2/workspaces/${ws.workspaceId}`, headers: auth(owner.token) })).json()
  t.same(workspace.health, { healthy: true, failing_agents: [] })
  const found = await app.inject({ method: 'GET', url: '/api/v2/workspaces?q=has-agent:connected', headers: auth(owner.token) })
  t.equal(found.json().count, 1, 'has-agent:connected finds it')

  clock.advance(5_000)
  conn.socket.close()
  await conn.closed
  await t.resolves(waitFor(async () => (await agentJson(app, owner.token, ws.agentId)).status === 'disconnected'))
  agent = await agentJson(app, owner.token, ws.agentId)
  t.equal(agent.disconnected_at, clock.now().toISOString())
  t.same(agent.health, { healthy: false, reason: 'agent has lost connection' })
})

t.test('the RPC endpoint refuses bad versions and bad tokens before upgrading', async (t) => {
  const { app } = await buildTestApp(t, { env: MANUAL_TICKS })
  const owner = await createOwner(app)
  const ws = await workspaceWithAgent(app, owner.token)
  const baseUrl = await listen(app)
  await t.rejects(connectAgent(baseUrl, ws.agentToken, 'version=3.0'), /upgrade refused: 400/)
  await t.rejects(connectAgent(baseUrl, 'not-a-uuid'), /upgrade refused: 401/)
  await t.rejects(connectAgent(baseUrl, '6c1e1e29-4bd4-4a4c-9d4f-1f3c0c3b9e11'), /upgrade refused: 401/)
  const res = await fetch(`${baseUrl}/api/v2/workspaceagents/me/rpc?version=3.0`, { headers: { 'coder-session-token': ws.agentToken } })
  t.equal(res.status, 400)
  t.same(await res.json(), {
    message: 'Unknown or unsupported API version',
    validations: [{ field: 'version', detail: 'unsupported version "3.0": this server speaks 2.x' }],
  })
  const plain = await fetch(`${baseUrl}/api/v2/workspaceagents/me/rpc`, { headers: { 'coder-session-token': ws.agentToken } })
  t.equal(plain.status, 400, 'a plain GET without an upgrade')
})

t.test('an agent that stops answering pings is dropped after the inactivity timeout', async (t) => {
  const clock = new TestClock()
  const { app } = await buildTestApp(t, { clock, env: MANUAL_TICKS })
  const owner = await createOwner(app)
  const ws = await workspaceWithAgent(app, owner.token)
  const baseUrl = await listen(app)
  const silent = new WebSocket(`${baseUrl.replace('http', 'ws')}/api/v2/workspaceagents/me/rpc`, {
    headers: { cookie: `coder_session_token=${ws.agentToken}` },
    autoPong: false,
  })
  const closed = new Promise<number>((resolve) => silent.on('close', (code) => resolve(code)))
  await new Promise((resolve) => silent.on('open', resolve))
  await t.resolves(waitFor(async () => (await agentJson(app, owner.token, ws.agentId)).status === 'connected'))

  clock.advance(20 * 60_000 - 1) // inactivity timeout: 2 × 10 min
  await app.agentConnections.tick()
  t.equal(app.agentConnections.size, 1, 'still held just before the timeout')
  t.equal((await agentJson(app, owner.token, ws.agentId)).status, 'connected', 'the heartbeat refreshed it')

  clock.advance(20 * 60_000 + 1)
  await app.agentConnections.tick()
  t.equal(app.agentConnections.size, 0)
  t.equal(await closed, 4408)
  await t.resolves(waitFor(async () => (await agentJson(app, owner.token, ws.agentId)).status === 'disconnected'))
})

t.test('deleting the workspace closes the open connection at once and the token fails', async (t) => {
  const { app } = await buildTestApp(t, { env: MANUAL_TICKS })
  const owner = await createOwner(app)
  const ws = await workspaceWithAgent(app, owner.token)
  const baseUrl = await listen(app)
  const conn = await connectAgent(baseUrl, ws.agentToken)
  const deletedAt = Date.now()
  const res = await app.inject({
    method: 'POST',
    url: `/api/v2/workspaces/${ws.workspaceId}/builds`,
    headers: auth(owner.token),
    payload: { transition: 'delete' },
  })
  t.equal(res.statusCode, 201)
  const closed = await conn.closed
  t.equal(closed.code, 4401)
  t.ok(closed.at - deletedAt < 1000, `closed within a second (${closed.at - deletedAt} ms)`)
  await t.rejects(connectAgent(baseUrl, ws.agentToken), /upgrade refused: 401/)
})

t.test('revocation reaches another instance on the same Postgres within a second', async (t) => {
  const serverUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres'
  if (!(await reachable(serverUrl))) {
    t.plan(0, `needs a Postgres server (set DATABASE_URL); ${serverUrl} is not reachable`)
    return
  }
  const url = await createServerDatabase(t, serverUrl)
  const config = testConfig(MANUAL_TICKS)
  const instances = []
  for (const name of ['a', 'b']) {
    const database = await openDatabase({ kind: 'pg', url, poolSize: 3 })
    if (name === 'a') await database.migrate()
    const app = await buildApp({ config, database, logger: createLogger('silent') })
    await app.ready()
    t.teardown(async () => {
      await app.close()
      await database.close()
    })
    instances.push(app)
  }
  const [a, b] = instances as [typeof instances[0], typeof instances[0]]
  const owner = await createOwner(b)
  const ws = await workspaceWithAgent(b, owner.token)
  const conn = await connectAgent(await listen(a), ws.agentToken)
  t.equal(a.agentConnections.size, 1, 'instance a holds the agent')
  await t.resolves(
    waitFor(async () => (await agentJson(b, owner.token, ws.agentId)).status === 'connected'),
    'instance b sees it connected',
  )

  const deletedAt = Date.now()
  const res = await b.inject({
    method: 'POST',
    url: `/api/v2/workspaces/${ws.workspaceId}/builds`,
    headers: auth(owner.token),
    payload: { transition: 'delete' },
  })
  t.equal(res.statusCode, 201)
  const closed = await conn.closed
  t.equal(closed.code, 4401)
  t.ok(closed.at - deletedAt < 1000, `instance a closed it within a second (${closed.at - deletedAt} ms)`)
})

t.test('a tick costs one query and one update however many agents are held', async (t) => {
  const calls: string[] = []
  const store: LivenessStore = {
    markAgentConnected: async () => void calls.push('connected'),
    markAgentsAlive: async (ids) => void calls.push(`alive:${ids.length}`),
    stillValidTokenIds: async (ids) => {
      calls.push(`valid?:${ids.length}`)
      return new Set(ids.filter((id) => id !== 'token-7'))
    },
    markAgentsDisconnected: async (ids) => void calls.push(`disconnected:${ids.join(',')}`),
  }
  const database = { listen: async () => async () => {} }
  const clock = new TestClock()
  const hub = new AgentConnectionHub({
    database,
    store,
    clock,
    log: createLogger('silent'),
    pingIntervalMs: 600_000,
    inactiveTimeoutSeconds: 30,
  })
  await hub.start()
  const sockets = Array.from({ length: 100 }, (_, i) => fakeSocket(i))
  for (const [i, socket] of sockets.entries()) {
    await hub.attach(
      { agent: { id: `agent-${i}` }, token: { id: `token-${i}` }, workspace: { id: 'workspace' } } as never,
      socket as unknown as WebSocket,
    )
  }
  calls.length = 0
  await hub.tick()
  t.same(calls, ['valid?:100', 'alive:99'], 'one validity query, one heartbeat update')
  t.equal(sockets[7]!.closedWith, 4401, 'the connection whose token stopped being valid was closed')
  t.equal(sockets.filter((s) => s.pings === 1).length, 99, 'every live connection pinged once')
  await hub.stop()
})

interface FakeSocket extends EventEmitter {
  pings: number
  closedWith?: number
  ping(): void
  close(code: number): void
}

function fakeSocket(i: number): FakeSocket {
  const socket = new EventEmitter() as FakeSocket
  socket.pings = 0
  socket.ping = () => void (socket.pings += 1)
  socket.close = (code: number) => {
    socket.closedWith = code
    setImmediate(() => socket.emit('close', code))
  }
  void i
  return socket
}

async function waitFor(check: () => Promise<boolean>, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.end()
    return true
  } catch {
    return false
  }
}
