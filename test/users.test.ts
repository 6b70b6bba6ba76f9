import t from 'tap'
import { buildTestApp } from './helpers/app.js'
import { auth, createMember, createOwner } from './helpers/fixtures.js'

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
