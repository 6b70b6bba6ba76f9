import t from 'tap'
import { buildTestApp } from './helpers/app.js'
import { auth, createMember, createOwner, STRONG_PASSWORD } from './helpers/fixtures.js'
import { createWorkspace, exampleTemplateFiles, pushTemplate } from './helpers/templates.js'

interface Entry {
  action: string
  resource_type: string
  resource_id: string
  resource_target: string
  status_code: number
  request_id: string
  ip: string
  user_agent: string
  time: string
  user: { id: string; username: string } | null
  additional_fields: Record<string, string>
}

t.test('every audited action leaves an entry, with who, where, what and the outcome', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const member = await createMember(app, owner)
  const failed = await app.inject({
    method: 'POST',
    url: '/api/v2/users/login',
    headers: { 'user-agent': 'audit-test/1.0' },
    payload: { email: owner.email, password: 'Not-The-Password-1' },
  })
  t.equal(failed.statusCode, 401)
  const key = (
    await app.inject({ method: 'POST', url: '/api/v2/users/me/keys/tokens', headers: auth(owner.token), payload: { token_name: 'ci' } })
  ).json().key as string
  const keyId = key.split('-')[0]!
  const { templateId, versionId } = await pushTemplate(app, owner.token, 'audited', await exampleTemplateFiles())
  const workspace = (await createWorkspace(app, owner.token, 'audited-ws', templateId)).json()
  const credentials = await app.inject({
    method: 'GET',
    url: `/api/v2/workspaces/${workspace.id}/external-agent/main/credentials`,
    headers: auth(owner.token),
  })
  const agentToken: string = credentials.json().agent_token
  const refusedStart = await app.inject({
    method: 'POST',
    url: `/api/v2/workspaces/${workspace.id}/builds`,
    headers: auth(owner.token),
    payload: { transition: 'start' },
  })
  t.equal(refusedStart.statusCode, 409)
  await app.inject({ method: 'POST', url: `/api/v2/workspaces/${workspace.id}/builds`, headers: auth(owner.token), payload: { transition: 'delete' } })
  await app.inject({ method: 'DELETE', url: `/api/v2/users/me/keys/${keyId}`, headers: auth(owner.token) })
  await app.inject({ method: 'POST', url: '/api/v2/users/logout', headers: auth(member.token) })

  const res = await app.inject({ method: 'GET', url: '/api/v2/audit?limit=100', headers: auth(owner.token) })
  t.equal(res.statusCode, 200)
  const { audit_logs: logs, count } = res.json() as { audit_logs: Entry[]; count: number }
  t.equal(count, logs.length)
  const find = (action: string, type: string, status = 0) =>
    logs.find((e) => e.action === action && e.resource_type === type && (status === 0 || e.status_code === status))

  const users = logs.filter((e) => e.action === 'create' && e.resource_type === 'user')
  t.match(users.find((e) => e.resource_id === owner.id), { resource_target: owner.username, user: { id: owner.id }, status_code: 201 }, 'first user')
  t.match(users.find((e) => e.resource_id === member.id), { resource_target: member.username, user: { id: owner.id }, status_code: 201 }, 'the member, created by the owner')
  t.match(logs.find((e) => e.action === 'login' && e.status_code === 201 && e.resource_target === owner.email), { user: { id: owner.id } })
  const failedLogin = find('login', 'api_key', 401)!
  t.match(failedLogin, { resource_target: owner.email, user_agent: 'audit-test/1.0', ip: '127.0.0.1' })
  t.equal(failedLogin.user, null, 'a failed login has no signed-in user')
  t.match(find('create', 'api_key', 201), { resource_target: 'ci', additional_fields: { key_id: keyId } })
  t.match(find('delete', 'api_key', 204), { resource_target: keyId })
  t.match(find('logout', 'api_key', 200), { user: { id: member.id } })
  t.match(find('create', 'file'), { action: 'create' })
  t.match(find('create', 'template_version', 201), { resource_id: versionId })
  t.match(find('create', 'template', 201), { resource_id: templateId, resource_target: 'audited' })
  t.match(find('create', 'workspace', 201), { resource_id: workspace.id, resource_target: 'audited-ws' })
  t.match(find('read', 'workspace_agent', 200), {
    resource_id: workspace.latest_build.resources[0].agents[0].id,
    resource_target: 'main',
  })
  t.match(find('start', 'workspace', 409), { resource_id: workspace.id }, 'a refused start is audited as refused')
  t.match(find('delete', 'workspace', 201), { resource_id: workspace.id, resource_target: 'audited-ws' })
  for (const entry of logs) {
    t.match(entry.request_id, /^[0-9a-f-]{36}$/)
    t.ok(Date.parse(entry.time) > 0)
  }

  const text = res.body
  for (const [what, secret] of Object.entries({ password: STRONG_PASSWORD, 'wrong password': 'Not-The-Password-1', 'api key': key, 'key secret': key.split('-')[1]!, 'agent token': agentToken, session: owner.token })) {
    t.notOk(text.includes(secret), `no ${what} in the audit log`)
  }
})

t.test('the audit log is for owners, and searchable', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const member = await createMember(app, owner)
  const forbidden = await app.inject({ method: 'GET', url: '/api/v2/audit', headers: auth(member.token) })
  t.equal(forbidden.statusCode, 403)
  t.equal(forbidden.json().message, 'Forbidden.')
  t.equal((await app.inject({ method: 'GET', url: '/api/v2/audit' })).statusCode, 401)

  const search = async (q: string) =>
    (await app.inject({ method: 'GET', url: `/api/v2/audit?q=${encodeURIComponent(q)}`, headers: auth(owner.token) })).json()
  t.equal((await search('action:login')).count, 2, 'owner and member logged in once each')
  t.equal((await search(`action:login username:${member.username}`)).count, 1)
  t.equal((await search('resource_type:user action:create')).count, 2)
  t.equal((await search('username:nobody')).count, 0)
  const today = new Date().toISOString().slice(0, 10)
  t.ok((await search(`date_from:${today} date_to:${today}`)).count >= 4)
  const bad = await app.inject({ method: 'GET', url: '/api/v2/audit?q=colour:red', headers: auth(owner.token) })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().message, 'Invalid audit search query.')
  const page = (await app.inject({ method: 'GET', url: '/api/v2/audit?limit=1&offset=1', headers: auth(owner.token) })).json()
  t.equal(page.audit_logs.length, 1)
  t.ok(page.count >= 4)
})
