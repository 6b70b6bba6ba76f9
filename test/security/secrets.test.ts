import { randomUUID } from 'node:crypto'
import t from 'tap'
import WebSocket from 'ws'
import { connectAgent, listen } from '../helpers/agents.js'
import { buildTestApp } from '../helpers/app.js'
import { auth } from '../helpers/fixtures.js'
import { leakedSecrets, publicTables, rawRows } from '../helpers/security.js'
import { exampleTemplateFiles, pushTemplate } from '../helpers/templates.js'

/**
 * A whole flow at log level `trace`, then two searches for every credential it used:
 * in every log line, and in every column of every table read raw (bytea too, so the
 * uploaded template archives are searched). Neither may hold a session token, an API
 * key or its secret half, a password (right or wrong) or an agent token (old or new),
 * in any of the forms secretForms() lists (as is, lower/upper case, URL-encoded,
 * base64, hex).
 */

const OWNER_PASSWORD = 'Owner-Pass-7fK2q9Zx!'
const MEMBER_PASSWORD = 'Member-Pass-3vR8m1Lw?'
const WRONG_PASSWORD = 'Wrong-Guess-5tY6u7Io#'

type Inject = Awaited<ReturnType<typeof buildTestApp>>['app']['inject']

/** An agent RPC socket opened with the token in the query or a header, as other agents may send it. */
function openSocket(baseUrl: string, token: string, where: 'query' | 'header'): Promise<WebSocket> {
  const url = `${baseUrl.replace(/^http/, 'ws')}/api/v2/workspaceagents/me/rpc?version=2.10&role=agent`
  const socket =
    where === 'query'
      ? new WebSocket(`${url}&coder_session_token=${token}`)
      : new WebSocket(url, { headers: { 'coder-session-token': token } })
  return new Promise((resolve, reject) => {
    socket.on('open', () => resolve(socket))
    socket.on('error', reject)
    socket.on('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)))
  })
}

/** A refused upgrade (its status), for the tokens that must not work. */
function refusedUpgrade(baseUrl: string, token: string): Promise<number> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/v2/workspaceagents/me/rpc?version=2.10`, {
    headers: { cookie: `coder_session_token=${token}` },
  })
  return new Promise((resolve, reject) => {
    socket.on('open', () => reject(new Error('upgrade accepted')))
    socket.on('error', () => {})
    socket.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      socket.terminate()
    })
  })
}

t.test('no credential in any log line, nor in any table', async (t) => {
  const { app, database, logs } = await buildTestApp(t, { logLevel: 'trace' })
  const inject: Inject = app.inject.bind(app)
  const status = async (p: PromiseLike<{ statusCode: number }>) => (await p).statusCode
  const secrets: Record<string, string> = {
    'owner password': OWNER_PASSWORD,
    'member password': MEMBER_PASSWORD,
    'wrong password': WRONG_PASSWORD,
  }

  // Users, sessions, failed logins.
  t.equal(await status(inject({ url: '/api/v2/users/first' })), 404)
  const first = await inject({
    method: 'POST',
    url: '/api/v2/users/first',
    payload: { email: 'owner@example.com', username: 'owner', password: OWNER_PASSWORD },
  })
  t.equal(first.statusCode, 201, 'first user')
  const loginAs = (email: string, password: string) => inject({ method: 'POST', url: '/api/v2/users/login', payload: { email, password } })
  const ownerLogin = await loginAs('owner@example.com', OWNER_PASSWORD)
  t.equal(ownerLogin.statusCode, 201, 'owner login')
  const ownerSession: string = ownerLogin.json().session_token
  secrets['owner session'] = ownerSession
  secrets['owner session secret'] = ownerSession.split('-')[1]!
  t.equal(await status(loginAs('owner@example.com', WRONG_PASSWORD)), 401, 'wrong password')
  t.equal(await status(loginAs('nobody@example.com', OWNER_PASSWORD)), 401, 'unknown email')
  t.equal(await status(loginAs('OWNER@example.com', `${OWNER_PASSWORD}x`)), 401, 'almost the password')

  const member = await inject({
    method: 'POST',
    url: '/api/v2/users',
    headers: auth(ownerSession),
    payload: {
      email: 'member@example.com',
      username: 'member',
      password: MEMBER_PASSWORD,
      organization_ids: [first.json().organization_id],
    },
  })
  t.equal(member.statusCode, 201, 'member created')
  const memberLogin = await loginAs('member@example.com', MEMBER_PASSWORD)
  const memberSession: string = memberLogin.json().session_token
  secrets['member session'] = memberSession
  secrets['member session secret'] = memberSession.split('-')[1]!

  // An API token, used from the header, the cookie and the query.
  const created = await inject({
    method: 'POST',
    url: '/api/v2/users/me/keys/tokens',
    headers: auth(ownerSession),
    payload: { token_name: 'ci', lifetime: 3600 * 1e9 },
  })
  t.equal(created.statusCode, 201, 'API token created')
  const apiKey: string = created.json().key
  const [keyId, keySecret] = apiKey.split('-') as [string, string]
  secrets['API key'] = apiKey
  secrets['API key secret'] = keySecret
  t.equal(await status(inject({ url: '/api/v2/users/me', headers: auth(apiKey) })), 200, 'key in the header')
  t.equal(await status(inject({ url: '/api/v2/users/me', cookies: { coder_session_token: apiKey } })), 200, 'key in the cookie')
  t.equal(await status(inject({ url: `/api/v2/users/me?coder_session_token=${apiKey}` })), 200, 'key in the query')
  t.equal(await status(inject({ url: '/api/v2/users/me/keys/tokens', headers: auth(apiKey) })), 200, 'tokens listed')
  t.equal(await status(inject({ url: `/api/v2/users/me/keys/${keyId}`, headers: auth(apiKey) })), 200, 'key read')
  // A secret half that is almost right, and a token pasted into the password field.
  const wrongSecret = `${keyId}-${keySecret.slice(0, -1)}${keySecret.endsWith('a') ? 'b' : 'a'}`
  t.equal(await status(inject({ url: '/api/v2/users/me', headers: auth(wrongSecret) })), 401, 'wrong secret')
  t.equal(await status(loginAs('owner@example.com', apiKey)), 401, 'a token as a password')

  // A template, a workspace, its credentials.
  const pushed = await pushTemplate(app, ownerSession, 'secrets', await exampleTemplateFiles())
  t.ok(pushed.templateId, 'template pushed')
  const workspace = await inject({
    method: 'POST',
    url: '/api/v2/users/member/workspaces',
    headers: auth(ownerSession),
    payload: { name: 'box', template_id: pushed.templateId },
  })
  t.equal(workspace.statusCode, 201, 'workspace created for the member')
  const workspaceId: string = workspace.json().id
  const credentialsUrl = `/api/v2/workspaces/${workspaceId}/external-agent/main/credentials`
  const firstCredentials = await inject({ url: credentialsUrl, headers: auth(memberSession) })
  t.equal(firstCredentials.statusCode, 200, 'credentials read by the member')
  const tokenA: string = firstCredentials.json().agent_token
  secrets['agent token A'] = tokenA

  // The agent, with its token in each place a client may put it.
  const baseUrl = await listen(app)
  const agentCall = (token: string, where: 'header' | 'cookie' | 'query', path = 'manifest') =>
    inject({
      url: `/api/v2/workspaceagents/me/${path}${where === 'query' ? `?coder_session_token=${token}` : ''}`,
      headers: where === 'header' ? auth(token) : {},
      cookies: where === 'cookie' ? { coder_session_token: token } : {},
    })
  t.equal(
    await status(inject({ method: 'POST', url: '/api/v2/workspaceagents/me/enrollment', headers: auth(tokenA), payload: { stage: 'script_started', hostname: 'box' } })),
    204,
    'enrollment reported',
  )
  for (const where of ['header', 'cookie', 'query'] as const) t.equal(await status(agentCall(tokenA, where)), 200, `manifest, token in the ${where}`)
  t.equal(
    await status(inject({ method: 'POST', url: `/api/v2/workspaceagents/me/report-lifecycle?coder_session_token=${tokenA}`, payload: { state: 'ready' } })),
    204,
    'lifecycle reported',
  )
  const viaCookie = await connectAgent(baseUrl, tokenA)
  const viaQuery = await openSocket(baseUrl, tokenA, 'query')
  const viaHeader = await openSocket(baseUrl, tokenA, 'header')
  t.pass('RPC sockets open with the token in the cookie, the query and a header')

  // Rotations: with a grace period, then without.
  const rotate = (grace: number) =>
    inject({ method: 'POST', url: `${credentialsUrl}/rotate`, headers: auth(memberSession), payload: { grace_period_seconds: grace } })
  const rotatedB = await rotate(60)
  t.equal(rotatedB.statusCode, 200, 'rotated with a grace period')
  const tokenB: string = rotatedB.json().agent_token
  secrets['agent token B'] = tokenB
  t.equal(await status(agentCall(tokenA, 'header')), 200, 'A still works during the grace period')
  t.equal(await status(agentCall(tokenB, 'cookie')), 200, 'B works')
  const rotatedC = await rotate(0)
  const tokenC: string = rotatedC.json().agent_token
  secrets['agent token C'] = tokenC
  t.equal(await status(agentCall(tokenB, 'query')), 401, 'B stopped at once')
  t.equal(await refusedUpgrade(baseUrl, tokenB), 401, 'B cannot open a socket')
  const socketC = await openSocket(baseUrl, tokenC, 'query')
  t.equal((await inject({ url: credentialsUrl, headers: auth(ownerSession) })).json().agent_token, tokenC, 'credentials show C')
  t.equal(await status(agentCall(randomUUID(), 'header')), 401, 'an unknown agent token')
  t.equal(await status(agentCall(ownerSession, 'cookie')), 401, 'a session token as an agent token')
  t.equal(await status(inject({ url: '/api/v2/users/me', headers: auth(tokenC) })), 401, 'an agent token as a session token')

  // Logout, key deletion, workspace deletion.
  t.equal(await status(inject({ method: 'POST', url: '/api/v2/users/logout', headers: auth(memberSession) })), 200, 'member logged out')
  t.equal(await status(inject({ url: '/api/v2/users/me', headers: auth(memberSession) })), 401, 'the logged-out session')
  t.equal(await status(inject({ method: 'DELETE', url: `/api/v2/users/me/keys/${keyId}`, headers: auth(ownerSession) })), 204, 'key deleted')
  t.equal(await status(inject({ url: '/api/v2/users/me', headers: auth(apiKey) })), 401, 'the deleted key')
  const deleted = await inject({ method: 'POST', url: `/api/v2/workspaces/${workspaceId}/builds`, headers: auth(ownerSession), payload: { transition: 'delete' } })
  t.equal(deleted.statusCode, 201, 'workspace deleted')
  t.equal(await status(agentCall(tokenC, 'header')), 401, 'C stopped with the workspace')
  t.equal(await status(agentCall(tokenA, 'header')), 401, 'A stopped with the workspace')
  const audit = await inject({ url: '/api/v2/audit?limit=100', headers: auth(ownerSession) })
  t.equal(audit.statusCode, 200, 'audit log read')
  for (const socket of [viaCookie.socket, viaQuery, viaHeader, socketC]) socket.terminate()
  await new Promise((r) => setTimeout(r, 100))

  // Sanity: the search looks where the secrets would be.
  t.equal(app.log.level, 'trace', 'the logger is at trace')
  t.ok(logs.some((line) => line.includes('"level":20')), 'debug lines were written')
  t.ok(logs.some((line) => line.includes('agent connected')), 'the sockets were logged')
  t.ok(logs.some((line) => line.includes('/api/v2/users/me?coder_session_token=')), 'query-token URLs were logged (redacted)')
  t.ok(logs.length > 80, `${logs.length} log lines`)
  t.equal(Object.keys(secrets).length, 12, 'twelve secrets looked for')

  await t.test('no log line holds a secret', async (t) => {
    for (const [i, line] of logs.entries()) {
      const found = leakedSecrets(line, secrets)
      if (found.length > 0) t.fail(`log line ${i} holds ${found.join(', ')}: ${line.slice(0, 500)}`)
    }
    t.strictSame(leakedSecrets(logs.join('\n'), secrets), [], 'none in all the logs together')
  })

  await t.test('no table holds a secret', async (t) => {
    const tables = await publicTables(database)
    t.ok(tables.length >= 14, `${tables.length} tables: ${tables.join(', ')}`)
    let sawArchive = false
    for (const table of tables) {
      const rows = await rawRows(database, `SELECT *, x::text AS "__row_text" FROM "${table}" x`)
      const parts: string[] = []
      for (const row of rows) {
        for (const value of Object.values(row)) {
          if (value === null || value === undefined) continue
          if (value instanceof Uint8Array) {
            const bytes = Buffer.from(value)
            parts.push(bytes.toString('latin1'), bytes.toString('utf8'), bytes.toString('hex'))
            if (bytes.includes(Buffer.from('coder_external_agent'))) sawArchive = true
          } else if (value instanceof Date) parts.push(value.toISOString())
          else if (typeof value === 'object') parts.push(JSON.stringify(value))
          else parts.push(String(value))
        }
      }
      t.strictSame(leakedSecrets(parts.join('\n'), secrets), [], `${table} (${rows.length} rows)`)
    }
    t.ok(sawArchive, 'the uploaded archive bytes were searched')
    const tokens = await rawRows<{ n: number | string }>(database, 'SELECT count(*) AS n FROM workspace_agent_tokens')
    t.equal(Number(tokens[0]!.n), 3, 'the three agent tokens are stored (hashed and sealed)')
    const audited = await rawRows<{ n: number | string }>(database, 'SELECT count(*) AS n FROM audit_logs')
    t.ok(Number(audited[0]!.n) >= 15, 'the audit log was written, and searched')
  })
})
