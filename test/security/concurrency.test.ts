import t from 'tap'
import { connectAgent, listen } from '../helpers/agents.js'
import { buildTestApp } from '../helpers/app.js'
import { assertError, auth, createMember, createOwner } from '../helpers/fixtures.js'
import { NO_RATE_LIMITS, rawRows } from '../helpers/security.js'
import { createWorkspace } from '../helpers/templates.js'
import { agentOf, credentials, deleteWorkspace, mustCreateWorkspace, pushExample } from '../helpers/workspaces.js'

/**
 * Races on one resource, decided by the database (run with DATABASE_URL for real
 * parallel transactions): one name, one delete, one current agent token.
 */

const TAKEN = (name: string) => ({
  message: `Workspace "${name}" already exists.`,
  validations: [{ field: 'name', detail: 'This value is already in use and should be unique.' }],
})


// One app for the file; each race has its own users and workspaces, and counts what it added.
const { app, database } = await buildTestApp(t, { env: NO_RATE_LIMITS })
const owner = await createOwner(app)
const { templateId } = await pushExample(app, owner.token)
const baseUrl = await listen(app)

const count = async (sql: string) => Number((await rawRows<{ n: number | string }>(database, sql))[0]!.n)
const BUILD_JOBS = "SELECT count(*) AS n FROM provisioner_jobs WHERE type = 'workspace_build'"

const manifestStatus = async (token: string) =>
  (await app.inject({ url: '/api/v2/workspaceagents/me/manifest', headers: auth(token) })).statusCode

function rotate(token: string, workspaceId: string, grace = 0) {
  return app.inject({
    method: 'POST',
    url: `/api/v2/workspaces/${workspaceId}/external-agent/main/credentials/rotate`,
    headers: auth(token),
    payload: { grace_period_seconds: grace },
  })
}

t.test('50 parallel creates with one name: exactly one 201, 49 × 409, and nothing left of the losers', async (t) => {
  const counts = async () => ({
    jobs: await count(BUILD_JOBS),
    resources: await count("SELECT count(*) AS n FROM workspace_resources r JOIN provisioner_jobs j ON j.id = r.job_id WHERE j.type = 'workspace_build'"),
    logs: await count("SELECT count(*) AS n FROM provisioner_job_logs l JOIN provisioner_jobs j ON j.id = l.job_id WHERE j.type = 'workspace_build'"),
    agents: await count('SELECT count(*) AS n FROM workspace_agents a JOIN workspace_resources r ON r.id = a.resource_id JOIN workspace_builds b ON b.job_id = r.job_id'),
    tokens: await count('SELECT count(*) AS n FROM workspace_agent_tokens'),
    creates: await count("SELECT count(*) AS n FROM audit_logs WHERE resource_type = 'workspace' AND action = 'create'"),
    refusals: await count("SELECT count(*) AS n FROM audit_logs WHERE resource_type = 'workspace' AND action = 'create' AND status_code = 409"),
  })
  const before = await counts()

  // Both create endpoints, racing on the same (owner, name).
  const responses = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      i % 2 === 0
        ? createWorkspace(app, owner.token, 'x', templateId)
        : app.inject({
            method: 'POST',
            url: '/api/v2/organizations/default/members/me/workspaces',
            headers: auth(owner.token),
            payload: { name: 'x', template_id: templateId },
          }),
    ),
  )
  const statuses = responses.map((r) => r.statusCode)
  t.equal(statuses.filter((s) => s === 201).length, 1, 'exactly one 201')
  t.equal(statuses.filter((s) => s === 409).length, 49, 'exactly 49 × 409')
  for (const res of responses.filter((r) => r.statusCode !== 201)) assertError(t, res, 409, TAKEN('x'))

  const winner = responses.find((r) => r.statusCode === 201)!.json()
  t.equal(await count(`SELECT count(*) AS n FROM workspaces WHERE owner_id = '${owner.id}' AND name = 'x'`), 1, 'one workspace row')
  t.equal(await count(`SELECT count(*) AS n FROM workspace_builds WHERE workspace_id = '${winner.id}'`), 1, 'one build')
  const after = await counts()
  t.strictSame(
    { jobs: after.jobs - before.jobs, resources: after.resources - before.resources, agents: after.agents - before.agents, tokens: after.tokens - before.tokens },
    { jobs: 1, resources: 1, agents: 1, tokens: 1 },
    'one build job, resource, agent and token were added: the losers left nothing',
  )
  t.ok(after.logs > before.logs, 'the build has logs')
  const token = (await credentials(app, owner.token, winner.id)).json().agent_token
  t.equal(await manifestStatus(token), 200, 'its token works')
  t.equal(after.creates - before.creates, 50, 'every attempt audited')
  t.equal(after.refusals - before.refusals, 49, 'the 49 refusals audited as 409')
})

t.test('parallel deletes of one workspace, by its owner and by an owner: one delete build', async (t) => {
  const member = await createMember(app, owner)
  const workspace = await mustCreateWorkspace(app, member.token, 'doomed', templateId)
  const token = (await credentials(app, member.token, workspace.id)).json().agent_token
  const connection = await connectAgent(baseUrl, token)

  const jobsBefore = await count(BUILD_JOBS)
  const responses = await Promise.all(
    Array.from({ length: 20 }, (_, i) => deleteWorkspace(app, i % 2 === 0 ? member.token : owner.token, workspace.id)),
  )
  t.strictSame(
    responses.map((r) => r.statusCode),
    Array(20).fill(201),
    'every delete answered 201',
  )
  const buildIds = new Set(responses.map((r) => r.json().id))
  t.equal(buildIds.size, 1, 'all with the one delete build')
  t.match(responses[0]!.json(), { build_number: 2, transition: 'delete', workspace_id: workspace.id })

  const rows = await rawRows<{ build_number: number; transition: string; job_status: string }>(
    database,
    `SELECT b.build_number, b.transition, j.status AS job_status FROM workspace_builds b JOIN provisioner_jobs j ON j.id = b.job_id WHERE b.workspace_id = '${workspace.id}' ORDER BY b.build_number`,
  )
  t.strictSame(
    rows.map((r) => [Number(r.build_number), r.transition, r.job_status]),
    [
      [1, 'start', 'succeeded'],
      [2, 'delete', 'succeeded'],
    ],
    'builds 1 (start) and 2 (delete), each with its job',
  )
  t.equal(await count(BUILD_JOBS), jobsBefore + 1, 'one job added: no stray one')
  t.equal(await count(`SELECT count(*) AS n FROM workspaces WHERE id = '${workspace.id}' AND deleted`), 1, 'the workspace is deleted')
  t.equal(await manifestStatus(token), 401, 'its agent token stopped')
  t.equal((await connection.closed).code, 4401, "the agent's connection was closed")
  assertError(t, await credentials(app, member.token, workspace.id), 410, {
    message: `Workspace "${workspace.id}" was deleted, you can view this workspace by specifying '?include_deleted=true' and trying again.`,
  })
  const again = await deleteWorkspace(app, member.token, workspace.id)
  t.equal(again.json().id, [...buildIds][0], 'a later delete answers with the same build')
})

t.test('parallel rotations of one agent token: exactly one working token, the one credentials show', async (t) => {
  const member = await createMember(app, owner)
  const workspace = await mustCreateWorkspace(app, member.token, 'spinning', templateId)
  const original = (await credentials(app, member.token, workspace.id)).json().agent_token
  const connection = await connectAgent(baseUrl, original)

  const responses = await Promise.all(
    Array.from({ length: 20 }, (_, i) => rotate(i % 2 === 0 ? member.token : owner.token, workspace.id)),
  )
  t.strictSame(
    responses.map((r) => r.statusCode),
    Array(20).fill(200),
    'every rotation answered 200',
  )
  const issued: string[] = responses.map((r) => r.json().agent_token)
  t.equal(new Set(issued).size, 20, '20 distinct tokens issued')

  const all = [original, ...issued]
  const working: string[] = []
  for (const token of all) if ((await manifestStatus(token)) === 200) working.push(token)
  t.equal(working.length, 1, 'exactly one of the 21 tokens works')
  t.ok(issued.includes(working[0]!), 'and it is one of the rotations')
  t.equal((await credentials(app, member.token, workspace.id)).json().agent_token, working[0], 'the credentials endpoint shows it')
  t.equal((await credentials(app, owner.token, workspace.id)).json().agent_token, working[0], 'to the owner too')

  const rows = await rawRows<{ current: number | string; total: number | string }>(
    database,
    `SELECT count(*) FILTER (WHERE expires_at IS NULL) AS current, count(*) AS total FROM workspace_agent_tokens WHERE agent_id = '${agentOf(workspace).id}'`,
  )
  t.equal(Number(rows[0]!.current), 1, 'one current token row')
  t.equal(Number(rows[0]!.total), 21, 'and the 20 retired ones')
  t.equal((await connection.closed).code, 4401, 'the connection on the original token was closed')
  t.equal(
    await count(
      `SELECT count(*) AS n FROM audit_logs WHERE resource_type = 'workspace_agent' AND action = 'write' AND status_code = 200 AND resource_id = '${agentOf(workspace).id}'`,
    ),
    20,
    'every rotation audited',
  )
})

t.test('rotations racing a delete: afterwards no token works', async (t) => {
  const workspace = await mustCreateWorkspace(app, owner.token, 'racing', templateId)
  const original = (await credentials(app, owner.token, workspace.id)).json().agent_token

  const rotations = Array.from({ length: 10 }, (_, i) => rotate(owner.token, workspace.id, i % 3 === 0 ? 3600 : 0))
  const reads = Array.from({ length: 5 }, () => credentials(app, owner.token, workspace.id))
  const deletion = deleteWorkspace(app, owner.token, workspace.id)
  const [rotated, read, deleted] = await Promise.all([Promise.all(rotations), Promise.all(reads), deletion])
  t.equal(deleted.statusCode, 201, 'the delete went through')
  for (const res of [...rotated, ...read]) {
    t.ok(res.statusCode === 200 || res.statusCode === 410, `rotation or read answered ${res.statusCode}`)
  }
  const tokens = [original, ...[...rotated, ...read].filter((r) => r.statusCode === 200).map((r) => r.json().agent_token as string)]
  for (const token of new Set(tokens)) t.equal(await manifestStatus(token), 401, 'a token from before or during the delete is refused')
  t.equal(await count(`SELECT count(*) AS n FROM workspace_builds WHERE workspace_id = '${workspace.id}'`), 2, 'two builds')
  t.equal((await credentials(app, owner.token, workspace.id)).statusCode, 410, 'no credentials for a deleted workspace')
})
