import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { buildTestApp } from './helpers/app.js'
import { assertError, auth, createOwner, SIGNED_OUT } from './helpers/fixtures.js'
import { tarOf } from './helpers/templates.js'
import { mustCreateWorkspace, pushExample, upload } from './helpers/workspaces.js'

type App = Awaited<ReturnType<typeof buildTestApp>>['app']

const INVALID_QUERY = 'Query parameters have invalid values.'
const PARAM_TOO_LONG = { message: 'A path parameter is too long.', detail: 'Path parameters are at most 512 characters.' }

t.test('JSON bodies: 1 MiB is accepted, a byte more is 413 in Coder shape', async (t) => {
  const { app } = await buildTestApp(t)
  const MiB = 1024 * 1024
  // A JSON object padded to an exact size: {"email":"a@b.co","password":"x","pad":"…"}
  const body = (size: number) => {
    const head = '{"email":"a@b.co","password":"x","pad":"'
    return head + 'p'.repeat(size - head.length - 2) + '"}'
  }
  const post = (payload: string) =>
    app.inject({ method: 'POST', url: '/api/v2/users/login', headers: { 'content-type': 'application/json' }, payload })
  t.equal(body(MiB).length, MiB)
  const atLimit = await post(body(MiB))
  t.equal(atLimit.statusCode, 401, 'exactly 1 MiB is parsed (and the login fails)')
  assertError(t, await post(body(MiB + 1)), 413, { message: 'Request body is too large.', detail: 'The limit is 1048576 bytes.' })
})

t.test('uploads: OUTPOST_MAX_UPLOAD_BYTES, 413 past it', async (t) => {
  const { app } = await buildTestApp(t, { env: { OUTPOST_MAX_UPLOAD_BYTES: '8KiB' } })
  const owner = await createOwner(app)
  const small = await tarOf({ 'main.tf': '# small\n' })
  t.ok(small.length <= 8192)
  t.equal((await upload(app, owner.token, small)).statusCode, 201)
  const big = Buffer.concat([small, Buffer.alloc(8192 + 1 - small.length)])
  assertError(t, await upload(app, owner.token, big), 413, {
    message: 'Request body is too large.',
    detail: 'The limit is 8192 bytes.',
  })
})

t.test('every paged list takes limit up to 1000 and offset up to 2^31-1; more is a 400 naming the field', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const { templateId, versionId } = await pushExample(app, owner.token)
  const workspace = await mustCreateWorkspace(app, owner.token, 'paged', templateId)
  const lists = [
    '/api/v2/users',
    '/api/v2/workspaces',
    `/api/v2/templates/${templateId}/versions`,
    `/api/v2/workspaces/${workspace.id}/builds`,
    '/api/v2/audit',
  ]
  const get = (url: string) => app.inject({ method: 'GET', url, headers: auth(owner.token) })
  for (const list of lists) {
    for (const query of ['', '?limit=0', '?limit=1000', '?limit=1&offset=2147483647']) {
      t.equal((await get(list + query)).statusCode, 200, `${list}${query}`)
    }
    const tooMany = await get(`${list}?limit=1001`)
    assertError(t, tooMany, 400, { message: INVALID_QUERY, validations: [{ field: 'limit', detail: 'must be <= 1000' }] }, `${list} limit 1001`)
    for (const offset of ['2147483648', '99999999999999999999']) {
      assertError(
        t,
        await get(`${list}?offset=${offset}`),
        400,
        { message: INVALID_QUERY, validations: [{ field: 'offset', detail: 'must be <= 2147483647' }] },
        `${list} offset ${offset}`,
      )
    }
    assertError(
      t,
      await get(`${list}?limit=-1`),
      400,
      { message: INVALID_QUERY, validations: [{ field: 'limit', detail: 'must be >= 0' }] },
      `${list} limit -1`,
    )
  }
  // Log ids (after, before) are 32-bit too.
  for (const logs of [`/api/v2/templateversions/${versionId}/logs`, `/api/v2/workspacebuilds/${workspace.latest_build.id}/logs`]) {
    for (const field of ['after', 'before']) {
      t.equal((await get(`${logs}?${field}=2147483647`)).statusCode, 200, `${logs} ${field} 2^31-1`)
      assertError(
        t,
        await get(`${logs}?${field}=99999999999999999999`),
        400,
        { message: INVALID_QUERY, validations: [{ field, detail: 'must be <= 2147483647' }] },
        `${logs} ${field} huge`,
      )
    }
  }
})

t.test('path parameters: over 512 characters is a 400 in Coder shape, not a 414 echoing the path or a 500', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const at = 'a'.repeat(512)
  const over = 'a'.repeat(513)
  const urls = (param: string) => [
    `/api/v2/users/${param}`,
    `/api/v2/users/${param}/workspace/x`,
    `/api/v2/workspaces/${param}`,
    `/api/v2/workspaces/${param}/external-agent/main/credentials`,
    `/api/v2/templateversions/${param}`,
    `/api/v2/organizations/${param}`,
    `/api/v2/init-script/${param}/amd64`,
    `/bin/${param}`,
  ]
  for (const url of urls(over)) {
    const res = await app.inject({ method: 'GET', url, headers: auth(owner.token) })
    assertError(t, res, 400, PARAM_TOO_LONG, url.slice(0, 40))
    t.ok(res.headers['x-request-id'], 'with a request id')
    t.equal(res.headers['x-content-type-options'], 'nosniff')
    t.notMatch(res.body, over, 'the path is not echoed')
  }
  for (const url of urls(at)) {
    const res = await app.inject({ method: 'GET', url, headers: auth(owner.token) })
    t.ok(res.statusCode >= 400 && res.statusCode < 500, `${url.slice(0, 40)}…: 512 characters is a 4xx (${res.statusCode})`)
    t.ok(typeof res.json().message === 'string', 'in Coder shape')
  }
  const huge = await app.inject({ method: 'GET', url: `/api/v2/users/${'%F0%9F%92%A9'.repeat(2000)}`, headers: auth(owner.token) })
  assertError(t, huge, 400, PARAM_TOO_LONG, 'percent-encoded unicode, long')
  const unicode = await app.inject({ method: 'GET', url: `/api/v2/users/${encodeURIComponent('ü💩')}`, headers: auth(owner.token) })
  t.equal(unicode.statusCode, 400, 'unicode in a short parameter is an ordinary 400')
  assertError(t, await app.inject({ method: 'GET', url: '/api/v2/users/%E0%A4%A', headers: auth(owner.token) }), 400, {
    message: 'The request path is not a valid URL.',
    detail: 'It has malformed percent-encoding.',
  })
})

t.test('a 100 KB token header or cookie is a 401, never a 500', async (t) => {
  const { app } = await buildTestApp(t, { env: { OUTPOST_RATE_LIMIT_AUTH_FAILURES: '0' } })
  const big = 'x'.repeat(100_000)
  const format = { message: SIGNED_OUT, detail: 'Invalid API key format: incorrect amount of API key parts, expected 2 got 1' }
  assertError(t, await app.inject({ url: '/api/v2/users/me', headers: auth(big) }), 401, format, 'header')
  assertError(t, await app.inject({ url: '/api/v2/users/me', headers: { cookie: `coder_session_token=${big}` } }), 401, format, 'cookie')
  assertError(t, await app.inject({ url: `/api/v2/users/me?coder_session_token=${big}` }), 401, format, 'query')
  const dashes = `${'a'.repeat(50_000)}-${'b'.repeat(50_000)}`
  assertError(t, await app.inject({ url: '/api/v2/users/me', headers: auth(dashes) }), 401, {
    message: SIGNED_OUT,
    detail: 'Invalid API key format: invalid API key ID length, expected 10 got 50000',
  })
  assertError(t, await app.inject({ url: '/api/v2/workspaceagents/me/manifest', headers: auth(big) }), 401, {
    message: 'Workspace agent token invalid.',
    detail: 'An agent token must be a valid UUIDv4. (len 100000)',
  })
  const lots = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`x-junk-${i}`, 'y'.repeat(200)]))
  t.equal((await app.inject({ url: '/api/v2/buildinfo', headers: lots })).statusCode, 200, 'many unknown headers are ignored')
})

/** One raw request to a listening server; resolves with status, headers and body. */
function rawGet(port: number, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

async function listen(t: Test, app: App): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  return (app.server.address() as AddressInfo).port
}

t.test('over HTTP: headers past Node\'s 16 KiB limit are a 431 in Coder shape; just under is an ordinary 401', async (t) => {
  const { app } = await buildTestApp(t)
  const port = await listen(t, app)
  const huge = await rawGet(port, '/api/v2/users/me', { 'coder-session-token': 'x'.repeat(100_000) })
  t.equal(huge.status, 431)
  t.equal(huge.headers['content-type'], 'application/json; charset=utf-8')
  t.equal(huge.headers['x-content-type-options'], 'nosniff')
  t.strictSame(JSON.parse(huge.body), {
    message: 'Request header fields are too large.',
    detail: 'The request line and headers together are limited to 16384 bytes.',
  })
  const under = await rawGet(port, '/api/v2/users/me', { 'coder-session-token': 'x'.repeat(15_000) })
  t.equal(under.status, 401)
  t.equal(JSON.parse(under.body).message, SIGNED_OUT)
  const longPath = await rawGet(port, `/api/v2/workspaces/${'w'.repeat(5000)}`, {})
  t.equal(longPath.status, 400)
  t.strictSame(JSON.parse(longPath.body), PARAM_TOO_LONG)
})
