import t from 'tap'
import { redactUrl } from '../src/logger.js'
import { buildTestApp } from './helpers/app.js'
import { auth, createMember, createOwner } from './helpers/fixtures.js'

t.test('a whole flow at trace level logs no credential', async (t) => {
  const { app, logs } = await buildTestApp(t, { logLevel: 'trace' })
  const owner = await createOwner(app)
  const member = await createMember(app, owner)
  const created = await app.inject({
    method: 'POST',
    url: '/api/v2/users/me/keys/tokens',
    headers: auth(owner.token),
    payload: { token_name: 'ci' },
  })
  const key: string = created.json().key
  await app.inject({ method: 'GET', url: '/api/v2/users/me', headers: auth(key) })
  await app.inject({ method: 'GET', url: '/api/v2/users/me', cookies: { coder_session_token: key } })
  await app.inject({ method: 'GET', url: `/api/v2/users/me?coder_session_token=${key}` })
  await app.inject({ method: 'POST', url: '/api/v2/users/login', payload: { email: owner.email, password: 'Wrong-Password-123' } })
  await app.inject({ method: 'GET', url: '/api/v2/users/me', headers: auth(`${key.slice(0, 11)}XXXXXXXXXXXXXXXXXXXXXX`) })
  await app.inject({ method: 'POST', url: '/api/v2/users/logout', headers: auth(member.token) })

  const text = logs.join('')
  t.ok(logs.length >= 12, `the flow was logged (${logs.length} lines)`)
  t.match(text, /"request_id":"[0-9a-f-]{36}"/, 'request ids are logged')
  const secrets = {
    'owner password': owner.password,
    'wrong password': 'Wrong-Password-123',
    'owner session': owner.token,
    'member session': member.token,
    'api key': key,
    'api key secret': key.split('-')[1]!,
  }
  for (const [what, secret] of Object.entries(secrets)) t.notOk(text.includes(secret), `no ${what} in the logs`)
})

t.test('credential query parameters are redacted from logged URLs', async (t) => {
  t.equal(redactUrl('/a?coder_session_token=abc&x=1'), '/a?coder_session_token=%5BRedacted%5D&x=1')
  t.equal(redactUrl('/a?x=1'), '/a?x=1')
  t.equal(redactUrl('/a'), '/a')
})
