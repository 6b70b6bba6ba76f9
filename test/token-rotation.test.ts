import t from 'tap'
import { agentJson, connectAgent, listen, workspaceWithAgent } from './helpers/agents.js'
import { buildTestApp } from './helpers/app.js'
import { auth, createMember, createOwner } from './helpers/fixtures.js'

const enrollment = (app: Awaited<ReturnType<typeof buildTestApp>>['app'], token: string) =>
  app.inject({
    method: 'POST',
    url: '/api/v2/workspaceagents/me/enrollment',
    headers: { 'coder-session-token': token },
    payload: { stage: 'script_started' },
  })

t.test('rotation without grace: the old token stops at once, its connection is closed', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const ws = await workspaceWithAgent(app, owner.token)
  const conn = await connectAgent(await listen(app), ws.agentToken)
  const before = Date.now()
  const res = await app.inject({
    method: 'POST',
    url: `/api/v2/workspaces/${ws.workspaceId}/external-agent/main/credentials/rotate`,
    headers: auth(owner.token),
    payload: {},
  })
  t.equal(res.statusCode, 200)
  const rotated = res.json()
  t.not(rotated.agent_token, ws.agentToken)
  t.match(rotated.agent_token, /^[0-9a-f-]{36}$/)
  t.equal(rotated.command, `curl -fsSL "http://outpost.test/api/v2/init-script/linux/amd64" | CODER_AGENT_TOKEN="${rotated.agent_token}" sh`)
  const closed = await conn.closed
  t.equal(closed.code, 4401)
  t.ok(closed.at - before < 1000, `closed in ${closed.at - before} ms`)
  t.equal((await enrollment(app, ws.agentToken)).statusCode, 401, 'old token refused')
  t.equal((await enrollment(app, rotated.agent_token)).statusCode, 204, 'new token accepted')
  const shown = await app.inject({ method: 'GET', url: `/api/v2/workspaces/${ws.workspaceId}/external-agent/main/credentials`, headers: auth(owner.token) })
  t.equal(shown.json().agent_token, rotated.agent_token, 'credentials now show the new token')
  const audit = (await app.inject({ method: 'GET', url: '/api/v2/audit?q=action:write', headers: auth(owner.token) })).json()
  t.match(audit.audit_logs[0], { resource_type: 'workspace_agent', resource_id: ws.agentId, additional_fields: { grace_period_seconds: '0' } })
  t.notOk(JSON.stringify(audit).includes(rotated.agent_token), 'the audit trail holds no token')
})

t.test('rotation with a grace period: both tokens work until it ends, then the old one is cut', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const ws = await workspaceWithAgent(app, owner.token)
  const conn = await connectAgent(await listen(app), ws.agentToken)
  const before = Date.now()
  const rotated = (
    await app.inject({
      method: 'POST',
      url: `/api/v2/workspaces/${ws.workspaceId}/external-agent/main/credentials/rotate`,
      headers: auth(owner.token),
      payload: { grace_period_seconds: 2 },
    })
  ).json()
  t.equal((await enrollment(app, ws.agentToken)).statusCode, 204, 'old token still works during the grace period')
  t.equal((await enrollment(app, rotated.agent_token)).statusCode, 204, 'new token works')
  const closed = await conn.closed
  const after = closed.at - before
  t.equal(closed.code, 4401)
  t.ok(after >= 1900 && after < 3000, `the old token's connection closed when the grace period ended (${after} ms)`)
  t.equal((await enrollment(app, ws.agentToken)).statusCode, 401, 'old token refused after the grace period')
  t.equal((await agentJson(app, owner.token, ws.agentId)).enrollment.stage, 'script_started')
})

t.test('rotation is checked and scoped like the workspace', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const member = await createMember(app, owner)
  const ws = await workspaceWithAgent(app, owner.token)
  const url = `/api/v2/workspaces/${ws.workspaceId}/external-agent/main/credentials/rotate`
  for (const grace of [-1, 86401, 1.5, 'soon']) {
    const res = await app.inject({ method: 'POST', url, headers: auth(owner.token), payload: { grace_period_seconds: grace } })
    t.equal(res.statusCode, 400, `grace ${JSON.stringify(grace)}`)
    t.equal(res.json().validations[0].field, 'grace_period_seconds')
  }
  const notYours = await app.inject({ method: 'POST', url, headers: auth(member.token), payload: {} })
  t.equal(notYours.statusCode, 404)
  t.equal(notYours.json().message, 'Resource not found or you do not have access to this resource')
  const unknownAgent = await app.inject({
    method: 'POST',
    url: url.replace('/main/', '/nope/'),
    headers: auth(owner.token),
    payload: {},
  })
  t.equal(unknownAgent.statusCode, 404)
  t.equal(unknownAgent.json().message, "External agent 'nope' not found in workspace.")
  t.equal((await enrollment(app, ws.agentToken)).statusCode, 204, 'refused rotations changed nothing')
})

t.test('parallel rotations leave exactly one current token', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const ws = await workspaceWithAgent(app, owner.token)
  const results = await Promise.all(
    Array.from({ length: 8 }, () =>
      app.inject({
        method: 'POST',
        url: `/api/v2/workspaces/${ws.workspaceId}/external-agent/main/credentials/rotate`,
        headers: auth(owner.token),
        payload: {},
      }),
    ),
  )
  t.same(results.map((r) => r.statusCode), Array(8).fill(200))
  const tokens = results.map((r) => r.json().agent_token as string)
  const working = []
  for (const token of [ws.agentToken, ...tokens]) if ((await enrollment(app, token)).statusCode === 204) working.push(token)
  t.equal(working.length, 1, 'one token authenticates')
  const shown = await app.inject({ method: 'GET', url: `/api/v2/workspaces/${ws.workspaceId}/external-agent/main/credentials`, headers: auth(owner.token) })
  t.same([shown.json().agent_token], working, 'and it is the one the credentials show')
})
