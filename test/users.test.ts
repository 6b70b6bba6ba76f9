import t from 'tap'
import { buildTestApp } from './helpers/app.js'
import {
  assertError,
  auth,
  createMember,
  createOwner,
  createUser,
  FORBIDDEN,
  login,
  NOT_FOUND,
  STRONG_PASSWORD,
} from './helpers/fixtures.js'

t.test('first user', async (t) => {
  const { app } = await buildTestApp(t)
  let res = await app.inject({ method: 'GET', url: '/api/v2/users/first' })
  t.equal(res.statusCode, 404)
  t.same(res.json(), { message: 'The initial user has not been created!' })
  t.match(res.headers['content-type'], 'application/json; charset=utf-8')

  const owner = await createOwner(app)
  res = await app.inject({ method: 'GET', url: '/api/v2/users/first' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { message: 'The initial user has already been created!' })

  res = await app.inject({
    method: 'POST',
    url: '/api/v2/users/first',
    payload: { username: 'second', email: 'second@example.com', password: 'Another-Strong-Pass-1' },
  })
  t.equal(res.statusCode, 409)
  t.same(res.json(), { message: 'The initial user has already been created.' })

  res = await app.inject({ method: 'GET', url: '/api/v2/users/me', headers: auth(owner.token) })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { id: owner.id, username: owner.username, roles: [{ name: 'owner', display_name: 'Owner' }] })
  t.same(res.json().organization_ids, [owner.organizationId])
})

t.test('member', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const member = await createMember(app, owner)
  const res = await app.inject({ method: 'GET', url: '/api/v2/users/me', headers: auth(member.token) })
  t.equal(res.statusCode, 200)
  t.same(res.json().roles, [])
})

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/
const USER_KEYS = [
  'avatar_url',
  'created_at',
  'email',
  'id',
  'last_seen_at',
  'login_type',
  'name',
  'organization_ids',
  'roles',
  'status',
  'theme_preference',
  'updated_at',
  'username',
]

t.test('POST /users/first answers 201 with exactly user_id and organization_id', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({
    method: 'POST',
    url: '/api/v2/users/first',
    payload: { username: 'Admin', email: 'admin@example.com', name: 'Ada Admin', password: STRONG_PASSWORD, trial: false },
  })
  t.equal(res.statusCode, 201)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  const body = res.json()
  t.strictSame(Object.keys(body).sort(), ['organization_id', 'user_id'])
  t.match(body.user_id, UUID)
  t.match(body.organization_id, UUID)

  const token = await login(app, 'admin@example.com')
  const orgs = await app.inject({ method: 'GET', url: '/api/v2/organizations/coder', headers: auth(token) })
  t.equal(orgs.json().id, body.organization_id, 'the first user joins the default organization')

  const me = await app.inject({ method: 'GET', url: '/api/v2/users/me', headers: auth(token) })
  t.equal(me.statusCode, 200)
  const user = me.json()
  t.strictSame(Object.keys(user).sort(), USER_KEYS)
  t.strictSame(
    { ...user, created_at: 'T', updated_at: 'T', last_seen_at: 'T' },
    {
      id: body.user_id,
      username: 'Admin',
      name: 'Ada Admin',
      email: 'admin@example.com',
      created_at: 'T',
      updated_at: 'T',
      last_seen_at: 'T',
      status: 'active',
      login_type: 'password',
      theme_preference: '',
      organization_ids: [body.organization_id],
      roles: [{ name: 'owner', display_name: 'Owner' }],
      avatar_url: '',
    },
  )
  t.match(user.created_at, ISO_TIME)
  t.match(user.updated_at, ISO_TIME)
  t.match(user.last_seen_at, ISO_TIME)
})

t.test('POST /users/first refuses weak passwords and creates nothing', async (t) => {
  const { app } = await buildTestApp(t)
  const attempt = (password: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v2/users/first',
      payload: { username: 'admin', email: 'admin@example.com', password },
    })
  assertError(t, await attempt('password'), 400, {
    message: 'Password not strong enough!',
    validations: [
      {
        field: 'password',
        detail:
          'insecure password, try including more special characters, using uppercase letters, using numbers or using a longer password',
      },
    ],
  })
  assertError(t, await attempt('abcdefgh12345678'), 400, {
    message: 'Password not strong enough!',
    validations: [
      {
        field: 'password',
        detail: 'insecure password, try including more special characters, using uppercase letters or using a longer password',
      },
    ],
  })
  assertError(t, await attempt(`Aa1!${'x9Y#'.repeat(16)}`), 400, {
    message: 'Password not strong enough!',
    validations: [{ field: 'password', detail: 'password must be no more than 64 characters' }],
  })
  const first = await app.inject({ method: 'GET', url: '/api/v2/users/first' })
  t.equal(first.statusCode, 404, 'no user was created')
})

t.test('POST /users/first validates username, name and email', async (t) => {
  const { app } = await buildTestApp(t)
  const attempt = (fields: Record<string, unknown>) =>
    app.inject({
      method: 'POST',
      url: '/api/v2/users/first',
      payload: { username: 'admin', email: 'admin@example.com', password: STRONG_PASSWORD, ...fields },
    })
  const usernameCases: Array<[string, string]> = [
    ['bad_name!', 'must be alphanumeric with hyphens'],
    ['-leading', 'must be alphanumeric with hyphens'],
    ['double--hyphen', 'must be alphanumeric with hyphens'],
    ['with space', 'must be alphanumeric with hyphens'],
    ['a'.repeat(33), 'must be <= 32 characters'],
    ['', 'must be >= 1 character'],
    ['new', 'cannot use "new" as a name'],
  ]
  for (const [username, detail] of usernameCases) {
    assertError(
      t,
      await attempt({ username }),
      400,
      { message: 'Validation failed.', validations: [{ field: 'username', detail }] },
      `username ${JSON.stringify(username)}`,
    )
  }
  assertError(t, await attempt({ name: ' Ada' }), 400, {
    message: 'Validation failed.',
    validations: [{ field: 'name', detail: 'must not have leading or trailing whitespace' }],
  })
  assertError(t, await attempt({ username: 'bad_name', name: 'x'.repeat(129) }), 400, {
    message: 'Validation failed.',
    validations: [
      { field: 'username', detail: 'must be alphanumeric with hyphens' },
      { field: 'name', detail: 'must be <= 128 characters' },
    ],
  })
  for (const email of ['not-an-email', 'admin@', '@example.com', 'admin example.com']) {
    assertError(
      t,
      await attempt({ email }),
      400,
      { message: 'Validation failed.', validations: [{ field: 'email', detail: 'must match format "email"' }] },
      `email ${JSON.stringify(email)}`,
    )
  }
  const first = await app.inject({ method: 'GET', url: '/api/v2/users/first' })
  t.equal(first.statusCode, 404, 'no user was created')

  // A 32-character username with hyphens is fine.
  const ok = await attempt({ username: `a-${'b'.repeat(30)}` })
  t.equal(ok.statusCode, 201)
})

t.test('POST /users/first reports every missing field', async (t) => {
  const { app } = await buildTestApp(t)
  let res = await app.inject({ method: 'POST', url: '/api/v2/users/first', payload: {} })
  assertError(t, res, 400, {
    message: 'Validation failed.',
    validations: [
      { field: 'email', detail: "must have required property 'email'" },
      { field: 'username', detail: "must have required property 'username'" },
      { field: 'password', detail: "must have required property 'password'" },
    ],
  })
  res = await app.inject({ method: 'POST', url: '/api/v2/users/first', payload: { username: 'admin' } })
  assertError(t, res, 400, {
    message: 'Validation failed.',
    validations: [
      { field: 'email', detail: "must have required property 'email'" },
      { field: 'password', detail: "must have required property 'password'" },
    ],
  })
})

t.test('two concurrent POST /users/first: exactly one wins', async (t) => {
  const { app } = await buildTestApp(t)
  const create = (n: number) =>
    app.inject({
      method: 'POST',
      url: '/api/v2/users/first',
      payload: { username: `racer${n}`, email: `racer${n}@example.com`, password: STRONG_PASSWORD },
    })
  const results = await Promise.all([create(1), create(2)])
  const statuses = results.map((r) => r.statusCode).sort()
  t.strictSame(statuses, [201, 409])
  const loser = results.find((r) => r.statusCode === 409)!
  assertError(t, loser, 409, { message: 'The initial user has already been created.' })
  const winner = results.find((r) => r.statusCode === 201)!
  const winnerNumber = results.indexOf(winner) + 1

  const token = await login(app, `racer${winnerNumber}@example.com`)
  const list = await app.inject({ method: 'GET', url: '/api/v2/users', headers: auth(token) })
  t.equal(list.json().count, 1, 'only one user exists')
  t.equal(list.json().users[0].id, winner.json().user_id)
})

t.test('POST /users creates a dormant member', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const res = await app.inject({
    method: 'POST',
    url: '/api/v2/users',
    headers: auth(owner.token),
    payload: {
      username: 'Grace',
      email: 'grace@example.com',
      name: 'Grace Hopper',
      password: STRONG_PASSWORD,
      organization_ids: [owner.organizationId],
    },
  })
  t.equal(res.statusCode, 201)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  const user = res.json()
  t.strictSame(Object.keys(user).sort(), USER_KEYS)
  t.match(user.id, UUID)
  t.match(user.created_at, ISO_TIME)
  t.strictSame(
    { ...user, id: 'ID', created_at: 'T', updated_at: 'T' },
    {
      id: 'ID',
      username: 'Grace',
      name: 'Grace Hopper',
      email: 'grace@example.com',
      created_at: 'T',
      updated_at: 'T',
      last_seen_at: '0001-01-01T00:00:00Z',
      status: 'dormant',
      login_type: 'password',
      theme_preference: '',
      organization_ids: [owner.organizationId],
      roles: [],
      avatar_url: '',
    },
  )
  const fetched = await app.inject({ method: 'GET', url: `/api/v2/users/${user.id}`, headers: auth(owner.token) })
  t.strictSame(fetched.json(), user, 'GET returns what POST returned')
})

t.test('POST /users with user_status and login_type none', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const active = await createUser(app, owner, { user_status: 'active' })
  t.equal(active.status, 'active')

  const passwordless = await createUser(app, owner, { login_type: 'none', username: 'robot' })
  t.equal(passwordless.login_type, 'none')
  t.equal(passwordless.status, 'dormant')
  const res = await app.inject({
    method: 'POST',
    url: '/api/v2/users/login',
    payload: { email: passwordless.email, password: STRONG_PASSWORD },
  })
  assertError(t, res, 401, { message: 'Incorrect email or password.' }, 'a user without a password cannot log in')

  const refused = await app.inject({
    method: 'POST',
    url: '/api/v2/users',
    headers: auth(owner.token),
    payload: {
      username: 'robot2',
      email: 'robot2@example.com',
      login_type: 'none',
      password: STRONG_PASSWORD,
      organization_ids: [owner.organizationId],
    },
  })
  assertError(t, refused, 400, { message: 'Password cannot be set for non-password ("none") authentication.' })

  const weak = await app.inject({
    method: 'POST',
    url: '/api/v2/users',
    headers: auth(owner.token),
    payload: { username: 'weak', email: 'weak@example.com', password: 'password', organization_ids: [owner.organizationId] },
  })
  assertError(t, weak, 400, {
    message: 'Password not strong enough!',
    validations: [
      {
        field: 'password',
        detail:
          'insecure password, try including more special characters, using uppercase letters, using numbers or using a longer password',
      },
    ],
  })
})

t.test('POST /users refuses duplicates, case-insensitively', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app, { username: 'owner', email: 'owner@example.com' })
  await createUser(app, owner, { username: 'alice', email: 'alice@example.com' })
  const attempt = (username: string, email: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v2/users',
      headers: auth(owner.token),
      payload: { username, email, password: STRONG_PASSWORD, organization_ids: [owner.organizationId] },
    })
  const conflict = { message: 'User already exists.' }
  assertError(t, await attempt('alice', 'other@example.com'), 409, conflict, 'same username')
  assertError(t, await attempt('ALICE', 'other@example.com'), 409, conflict, 'same username, other case')
  assertError(t, await attempt('alice2', 'alice@example.com'), 409, conflict, 'same email')
  assertError(t, await attempt('alice3', 'Alice@EXAMPLE.com'), 409, conflict, 'same email, other case')
  assertError(t, await attempt('Owner', 'x@example.com'), 409, conflict, 'the first user is taken too')

  const list = await app.inject({ method: 'GET', url: '/api/v2/users', headers: auth(owner.token) })
  t.equal(list.json().count, 2, 'nothing was created')
})

t.test('POST /users needs an existing organization', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const attempt = (extra: Record<string, unknown>) =>
    app.inject({
      method: 'POST',
      url: '/api/v2/users',
      headers: auth(owner.token),
      payload: { username: 'nobody', email: 'nobody@example.com', password: STRONG_PASSWORD, ...extra },
    })
  const noOrganization = {
    message:
      'No organization specified to place the user as a member of. It is required to specify at least one organization id to place the user in.',
    detail: "required at least 1 value for the array 'organization_ids'",
    validations: [{ field: 'organization_ids', detail: 'Missing values, this cannot be empty' }],
  }
  assertError(t, await attempt({}), 400, noOrganization, 'absent')
  assertError(t, await attempt({ organization_ids: [] }), 400, noOrganization, 'empty')
  const unknown = '6f0b8f0e-1d2c-4c3b-9a8d-7e6f5a4b3c2d'
  assertError(t, await attempt({ organization_ids: [unknown] }), 404, {
    message: `Organization does not exist with the provided id "${unknown}".`,
  })
  assertError(t, await attempt({ organization_ids: [owner.organizationId, unknown] }), 404, {
    message: `Organization does not exist with the provided id "${unknown}".`,
  })
  const list = await app.inject({ method: 'GET', url: '/api/v2/users', headers: auth(owner.token) })
  t.equal(list.json().count, 1, 'nothing was created')
})

t.test('members may not list or create users', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const member = await createMember(app, owner)
  assertError(t, await app.inject({ method: 'GET', url: '/api/v2/users', headers: auth(member.token) }), 403, FORBIDDEN)
  const res = await app.inject({
    method: 'POST',
    url: '/api/v2/users',
    headers: auth(member.token),
    payload: {
      username: 'sneaky',
      email: 'sneaky@example.com',
      password: STRONG_PASSWORD,
      organization_ids: [owner.organizationId],
    },
  })
  assertError(t, res, 403, FORBIDDEN)
  const list = await app.inject({ method: 'GET', url: '/api/v2/users', headers: auth(owner.token) })
  t.equal(list.json().count, 2, 'nothing was created')
})

t.test('GET /users/{user} by me, username and UUID', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app, { username: 'Owner-One' })
  const member = await createMember(app, owner, { username: 'member-one' })

  const get = (who: string, token: string) =>
    app.inject({ method: 'GET', url: `/api/v2/users/${who}`, headers: auth(token) })

  for (const who of ['me', 'Owner-One', 'owner-one', 'OWNER-ONE', owner.id, owner.id.toUpperCase()]) {
    const res = await get(who, owner.token)
    t.equal(res.statusCode, 200, `owner gets ${who}`)
    t.equal(res.json().id, owner.id)
    t.equal(res.json().username, 'Owner-One', 'the stored case is kept')
  }
  for (const who of ['member-one', 'MEMBER-ONE', member.id]) {
    const res = await get(who, owner.token)
    t.equal(res.statusCode, 200, `owner gets member by ${who}`)
    t.equal(res.json().id, member.id)
  }
  for (const who of ['me', 'member-one', 'Member-One', member.id]) {
    const res = await get(who, member.token)
    t.equal(res.statusCode, 200, `member gets self by ${who}`)
    t.equal(res.json().id, member.id)
  }
})

t.test('GET /users/{user}: members cannot tell others from nobody', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app, { username: 'boss' })
  const member = await createMember(app, owner)
  const other = await createMember(app, owner)
  const get = (who: string, token: string) =>
    app.inject({ method: 'GET', url: `/api/v2/users/${who}`, headers: auth(token) })

  for (const who of ['boss', owner.id, other.username, other.id, 'nobody', '6f0b8f0e-1d2c-4c3b-9a8d-7e6f5a4b3c2d']) {
    assertError(t, await get(who, member.token), 404, NOT_FOUND, `member asks for ${who}`)
  }

  assertError(t, await get('nobody', owner.token), 400, {
    message: '"user" must be an existing uuid or username.',
    detail: 'queried user="nobody"',
  })
  const missingId = '6f0b8f0e-1d2c-4c3b-9a8d-7e6f5a4b3c2d'
  assertError(t, await get(missingId, owner.token), 400, {
    message: '"user" must be an existing uuid or username.',
    detail: `queried user="${missingId}"`,
  })
})

t.test('GET /users lists {users, count} ordered by username', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app, { username: 'zulu' })
  const charlie = await createUser(app, owner, { username: 'charlie' })
  const alpha = await createUser(app, owner, { username: 'Alpha' })
  const bravo = await createUser(app, owner, { username: 'bravo' })
  const list = async (query = '') => {
    const res = await app.inject({ method: 'GET', url: `/api/v2/users${query}`, headers: auth(owner.token) })
    t.equal(res.statusCode, 200, `GET /users${query}`)
    const body = res.json()
    t.strictSame(Object.keys(body).sort(), ['count', 'users'])
    return { names: body.users.map((u: { username: string }) => u.username), count: body.count, users: body.users }
  }

  const all = await list()
  t.strictSame(all.names, ['Alpha', 'bravo', 'charlie', 'zulu'], 'ordered by username, ignoring case')
  t.equal(all.count, 4)
  t.strictSame(all.users[0], alpha, 'list entries are full users')
  t.strictSame(all.users[3].roles, [{ name: 'owner', display_name: 'Owner' }])

  const firstPage = await list('?limit=2')
  t.strictSame(firstPage.names, ['Alpha', 'bravo'])
  t.equal(firstPage.count, 4, 'count is the total before paging')
  t.strictSame((await list('?limit=2&offset=1')).names, ['bravo', 'charlie'])
  t.strictSame((await list('?offset=3')).names, ['zulu'])
  t.strictSame((await list('?offset=10')).names, [])
  t.strictSame((await list('?limit=0')).names, ['Alpha', 'bravo', 'charlie', 'zulu'], 'limit 0 is the server maximum')

  const after = await list(`?after_id=${bravo.id}`)
  t.strictSame(after.names, ['charlie', 'zulu'], 'after_id starts after that user')
  t.equal(after.count, 2)
  t.strictSame((await list(`?after_id=${alpha.id}&limit=1`)).names, ['bravo'])
  t.strictSame((await list(`?after_id=${charlie.id}`)).names, ['zulu'])
  t.strictSame((await list(`?after_id=${owner.id}`)).names, [])
})

t.test('GET /users refuses bad query parameters', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const get = (query: string) => app.inject({ method: 'GET', url: `/api/v2/users${query}`, headers: auth(owner.token) })
  const message = 'Query parameters have invalid values.'
  assertError(t, await get('?limit=abc'), 400, { message, validations: [{ field: 'limit', detail: 'must be integer' }] })
  assertError(t, await get('?limit=1.5'), 400, { message, validations: [{ field: 'limit', detail: 'must be integer' }] })
  assertError(t, await get('?limit=-1'), 400, { message, validations: [{ field: 'limit', detail: 'must be >= 0' }] })
  assertError(t, await get('?offset=-5'), 400, { message, validations: [{ field: 'offset', detail: 'must be >= 0' }] })
  assertError(t, await get('?after_id=nope'), 400, {
    message,
    validations: [{ field: 'after_id', detail: 'must match format "uuid"' }],
  })
})

t.test('two concurrent POST /users with one username: one 201, one 409', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const create = (n: number) =>
    app.inject({
      method: 'POST',
      url: '/api/v2/users',
      headers: auth(owner.token),
      payload: {
        username: n === 1 ? 'twin' : 'TWIN',
        email: `twin${n}@example.com`,
        password: STRONG_PASSWORD,
        organization_ids: [owner.organizationId],
      },
    })
  const results = await Promise.all([create(1), create(2)])
  t.strictSame(results.map((r) => r.statusCode).sort(), [201, 409])
  assertError(t, results.find((r) => r.statusCode === 409)!, 409, { message: 'User already exists.' })
  const list = await app.inject({ method: 'GET', url: '/api/v2/users', headers: auth(owner.token) })
  t.equal(list.json().count, 2)
})
