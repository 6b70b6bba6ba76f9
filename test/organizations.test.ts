import t from 'tap'
import { buildTestApp } from './helpers/app.js'
import { assertError, auth, createMember, createOwner, NOT_FOUND, SIGNED_OUT } from './helpers/fixtures.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

t.test('the default organization', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const member = await createMember(app, owner)

  const res = await app.inject({ method: 'GET', url: '/api/v2/organizations', headers: auth(owner.token) })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  const orgs = res.json()
  t.equal(orgs.length, 1)
  const org = orgs[0]
  t.match(org.id, UUID)
  t.match(org.created_at, ISO_TIME)
  t.match(org.updated_at, ISO_TIME)
  t.strictSame(org, {
    id: owner.organizationId,
    name: 'coder',
    display_name: 'Coder',
    description: 'Builtin default organization.',
    icon: '',
    is_default: true,
    created_at: org.created_at,
    updated_at: org.updated_at,
  })

  const asMember = await app.inject({ method: 'GET', url: '/api/v2/organizations', headers: auth(member.token) })
  t.equal(asMember.statusCode, 200)
  t.strictSame(asMember.json(), orgs, 'a member sees the organization they belong to')

  for (const token of [owner.token, member.token]) {
    for (const ref of [org.id, org.id.toUpperCase(), 'coder', 'Coder', 'CODER']) {
      const one = await app.inject({ method: 'GET', url: `/api/v2/organizations/${ref}`, headers: auth(token) })
      t.equal(one.statusCode, 200, `GET /organizations/${ref}`)
      t.strictSame(one.json(), org)
    }
  }
})

t.test('unknown organizations are 404', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const member = await createMember(app, owner)
  for (const token of [owner.token, member.token]) {
    for (const ref of ['nope', '6f0b8f0e-1d2c-4c3b-9a8d-7e6f5a4b3c2d', 'coder-2']) {
      const res = await app.inject({ method: 'GET', url: `/api/v2/organizations/${ref}`, headers: auth(token) })
      assertError(t, res, 404, NOT_FOUND, `GET /organizations/${ref}`)
    }
  }
})

t.test("a user's organizations", async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const member = await createMember(app, owner)
  const all = (await app.inject({ method: 'GET', url: '/api/v2/organizations', headers: auth(owner.token) })).json()

  for (const [who, token] of [
    ['me', owner.token],
    ['me', member.token],
    [member.username, owner.token],
    [member.id, owner.token],
    [member.username, member.token],
  ] as const) {
    const res = await app.inject({ method: 'GET', url: `/api/v2/users/${who}/organizations`, headers: auth(token) })
    t.equal(res.statusCode, 200, `GET /users/${who}/organizations`)
    t.strictSame(res.json(), all)
  }

  for (const who of [owner.username, owner.id, 'nobody']) {
    const res = await app.inject({ method: 'GET', url: `/api/v2/users/${who}/organizations`, headers: auth(member.token) })
    assertError(t, res, 404, NOT_FOUND, `member asks for ${who}`)
  }
  assertError(
    t,
    await app.inject({ method: 'GET', url: '/api/v2/users/nobody/organizations', headers: auth(owner.token) }),
    400,
    { message: '"user" must be an existing uuid or username.', detail: 'queried user="nobody"' },
  )
})

t.test('organizations need a session', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const noToken = {
    message: SIGNED_OUT,
    detail: 'Cookie "coder_session_token" or query parameter must be provided.',
  }
  for (const url of ['/api/v2/organizations', `/api/v2/organizations/${owner.organizationId}`, '/api/v2/users/me/organizations']) {
    assertError(t, await app.inject({ method: 'GET', url }), 401, noToken, url)
  }
})
