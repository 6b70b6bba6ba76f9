import { createHash } from 'node:crypto'
import t from 'tap'
import { buildTestApp } from './helpers/app.js'
import { TestClock } from './helpers/clock.js'
import {
  assertError,
  auth,
  createMember,
  createOwner,
  createToken,
  keyParts,
  login,
  NOT_FOUND,
  SESSION_TOKEN_PATTERN,
  SIGNED_OUT,
} from './helpers/fixtures.js'

const SECOND = 1000
const HOUR = 3600 * SECOND
const DAY = 24 * HOUR
const NANOS = 1_000_000_000
const START = Date.parse('2030-01-01T00:00:00.000Z')
const MAX_LIFETIME_SECONDS = 876600 * 3600
const API_KEY_FIELDS = [
  'created_at',
  'expires_at',
  'id',
  'last_used',
  'lifetime_seconds',
  'login_type',
  'scope',
  'scopes',
  'token_name',
  'updated_at',
  'user_id',
  'username',
]

const iso = (ms: number) => new Date(ms).toISOString()
const tokensUrl = (user = 'me') => `/api/v2/users/${user}/keys/tokens`
const invalidRequest = (detail: string) => ({ message: 'Failed to validate create API key request.', detail })

/** Every string anywhere inside a JSON value. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.flatMap(stringsIn)
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringsIn)
  return []
}

t.test('create, use, list, get and delete a token', async (t) => {
  const clock = new TestClock(START)
  const { app } = await buildTestApp(t, { clock })
  const owner = await createOwner(app)

  const created = await app.inject({
    method: 'POST',
    url: tokensUrl(),
    headers: auth(owner.token),
    payload: { token_name: 'ci', lifetime: 30 * 24 * 3600 * NANOS },
  })
  t.equal(created.statusCode, 201)
  t.equal(created.headers['content-type'], 'application/json; charset=utf-8')
  t.strictSame(Object.keys(created.json()), ['key'])
  const key: string = created.json().key
  t.match(key, SESSION_TOKEN_PATTERN)
  const { id, secret } = keyParts(key)

  const expected = {
    id,
    user_id: owner.id,
    username: owner.username,
    token_name: 'ci',
    login_type: 'token',
    scope: 'all',
    scopes: ['coder:all'],
    lifetime_seconds: 30 * 24 * 3600,
    expires_at: iso(START + 30 * DAY),
    last_used: '1970-01-01T00:00:00.000Z',
    created_at: iso(START),
    updated_at: iso(START),
  }

  const list = await app.inject({ method: 'GET', url: tokensUrl(), headers: auth(owner.token) })
  t.equal(list.statusCode, 200)
  t.strictSame(list.json(), [expected], 'only the token: the login session is not listed')
  t.strictSame(Object.keys(list.json()[0]).sort(), API_KEY_FIELDS)

  const hashed = createHash('sha256').update(secret).digest('hex')
  for (const value of stringsIn(list.json())) {
    t.notOk(value.includes(secret), `no field holds the secret (${value})`)
    t.notOk(value.toLowerCase().includes(hashed), `no field holds the hashed secret (${value})`)
  }
  t.notOk(list.body.includes(secret), 'the secret is nowhere in the body')
  t.notOk(list.body.includes(hashed), 'the hash is nowhere in the body')

  clock.advance(HOUR)
  const me = await app.inject({ method: 'GET', url: '/api/v2/users/me', headers: auth(key) })
  t.equal(me.statusCode, 200, 'the key authenticates')
  t.equal(me.json().id, owner.id)

  const used = { ...expected, last_used: iso(START + HOUR), updated_at: iso(START + HOUR) }
  const byName = await app.inject({ method: 'GET', url: `${tokensUrl()}/ci`, headers: auth(owner.token) })
  t.equal(byName.statusCode, 200)
  t.strictSame(byName.json(), used, 'by name, with last_used moved; a token does not slide')
  const byId = await app.inject({ method: 'GET', url: `/api/v2/users/me/keys/${id}`, headers: auth(owner.token) })
  t.equal(byId.statusCode, 200)
  t.strictSame(byId.json(), used, 'by id')
  for (const res of [byName, byId]) {
    t.notOk(res.body.includes(secret))
    t.notOk(res.body.includes(hashed))
  }
  const byUsername = await app.inject({
    method: 'GET',
    url: `/api/v2/users/${owner.username}/keys/tokens/ci`,
    headers: auth(owner.token),
  })
  t.strictSame(byUsername.json(), used, 'by username instead of me')

  assertError(t, await app.inject({ method: 'GET', url: `${tokensUrl()}/nope`, headers: auth(owner.token) }), 404, NOT_FOUND)
  assertError(
    t,
    await app.inject({ method: 'GET', url: '/api/v2/users/me/keys/aaaaaaaaaa', headers: auth(owner.token) }),
    404,
    NOT_FOUND,
  )

  const deleted = await app.inject({ method: 'DELETE', url: `/api/v2/users/me/keys/${id}`, headers: auth(owner.token) })
  t.equal(deleted.statusCode, 204)
  t.equal(deleted.body, '')
  assertError(
    t,
    await app.inject({ method: 'GET', url: '/api/v2/users/me', headers: auth(key) }),
    401,
    { message: SIGNED_OUT, detail: 'API key is invalid.' },
    'the deleted key',
  )
  assertError(
    t,
    await app.inject({ method: 'DELETE', url: `/api/v2/users/me/keys/${id}`, headers: auth(owner.token) }),
    404,
    NOT_FOUND,
    'a second delete',
  )
  const after = await app.inject({ method: 'GET', url: tokensUrl(), headers: auth(owner.token) })
  t.strictSame(after.json(), [])
})

t.test('login sessions are not tokens', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  await login(app, owner.email)
  const list = await app.inject({ method: 'GET', url: tokensUrl(), headers: auth(owner.token) })
  t.strictSame(list.json(), [], 'two login sessions, no tokens')
  const slash = await app.inject({ method: 'GET', url: `${tokensUrl()}/`, headers: auth(owner.token) })
  t.equal(slash.statusCode, 200, 'a trailing slash is the same list')
  t.strictSame(slash.json(), [])
  await createToken(app, owner.token, { token_name: 'one' })
  await createToken(app, owner.token, { token_name: 'two' })
  const names = (await app.inject({ method: 'GET', url: tokensUrl(), headers: auth(owner.token) })).json()
  t.strictSame(
    names.map((k: { token_name: string }) => k.token_name),
    ['one', 'two'],
  )
})

t.test('token names are unique per user', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const member = await createMember(app, owner)
  await createToken(app, owner.token, { token_name: 'deploy' })
  const dup = await app.inject({
    method: 'POST',
    url: tokensUrl(),
    headers: auth(owner.token),
    payload: { token_name: 'deploy' },
  })
  assertError(t, dup, 409, {
    message: 'A token with name "deploy" already exists.',
    validations: [{ field: 'name', detail: 'This value is already in use and should be unique.' }],
  })
  const list = await app.inject({ method: 'GET', url: tokensUrl(), headers: auth(owner.token) })
  t.equal(list.json().length, 1, 'nothing was created')

  const other = await app.inject({
    method: 'POST',
    url: tokensUrl(),
    headers: auth(member.token),
    payload: { token_name: 'deploy' },
  })
  t.equal(other.statusCode, 201, 'another user may use the same name')
})

t.test('token lifetimes', async (t) => {
  const clock = new TestClock(START)
  const { app } = await buildTestApp(t, { clock })
  const owner = await createOwner(app)
  const create = (body: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: tokensUrl(), headers: auth(owner.token), payload: body })
  const get = async (name: string) =>
    (await app.inject({ method: 'GET', url: `${tokensUrl()}/${name}`, headers: auth(owner.token) })).json()

  assertError(
    t,
    await create({ token_name: 'negative', lifetime: -1 }),
    400,
    invalidRequest('lifetime must be positive number greater than 0'),
  )
  assertError(
    t,
    await create({ token_name: 'negative-hour', lifetime: -3600 * NANOS }),
    400,
    invalidRequest('lifetime must be positive number greater than 0'),
  )
  assertError(
    t,
    await create({ token_name: 'too-long', lifetime: (MAX_LIFETIME_SECONDS + 1) * NANOS }),
    400,
    invalidRequest('lifetime must be less than 876600h0m0s'),
  )
  assertError(
    t,
    await create({ token_name: 'way-too-long', lifetime: MAX_LIFETIME_SECONDS * 2 * NANOS }),
    400,
    invalidRequest('lifetime must be less than 876600h0m0s'),
  )
  const refused = await app.inject({ method: 'GET', url: tokensUrl(), headers: auth(owner.token) })
  t.strictSame(refused.json(), [], 'nothing was created')

  t.equal((await create({ token_name: 'max', lifetime: MAX_LIFETIME_SECONDS * NANOS })).statusCode, 201)
  t.match(await get('max'), { lifetime_seconds: MAX_LIFETIME_SECONDS, expires_at: iso(START + MAX_LIFETIME_SECONDS * SECOND) })

  t.equal((await create({ token_name: 'zero', lifetime: 0 })).statusCode, 201)
  t.match(await get('zero'), { lifetime_seconds: 7 * 24 * 3600, expires_at: iso(START + 7 * DAY) }, '0 is 7 days')

  t.equal((await create({ token_name: 'absent' })).statusCode, 201)
  t.match(await get('absent'), { lifetime_seconds: 7 * 24 * 3600, expires_at: iso(START + 7 * DAY) }, 'absent is 7 days')

  t.equal((await create({ token_name: 'hour', lifetime: 3600 * NANOS })).statusCode, 201)
  t.match(await get('hour'), { lifetime_seconds: 3600, expires_at: iso(START + HOUR) })
})

t.test('token expiry is enforced', async (t) => {
  const clock = new TestClock(START)
  const { app } = await buildTestApp(t, { clock })
  const owner = await createOwner(app)
  const key = await createToken(app, owner.token, { token_name: 'short', lifetime: 2 * 3600 * NANOS })
  const use = () => app.inject({ method: 'GET', url: '/api/v2/users/me', headers: auth(key) })
  t.equal((await use()).statusCode, 200)
  clock.advance(2 * HOUR - SECOND)
  t.equal((await use()).statusCode, 200, 'a second before expiry')
  clock.advance(SECOND)
  assertError(t, await use(), 401, { message: SIGNED_OUT, detail: `API key expired at "${iso(START + 2 * HOUR)}".` })
  clock.advance(DAY)
  assertError(t, await use(), 401, { message: SIGNED_OUT, detail: `API key expired at "${iso(START + 2 * HOUR)}".` }, 'a day later')
})

t.test('token names, scopes and bodies', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const create = (body: unknown) =>
    app.inject({ method: 'POST', url: tokensUrl(), headers: auth(owner.token), payload: body as object })

  t.equal((await create({})).statusCode, 201, 'every field is optional')
  const [generated] = (await app.inject({ method: 'GET', url: tokensUrl(), headers: auth(owner.token) })).json()
  t.match(generated.token_name, /^[a-z]+_[a-z]+\d$/, 'a name is made up when none is given')

  t.equal((await create({ token_name: '  padded  ' })).statusCode, 201)
  t.equal(
    (await app.inject({ method: 'GET', url: `${tokensUrl()}/padded`, headers: auth(owner.token) })).statusCode,
    200,
    'names are trimmed',
  )

  assertError(t, await create({ token_name: 'bad\nname' }), 400, {
    message: 'Validation failed.',
    validations: [{ field: 'token_name', detail: 'must not contain control characters' }],
  })
  assertError(t, await create({ token_name: 'x'.repeat(65) }), 400, {
    message: 'Validation failed.',
    validations: [{ field: 'token_name', detail: 'must NOT have more than 64 characters' }],
  })
  assertError(t, await create({ token_name: 'scoped', scope: 'everything' }), 400, invalidRequest(
    'invalid scope "everything": use "all" or "application_connect"',
  ))
  t.equal((await create({ token_name: 'connect', scope: 'application_connect' })).statusCode, 201)
  t.match(
    (await app.inject({ method: 'GET', url: `${tokensUrl()}/connect`, headers: auth(owner.token) })).json(),
    { scope: 'application_connect', scopes: ['application_connect'] },
  )
  assertError(t, await create({ token_name: 'frac', lifetime: 1.5 }), 400, {
    message: 'Validation failed.',
    validations: [{ field: 'lifetime', detail: 'must be integer' }],
  })
  assertError(t, await create({ token_name: 'word', lifetime: 'forever' }), 400, {
    message: 'Validation failed.',
    validations: [{ field: 'lifetime', detail: 'must be integer' }],
  })
})

t.test("a member cannot touch the owner's tokens", async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const member = await createMember(app, owner)
  const ownerKey = await createToken(app, owner.token, { token_name: 'owner-token' })
  const { id: ownerKeyId } = keyParts(ownerKey)
  const asMember = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
    app.inject({ method, url, headers: auth(member.token), ...(payload ? { payload } : {}) })

  for (const who of [owner.username, owner.id]) {
    assertError(t, await asMember('GET', tokensUrl(who)), 404, NOT_FOUND, `list ${who}`)
    assertError(t, await asMember('POST', tokensUrl(who), { token_name: 'mine-now' }), 404, NOT_FOUND, `create for ${who}`)
    assertError(t, await asMember('GET', `${tokensUrl(who)}/owner-token`), 404, NOT_FOUND, `get by name for ${who}`)
    assertError(t, await asMember('GET', `/api/v2/users/${who}/keys/${ownerKeyId}`), 404, NOT_FOUND, `get by id for ${who}`)
    assertError(t, await asMember('DELETE', `/api/v2/users/${who}/keys/${ownerKeyId}`), 404, NOT_FOUND, `delete for ${who}`)
  }
  assertError(t, await asMember('GET', `/api/v2/users/me/keys/${ownerKeyId}`), 404, NOT_FOUND, 'get via me')
  assertError(t, await asMember('DELETE', `/api/v2/users/me/keys/${ownerKeyId}`), 404, NOT_FOUND, 'delete via me')
  const ownerSession = keyParts(owner.token).id
  assertError(t, await asMember('DELETE', `/api/v2/users/me/keys/${ownerSession}`), 404, NOT_FOUND, "the owner's session")

  t.equal((await app.inject({ method: 'GET', url: '/api/v2/users/me', headers: auth(ownerKey) })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/api/v2/users/me', headers: auth(owner.token) })).statusCode, 200)
  const list = await app.inject({ method: 'GET', url: tokensUrl(), headers: auth(owner.token) })
  t.strictSame(
    list.json().map((k: { token_name: string }) => k.token_name),
    ['owner-token'],
    'the owner still has exactly their token',
  )
})

t.test("the owner manages a member's tokens", async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const member = await createMember(app, owner)

  const key = await createToken(app, owner.token, { token_name: 'for-member' }, member.username)
  const me = await app.inject({ method: 'GET', url: '/api/v2/users/me', headers: auth(key) })
  t.equal(me.json().id, member.id, 'the token belongs to the member')

  const asOwner = await app.inject({ method: 'GET', url: tokensUrl(member.id), headers: auth(owner.token) })
  t.equal(asOwner.statusCode, 200)
  t.match(asOwner.json(), [{ token_name: 'for-member', user_id: member.id, username: member.username }])
  const asMember = await app.inject({ method: 'GET', url: tokensUrl(), headers: auth(member.token) })
  t.strictSame(asMember.json(), asOwner.json(), 'the member sees it too')
  const ownList = await app.inject({ method: 'GET', url: tokensUrl(), headers: auth(owner.token) })
  t.strictSame(ownList.json(), [], "not among the owner's tokens")

  const { id } = keyParts(key)
  const mixedUp = await app.inject({ method: 'DELETE', url: `/api/v2/users/me/keys/${id}`, headers: auth(owner.token) })
  assertError(t, mixedUp, 404, NOT_FOUND, 'the key is not under the owner')
  const deleted = await app.inject({
    method: 'DELETE',
    url: `/api/v2/users/${member.username}/keys/${id}`,
    headers: auth(owner.token),
  })
  t.equal(deleted.statusCode, 204)
  assertError(t, await app.inject({ method: 'GET', url: '/api/v2/users/me', headers: auth(key) }), 401, {
    message: SIGNED_OUT,
    detail: 'API key is invalid.',
  })

  const memberOwn = await createToken(app, member.token, { token_name: 'own' })
  const gone = await app.inject({
    method: 'DELETE',
    url: `/api/v2/users/${member.id}/keys/${keyParts(memberOwn).id}`,
    headers: auth(owner.token),
  })
  t.equal(gone.statusCode, 204, "the owner deletes the member's own token")
})
