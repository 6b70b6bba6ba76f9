import { randomUUID } from 'node:crypto'
import t, { type Test } from 'tap'
import { loadConfig } from '../src/config.js'
import { buildTestApp } from './helpers/app.js'
import { auth, createMember, createOwner, STRONG_PASSWORD } from './helpers/fixtures.js'

type App = Awaited<ReturnType<typeof buildTestApp>>['app']
type Injected = Awaited<ReturnType<App['inject']>>

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A 429 in Coder's shape, with Retry-After in whole seconds within (0, maxSeconds]. */
function assert429(t: Test, res: Injected, message: string, detail: RegExp, maxSeconds: number, label = ''): number {
  const prefix = label === '' ? '' : `${label}: `
  t.equal(res.statusCode, 429, `${prefix}status 429`)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8', `${prefix}JSON`)
  const body = res.json()
  t.strictSame(Object.keys(body).sort(), ['detail', 'message'], `${prefix}{message, detail}`)
  t.equal(body.message, message, `${prefix}message`)
  t.match(body.detail, detail, `${prefix}detail`)
  const retryAfter = String(res.headers['retry-after'])
  t.match(retryAfter, /^\d+$/, `${prefix}Retry-After is whole seconds`)
  const seconds = Number(retryAfter)
  t.ok(seconds >= 1 && seconds <= maxSeconds, `${prefix}Retry-After ${seconds} within 1..${maxSeconds}`)
  t.match(body.detail, `Retry in ${seconds} second`, `${prefix}the detail says when`)
  t.ok(res.headers['x-request-id'], `${prefix}has a request id`)
  return seconds
}

const AUTH_429 = (max: number, window: string) =>
  `Too many failed authentication attempts: more than ${max} in ${window} from your address.`
const CODER_429 = (max: number, window: string) =>
  `You've been rate limited for sending more than ${max} requests in ${window}.`

function me(app: App, token: string, remoteAddress = '127.0.0.1') {
  return app.inject({ method: 'GET', url: '/api/v2/users/me', headers: auth(token), remoteAddress })
}

function manifest(app: App, token: string, remoteAddress = '127.0.0.1') {
  return app.inject({ method: 'GET', url: '/api/v2/workspaceagents/me/manifest', headers: auth(token), remoteAddress })
}

function login(app: App, email: string, password: string, remoteAddress = '127.0.0.1') {
  return app.inject({ method: 'POST', url: '/api/v2/users/login', payload: { email, password }, remoteAddress })
}

const BAD_TOKEN = 'aaaaaaaaaa-bbbbbbbbbbbbbbbbbbbbbb'

t.test('configuration: <count>/<window>, 0 to disable, one clear error naming the variable', async (t) => {
  const defaults = loadConfig({})
  t.strictSame(defaults.rateLimitAuthFailures, { max: 20, windowMs: 60_000 })
  t.strictSame(defaults.rateLimitLogin, { max: 10, windowMs: 60_000 })
  t.strictSame(defaults.rateLimitLoginIp, { max: 60, windowMs: 60_000 })
  t.strictSame(defaults.rateLimitDownloads, { max: 600, windowMs: 60_000 })
  t.strictSame(defaults.trustedProxies, [])

  const parsed = loadConfig({
    OUTPOST_RATE_LIMIT_AUTH_FAILURES: '5/30s',
    OUTPOST_RATE_LIMIT_LOGIN: '3/h',
    OUTPOST_RATE_LIMIT_LOGIN_IP: '0',
    OUTPOST_RATE_LIMIT_DOWNLOADS: ' 1000/2m ',
    OUTPOST_TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1,::1,fd00::/8',
  })
  t.strictSame(parsed.rateLimitAuthFailures, { max: 5, windowMs: 30_000 })
  t.strictSame(parsed.rateLimitLogin, { max: 3, windowMs: 3_600_000 })
  t.equal(parsed.rateLimitLoginIp, undefined, '0 disables')
  t.strictSame(parsed.rateLimitDownloads, { max: 1000, windowMs: 120_000 })
  t.strictSame(parsed.trustedProxies, ['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8'])

  const cases: [Record<string, string>, RegExp][] = [
    [{ OUTPOST_RATE_LIMIT_AUTH_FAILURES: '20' }, /^OUTPOST_RATE_LIMIT_AUTH_FAILURES: must be <count>\/<window> such as 20\/1m/],
    [{ OUTPOST_RATE_LIMIT_LOGIN: '10/1d' }, /^OUTPOST_RATE_LIMIT_LOGIN: must be <count>\/<window>/],
    [{ OUTPOST_RATE_LIMIT_LOGIN: '-1/1m' }, /^OUTPOST_RATE_LIMIT_LOGIN: must be <count>\/<window>/],
    [{ OUTPOST_RATE_LIMIT_LOGIN_IP: '0/1m' }, /^OUTPOST_RATE_LIMIT_LOGIN_IP: count must be between 1 and 1000000 \(0 alone for no limit\)/],
    [{ OUTPOST_RATE_LIMIT_DOWNLOADS: '10/500ms' }, /^OUTPOST_RATE_LIMIT_DOWNLOADS: must be <count>\/<window>/],
    [{ OUTPOST_RATE_LIMIT_DOWNLOADS: '10/0s' }, /^OUTPOST_RATE_LIMIT_DOWNLOADS: window must be between 1s and 24h/],
    [{ OUTPOST_RATE_LIMIT_DOWNLOADS: '10/25h' }, /^OUTPOST_RATE_LIMIT_DOWNLOADS: window must be between 1s and 24h/],
    [{ OUTPOST_RATE_LIMIT_DOWNLOADS: '2000000/1m' }, /^OUTPOST_RATE_LIMIT_DOWNLOADS: count must be between 1 and 1000000/],
    [{ OUTPOST_TRUSTED_PROXIES: 'proxy.internal' }, /^OUTPOST_TRUSTED_PROXIES: must be IP addresses or CIDR ranges .* got "proxy.internal"/],
    [{ OUTPOST_TRUSTED_PROXIES: '10.0.0.0/33' }, /^OUTPOST_TRUSTED_PROXIES: .* got "10.0.0.0\/33"/],
    [{ OUTPOST_TRUSTED_PROXIES: '10.0.0.1/8/8' }, /^OUTPOST_TRUSTED_PROXIES: .* got "10.0.0.1\/8\/8"/],
  ]
  for (const [env, message] of cases) {
    t.throws(() => loadConfig(env), { name: 'ConfigError', message }, JSON.stringify(env))
  }
})

t.test('failed authentication per address: 429 past the limit, for every token route, until the window passes', async (t) => {
  const { app } = await buildTestApp(t, { env: { OUTPOST_RATE_LIMIT_AUTH_FAILURES: '3/6s' } })
  const owner = await createOwner(app)

  for (let i = 1; i <= 3; i++) t.equal((await me(app, BAD_TOKEN)).statusCode, 401, `failure ${i} is a 401`)
  const refused = await me(app, BAD_TOKEN)
  const retryAfter = assert429(t, refused, AUTH_429(3, '6s'), /^Requests that need a session or agent token are refused/, 6)

  assert429(t, await me(app, owner.token), AUTH_429(3, '6s'), /refused/, 6, 'a valid token is refused too, before it is looked up')
  assert429(t, await me(app, ''), AUTH_429(3, '6s'), /refused/, 6, 'no token at all')
  assert429(t, await manifest(app, randomUUID()), AUTH_429(3, '6s'), /refused/, 6, 'an agent route')

  t.equal((await me(app, owner.token, '10.1.2.3')).statusCode, 200, 'another address is not affected')
  const open = await app.inject({ method: 'GET', url: '/api/v2/buildinfo' })
  t.equal(open.statusCode, 200, 'routes that take no token still answer')
  t.equal((await login(app, owner.email, owner.password)).statusCode, 201, 'login (no token) still works')

  await sleep(retryAfter * 1000 + 100)
  t.equal((await me(app, owner.token)).statusCode, 200, 'after Retry-After the valid token works again')
  for (let i = 1; i <= 3; i++) t.equal((await me(app, BAD_TOKEN)).statusCode, 401, `new window: failure ${i} is a 401 again`)
  t.equal((await me(app, BAD_TOKEN)).statusCode, 429)
})

t.test('successful requests are not counted as failures', async (t) => {
  const { app } = await buildTestApp(t, { env: { OUTPOST_RATE_LIMIT_AUTH_FAILURES: '3/1m' } })
  const owner = await createOwner(app)
  for (let i = 0; i < 30; i++) t.equal((await me(app, owner.token)).statusCode, 200)
  t.equal((await me(app, BAD_TOKEN)).statusCode, 401)
  t.equal((await me(app, BAD_TOKEN)).statusCode, 401)
  for (let i = 0; i < 10; i++) t.equal((await me(app, owner.token)).statusCode, 200, 'two failures, then successes: still served')
  // Errors other than 401 (here a 404 and a 400 with a valid token) are not authentication failures.
  for (let i = 0; i < 5; i++) {
    t.equal((await app.inject({ method: 'GET', url: `/api/v2/workspaces/${randomUUID()}`, headers: auth(owner.token) })).statusCode, 404)
    t.equal((await app.inject({ method: 'GET', url: '/api/v2/users?limit=x', headers: auth(owner.token) })).statusCode, 400)
  }
  // Neither are wrong passwords at login, which has its own limits.
  for (let i = 0; i < 5; i++) t.equal((await login(app, owner.email, 'wrong-password')).statusCode, 401)
  t.equal((await me(app, owner.token)).statusCode, 200)
  t.equal((await me(app, BAD_TOKEN)).statusCode, 401, 'the third failure')
  t.equal((await me(app, owner.token)).statusCode, 429, 'then the address is refused')
})

t.test('agent-token failures count, with user-token failures, per address', async (t) => {
  const { app } = await buildTestApp(t, { env: { OUTPOST_RATE_LIMIT_AUTH_FAILURES: '4/1m' } })
  const owner = await createOwner(app)
  t.equal((await manifest(app, randomUUID())).statusCode, 401, 'an unknown agent token')
  t.equal((await manifest(app, 'not-a-uuid')).statusCode, 401, 'a malformed agent token')
  t.equal((await manifest(app, '')).statusCode, 401, 'no agent token')
  t.equal((await me(app, BAD_TOKEN)).statusCode, 401, 'a bad session token')
  assert429(t, await manifest(app, randomUUID()), AUTH_429(4, '1m0s'), /refused/, 60)
  assert429(t, await me(app, owner.token), AUTH_429(4, '1m0s'), /refused/, 60)
})

t.test('a 0 disables the failure limit', async (t) => {
  const { app } = await buildTestApp(t, { env: { OUTPOST_RATE_LIMIT_AUTH_FAILURES: '0' } })
  const owner = await createOwner(app)
  for (let i = 0; i < 40; i++) t.equal((await me(app, BAD_TOKEN)).statusCode, 401)
  t.equal((await me(app, owner.token)).statusCode, 200)
})

t.test('login attempts per account: any case, from any address, successful or not', async (t) => {
  const { app } = await buildTestApp(t, { env: { OUTPOST_RATE_LIMIT_LOGIN: '3/1m', OUTPOST_RATE_LIMIT_LOGIN_IP: '0' } })
  const owner = await createOwner(app) // one login
  const member = await createMember(app, owner) // one login
  t.equal((await login(app, owner.email, 'wrong-password', '10.0.0.1')).statusCode, 401)
  t.equal((await login(app, owner.email.toUpperCase(), 'wrong-password', '10.0.0.2')).statusCode, 401, 'third attempt, another case')
  const refused = await login(app, owner.email, owner.password, '10.0.0.3')
  assert429(t, refused, CODER_429(3, '1m0s'), /^Too many login attempts for this account\./, 60, 'the right password, from a new address')
  assert429(t, await login(app, owner.email.toUpperCase(), owner.password, '10.0.0.4'), CODER_429(3, '1m0s'), /account/, 60)

  t.equal((await login(app, member.email, member.password)).statusCode, 201, 'another account is not affected')
  t.equal((await me(app, owner.token)).statusCode, 200, 'existing sessions of the account still work')
  t.equal((await login(app, 'nobody@example.com', 'x')).statusCode, 401, 'unknown accounts get their own count')
})

t.test('login attempts per address, whatever the account; the window resets', async (t) => {
  const { app } = await buildTestApp(t, { env: { OUTPOST_RATE_LIMIT_LOGIN: '0', OUTPOST_RATE_LIMIT_LOGIN_IP: '3/6s' } })
  const owner = await createOwner(app, { email: 'owner@example.com' }) // the address's first login
  t.equal((await login(app, 'a@example.com', 'x')).statusCode, 401)
  t.equal((await login(app, 'b@example.com', 'x')).statusCode, 401)
  const refused = await login(app, owner.email, owner.password)
  const retryAfter = assert429(t, refused, CODER_429(3, '6s'), /^Too many login attempts from your address\./, 6)
  const malformed = await app.inject({ method: 'POST', url: '/api/v2/users/login', payload: { email: 1 } })
  t.equal(malformed.statusCode, 429, 'counted before the body is read, so even a malformed one is refused')
  t.equal((await login(app, owner.email, owner.password, '192.0.2.7')).statusCode, 201, 'another address logs in')

  await sleep(retryAfter * 1000 + 100)
  t.equal((await login(app, owner.email, owner.password)).statusCode, 201, 'the window passed')
})

t.test('the default limits leave room for ordinary use', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  for (let i = 0; i < 9; i++) t.equal((await login(app, owner.email, STRONG_PASSWORD)).statusCode, 201, `login ${i + 2}`)
  assert429(t, await login(app, owner.email, STRONG_PASSWORD), CODER_429(10, '1m0s'), /account/, 60, 'the 11th login in a minute')
  for (let i = 0; i < 20; i++) t.equal((await me(app, BAD_TOKEN)).statusCode, 401)
  assert429(t, await me(app, BAD_TOKEN), AUTH_429(20, '1m0s'), /refused/, 60, 'the 21st failure')
})

t.test('downloads: init scripts and agent binaries share one generous limit per address', async (t) => {
  const { app } = await buildTestApp(t, { env: { OUTPOST_RATE_LIMIT_DOWNLOADS: '4/1m' } })
  const get = (url: string, method: 'GET' | 'HEAD' = 'GET', remoteAddress = '127.0.0.1') =>
    app.inject({ method, url, remoteAddress })
  t.equal((await get('/api/v2/init-script/linux/amd64')).statusCode, 200)
  t.equal((await get('/api/v2/init-script/windows/amd64', 'HEAD')).statusCode, 200, 'HEAD counts once')
  t.equal((await get('/bin/coder-linux-amd64')).statusCode, 404, 'not installed: still counted')
  t.equal((await get('/bin/coder-linux-amd64', 'HEAD')).statusCode, 404)
  const refused = await get('/api/v2/init-script/linux/amd64')
  assert429(t, refused, CODER_429(4, '1m0s'), /^Too many init-script and agent-binary downloads from your address\./, 60)
  assert429(t, await get('/bin/coder-linux-amd64'), CODER_429(4, '1m0s'), /downloads/, 60, 'a binary')
  const head = await get('/bin/coder-linux-amd64', 'HEAD')
  t.equal(head.statusCode, 429, 'HEAD of a binary')
  t.match(head.headers['retry-after'], /^\d+$/, 'HEAD: Retry-After, no body')
  t.equal((await get('/api/v2/init-script/linux/amd64', 'GET', '198.51.100.1')).statusCode, 200, 'another address')
  t.equal((await get('/api/v2/buildinfo')).statusCode, 200, 'the API is not limited by downloads')
  t.equal((await get('/healthz')).statusCode, 200)
})

t.test('behind a trusted proxy the client address comes from X-Forwarded-For; otherwise the header is ignored', async (t) => {
  const proxied = await buildTestApp(t, { env: { OUTPOST_RATE_LIMIT_AUTH_FAILURES: '2/1m', OUTPOST_TRUSTED_PROXIES: '127.0.0.1' } })
  const from = (app: App, client: string) =>
    app.inject({ method: 'GET', url: '/api/v2/users/me', headers: { ...auth(BAD_TOKEN), 'x-forwarded-for': client } })
  t.equal((await from(proxied.app, '203.0.113.1')).statusCode, 401)
  t.equal((await from(proxied.app, '203.0.113.1')).statusCode, 401)
  t.equal((await from(proxied.app, '203.0.113.1')).statusCode, 429, 'the client behind the proxy is limited')
  t.equal((await from(proxied.app, '203.0.113.2')).statusCode, 401, 'another client behind the same proxy is not')

  const direct = await buildTestApp(t, { env: { OUTPOST_RATE_LIMIT_AUTH_FAILURES: '2/1m' } })
  t.equal((await from(direct.app, '203.0.113.1')).statusCode, 401)
  t.equal((await from(direct.app, '203.0.113.2')).statusCode, 401)
  t.equal((await from(direct.app, '203.0.113.3')).statusCode, 429, 'a forged X-Forwarded-For does not escape the limit')
})
