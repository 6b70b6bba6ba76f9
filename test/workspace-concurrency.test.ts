import t from 'tap'
import { buildTestApp } from './helpers/app.js'
import { assertError, auth, createMember, createOwner } from './helpers/fixtures.js'
import { createWorkspace } from './helpers/templates.js'
import {
  credentials,
  deleteWorkspace,
  listWorkspaces,
  mustCreateWorkspace,
  pushExample,
  reportEnrollment,
} from './helpers/workspaces.js'

const TAKEN = (name: string) => ({
  message: `Workspace "${name}" already exists.`,
  validations: [{ field: 'name', detail: 'This value is already in use and should be unique.' }],
})

t.test('20 parallel creates with one name: one wins, nineteen get 409', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const { templateId } = await pushExample(app, owner.token)

  const responses = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      createWorkspace(app, owner.token, 'x', templateId, { platform: i % 2 ? 'linux-arm64' : 'linux-amd64' }),
    ),
  )
  const statuses = responses.map((r) => r.statusCode)
  t.equal(statuses.filter((s) => s === 201).length, 1, 'exactly one 201')
  t.equal(statuses.filter((s) => s === 409).length, 19, 'nineteen 409s')
  for (const res of responses.filter((r) => r.statusCode !== 201)) assertError(t, res, 409, TAKEN('x'))

  const winner = responses.find((r) => r.statusCode === 201)!.json()
  const listed = await listWorkspaces(app, owner.token)
  t.equal(listed.json().count, 1, 'one workspace exists')
  t.equal(listed.json().workspaces[0].id, winner.id, 'the one that was answered 201')
  const builds = await app.inject({ url: `/api/v2/workspaces/${winner.id}/builds`, headers: auth(owner.token) })
  t.equal(builds.json().length, 1, 'with one build')
  t.equal(builds.json()[0].resources[0].agents.length, 1, 'and one agent')
  const token = (await credentials(app, owner.token, winner.id)).json().agent_token
  t.equal((await reportEnrollment(app, token, { stage: 'script_started' })).statusCode, 204, 'whose token works')
})

t.test('parallel creates by different owners with one name all succeed', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const members = await Promise.all(Array.from({ length: 4 }, () => createMember(app, owner)))
  const { templateId } = await pushExample(app, owner.token)
  const responses = await Promise.all(
    [owner, ...members].map((user) => createWorkspace(app, user.token, 'shared-name', templateId)),
  )
  t.strictSame(
    responses.map((r) => r.statusCode),
    [201, 201, 201, 201, 201],
    'names are unique per owner only',
  )
  t.equal((await listWorkspaces(app, owner.token, { q: 'name:shared-name' })).json().count, 5)
})

t.test('10 parallel deletes of one workspace: one delete build, answered to all', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const { templateId } = await pushExample(app, owner.token)
  const workspace = await mustCreateWorkspace(app, owner.token, 'x', templateId)
  const token = (await credentials(app, owner.token, workspace.id)).json().agent_token

  const responses = await Promise.all(Array.from({ length: 10 }, () => deleteWorkspace(app, owner.token, workspace.id)))
  t.strictSame(
    responses.map((r) => r.statusCode),
    Array(10).fill(201),
    'all 201',
  )
  const ids = new Set(responses.map((r) => r.json().id))
  t.equal(ids.size, 1, 'all with the same build')
  for (const res of responses) {
    t.match(res.json(), { build_number: 2, transition: 'delete', status: 'deleted', workspace_id: workspace.id })
  }

  const builds = await app.inject({ url: `/api/v2/workspaces/${workspace.id}/builds`, headers: auth(owner.token) })
  t.equal(builds.statusCode, 200)
  t.strictSame(
    builds.json().map((b: { build_number: number; transition: string }) => [b.build_number, b.transition]),
    [
      [2, 'delete'],
      [1, 'start'],
    ],
    'exactly 2 builds afterwards',
  )
  t.equal(builds.json()[0].id, [...ids][0])
  assertError(t, await reportEnrollment(app, token, { stage: 'script_started' }), 401, {
    message: 'Workspace agent not authorized.',
    detail:
      'The agent cannot authenticate until the workspace provision job has been completed. If the job is no longer running, this agent is invalid.',
  })

  await t.test('the name can be taken again, once', async (t) => {
    const again = await Promise.all(Array.from({ length: 5 }, () => createWorkspace(app, owner.token, 'x', templateId)))
    t.equal(again.filter((r) => r.statusCode === 201).length, 1, 'one new workspace')
    for (const res of again.filter((r) => r.statusCode !== 201)) assertError(t, res, 409, TAKEN('x'))
    const created = again.find((r) => r.statusCode === 201)!.json()
    t.not(created.id, workspace.id, 'a new workspace')
    t.equal(created.latest_build.build_number, 1)
    const listed = await listWorkspaces(app, owner.token)
    t.strictSame(
      listed.json().workspaces.map((w: { id: string }) => w.id),
      [created.id],
      'only the new one is listed',
    )
    const old = await app.inject({ url: `/api/v2/workspaces/${workspace.id}?include_deleted=true`, headers: auth(owner.token) })
    t.equal(old.json().latest_build.build_number, 2, 'the deleted one keeps its history')
  })
})

t.test('creates and deletes interleaved', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const { templateId } = await pushExample(app, owner.token)
  const existing = await Promise.all(
    Array.from({ length: 5 }, (_, i) => mustCreateWorkspace(app, owner.token, `old-${i}`, templateId)),
  )
  const results = await Promise.all([
    ...existing.map((w) => deleteWorkspace(app, owner.token, w.id)),
    ...Array.from({ length: 5 }, (_, i) => createWorkspace(app, owner.token, `new-${i}`, templateId)),
  ])
  t.strictSame(
    results.map((r) => r.statusCode),
    Array(10).fill(201),
  )
  const listed = await listWorkspaces(app, owner.token)
  t.strictSame(
    listed.json().workspaces.map((w: { name: string }) => w.name),
    ['new-0', 'new-1', 'new-2', 'new-3', 'new-4'],
  )
  t.equal(listed.json().count, 5)
})
