import { eq } from 'drizzle-orm'
import t from 'tap'
import { VERSION } from '../src/app.js'
import { users } from '../src/db/schema.js'
import { buildTestApp } from './helpers/app.js'
import { TestClock } from './helpers/clock.js'
import {
  assertError,
  auth,
  createOwner,
  createUser,
  keyParts,
  login,
  SESSION_TOKEN_PATTERN,
  SIGNED_OUT,
  STRONG_PASSWORD,
} from './helpers/fixtures.js'

const HOUR = 3600 * 1000
const START = Date.parse('2030-01-01T00:00:00.000Z')
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

const signedOut = (detail: string) => ({ message: SIGNED_OUT, detail })
const NO_TOKEN = signedOut('Cookie "coder_session_token" or query parameter must be provided.')

t.test('login answers 201 with a session token and an HttpOnly cookie', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app, { email: 'Owner@Example.com' })
  const res = await app.inject({
    method: 'POST',
    url: '/api/v2/users/login',
    payload: { email: 'Owner@Example.com', password: owner.password },
  })
  t.equal(res.statusCode, 201)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  const body = res.json()
  t.strictSame(Object.keys(body), ['session_token'])
  t.match(body.session_token, SESSION_TOKEN_PATTERN)

  const cookies = res.cookies as Array<Record<string, unknown>>
  t.equal(cookies.length, 1)
  t.match(cookies[0], {
    name: 'coder_session_token',
    value: body.session_token,
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    maxAge: 86400,
  })
  t.notOk(cookies[0]!.secure, 'not Secure on an http access URL')

  const me = await app.inject({ method: 'GET', url: '/api/v2/users/me', headers: auth(body.session_token) })
  t.equal(me.statusCode, 200)
  t.equal(me.json().id, owner.id)

  const other = await login(app, 'owner@example.com')
  t.not(other, body.session_token, 'each login is a new session; the email is case-insensitive')
})

t.test('the session cookie is Secure on an https access URL', async (t) => {
  const { app } = await buildTestApp(t, { env: { OUTPOST_ACCESS_URL: 'https://outpost.test' } })
  const owner = await createOwner(app)
  const res = await app.inject({
    method: 'POST',
    url: '/api/v2/users/login',
    payload: { email: owner.email, password: owner.password },
  })
  t.equal(res.statusCode, 201)
  t.match(res.cookies, [{ name: 'coder_session_token', secure: true, httpOnly: true }])
})

t.test('wrong password and unknown email get the same 401', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const attempt = (email: string, password: string) =>
    app.inject({ method: 'POST', url: '/api/v2/users/login', payload: { email, password } })
  const bad = { message: 'Incorrect email or password.' }

  const wrong = await attempt(owner.email, 'Not-The-Password-42')
  assertError(t, wrong, 401, bad, 'wrong password')
  t.strictSame(wrong.cookies, [], 'no cookie on failure')
  assertError(t, await attempt('nobody@example.com', owner.password), 401, bad, 'unknown email')
  assertError(t, await attempt(owner.email, owner.password.toLowerCase()), 401, bad, 'passwords are case-sensitive')

  assertError(t, await app.inject({ method: 'POST', url: '/api/v2/users/login', payload: { email: owner.email } }), 400, {
    message: 'Validation failed.',
    validations: [{ field: 'password', detail: "must have required property 'password'" }],
  })
})

t.test('a suspended user cannot log in', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const suspended = await createUser(app, owner, { user_status: 'suspended' })
  const res = await app.inject({
    method: 'POST',
    url: '/api/v2/users/login',
    payload: { email: suspended.email, password: STRONG_PASSWORD },
  })
  assertError(t, res, 401, { message: 'Your account is suspended. Contact an admin to reactivate your account.' })
})

t.test('a dormant user becomes active on login', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const user = await createUser(app, owner)
  t.equal(user.status, 'dormant')
  const status = async () =>
    (await app.inject({ method: 'GET', url: `/api/v2/users/${user.id}`, headers: auth(owner.token) })).json().status
  t.equal(await status(), 'dormant', 'still dormant before logging in')
  const token = await login(app, user.email)
  t.equal(await status(), 'active')
  const me = await app.inject({ method: 'GET', url: '/api/v2/users/me', headers: auth(token) })
  t.equal(me.json().status, 'active')
})

t.test('logout ends that session only', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const other = await login(app, owner.email)

  const res = await app.inject({ method: 'POST', url: '/api/v2/users/logout', headers: auth(owner.token) })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  t.strictSame(res.json(), { message: 'Logged out!' })
  t.match(res.cookies, [{ name: 'coder_session_token', value: '', path: '/', httpOnly: true }], 'the cookie is cleared')

  const me = await app.inject({ method: 'GET', url: '/api/v2/users/me', headers: auth(owner.token) })
  assertError(t, me, 401, signedOut('API key is invalid.'))
  const again = await app.inject({ method: 'POST', url: '/api/v2/users/logout', headers: auth(owner.token) })
  assertError(t, again, 401, signedOut('API key is invalid.'), 'a second logout')

  const still = await app.inject({ method: 'GET', url: '/api/v2/users/me', headers: auth(other) })
  t.equal(still.statusCode, 200, 'the other session still works')

  assertError(t, await app.inject({ method: 'POST', url: '/api/v2/users/logout' }), 401, NO_TOKEN)
})

t.test('every 401 of compat §5.1', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const { id, secret } = keyParts(owner.token)
  const me = (headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: '/api/v2/users/me', headers })
  const withToken = (token: string) => me(auth(token))

  assertError(t, await me(), 401, NO_TOKEN, 'no token')
  assertError(t, await withToken(''), 401, NO_TOKEN, 'an empty header')

  const format = (reason: string) => signedOut(`Invalid API key format: ${reason}`)
  assertError(t, await withToken('garbage'), 401, format('incorrect amount of API key parts, expected 2 got 1'))
  assertError(t, await withToken(`${owner.token}-x`), 401, format('incorrect amount of API key parts, expected 2 got 3'))
  assertError(t, await withToken('a-b-c-d'), 401, format('incorrect amount of API key parts, expected 2 got 4'))
  assertError(t, await withToken(`abc-${secret}`), 401, format('invalid API key ID length, expected 10 got 3'))
  assertError(t, await withToken(`${id}x-${secret}`), 401, format('invalid API key ID length, expected 10 got 11'))
  assertError(t, await withToken(`-${secret}`), 401, format('invalid API key ID length, expected 10 got 0'))
  assertError(t, await withToken(`${id}-short`), 401, format('invalid API key secret length, expected 22 got 5'))
  assertError(t, await withToken(`${id}-`), 401, format('invalid API key secret length, expected 22 got 0'))
  assertError(t, await withToken(`${id}-${secret}a`), 401, format('invalid API key secret length, expected 22 got 23'))

  const otherId = id === 'aaaaaaaaaa' ? 'bbbbbbbbbb' : 'aaaaaaaaaa'
  assertError(t, await withToken(`${otherId}-${secret}`), 401, signedOut('API key is invalid.'), 'unknown id')
  const otherSecret = secret === 'a'.repeat(22) ? 'b'.repeat(22) : 'a'.repeat(22)
  assertError(t, await withToken(`${id}-${otherSecret}`), 401, signedOut('API key secret is invalid.'), 'wrong secret')
  const flipped = secret.slice(0, -1) + (secret.endsWith('x') ? 'y' : 'x')
  assertError(t, await withToken(`${id}-${flipped}`), 401, signedOut('API key secret is invalid.'), 'one character off')

  t.equal((await withToken(owner.token)).statusCode, 200, 'the real token still works')
})

t.test('a suspended user is signed out', async (t) => {
  const { app, database } = await buildTestApp(t)
  const owner = await createOwner(app)
  const user = await createUser(app, owner, { user_status: 'active' })
  const token = await login(app, user.email)
  t.equal((await app.inject({ method: 'GET', url: '/api/v2/users/me', headers: auth(token) })).statusCode, 200)
  await database.db.update(users).set({ status: 'suspended' }).where(eq(users.id, user.id))
  assertError(
    t,
    await app.inject({ method: 'GET', url: '/api/v2/users/me', headers: auth(token) }),
    401,
    signedOut('User is not active (status = "suspended"). Contact an admin to reactivate your account.'),
  )
})

t.test('sessions expire after 24 hours', async (t) => {
  const clock = new TestClock(START)
  const { app } = await buildTestApp(t, { clock })
  const owner = await createOwner(app)
  const me = () => app.inject({ method: 'GET', url: '/api/v2/users/me', headers: auth(owner.token) })
  t.equal((await me()).statusCode, 200)

  clock.advance(24 * HOUR - 1000)
  t.equal((await me()).statusCode, 200, 'a second before expiry')

  // That use moved the expiry (it was more than an hour since the last one), so start afresh.
  const fresh = await login(app, owner.email)
  const useFresh = () => app.inject({ method: 'GET', url: '/api/v2/users/me', headers: auth(fresh) })
  const issuedAt = clock.now().getTime()
  clock.advance(24 * HOUR)
  const res = await useFresh()
  assertError(t, res, 401, signedOut(`API key expired at "${new Date(issuedAt + 24 * HOUR).toISOString()}".`))
  t.ok(res.json().detail.startsWith('API key expired at "'))

  clock.advance(HOUR)
  t.equal((await useFresh()).statusCode, 401, 'still expired later')
})

t.test('a used session slides forward', async (t) => {
  const clock = new TestClock(START)
  const { app } = await buildTestApp(t, { clock })
  const owner = await createOwner(app)
  const me = () => app.inject({ method: 'GET', url: '/api/v2/users/me', headers: auth(owner.token) })
  t.equal((await me()).statusCode, 200)
  clock.advance(23 * HOUR)
  t.equal((await me()).statusCode, 200, 'used at 23h: the expiry moves to 47h')
  clock.advance(2 * HOUR)
  t.equal((await me()).statusCode, 200, 'alive at 25h, past the first expiry; moves to 49h')
  const lastUse = clock.now().getTime()
  clock.advance(24 * HOUR)
  assertError(t, await me(), 401, signedOut(`API key expired at "${new Date(lastUse + 24 * HOUR).toISOString()}".`))
})

t.test('the token is read from the header, the cookie and the query', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const other = await createUser(app, owner, { user_status: 'active' })
  const otherToken = await login(app, other.email)
  const bogus = `${'z'.repeat(10)}-${'z'.repeat(22)}`
  const invalid = signedOut('API key is invalid.')

  const viaHeader = await app.inject({
    method: 'GET',
    url: '/api/v2/users/me',
    headers: { 'Coder-Session-Token': owner.token },
  })
  t.equal(viaHeader.statusCode, 200, 'Coder-Session-Token header')
  t.equal(viaHeader.json().id, owner.id)

  const viaCookie = await app.inject({
    method: 'GET',
    url: '/api/v2/users/me',
    cookies: { coder_session_token: owner.token },
  })
  t.equal(viaCookie.statusCode, 200, 'coder_session_token cookie')
  t.equal(viaCookie.json().id, owner.id)

  const viaQuery = await app.inject({
    method: 'GET',
    url: `/api/v2/users/me?coder_session_token=${owner.token}`,
  })
  t.equal(viaQuery.statusCode, 200, 'coder_session_token query parameter')
  t.equal(viaQuery.json().id, owner.id)

  const listViaQuery = await app.inject({
    method: 'GET',
    url: `/api/v2/users?limit=1&coder_session_token=${owner.token}`,
  })
  t.equal(listViaQuery.statusCode, 200, 'the query parameter works beside a route query schema')
  t.equal(listViaQuery.json().users.length, 1)

  // Coder's order: cookie, then query parameter, then header.
  const cookieFirst = await app.inject({
    method: 'GET',
    url: `/api/v2/users/me?coder_session_token=${otherToken}`,
    cookies: { coder_session_token: owner.token },
    headers: auth(otherToken),
  })
  t.equal(cookieFirst.json().id, owner.id, 'the cookie wins')
  assertError(
    t,
    await app.inject({ method: 'GET', url: '/api/v2/users/me', cookies: { coder_session_token: bogus }, headers: auth(owner.token) }),
    401,
    invalid,
    'a bad cookie is not rescued by a good header',
  )
  const queryNext = await app.inject({
    method: 'GET',
    url: `/api/v2/users/me?coder_session_token=${otherToken}`,
    headers: auth(owner.token),
  })
  t.equal(queryNext.json().id, other.id, 'the query parameter beats the header')
  assertError(
    t,
    await app.inject({ method: 'GET', url: `/api/v2/users/me?coder_session_token=${bogus}`, headers: auth(owner.token) }),
    401,
    invalid,
    'a bad query parameter is not rescued by a good header',
  )
})

t.test('unauthenticated routes', async (t) => {
  const { app, database } = await buildTestApp(t)
  const bogus = { 'coder-session-token': 'not-a-token' }
  const first = await app.inject({ method: 'GET', url: '/api/v2/users/first', headers: bogus })
  t.equal(first.statusCode, 404, 'GET /users/first needs no session, and ignores a bad one')

  const info = await app.inject({ method: 'GET', url: '/api/v2/buildinfo' })
  t.equal(info.statusCode, 200)
  t.equal(info.headers['content-type'], 'application/json; charset=utf-8')
  const body = info.json()
  t.match(body.deployment_id, UUID)
  t.strictSame(body, {
    external_url: 'http://outpost.test',
    version: `v${VERSION}`,
    dashboard_url: 'http://outpost.test',
    workspace_proxy: false,
    agent_api_version: '1.0',
    provisioner_api_version: '1.0',
    upgrade_message: '',
    deployment_id: body.deployment_id,
    telemetry: false,
  })
  t.match(body.version, /^v\d+\.\d+\.\d+/)

  const again = await app.inject({ method: 'GET', url: '/api/v2/buildinfo', headers: bogus })
  t.equal(again.statusCode, 200, 'a bad token does not matter')
  t.equal(again.json().deployment_id, body.deployment_id, 'the deployment id is stable')

  const { app: replica } = await buildTestApp(t, { database })
  const fromReplica = await replica.inject({ method: 'GET', url: '/api/v2/buildinfo' })
  t.equal(fromReplica.json().deployment_id, body.deployment_id, 'another app on the same database agrees')

  const { app: elsewhere } = await buildTestApp(t)
  const otherDeployment = await elsewhere.inject({ method: 'GET', url: '/api/v2/buildinfo' })
  t.not(otherDeployment.json().deployment_id, body.deployment_id, 'another database is another deployment')
})

t.test('last_seen_at and last_used move at most once an hour', async (t) => {
  const clock = new TestClock(START)
  const { app } = await buildTestApp(t, { clock })
  const owner = await createOwner(app)
  const seen = async () =>
    (await app.inject({ method: 'GET', url: '/api/v2/users/me', headers: auth(owner.token) })).json().last_seen_at
  t.equal(await seen(), new Date(START).toISOString(), 'the first use records it')
  clock.advance(HOUR)
  t.equal(await seen(), new Date(START).toISOString(), 'not again within the hour')
  clock.advance(1000)
  t.equal(await seen(), new Date(START + HOUR + 1000).toISOString(), 'again once more than an hour has passed')
})
