import t from 'tap'
import { buildTestApp } from './helpers/app.js'
import { assertError, auth, createOwner, createUser, SIGNED_OUT, STRONG_PASSWORD } from './helpers/fixtures.js'
import { mustCreateWorkspace, pushExample } from './helpers/workspaces.js'

const JSON_TYPE = { 'content-type': 'application/json' }
const MIB = 1024 * 1024
const invalidJson = (detail: string) => ({ message: 'Request body must be valid JSON.', detail })
const NOT_JSON = invalidJson("Body is not valid JSON but content-type is set to 'application/json'")
const failed = (...validations: Array<[string, string]>) => ({
  message: 'Validation failed.',
  validations: validations.map(([field, detail]) => ({ field, detail })),
})
const unsupported = (type: string) => ({
  message: `Unsupported Content-Type: ${JSON.stringify(type)}.`,
  detail: 'Send application/json.',
})

t.test('malformed JSON bodies', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const post = (url: string, payload: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, payload, headers: { ...JSON_TYPE, ...headers } })

  for (const payload of ['{"email":', '{bad}', '[', 'undefined', "{'email':'a@example.com'}", '{"a":1}}', '\u0000']) {
    assertError(t, await post('/api/v2/users/login', payload), 400, NOT_JSON, `login with ${JSON.stringify(payload)}`)
  }
  assertError(
    t,
    await post('/api/v2/users/login', '{"email":', { 'content-type': 'application/json; charset=utf-8' }),
    400,
    NOT_JSON,
    'with a charset',
  )
  assertError(
    t,
    await post('/api/v2/users/login', ''),
    400,
    invalidJson("Body cannot be empty when content-type is set to 'application/json'"),
    'an empty body',
  )
  assertError(t, await post('/api/v2/users', '{"username":', auth(owner.token)), 400, NOT_JSON, 'an authenticated route')
  assertError(
    t,
    await post('/api/v2/users/me/keys/tokens', '{"token_name": "x",}', auth(owner.token)),
    400,
    NOT_JSON,
    'a trailing comma',
  )
  assertError(
    t,
    await post('/api/v2/users/login', '{"__proto__":{"polluted":true},"email":"a@example.com","password":"x"}'),
    400,
    NOT_JSON,
    'prototype poisoning is refused',
  )
  t.equal(({} as Record<string, unknown>).polluted, undefined)

  assertError(
    t,
    await post('/api/v2/users', '{"username":'),
    401,
    { message: SIGNED_OUT, detail: 'Cookie "coder_session_token" or query parameter must be provided.' },
    'authentication comes before the body',
  )
})

t.test('wrong types', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const first = (payload: unknown) =>
    app.inject({ method: 'POST', url: '/api/v2/users/first', payload: JSON.stringify(payload), headers: JSON_TYPE })
  const createUser = (payload: Record<string, unknown>) =>
    app.inject({
      method: 'POST',
      url: '/api/v2/users',
      headers: auth(owner.token),
      payload: {
        username: 'someone',
        email: 'someone@example.com',
        password: STRONG_PASSWORD,
        organization_ids: [owner.organizationId],
        ...payload,
      },
    })

  const mustBeObject = failed(['body', 'must be object'])
  for (const body of [[], [1], null, 'a string', 42, true]) {
    assertError(t, await first(body), 400, mustBeObject, `body ${JSON.stringify(body)}`)
  }
  const valid = { username: 'admin', email: 'admin@example.com', password: STRONG_PASSWORD }
  assertError(t, await first({ ...valid, username: {} }), 400, failed(['username', 'must be string']))
  assertError(t, await first({ ...valid, username: { a: 1 }, trial: 'yes' }), 400, failed(
    ['username', 'must be string'],
    ['trial', 'must be boolean'],
  ))
  assertError(t, await first({ ...valid, email: ['a@example.com', 'b@example.com'] }), 400, failed(['email', 'must be string']))

  assertError(t, await createUser({ organization_ids: {} }), 400, failed(['organization_ids', 'must be array']))
  assertError(t, await createUser({ organization_ids: ['nope', owner.organizationId, 'also-nope'] }), 400, failed(
    ['organization_ids.0', 'must match format "uuid"'],
    ['organization_ids.2', 'must match format "uuid"'],
  ))
  assertError(t, await createUser({ user_status: 'asleep' }), 400, failed(['user_status', 'must be one of "active", "dormant", "suspended"']))
  assertError(t, await createUser({ login_type: 'oidc' }), 400, failed(['login_type', 'must be one of "password", "none", ""']))
  assertError(t, await createUser({ login_type: 'oidc', user_status: 'x', organization_ids: {}, name: {} }), 400, failed(
    ['name', 'must be string'],
    ['login_type', 'must be one of "password", "none", ""'],
    ['user_status', 'must be one of "active", "dormant", "suspended"'],
    ['organization_ids', 'must be array'],
  ), 'every problem at once')

  const token = (payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/api/v2/users/me/keys/tokens', headers: auth(owner.token), payload })
  assertError(t, await token({ lifetime: 'forever' }), 400, failed(['lifetime', 'must be integer']))
  assertError(t, await token({ lifetime: 1.5 }), 400, failed(['lifetime', 'must be integer']))
  assertError(t, await token({ token_name: { a: 1 } }), 400, failed(['token_name', 'must be string']))

  const list = await app.inject({ method: 'GET', url: '/api/v2/users', headers: auth(owner.token) })
  t.equal(list.json().count, 1, 'nothing was created')
  const tokens = await app.inject({ method: 'GET', url: '/api/v2/users/me/keys/tokens', headers: auth(owner.token) })
  t.strictSame(tokens.json(), [], 'no token was created')
})

// Coder decodes bodies with Go's encoding/json, which refuses a JSON value of the wrong type;
// Outpost validates bodies without coercion (query strings and params are still coerced).
t.test('scalars of the wrong JSON type are refused, not coerced', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  let n = 0
  const createUser = (payload: Record<string, unknown>) => {
    n += 1
    return app.inject({
      method: 'POST',
      url: '/api/v2/users',
      headers: auth(owner.token),
      payload: {
        username: `someone${n}`,
        email: `someone${n}@example.com`,
        password: STRONG_PASSWORD,
        organization_ids: [owner.organizationId],
        ...payload,
      },
    })
  }
  const refused = async (res: Promise<{ statusCode: number; body: string }>, body: object, what: string) => {
    const { statusCode, body: text } = await res
    t.equal(statusCode, 400, `${what}: 400`)
    t.strictSame(JSON.parse(text), body, `${what}: body`)
  }
  await refused(createUser({ username: 12345 }), failed(['username', 'must be string']), 'a number for a string')
  await refused(createUser({ username: true }), failed(['username', 'must be string']), 'a boolean for a string')
  await refused(createUser({ password: null }), failed(['password', 'must be string']), 'null for a string')
  await refused(createUser({ password: [STRONG_PASSWORD] }), failed(['password', 'must be string']), 'an array for a string')
  await refused(
    createUser({ organization_ids: owner.organizationId }),
    failed(['organization_ids', 'must be array']),
    'a string for an array',
  )
  await refused(
    app.inject({
      method: 'POST',
      url: '/api/v2/users/me/keys/tokens',
      headers: auth(owner.token),
      payload: { lifetime: '3600000000000' },
    }),
    failed(['lifetime', 'must be integer']),
    'a string for a number',
  )
})

t.test('bodies that are not JSON', async (t) => {
  const { app } = await buildTestApp(t)
  const login = (payload: string, headers: Record<string, string>) =>
    app.inject({ method: 'POST', url: '/api/v2/users/login', payload, headers })
  const json = JSON.stringify({ email: 'a@example.com', password: 'x' })

  assertError(t, await login('<login/>', { 'content-type': 'application/xml' }), 415, unsupported('application/xml'))
  assertError(
    t,
    await login('email=a%40example.com&password=x', { 'content-type': 'application/x-www-form-urlencoded' }),
    415,
    unsupported('application/x-www-form-urlencoded'),
  )
  assertError(
    t,
    await login('--x\r\n\r\n--x--', { 'content-type': 'multipart/form-data; boundary=x' }),
    415,
    unsupported('multipart/form-data'),
    'parameters are not echoed',
  )
  assertError(t, await login(json, { 'content-type': 'application/vnd.api+json' }), 415, unsupported('application/vnd.api+json'))
  assertError(t, await login(json, {}), 415, unsupported(''), 'no content type')

  // text/plain has a parser in Fastify: the body arrives as a string, which is not an object.
  const text = await login(json, { 'content-type': 'text/plain' })
  t.ok(text.statusCode === 400 || text.statusCode === 415, `text/plain is refused (${text.statusCode})`)
  t.equal(text.headers['content-type'], 'application/json; charset=utf-8')
  t.type(text.json().message, 'string')
  for (const key of Object.keys(text.json())) t.ok(['message', 'detail', 'validations'].includes(key), `key ${key}`)
})

t.test('bodies over 1 MiB', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const tooLarge = { message: 'Request body is too large.', detail: `The limit is ${MIB} bytes.` }
  const sized = (size: number) => {
    const prefix = '{"email":"a@example.com","password":"'
    const suffix = '"}'
    return prefix + 'x'.repeat(size - prefix.length - suffix.length) + suffix
  }
  t.equal(sized(MIB).length, MIB)

  assertError(
    t,
    await app.inject({ method: 'POST', url: '/api/v2/users/login', payload: sized(MIB + 1), headers: JSON_TYPE }),
    413,
    tooLarge,
    'one byte over',
  )
  assertError(
    t,
    await app.inject({ method: 'POST', url: '/api/v2/users/login', payload: sized(8 * MIB), headers: JSON_TYPE }),
    413,
    tooLarge,
    'far over',
  )
  assertError(
    t,
    await app.inject({
      method: 'POST',
      url: '/api/v2/users/me/keys/tokens',
      payload: sized(MIB + 1),
      headers: { ...JSON_TYPE, ...auth(owner.token) },
    }),
    413,
    tooLarge,
    'an authenticated route',
  )
  assertError(
    t,
    await app.inject({ method: 'POST', url: '/api/v2/users/login', payload: sized(MIB), headers: JSON_TYPE }),
    400,
    failed(['password', 'must NOT have more than 1024 characters']),
    'exactly 1 MiB is read, then validated',
  )
})

t.test('unknown routes', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const notFound = { message: 'Route not found.' }
  for (const [method, url] of [
    ['GET', '/api/v2/nope'],
    ['GET', '/api/v2'],
    ['GET', '/api/v3/users/me'],
    ['GET', '/nope'],
    ['POST', '/api/v2/nope'],
    ['DELETE', '/api/v2/workspaces/123'],
    ['GET', '/api/v2/users/me/nope/deeper'],
  ] as const) {
    assertError(t, await app.inject({ method, url }), 404, notFound, `${method} ${url} without a session`)
    assertError(t, await app.inject({ method, url, headers: auth(owner.token) }), 404, notFound, `${method} ${url}`)
  }
  assertError(
    t,
    await app.inject({ method: 'POST', url: '/api/v2/nope', payload: '{"broken":', headers: JSON_TYPE }),
    404,
    notFound,
    'a broken body to an unknown route',
  )
  assertError(
    t,
    await app.inject({ method: 'POST', url: '/api/v2/nope', payload: '<a/>', headers: { 'content-type': 'application/xml' } }),
    404,
    notFound,
    'an XML body to an unknown route',
  )
  assertError(
    t,
    await app.inject({ method: 'POST', url: '/api/v2/nope', payload: 'x'.repeat(MIB + 1), headers: JSON_TYPE }),
    404,
    notFound,
    'a huge body to an unknown route',
  )
})

t.test('every error is JSON with only message, detail and validations', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const member = await createUser(app, owner, { user_status: 'active' })
  const memberLogin = await app.inject({
    method: 'POST',
    url: '/api/v2/users/login',
    payload: { email: member.email, password: STRONG_PASSWORD },
  })
  const memberToken: string = memberLogin.json().session_token
  const requests: Array<{ method: 'GET' | 'POST' | 'DELETE'; url: string; headers?: Record<string, string>; payload?: string | object }> = [
    { method: 'GET', url: '/api/v2/users/me' },
    { method: 'GET', url: '/api/v2/users/me', headers: auth('x-y') },
    { method: 'GET', url: '/api/v2/users/me', headers: auth(`${'a'.repeat(10)}-${'b'.repeat(22)}`) },
    { method: 'GET', url: '/api/v2/users', headers: auth(memberToken) },
    { method: 'GET', url: `/api/v2/users/${owner.id}`, headers: auth(memberToken) },
    { method: 'GET', url: '/api/v2/users/nobody', headers: auth(owner.token) },
    { method: 'GET', url: '/api/v2/users?limit=x', headers: auth(owner.token) },
    { method: 'GET', url: '/api/v2/organizations/nope', headers: auth(owner.token) },
    { method: 'GET', url: '/api/v2/nope' },
    { method: 'DELETE', url: '/api/v2/users/me/keys/nope', headers: auth(owner.token) },
    { method: 'POST', url: '/api/v2/users/first', payload: {} },
    { method: 'POST', url: '/api/v2/users/first', payload: { username: 'x', email: 'x@example.com', password: STRONG_PASSWORD } },
    { method: 'POST', url: '/api/v2/users/login', payload: { email: 'x@example.com', password: 'x' } },
    { method: 'POST', url: '/api/v2/users/login', payload: '{', headers: JSON_TYPE },
    { method: 'POST', url: '/api/v2/users/login', payload: '<a/>', headers: { 'content-type': 'application/xml' } },
    { method: 'POST', url: '/api/v2/users/login', payload: 'x'.repeat(MIB + 1), headers: JSON_TYPE },
    { method: 'POST', url: '/api/v2/users', headers: auth(owner.token), payload: { username: 'a', email: 'a@example.com', password: 'weak' } },
    { method: 'POST', url: '/api/v2/users', headers: auth(owner.token), payload: { username: owner.username, email: 'b@example.com', password: STRONG_PASSWORD, organization_ids: [owner.organizationId] } },
    { method: 'POST', url: '/api/v2/users/me/keys/tokens', headers: auth(owner.token), payload: { lifetime: -1 } },
  ]
  const statuses = new Set<number>()
  for (const request of requests) {
    const res = await app.inject(request)
    const name = `${request.method} ${request.url} → ${res.statusCode}`
    statuses.add(res.statusCode)
    t.ok(res.statusCode >= 400 && res.statusCode < 500, `${name} is a client error`)
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8', `${name} content type`)
    const body = res.json()
    t.type(body, 'object', name)
    t.type(body.message, 'string', `${name} has a message`)
    t.ok(body.message.length > 0, `${name} message is not empty`)
    for (const key of Object.keys(body)) t.ok(['message', 'detail', 'validations'].includes(key), `${name}: key ${key}`)
    if ('detail' in body) t.type(body.detail, 'string', `${name} detail`)
    if ('validations' in body) {
      t.ok(Array.isArray(body.validations) && body.validations.length > 0, `${name} validations`)
      for (const v of body.validations) {
        t.strictSame(Object.keys(v).sort(), ['detail', 'field'], `${name} validation keys`)
        t.type(v.field, 'string')
        t.type(v.detail, 'string')
      }
    }
  }
  t.strictSame([...statuses].sort(), [400, 401, 403, 404, 409, 413, 415], 'every client error status was seen')
})

// Coder's parameter middleware (coderd/httpmw parseUUID): Go's uuid.Parse reads the id,
// so its other spellings work, and a malformed one is `Invalid UUID "<param>".`.
t.test('UUID path parameters are read as Coder reads them', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const { templateId } = await pushExample(app, owner.token)
  const workspace = await mustCreateWorkspace(app, owner.token, 'uuids', templateId)
  const id: string = workspace.id
  const get = (url: string, headers: Record<string, string> = auth(owner.token)) => app.inject({ url, headers })

  for (const spelling of [id, id.toUpperCase(), `urn:uuid:${id}`, `URN:UUID:${id}`, `{${id}}`, id.replace(/-/g, '')]) {
    const res = await get(`/api/v2/workspaces/${encodeURIComponent(spelling)}`)
    t.equal(res.statusCode, 200, `${spelling} is the workspace`)
    t.equal(res.json().id, id, `${spelling}: its canonical id`)
  }
  const invalid = (param: string, detail: string) => ({ message: `Invalid UUID ${JSON.stringify(param)}.`, detail })
  const cases: Array<[string, string, string]> = [
    ['/api/v2/workspaces/abc', 'workspace', 'invalid UUID length: 3'],
    [`/api/v2/workspaces/${id.slice(0, -1)}x`, 'workspace', 'invalid UUID format'],
    [`/api/v2/workspaces/${id.replace(/-/g, '_')}`, 'workspace', 'invalid UUID format'],
    [`/api/v2/workspaces/${encodeURIComponent(`urn:uid:x${id}`)}`, 'workspace', 'invalid urn prefix: "urn:uid:x"'],
    [`/api/v2/workspaces/${encodeURIComponent(`(${id})`)}`, 'workspace', 'invalid UUID format'],
    [`/api/v2/workspaces/${encodeURIComponent('é'.repeat(18))}`, 'workspace', 'invalid UUID format'],
    [`/api/v2/workspaces/${id}/external-agent/main/credentials`.replace(id, 'nope'), 'workspace', 'invalid UUID length: 4'],
    ['/api/v2/templates/1234', 'template', 'invalid UUID length: 4'],
    ['/api/v2/templateversions/x', 'templateversion', 'invalid UUID length: 1'],
    ['/api/v2/workspacebuilds/x', 'workspacebuild', 'invalid UUID length: 1'],
    ['/api/v2/workspaceagents/x', 'workspaceagent', 'invalid UUID length: 1'],
    ['/api/v2/files/x', 'fileID', 'invalid UUID length: 1'],
  ]
  for (const [url, param, detail] of cases) assertError(t, await get(url), 400, invalid(param, detail), url)
  assertError(t, await get('/api/v2/workspaces/abc', {}), 401, { message: SIGNED_OUT, detail: 'Cookie "coder_session_token" or query parameter must be provided.' }, 'authentication comes first')
})
