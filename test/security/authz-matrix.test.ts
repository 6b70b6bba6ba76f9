import type { InjectOptions } from 'fastify'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { TestClock } from '../helpers/clock.js'
import { auth, createMember, createOwner, createToken, createUser, FORBIDDEN, login, NOT_FOUND, SIGNED_OUT, STRONG_PASSWORD } from '../helpers/fixtures.js'
import { coderErrorProblems, NO_RATE_LIMITS, rawRows } from '../helpers/security.js'
import { exampleTemplateFiles, pushTemplate, tarOf } from '../helpers/templates.js'
import { credentials, mustCreateWorkspace } from '../helpers/workspaces.js'

/**
 * Who may call what: every operation of the OpenAPI document × eight principals, with
 * parameters naming real resources (the member's workspace, the owner's template…).
 *
 * - owner: the first user.
 * - member: owns the workspace the rows point at.
 * - other: another member of the organization; the member's things must be invisible
 *   to them: 404 with Coder's generic body, never 403.
 * - anonymous: no token.
 * - agent: the member's workspace agent token, sent as a session token.
 * - expired: the owner's own API key, one hour after it expired (a TestClock).
 * - suspended, deleted: members whose session was valid, then suspended or deleted.
 *   Outpost has no endpoint for either (a user created with user_status "suspended"
 *   cannot log in at all, checked below), so the row is changed in SQL: the sessions
 *   must stop at once anyway.
 *
 * Rows that change things (delete, rotate, logout, create) get fresh resources for each
 * principal, so each cell is independent of the order. Every 401 is Coder's, with the
 * detail that names the cause.
 */

type Who = 'owner' | 'member' | 'other' | 'anonymous' | 'agent' | 'expired' | 'suspended' | 'deleted'
const EVERYONE: Who[] = ['owner', 'member', 'other', 'anonymous', 'agent', 'expired', 'suspended', 'deleted']

interface Ctx {
  owner: { id: string; username: string; token: string; organizationId: string; email: string }
  member: { id: string; username: string; token: string; email: string }
  other: { id: string; token: string; email: string }
  tokens: Record<Who, string | undefined>
  templateId: string
  templateName: string
  versionId: string
  versionName: string
  fileId: string
  dryRunId: string
  workspaceId: string
  workspaceName: string
  buildId: string
  agentId: string
  memberKeyId: string
  memberKeyName: string
  /** A new workspace of the member (for rows that delete or rotate). */
  freshWorkspace(): Promise<string>
  /** The id of a new API key of the member (for delete). */
  freshMemberKey(): Promise<string>
  /** A new session of a signed-in principal (for logout). */
  freshSession(who: Who): Promise<string | undefined>
  /** A new template nobody uses (for delete). */
  freshTemplate(): Promise<string>
  /** A new imported version with no template yet (for template create). */
  freshVersion(): Promise<string>
  unique(prefix: string): string
}

interface Req {
  method?: InjectOptions['method']
  url: string
  payload?: unknown
  contentType?: string
  /** Instead of the principal's usual token. */
  token?: string | undefined
}

type Send = (c: Ctx, who: Who) => Req | Promise<Req>
type Expect = { owner: number; member: number; other: number }

interface Row {
  op: string
  auth: 'user' | 'agent' | 'none'
  send: Send
  expect: Expect | number
  note?: string
}

/** A route behind a user session: owner, member, other as given; everyone else 401. */
const user = (op: string, send: Send, owner: number, member: number, other: number, note?: string): Row => ({
  op,
  auth: 'user',
  send,
  expect: { owner, member, other },
  ...(note ? { note } : {}),
})
/** A route without authentication: the same answer for everyone, whatever token they send. */
const open = (op: string, send: Send, status: number): Row => ({ op, auth: 'none', send, expect: status })
/** A route for agents: the agent token gets `status`, every session and no token 401. */
const agent = (op: string, send: Send, status: number): Row => ({ op, auth: 'agent', send, expect: status })

const get = (url: string) => (): Req => ({ url })

// prettier-ignore
const MATRIX: Row[] = [
  //   operation                                                              request                                                                                  owner member other
  open('GET /healthz',                                                         get('/healthz'),                                                                         200),
  open('GET /readyz',                                                          get('/readyz'),                                                                          200),
  open('GET /bin/{name}',                                                      get('/bin/coder-linux-amd64'),                                                           404),
  open('GET /api/v2/init-script/{os}/{arch}',                                  get('/api/v2/init-script/linux/amd64'),                                                  200),
  open('GET /api/v2/buildinfo',                                                get('/api/v2/buildinfo'),                                                                200),
  open('GET /api/v2/users/first',                                              get('/api/v2/users/first'),                                                              200),
  open('POST /api/v2/users/first',                                             () => ({ method: 'POST', url: '/api/v2/users/first', payload: { email: 'x@example.com', username: 'x', password: STRONG_PASSWORD } }), 409),
  open('POST /api/v2/users/login',                                             (c) => ({ method: 'POST', url: '/api/v2/users/login', payload: { email: c.member.email, password: STRONG_PASSWORD } }), 201),
  user('GET /api/v2/audit',                                                    get('/api/v2/audit'),                                                                    200, 403, 403),
  user('POST /api/v2/users/logout',                                            async (c, who) => ({ method: 'POST', url: '/api/v2/users/logout', token: await c.freshSession(who) }), 200, 200, 200),
  user('GET /api/v2/users',                                                    get('/api/v2/users'),                                                                    200, 403, 403),
  user('POST /api/v2/users',                                                   (c) => { const u = c.unique('new'); return { method: 'POST', url: '/api/v2/users', payload: { email: `${u}@example.com`, username: u, password: STRONG_PASSWORD, organization_ids: [c.owner.organizationId] } } }, 201, 403, 403),
  user('GET /api/v2/users/{user}',                                             (c) => ({ url: `/api/v2/users/${c.member.id}` }),                                        200, 200, 404),
  user('GET /api/v2/users/{user}',                                             (c) => ({ url: `/api/v2/users/${c.owner.username}` }),                                   200, 404, 404, "the owner's profile"),
  user('GET /api/v2/users/{user}/organizations',                               (c) => ({ url: `/api/v2/users/${c.member.username}/organizations` }),                    200, 200, 404),
  user('POST /api/v2/users/{user}/keys/tokens',                                (c) => ({ method: 'POST', url: `/api/v2/users/${c.member.id}/keys/tokens`, payload: { token_name: c.unique('k') } }), 201, 201, 404),
  user('GET /api/v2/users/{user}/keys/tokens',                                 (c) => ({ url: `/api/v2/users/${c.member.id}/keys/tokens` }),                            200, 200, 404),
  user('GET /api/v2/users/{user}/keys/tokens/{keyname}',                       (c) => ({ url: `/api/v2/users/${c.member.id}/keys/tokens/${c.memberKeyName}` }),         200, 200, 404),
  user('GET /api/v2/users/{user}/keys/{keyid}',                                (c) => ({ url: `/api/v2/users/${c.member.id}/keys/${c.memberKeyId}` }),                  200, 200, 404),
  user('DELETE /api/v2/users/{user}/keys/{keyid}',                             async (c) => ({ method: 'DELETE', url: `/api/v2/users/${c.member.id}/keys/${await c.freshMemberKey()}` }), 204, 204, 404),
  user('GET /api/v2/organizations',                                            get('/api/v2/organizations'),                                                            200, 200, 200),
  user('GET /api/v2/organizations/{organization}',                             get('/api/v2/organizations/default'),                                                    200, 200, 200),
  user('POST /api/v2/files',                                                   async (c) => ({ method: 'POST', url: '/api/v2/files', contentType: 'application/x-tar', payload: await tarOf({ 'main.tf': `# ${c.unique('f')}\n` }) }), 201, 403, 403),
  user('GET /api/v2/files/{fileID}',                                           (c) => ({ url: `/api/v2/files/${c.fileId}` }),                                           200, 404, 404, "the owner's upload"),
  user('POST /api/v2/organizations/{organization}/templateversions',           (c) => ({ method: 'POST', url: '/api/v2/organizations/default/templateversions', payload: { storage_method: 'file', file_id: c.fileId, provisioner: 'terraform' } }), 201, 403, 403),
  user('POST /api/v2/organizations/{organization}/templates',                  async (c) => ({ method: 'POST', url: '/api/v2/organizations/default/templates', payload: { name: c.unique('t'), template_version_id: await c.freshVersion() } }), 201, 403, 403),
  user('GET /api/v2/organizations/{organization}/templates',                   get('/api/v2/organizations/default/templates'),                                          200, 200, 200),
  user('GET /api/v2/organizations/{organization}/templates/{templatename}',    (c) => ({ url: `/api/v2/organizations/default/templates/${c.templateName}` }),           200, 200, 200),
  user('GET /api/v2/templates',                                                get('/api/v2/templates'),                                                                200, 200, 200),
  user('GET /api/v2/templates/{template}',                                     (c) => ({ url: `/api/v2/templates/${c.templateId}` }),                                   200, 200, 200),
  user('DELETE /api/v2/templates/{template}',                                  async (c) => ({ method: 'DELETE', url: `/api/v2/templates/${await c.freshTemplate()}` }), 200, 403, 403),
  user('GET /api/v2/templates/{template}/versions',                            (c) => ({ url: `/api/v2/templates/${c.templateId}/versions` }),                          200, 200, 200),
  user('PATCH /api/v2/templates/{template}/versions',                          (c) => ({ method: 'PATCH', url: `/api/v2/templates/${c.templateId}/versions`, payload: { id: c.versionId } }), 200, 403, 403),
  user('GET /api/v2/templates/{template}/versions/{templateversionname}',      (c) => ({ url: `/api/v2/templates/${c.templateId}/versions/${c.versionName}` }),         200, 200, 200),
  user('GET /api/v2/templateversions/{templateversion}',                       (c) => ({ url: `/api/v2/templateversions/${c.versionId}` }),                             200, 200, 200),
  user('GET /api/v2/templateversions/{templateversion}/resources',             (c) => ({ url: `/api/v2/templateversions/${c.versionId}/resources` }),                   200, 200, 200),
  user('GET /api/v2/templateversions/{templateversion}/rich-parameters',       (c) => ({ url: `/api/v2/templateversions/${c.versionId}/rich-parameters` }),             200, 200, 200),
  user('GET /api/v2/templateversions/{templateversion}/presets',               (c) => ({ url: `/api/v2/templateversions/${c.versionId}/presets` }),                     200, 200, 200),
  user('GET /api/v2/templateversions/{templateversion}/external-auth',         (c) => ({ url: `/api/v2/templateversions/${c.versionId}/external-auth` }),               200, 200, 200),
  user('GET /api/v2/templateversions/{templateversion}/variables',             (c) => ({ url: `/api/v2/templateversions/${c.versionId}/variables` }),                   200, 200, 200),
  user('POST /api/v2/templateversions/{templateversion}/dynamic-parameters/evaluate', (c) => ({ method: 'POST', url: `/api/v2/templateversions/${c.versionId}/dynamic-parameters/evaluate`, payload: { id: 1, inputs: {} } }), 200, 200, 200),
  user('GET /api/v2/templateversions/{templateversion}/logs',                  (c) => ({ url: `/api/v2/templateversions/${c.versionId}/logs` }),                        200, 200, 200),
  user('POST /api/v2/templateversions/{templateversion}/dry-run',              (c) => ({ method: 'POST', url: `/api/v2/templateversions/${c.versionId}/dry-run`, payload: { rich_parameter_values: [] } }), 201, 201, 201),
  user('GET /api/v2/templateversions/{templateversion}/dry-run/{jobID}',       (c) => ({ url: `/api/v2/templateversions/${c.versionId}/dry-run/${c.dryRunId}` }),       200, 404, 404, "the owner's dry run"),
  user('GET /api/v2/templateversions/{templateversion}/dry-run/{jobID}/resources', (c) => ({ url: `/api/v2/templateversions/${c.versionId}/dry-run/${c.dryRunId}/resources` }), 200, 404, 404, "the owner's dry run"),
  user('GET /api/v2/templateversions/{templateversion}/dry-run/{jobID}/matched-provisioners', (c) => ({ url: `/api/v2/templateversions/${c.versionId}/dry-run/${c.dryRunId}/matched-provisioners` }), 200, 404, 404, "the owner's dry run"),
  user('GET /api/v2/templateversions/{templateversion}/dry-run/{jobID}/logs',  (c) => ({ url: `/api/v2/templateversions/${c.versionId}/dry-run/${c.dryRunId}/logs` }), 200, 404, 404, "the owner's dry run"),
  user('POST /api/v2/users/{user}/workspaces',                                 (c) => ({ method: 'POST', url: `/api/v2/users/${c.member.username}/workspaces`, payload: { name: c.unique('w'), template_id: c.templateId } }), 201, 201, 404),
  user('POST /api/v2/organizations/{organization}/members/{user}/workspaces',  (c) => ({ method: 'POST', url: `/api/v2/organizations/default/members/${c.member.id}/workspaces`, payload: { name: c.unique('w'), template_id: c.templateId } }), 201, 201, 404),
  user('GET /api/v2/workspaces',                                               get('/api/v2/workspaces'),                                                               200, 200, 200),
  user('GET /api/v2/workspaces/{workspace}',                                   (c) => ({ url: `/api/v2/workspaces/${c.workspaceId}` }),                                 200, 200, 404),
  user('GET /api/v2/workspaces/{workspace}/watch-ws',                          (c) => ({ url: `/api/v2/workspaces/${c.workspaceId}/watch-ws` }),                        400, 400, 404, 'without an upgrade'),
  user('GET /api/v2/users/{user}/workspace/{workspacename}',                   (c) => ({ url: `/api/v2/users/${c.member.username}/workspace/${c.workspaceName}` }),     200, 200, 404),
  user('GET /api/v2/workspaces/{workspace}/builds',                            (c) => ({ url: `/api/v2/workspaces/${c.workspaceId}/builds` }),                          200, 200, 404),
  user('POST /api/v2/workspaces/{workspace}/builds',                           async (c) => ({ method: 'POST', url: `/api/v2/workspaces/${await c.freshWorkspace()}/builds`, payload: { transition: 'delete' } }), 201, 201, 404),
  user('GET /api/v2/workspacebuilds/{workspacebuild}',                         (c) => ({ url: `/api/v2/workspacebuilds/${c.buildId}` }),                                200, 200, 404),
  user('GET /api/v2/workspacebuilds/{workspacebuild}/resources',               (c) => ({ url: `/api/v2/workspacebuilds/${c.buildId}/resources` }),                      200, 200, 404),
  user('GET /api/v2/workspacebuilds/{workspacebuild}/parameters',              (c) => ({ url: `/api/v2/workspacebuilds/${c.buildId}/parameters` }),                     200, 200, 404),
  user('GET /api/v2/workspacebuilds/{workspacebuild}/logs',                    (c) => ({ url: `/api/v2/workspacebuilds/${c.buildId}/logs` }),                           200, 200, 404),
  user('GET /api/v2/workspaces/{workspace}/external-agent/{agent}/credentials', (c) => ({ url: `/api/v2/workspaces/${c.workspaceId}/external-agent/main/credentials` }), 200, 200, 404),
  user('POST /api/v2/workspaces/{workspace}/external-agent/{agent}/credentials/rotate', async (c) => ({ method: 'POST', url: `/api/v2/workspaces/${await c.freshWorkspace()}/external-agent/main/credentials/rotate`, payload: {} }), 200, 200, 404),
  user('GET /api/v2/workspaceagents/{workspaceagent}',                         (c) => ({ url: `/api/v2/workspaceagents/${c.agentId}` }),                                200, 200, 404),
  agent('POST /api/v2/workspaceagents/me/enrollment',                          () => ({ method: 'POST', url: '/api/v2/workspaceagents/me/enrollment', payload: { stage: 'script_started' } }), 204),
  agent('GET /api/v2/workspaceagents/me/manifest',                             get('/api/v2/workspaceagents/me/manifest'),                                              200),
  agent('POST /api/v2/workspaceagents/me/report-lifecycle',                    () => ({ method: 'POST', url: '/api/v2/workspaceagents/me/report-lifecycle', payload: { state: 'starting' } }), 204),
  agent('GET /api/v2/workspaceagents/me/rpc',                                  get('/api/v2/workspaceagents/me/rpc?version=2.10'),                                      400),
]

/** The answer each principal must get for a row. */
function expected(row: Row, who: Who): number {
  if (typeof row.expect === 'number') {
    if (row.auth === 'none') return row.expect
    return who === 'agent' ? row.expect : 401
  }
  return who === 'owner' || who === 'member' || who === 'other' ? row.expect[who] : 401
}

t.test('the authorization matrix: every operation × every principal', async (t) => {
  const clock = new TestClock()
  const { app, database } = await buildTestApp(t, { clock, env: NO_RATE_LIMITS })
  let counter = 0
  const unique = (prefix: string) => `${prefix}${++counter}`

  const owner = await createOwner(app)
  const member = await createMember(app, owner)
  const other = await createMember(app, owner)
  const suspended = await createMember(app, owner)
  const deleted = await createMember(app, owner)
  const pushed = await pushTemplate(app, owner.token, 'matrix', await exampleTemplateFiles())
  const workspace = await mustCreateWorkspace(app, member.token, 'mine', pushed.templateId)
  const agentToken: string = (await credentials(app, member.token, workspace.id)).json().agent_token
  const dryRun = await app.inject({
    method: 'POST',
    url: `/api/v2/templateversions/${pushed.versionId}/dry-run`,
    headers: auth(owner.token),
    payload: { rich_parameter_values: [] },
  })
  const memberKeyName = 'member-key'
  const memberKey = await createToken(app, member.token, { token_name: memberKeyName })

  // The owner's own key, one hour long; the clock then moves two hours on.
  const expiring = await createToken(app, owner.token, { token_name: 'short', lifetime: 3600 * 1e9 })
  const [expiry] = await rawRows<{ expires_at: Date | string }>(database, `SELECT expires_at FROM api_keys WHERE id = '${expiring.split('-')[0]}'`)
  const expiredAt = new Date(expiry!.expires_at).toISOString()
  clock.advance(2 * 3600 * 1000)

  // No endpoint suspends or deletes a user: the rows are changed directly.
  await rawRows(database, `UPDATE users SET status = 'suspended' WHERE id = '${suspended.id}'`)
  await rawRows(database, `UPDATE users SET deleted = true WHERE id = '${deleted.id}'`)

  const freshVersion = async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v2/organizations/default/templateversions',
      headers: auth(owner.token),
      payload: { storage_method: 'file', file_id: pushed.version.job.file_id, provisioner: 'terraform' },
    })
    return res.json().id as string
  }
  const c: Ctx = {
    owner,
    member,
    other,
    tokens: {
      owner: owner.token,
      member: member.token,
      other: other.token,
      anonymous: undefined,
      agent: agentToken,
      expired: expiring,
      suspended: suspended.token,
      deleted: deleted.token,
    },
    templateId: pushed.templateId,
    templateName: 'matrix',
    versionId: pushed.versionId,
    versionName: pushed.version.name,
    fileId: pushed.version.job.file_id,
    dryRunId: dryRun.json().id,
    workspaceId: workspace.id,
    workspaceName: 'mine',
    buildId: workspace.latest_build.id,
    agentId: workspace.latest_build.resources[0].agents[0].id,
    memberKeyId: memberKey.split('-')[0]!,
    memberKeyName,
    freshWorkspace: async () => (await mustCreateWorkspace(app, member.token, unique('fresh'), pushed.templateId)).id,
    freshMemberKey: async () => (await createToken(app, member.token, { token_name: unique('doomed') })).split('-')[0]!,
    freshSession: async (who) => {
      const account = { owner, member, other }[who as 'owner' | 'member' | 'other']
      return account ? login(app, account.email, account.password) : undefined
    },
    freshTemplate: async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v2/organizations/default/templates',
        headers: auth(owner.token),
        payload: { name: unique('unused'), template_version_id: await freshVersion() },
      })
      return res.json().id as string
    },
    freshVersion,
    unique,
  }
  t.equal(dryRun.statusCode, 201, 'fixtures: a dry run')
  t.match(c.fileId, /^[0-9a-f-]{36}$/, 'fixtures: the uploaded file')

  // Every operation of the document has a row, and every row an operation.
  const doc = app.swagger() as { paths: Record<string, Record<string, unknown>> }
  const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`))
  t.strictSame(
    operations.filter((op) => !MATRIX.some((row) => row.op === op)),
    [],
    'every operation of the OpenAPI document is in the matrix',
  )
  t.strictSame(
    MATRIX.filter((row) => !operations.includes(row.op)).map((row) => row.op),
    [],
    'every row of the matrix is an operation of the document',
  )

  // The exact 401 each principal gets: from a route behind a session, and from an agent route.
  const userRefusal: Record<string, object> = {
    anonymous: { message: SIGNED_OUT, detail: 'Cookie "coder_session_token" or query parameter must be provided.' },
    agent: { message: SIGNED_OUT, detail: 'Invalid API key format: incorrect amount of API key parts, expected 2 got 5' },
    expired: { message: SIGNED_OUT, detail: `API key expired at ${JSON.stringify(expiredAt)}.` },
    suspended: {
      message: SIGNED_OUT,
      detail: 'User is not active (status = "suspended"). Contact an admin to reactivate your account.',
    },
    deleted: { message: SIGNED_OUT, detail: 'API key is invalid.' },
  }
  const agentRefusal = (who: Who): object =>
    who === 'anonymous'
      ? { message: 'Cookie "coder_session_token" must be provided.' }
      : { message: 'Workspace agent token invalid.', detail: 'An agent token must be a valid UUIDv4. (len 33)' }

  const failures: string[] = []
  let cells = 0
  for (const row of MATRIX) {
    for (const who of EVERYONE) {
      const req = await row.send(c, who)
      const token = req.token ?? c.tokens[who]
      const headers: Record<string, string> = token === undefined ? {} : auth(token)
      if (req.contentType) headers['content-type'] = req.contentType
      const res = await app.inject({
        method: req.method ?? 'GET',
        url: req.url,
        headers,
        ...(req.payload === undefined ? {} : { payload: req.payload as string }),
      })
      cells++
      const want = expected(row, who)
      const label = `${row.op}${row.note ? ` (${row.note})` : ''} as ${who}`
      if (res.statusCode !== want) {
        failures.push(`${label}: ${res.statusCode}, expected ${want}: ${res.body.slice(0, 200)}`)
        continue
      }
      if (res.statusCode >= 400) {
        const problems = coderErrorProblems(res)
        if (problems.length > 0) failures.push(`${label}: ${problems.join('; ')}`)
        const body = JSON.parse(res.body)
        let exact: object | undefined
        if (res.statusCode === 401 && row.auth === 'user') exact = userRefusal[who]
        if (res.statusCode === 401 && row.auth === 'agent') exact = agentRefusal(who)
        if (res.statusCode === 404 && row.auth === 'user') exact = NOT_FOUND
        if (res.statusCode === 403) exact = FORBIDDEN
        if (exact && JSON.stringify(body) !== JSON.stringify(exact)) {
          failures.push(`${label}: body ${res.body.slice(0, 300)}, expected ${JSON.stringify(exact)}`)
        }
      }
    }
  }
  t.strictSame(failures, [], `${cells} cells (${MATRIX.length} rows × ${EVERYONE.length} principals) as the table says`)

  await t.test('the refused principals were refused for their own reason, not by accident', async (t) => {
    // The same tokens work where they should, so the 401s above are about who, not what.
    t.equal((await app.inject({ url: '/api/v2/workspaceagents/me/manifest', headers: auth(agentToken) })).statusCode, 200, 'the agent token is live')
    const fresh = await createToken(app, owner.token, { token_name: 'fresh', lifetime: 3600 * 1e9 })
    t.equal((await app.inject({ url: '/api/v2/users/me', headers: auth(fresh) })).statusCode, 200, 'a key of the same lifetime, not yet expired, works')
    t.equal((await app.inject({ url: '/api/v2/users/me', headers: auth(expiring) })).statusCode, 401, 'the expired one does not')
  })

  await t.test('a user created suspended cannot get a session at all', async (t) => {
    const created = await createUser(app, owner, { user_status: 'suspended' })
    const res = await app.inject({ method: 'POST', url: '/api/v2/users/login', payload: { email: created.email, password: STRONG_PASSWORD } })
    t.equal(res.statusCode, 401)
    t.strictSame(res.json(), { message: 'Your account is suspended. Contact an admin to reactivate your account.' })
    const dormant = await createUser(app, owner, { user_status: 'dormant' })
    const woke = await app.inject({ method: 'POST', url: '/api/v2/users/login', payload: { email: dormant.email, password: STRONG_PASSWORD } })
    t.equal(woke.statusCode, 201, 'a dormant one can, and becomes active')
    t.equal(woke.json().session_token.length, 33)
  })
})
