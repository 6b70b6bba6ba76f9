import t from 'tap'
import { buildTestApp } from './helpers/app.js'
import { assertError, auth, createMember, createOwner } from './helpers/fixtures.js'
import { exampleTemplateFiles } from './helpers/templates.js'
import {
  deleteWorkspace,
  importVersion,
  listWorkspaces,
  mustCreateWorkspace,
  pushExample,
} from './helpers/workspaces.js'

const SEARCH_ERROR = 'Invalid workspace search query.'

t.test('workspace search', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const member = await createMember(app, owner)
  const ext = await pushExample(app, owner.token, 'ext')
  const other = await pushExample(app, owner.token, 'other')
  const alpha = await mustCreateWorkspace(app, owner.token, 'alpha', ext.templateId)
  const beta = await mustCreateWorkspace(app, owner.token, 'beta', other.templateId, { platform: 'windows-amd64' })
  const gamma = await mustCreateWorkspace(app, member.token, 'gamma', ext.templateId, { platform: 'darwin-arm64' })
  const delta = await mustCreateWorkspace(app, owner.token, 'delta', ext.templateId)
  t.equal((await deleteWorkspace(app, owner.token, delta.id)).statusCode, 201)

  /** The names the owner finds with this query, checking the count matches. */
  const search = async (q: string, token = owner.token) => {
    const res = await listWorkspaces(app, token, { q })
    t.equal(res.statusCode, 200, `q=${q}`)
    const body = res.json()
    t.equal(body.count, body.workspaces.length, `q=${q}: count is the number of matches`)
    return body.workspaces.map((w: { name: string }) => w.name).sort()
  }

  t.strictSame(await search(''), ['alpha', 'beta', 'gamma'], 'everything live; the deleted workspace is not listed')
  t.strictSame(await search('owner:me'), ['alpha', 'beta'])
  t.strictSame(await search('owner:ME'), ['alpha', 'beta'], '"me" in any case')
  t.strictSame(await search(`owner:${member.username}`), ['gamma'])
  t.strictSame(await search(`owner:${member.username.toUpperCase()}`), ['gamma'], 'usernames ignore case')
  t.strictSame(await search(`owner:${owner.username}`), ['alpha', 'beta'])
  t.strictSame(await search('owner:nobody'), [], 'an unknown owner matches nothing')
  t.strictSame(await search('name:alp'), ['alpha'], 'name is a substring')
  t.strictSame(await search('name:a'), ['alpha', 'beta', 'gamma'])
  t.strictSame(await search('name:ET'), ['beta'], 'ignoring case')
  t.strictSame(await search('name:%'), [], 'LIKE wildcards are literal')
  t.strictSame(await search('amm'), ['gamma'], 'a bare term is a name')
  t.strictSame(await search(`${member.username}/gamma`), ['gamma'], 'owner/name')
  t.strictSame(await search(`${member.username}/alpha`), [], 'owner/name of a workspace with another owner')
  t.strictSame(await search(`${owner.username}/a`), ['alpha', 'beta'], 'owner/name with a partial name')
  t.strictSame(await search('template:other'), ['beta'])
  t.strictSame(await search('template:EXT'), ['alpha', 'gamma'])
  t.strictSame(await search('template:nothing'), [])
  t.strictSame(await search('status:running'), ['alpha', 'beta', 'gamma'])
  t.strictSame(await search('status:deleted'), [], 'deleted workspaces are never listed')
  t.strictSame(await search('status:stopped'), [])
  t.strictSame(await search('has_external_agent:true'), ['alpha', 'beta', 'gamma'])
  t.strictSame(await search('has_external_agent:false'), [])
  t.strictSame(await search('has-external-agent:true'), ['alpha', 'beta', 'gamma'], 'the hyphenated spelling')
  t.strictSame(await search('has-agent:connecting'), ['alpha', 'beta', 'gamma'], 'no agent has connected')
  t.strictSame(await search('has-agent:connected'), [])
  t.strictSame(await search('has-agent:disconnected'), [])
  t.strictSame(await search('has-agent:timeout'), [])
  t.strictSame(await search('organization:coder'), ['alpha', 'beta', 'gamma'])
  t.strictSame(await search(`organization:${owner.organizationId}`), ['alpha', 'beta', 'gamma'], 'organization by id')
  t.strictSame(await search('organization:elsewhere'), [])
  t.strictSame(await search(`id:${beta.id}`), ['beta'])
  t.strictSame(await search(`id:${alpha.id},${gamma.id}`), ['alpha', 'gamma'], 'a list of ids')
  t.strictSame(await search(`id:${delta.id}`), [], 'the id of a deleted workspace')
  t.strictSame(await search('name:"gamma"'), ['gamma'], 'a quoted value')
  t.strictSame(await search(`owner:"${member.username}" name:"gam"`), ['gamma'], 'quoted values, combined')
  t.strictSame(await search('template:ext owner:me'), ['alpha'], 'terms combine (AND)')
  t.strictSame(await search('  template:ext   name:gam  '), ['gamma'], 'extra spaces')
  t.strictSame(await search('dormant:false'), ['alpha', 'beta', 'gamma'])
  t.strictSame(await search('dormant:true'), [], 'Outpost workspaces are never dormant')
  t.strictSame(await search('outdated:false'), ['alpha', 'beta', 'gamma'])
  t.strictSame(await search('outdated:true'), [])

  await t.test('outdated, after a new active version', async (t) => {
    const v2 = await importVersion(app, owner.token, await exampleTemplateFiles(), { template_id: ext.templateId, name: 'v2' })
    t.equal(v2.statusCode, 201)
    const activate = await app.inject({
      method: 'PATCH',
      url: `/api/v2/templates/${ext.templateId}/versions`,
      headers: auth(owner.token),
      payload: { id: v2.json().id },
    })
    t.equal(activate.statusCode, 200)
    t.strictSame(await search('outdated:true'), ['alpha', 'gamma'])
    t.strictSame(await search('outdated:false'), ['beta'])
    const got = await app.inject({ url: `/api/v2/workspaces/${alpha.id}`, headers: auth(owner.token) })
    t.equal(got.json().outdated, true, 'the workspace says so too')
    t.equal(got.json().template_active_version_id, v2.json().id)
    const fresh = await mustCreateWorkspace(app, owner.token, 'fresh', ext.templateId)
    t.equal(fresh.outdated, false, 'a new workspace uses the active version')
    t.strictSame(await search('outdated:false'), ['beta', 'fresh'])
    t.equal((await deleteWorkspace(app, owner.token, fresh.id)).statusCode, 201)
  })

  await t.test('invalid queries', async (t) => {
    const invalid = async (q: string, validations: Array<{ field: string; detail: string }>) =>
      assertError(t, await listWorkspaces(app, owner.token, { q }), 400, { message: SEARCH_ERROR, validations }, q)

    await invalid('colour:blue', [{ field: 'colour', detail: 'Query param "colour" is not a valid query param' }])
    await invalid('status:sleeping', [
      {
        field: 'status',
        detail:
          'Query param "status" has invalid value: must be one of pending, starting, running, stopping, stopped, failed, canceling, canceled, deleting, deleted',
      },
    ])
    await invalid('a:b:c', [{ field: 'q', detail: `Query element "a:b:c" can only contain 1 ':'` }])
    await invalid(':x', [{ field: 'q', detail: `Query element ":x" cannot start or end with ':'` }])
    await invalid('x:', [{ field: 'q', detail: `Query element "x:" cannot start or end with ':'` }])
    await invalid('a/b/c', [{ field: 'q', detail: `Query element "a/b/c" can only contain 1 '/'` }])
    await invalid('has_external_agent:maybe', [
      { field: 'has_external_agent', detail: 'Query param "has_external_agent" must be a valid boolean' },
    ])
    await invalid('outdated:yes', [{ field: 'outdated', detail: 'Query param "outdated" must be a valid boolean' }])
    await invalid('has-agent:asleep', [
      {
        field: 'has-agent',
        detail: 'Query param "has-agent" has invalid value: must be one of connecting, connected, disconnected, timeout',
      },
    ])
    await invalid('id:not-a-uuid', [{ field: 'id', detail: 'Query param "id" has invalid value: "not-a-uuid" is not a UUID' }])
    await invalid('colour:blue shape:round', [
      { field: 'colour', detail: 'Query param "colour" is not a valid query param' },
      { field: 'shape', detail: 'Query param "shape" is not a valid query param' },
    ])
  })

  await t.test('members see only their own workspaces', async (t) => {
    t.strictSame(await search('', member.token), ['gamma'])
    t.strictSame(await search('owner:me', member.token), ['gamma'])
    t.strictSame(await search(`owner:${owner.username}`, member.token), [], "another user's: nothing")
    t.strictSame(await search(`id:${alpha.id}`, member.token), [], "another user's by id: nothing")
    t.strictSame(await search('name:alpha', member.token), [])
    t.strictSame(await search('template:other', member.token), [])
    const res = await listWorkspaces(app, member.token, { q: `owner:${owner.username}` })
    t.strictSame(res.json(), { workspaces: [], count: 0 })
  })

  await t.test('each listed workspace is the full Workspace', async (t) => {
    const res = await listWorkspaces(app, owner.token, { q: 'name:beta' })
    const got = await app.inject({ url: `/api/v2/workspaces/${beta.id}`, headers: auth(owner.token) })
    t.strictSame(res.json().workspaces, [got.json()])
  })
})

t.test('pagination', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const { templateId } = await pushExample(app, owner.token)
  const created: string[] = []
  for (const name of ['ws-e', 'ws-c', 'ws-a', 'ws-d', 'ws-b']) {
    created.push((await mustCreateWorkspace(app, owner.token, name, templateId)).name)
  }

  const page = async (query: Record<string, number | string>) => {
    const res = await listWorkspaces(app, owner.token, query)
    t.equal(res.statusCode, 200)
    return { names: res.json().workspaces.map((w: { name: string }) => w.name), count: res.json().count }
  }
  const first = await page({ limit: 2, offset: 0 })
  const second = await page({ limit: 2, offset: 2 })
  const third = await page({ limit: 2, offset: 4 })
  t.strictSame([first.names.length, second.names.length, third.names.length], [2, 2, 1])
  t.strictSame([first.count, second.count, third.count], [5, 5, 5], 'count is the total every time')
  t.strictSame(
    [...first.names, ...second.names, ...third.names],
    ['ws-a', 'ws-b', 'ws-c', 'ws-d', 'ws-e'],
    'the pages do not overlap and cover everything, in a stable order',
  )
  t.strictSame(await page({ limit: 2, offset: 10 }), { names: [], count: 5 }, 'past the end: no workspaces, the count')
  t.strictSame(await page({ limit: 2, offset: 5 }), { names: [], count: 5 }, 'just past the end')
  t.strictSame((await page({})).count, 5, 'no pagination')
  t.equal((await page({})).names.length, 5)
  t.equal((await page({ limit: 0 })).names.length, 5, 'limit 0 is no limit')
  t.strictSame(await page({ limit: 2, offset: 1, q: 'name:ws-' }), { names: ['ws-b', 'ws-c'], count: 5 }, 'with a query')
  t.strictSame(await page({ limit: 2, q: 'name:ws-a' }), { names: ['ws-a'], count: 1 })
  t.strictSame(await page({ limit: 2, offset: 3, q: 'name:nothing' }), { names: [], count: 0 }, 'nothing matches')

  const negative = await listWorkspaces(app, owner.token, { offset: -1 })
  t.equal(negative.statusCode, 400, 'a negative offset is refused')
  t.equal(negative.json().message, 'Query parameters have invalid values.')
})
