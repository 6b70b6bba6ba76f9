import t from 'tap'
import { agentHealth, agentStatus, inactiveTimeoutSeconds } from '../src/domain/agents.js'

const created = new Date('2026-01-01T00:00:00Z')
const at = (seconds: number) => new Date(created.getTime() + seconds * 1000)
const clock = (seconds: number) => ({ now: at(seconds), inactiveTimeoutSeconds: 30 })
const agent = (fields: Partial<Parameters<typeof agentStatus>[0]> = {}) => ({
  createdAt: created,
  connectionTimeoutSeconds: 120,
  firstConnectedAt: null,
  lastConnectedAt: null,
  disconnectedAt: null,
  ...fields,
})

t.test('never connected: connecting until the connection timeout, then timeout', async (t) => {
  t.equal(agentStatus(agent(), clock(0)).status, 'connecting')
  t.equal(agentStatus(agent(), clock(120)).status, 'connecting', 'exactly at the timeout: still connecting')
  t.equal(agentStatus(agent(), clock(120.001)).status, 'timeout')
  t.equal(agentStatus(agent({ connectionTimeoutSeconds: 0 }), clock(99999)).status, 'connecting', 'no timeout set')
})

t.test('connected until the inactivity timeout passes', async (t) => {
  const a = agent({ firstConnectedAt: at(10), lastConnectedAt: at(10) })
  t.equal(agentStatus(a, clock(10)).status, 'connected')
  t.equal(agentStatus(a, clock(40)).status, 'connected', 'exactly 30 s later: still connected')
  const stale = agentStatus(a, clock(40.001))
  t.equal(stale.status, 'disconnected')
  t.same(stale.disconnectedAt, at(10), 'the reported disconnect time is the last connection')
})

t.test('disconnected_at not before last_connected_at means disconnected', async (t) => {
  t.equal(agentStatus(agent({ firstConnectedAt: at(1), lastConnectedAt: at(5), disconnectedAt: at(5) }), clock(6)).status, 'disconnected')
  t.equal(agentStatus(agent({ firstConnectedAt: at(1), lastConnectedAt: at(5), disconnectedAt: at(6) }), clock(7)).status, 'disconnected')
  t.equal(
    agentStatus(agent({ firstConnectedAt: at(1), lastConnectedAt: at(6), disconnectedAt: at(5) }), clock(7)).status,
    'connected',
    'reconnected after a disconnect',
  )
})

t.test("health reasons are Coder's, first match wins", async (t) => {
  t.same(agentHealth('connected', 'off'), { healthy: true }, 'off but connected is not "not running"')
  t.same(agentHealth('disconnected', 'off'), { healthy: false, reason: 'agent is not running' })
  t.same(agentHealth('connecting', 'created'), { healthy: false, reason: 'agent has not yet connected' })
  t.same(agentHealth('timeout', 'created'), { healthy: false, reason: 'agent is taking too long to connect' })
  t.same(agentHealth('disconnected', 'ready'), { healthy: false, reason: 'agent has lost connection' })
  t.same(agentHealth('connected', 'start_error'), { healthy: false, reason: 'agent startup script exited with an error' })
  for (const state of ['shutting_down', 'shutdown_timeout', 'shutdown_error'] as const) {
    t.same(agentHealth('connected', state), { healthy: false, reason: 'agent is shutting down' })
  }
  t.same(agentHealth('connected', 'ready'), { healthy: true })
  t.same(agentHealth('connected', 'starting'), { healthy: true })
})

t.test('the inactivity timeout is twice the ping interval, at least 2 s', async (t) => {
  t.equal(inactiveTimeoutSeconds(15_000), 30)
  t.equal(inactiveTimeoutSeconds(500), 2)
})
