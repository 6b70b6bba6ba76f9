import t from 'tap'
import { buildTestApp } from './helpers/app.js'
import { assertError, auth, createMember, createOwner, NOT_FOUND } from './helpers/fixtures.js'
import {
  agentOf,
  build,
  credentials,
  expectedCommand,
  mustCreateWorkspace,
  pushExample,
  reportEnrollment,
} from './helpers/workspaces.js'

const UNKNOWN = '11111111-2222-4333-8444-555555555555'

t.test('credentials: the 404s that apply to external workspaces', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const { templateId } = await pushExample(app, owner.token)
  const workspace = await mustCreateWorkspace(app, owner.token, 'dev', templateId, { platform: 'darwin-amd64' })

  assertError(t, await credentials(app, owner.token, workspace.id, 'x'), 404, {
    message: "External agent 'x' not found in workspace.",
  })
  assertError(
    t,
    await credentials(app, owner.token, workspace.id, 'Main'),
    404,
    { message: "External agent 'Main' not found in workspace." },
    'agent names match exactly',
  )
  assertError(t, await credentials(app, owner.token, UNKNOWN), 404, NOT_FOUND, 'an unknown workspace')

  const ok = await credentials(app, owner.token, workspace.id, 'main')
  t.equal(ok.statusCode, 200)
  t.equal(ok.headers['content-type'], 'application/json; charset=utf-8')
  t.equal(ok.json().command, expectedCommand('darwin', 'amd64', ok.json().agent_token))

  const signedOut = await app.inject({ url: `/api/v2/workspaces/${workspace.id}/external-agent/main/credentials` })
  t.equal(signedOut.statusCode, 401, 'no session')
})

t.test('who may read whose workspace', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const alice = await createMember(app, owner)
  const bob = await createMember(app, owner)
  const { templateId } = await pushExample(app, owner.token)
  const ownerWs = await mustCreateWorkspace(app, owner.token, 'owners', templateId)
  const aliceWs = await mustCreateWorkspace(app, alice.token, 'alices', templateId, { platform: 'windows-amd64' })

  const readsOf = (ws: Record<string, any>, username: string) => [
    `/api/v2/workspaces/${ws.id}`,
    `/api/v2/workspaces/${ws.id}/builds`,
    `/api/v2/workspaces/${ws.id}/external-agent/main/credentials`,
    `/api/v2/workspacebuilds/${ws.latest_build.id}`,
    `/api/v2/workspacebuilds/${ws.latest_build.id}/resources`,
    `/api/v2/workspacebuilds/${ws.latest_build.id}/parameters`,
    `/api/v2/workspacebuilds/${ws.latest_build.id}/logs`,
    `/api/v2/workspaceagents/${agentOf(ws).id}`,
    `/api/v2/users/${username}/workspace/${ws.name}`,
  ]

  await t.test("a member cannot read another user's workspace", async (t) => {
    for (const url of readsOf(aliceWs, alice.username)) {
      assertError(t, await app.inject({ url, headers: auth(bob.token) }), 404, NOT_FOUND, `bob: ${url}`)
    }
    for (const url of readsOf(ownerWs, owner.username)) {
      assertError(t, await app.inject({ url, headers: auth(alice.token) }), 404, NOT_FOUND, `alice: ${url}`)
    }
    // Nor change it: a delete by someone who cannot see it is the same 404.
    assertError(t, await build(app, bob.token, aliceWs.id, { transition: 'delete' }), 404, NOT_FOUND, 'delete')
    assertError(t, await build(app, bob.token, aliceWs.id, { transition: 'start' }), 404, NOT_FOUND, 'start')
    const still = await app.inject({ url: `/api/v2/workspaces/${aliceWs.id}`, headers: auth(alice.token) })
    t.equal(still.json().latest_build.build_number, 1, 'nothing was recorded')
  })

  await t.test('a member reads their own', async (t) => {
    for (const url of readsOf(aliceWs, alice.username)) {
      const res = await app.inject({ url, headers: auth(alice.token) })
      t.equal(res.statusCode, 200, url)
    }
    const byMe = await app.inject({ url: '/api/v2/users/me/workspace/alices', headers: auth(alice.token) })
    t.equal(byMe.json().id, aliceWs.id)
    const creds = await credentials(app, alice.token, aliceWs.id)
    t.equal(creds.json().command, expectedCommand('windows', 'amd64', creds.json().agent_token), 'the PowerShell form')
  })

  await t.test("an owner reads everyone's", async (t) => {
    for (const ws of [aliceWs, ownerWs]) {
      const username = ws === aliceWs ? alice.username : owner.username
      for (const url of readsOf(ws, username)) {
        const res = await app.inject({ url, headers: auth(owner.token) })
        t.equal(res.statusCode, 200, url)
      }
    }
    const asAlice = await credentials(app, alice.token, aliceWs.id)
    const asOwner = await credentials(app, owner.token, aliceWs.id)
    t.strictSame(asOwner.json(), asAlice.json(), "the owner sees the member's credentials")
  })

  await t.test('the credentials token is stable and authenticates', async (t) => {
    const first = (await credentials(app, alice.token, aliceWs.id)).json()
    for (let i = 0; i < 3; i++) {
      t.strictSame((await credentials(app, alice.token, aliceWs.id)).json(), first, `read ${i + 2} is the same`)
    }
    const report = await reportEnrollment(app, first.agent_token, { stage: 'script_started' })
    t.equal(report.statusCode, 204, 'the token authenticates the agent')
    const agent = await app.inject({ url: `/api/v2/workspaceagents/${agentOf(aliceWs).id}`, headers: auth(alice.token) })
    t.equal(agent.json().enrollment.stage, 'script_started', 'as the agent of this workspace')
    const other = await app.inject({ url: `/api/v2/workspaceagents/${agentOf(ownerWs).id}`, headers: auth(owner.token) })
    t.notOk('enrollment' in other.json(), 'and no other')
    const ownerToken = (await credentials(app, owner.token, ownerWs.id)).json().agent_token
    t.not(ownerToken, first.agent_token, 'each workspace has its own token')
  })
})
