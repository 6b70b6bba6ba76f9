import t from 'tap'
import { buildTestApp } from './helpers/app.js'
import { assertError, auth, createOwner, NOT_FOUND } from './helpers/fixtures.js'
import { createWorkspace, exampleTemplateFiles, pushTemplate } from './helpers/templates.js'
import {
  agentOf,
  build,
  credentials,
  deleteWorkspace,
  expectedCommand,
  mustCreateWorkspace,
  PLATFORMS,
  pushExample,
  reportEnrollment,
} from './helpers/workspaces.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const NIL_UUID = '00000000-0000-0000-0000-000000000000'

/** A template whose parameters have every type and a required one, so each check can fail. */
const PARAMETER_TEMPLATE = {
  'main.tf': `
data "coder_parameter" "platform" {
  name    = "platform"
  default = "linux-amd64"
  option {
    name  = "Linux (amd64)"
    value = "linux-amd64"
  }
  option {
    name  = "Linux (arm64)"
    value = "linux-arm64"
  }
}

data "coder_parameter" "cpus" {
  name    = "cpus"
  type    = "number"
  default = 2
}

data "coder_parameter" "gpu" {
  name    = "gpu"
  type    = "bool"
  default = false
}

data "coder_parameter" "region" {
  name = "region"
  type = "string"
}

locals {
  platform = split("-", data.coder_parameter.platform.value)
}

resource "coder_agent" "main" {
  os   = local.platform[0]
  arch = local.platform[1]
}

resource "coder_external_agent" "main" {
  agent_id = coder_agent.main.id
}
`,
}

const AGENT_NOT_AUTHORIZED = {
  message: 'Workspace agent not authorized.',
  detail:
    'The agent cannot authenticate until the workspace provision job has been completed. If the job is no longer running, this agent is invalid.',
}

t.test('a workspace for each of the 7 platforms, with its attach command', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const { templateId } = await pushExample(app, owner.token)

  for (const platform of PLATFORMS) {
    const [os, arch] = platform.split('-') as [string, string]
    const workspace = await mustCreateWorkspace(app, owner.token, `ws-${platform}`, templateId, { platform })
    const resource = workspace.latest_build.resources[0]
    t.equal(workspace.latest_build.resources.length, 1, `${platform}: one resource`)
    t.equal(resource.type, 'coder_external_agent', `${platform}: of type coder_external_agent`)
    const agent = agentOf(workspace)
    t.equal(agent.name, 'main')
    t.equal(agent.operating_system, os, `${platform}: operating_system`)
    t.equal(agent.architecture, arch, `${platform}: architecture`)

    const res = await credentials(app, owner.token, workspace.id)
    t.equal(res.statusCode, 200)
    const { agent_token: token, command } = res.json()
    t.match(token, UUID, `${platform}: the agent token is a UUID`)
    t.strictSame(Object.keys(res.json()).sort(), ['agent_token', 'command'])
    t.equal(command, expectedCommand(os, arch, token), `${platform}: the command, exactly`)
  }
  // Spelled out once, so the expected forms do not only come from the helper.
  const linux = await mustCreateWorkspace(app, owner.token, 'literal-linux', templateId, { platform: 'linux-armv7' })
  const linuxToken = (await credentials(app, owner.token, linux.id)).json().agent_token
  t.equal(
    (await credentials(app, owner.token, linux.id)).json().command,
    `curl -fsSL "http://outpost.test/api/v2/init-script/linux/armv7" | CODER_AGENT_TOKEN="${linuxToken}" sh`,
  )
  const windows = await mustCreateWorkspace(app, owner.token, 'literal-windows', templateId, { platform: 'windows-arm64' })
  const windowsToken = (await credentials(app, owner.token, windows.id)).json().agent_token
  t.equal(
    (await credentials(app, owner.token, windows.id)).json().command,
    `$env:CODER_AGENT_TOKEN="${windowsToken}"; iwr -useb "http://outpost.test/api/v2/init-script/windows/arm64" | iex`,
  )

  const defaulted = await mustCreateWorkspace(app, owner.token, 'defaulted', templateId)
  t.equal(agentOf(defaulted).operating_system, 'linux', 'the default platform')
  t.equal(agentOf(defaulted).architecture, 'amd64')

  const tokens = new Set<string>()
  const listed = await app.inject({ url: '/api/v2/workspaces', headers: auth(owner.token) })
  for (const w of listed.json().workspaces) tokens.add((await credentials(app, owner.token, w.id)).json().agent_token)
  t.equal(tokens.size, listed.json().count, 'every agent has its own token')
})

t.test('parameter values are checked, one validation per parameter', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const { templateId, version } = await pushTemplate(app, owner.token, 'params', PARAMETER_TEMPLATE)
  t.equal(version.job.status, 'succeeded', 'the template imports')
  t.equal(version.has_external_agent, true)

  const invalid = (validations: Array<{ field: string; detail: string }>) => ({
    message: 'Invalid rich parameter values.',
    validations,
  })
  const region = { region: 'eu' }
  const cases: Array<[string, Record<string, string>, Array<{ field: string; detail: string }>]> = [
    [
      'an unknown parameter',
      { ...region, size: 'xl' },
      [{ field: 'size', detail: 'Parameter "size" is not defined in the template version.' }],
    ],
    [
      'a value not among the options',
      { ...region, platform: 'linux-armv7' },
      [{ field: 'platform', detail: '"linux-armv7" is not one of the options: linux-amd64, linux-arm64' }],
    ],
    ['a number that is not one', { ...region, cpus: 'many' }, [{ field: 'cpus', detail: 'must be a number, got "many"' }]],
    ['an empty number', { ...region, cpus: '' }, [{ field: 'cpus', detail: 'must be a number, got ""' }]],
    ['a bool that is not one', { ...region, gpu: 'yes' }, [{ field: 'gpu', detail: 'must be true or false, got "yes"' }]],
    [
      'a missing required parameter',
      {},
      [{ field: 'region', detail: 'Parameter "region" is required but no value was given.' }],
    ],
    [
      'everything at once',
      { size: 'xl', platform: 'solaris-sparc', cpus: '1e', gpu: 'TRUE' },
      [
        { field: 'size', detail: 'Parameter "size" is not defined in the template version.' },
        { field: 'platform', detail: '"solaris-sparc" is not one of the options: linux-amd64, linux-arm64' },
        { field: 'cpus', detail: 'must be a number, got "1e"' },
        { field: 'gpu', detail: 'must be true or false, got "TRUE"' },
        { field: 'region', detail: 'Parameter "region" is required but no value was given.' },
      ],
    ],
  ]
  for (const [name, parameters, validations] of cases) {
    const res = await createWorkspace(app, owner.token, 'checked', templateId, parameters)
    assertError(t, res, 400, invalid(validations), name)
  }
  const listed = await app.inject({ url: '/api/v2/workspaces', headers: auth(owner.token) })
  t.equal(listed.json().count, 0, 'no refused create left a workspace')

  const created = await mustCreateWorkspace(app, owner.token, 'checked', templateId, {
    region: 'eu',
    platform: 'linux-arm64',
    cpus: '8',
    gpu: 'true',
  })
  t.equal(agentOf(created).architecture, 'arm64')
  const parameters = await app.inject({
    url: `/api/v2/workspacebuilds/${created.latest_build.id}/parameters`,
    headers: auth(owner.token),
  })
  t.equal(parameters.statusCode, 200)
  t.strictSame(parameters.json(), [
    { name: 'cpus', value: '8' },
    { name: 'gpu', value: 'true' },
    { name: 'platform', value: 'linux-arm64' },
    { name: 'region', value: 'eu' },
  ])

  const defaults = await mustCreateWorkspace(app, owner.token, 'defaults', templateId, { region: 'us' })
  const defaultParameters = await app.inject({
    url: `/api/v2/workspacebuilds/${defaults.latest_build.id}/parameters`,
    headers: auth(owner.token),
  })
  t.strictSame(
    defaultParameters.json(),
    [
      { name: 'cpus', value: '2' },
      { name: 'gpu', value: 'false' },
      { name: 'platform', value: 'linux-amd64' },
      { name: 'region', value: 'us' },
    ],
    'defaults are recorded as build parameters',
  )
})

t.test('names and template references', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const { templateId, versionId } = await pushExample(app, owner.token)

  const badNames: Array<[string, string]> = [
    ['new', 'cannot use "new" as a name'],
    ['create', 'cannot use "create" as a name'],
    ['bad_name', 'must be alphanumeric with hyphens'],
    ['-dash', 'must be alphanumeric with hyphens'],
    ['a'.repeat(33), 'must be <= 32 characters'],
  ]
  for (const [name, detail] of badNames) {
    assertError(
      t,
      await createWorkspace(app, owner.token, name, templateId),
      400,
      { message: 'Validation failed.', validations: [{ field: 'name', detail }] },
      JSON.stringify(name),
    )
  }
  t.equal((await createWorkspace(app, owner.token, 'a'.repeat(32), templateId)).statusCode, 201, '32 characters are fine')

  const create = (payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/api/v2/users/me/workspaces', headers: auth(owner.token), payload })
  assertError(t, await create({ name: 'both', template_id: templateId, template_version_id: versionId }), 400, {
    message: 'You cannot specify both a Template ID and a Template Version ID.',
    validations: [{ field: 'template_id', detail: 'Give either template_id or template_version_id.' }],
  })
  assertError(t, await create({ name: 'neither' }), 400, {
    message: 'A template_id or template_version_id is required.',
    validations: [{ field: 'template_id', detail: 'Give either template_id or template_version_id.' }],
  })
  const unknown = '11111111-2222-4333-8444-555555555555'
  assertError(t, await create({ name: 'unknown', template_id: unknown }), 400, {
    message: `Template "${unknown}" doesn't exist.`,
  })
  assertError(t, await create({ name: 'unknown', template_version_id: unknown }), 400, {
    message: `Template version "${unknown}" doesn't exist.`,
  })

  // The stock CLI sends the nil UUID for the template it does not name.
  const nil = await create({ name: 'nil-template', template_id: NIL_UUID, template_version_id: versionId })
  t.equal(nil.statusCode, 201, 'the nil UUID as template_id counts as not given')
  t.equal(nil.json().template_id, templateId)
  t.equal(nil.json().latest_build.template_version_id, versionId)
  const nilVersion = await create({ name: 'nil-version', template_id: templateId, template_version_id: NIL_UUID })
  t.equal(nilVersion.statusCode, 201, 'and so does the nil UUID as template_version_id')
  t.equal(nilVersion.json().latest_build.template_version_id, versionId)

  const byOrganization = await app.inject({
    method: 'POST',
    url: `/api/v2/organizations/${owner.organizationId}/members/me/workspaces`,
    headers: auth(owner.token),
    payload: { name: 'by-org', template_id: templateId },
  })
  t.equal(byOrganization.statusCode, 201, 'the organization route creates too')
  t.equal(byOrganization.json().organization_id, owner.organizationId)
})

t.test('build 1, and everything that reads it', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const { templateId, versionId, version } = await pushExample(app, owner.token)
  const res = await createWorkspace(app, owner.token, 'dev', templateId, { platform: 'linux-arm64' })
  t.equal(res.statusCode, 201)
  const workspace = res.json()

  t.match(workspace, {
    id: UUID,
    name: 'dev',
    owner_id: owner.id,
    owner_name: owner.username,
    organization_id: owner.organizationId,
    organization_name: 'coder',
    template_id: templateId,
    template_name: 'external',
    template_active_version_id: versionId,
    outdated: false,
    automatic_updates: 'never',
    deleting_at: null,
    dormant_at: null,
  })
  const b = workspace.latest_build
  t.match(b, {
    id: UUID,
    workspace_id: workspace.id,
    workspace_name: 'dev',
    workspace_owner_id: owner.id,
    workspace_owner_name: owner.username,
    template_version_id: versionId,
    template_version_name: version.name,
    build_number: 1,
    transition: 'start',
    reason: 'initiator',
    initiator_id: owner.id,
    initiator_name: owner.username,
    status: 'running',
    has_external_agent: true,
    daily_cost: 0,
  })
  t.match(b.job, { status: 'succeeded', type: 'workspace_build', file_id: version.job.file_id })
  t.ok(b.job.completed_at, 'the job has completed')
  t.equal(b.job.error, undefined, 'without an error')
  t.strictSame(b.job.input, { template_version_id: versionId, workspace_build_id: b.id })
  t.equal(b.resources.length, 1)
  t.match(b.resources[0], { type: 'coder_external_agent', name: 'main', job_id: b.job.id, workspace_transition: 'start' })
  const agent = agentOf(workspace)
  t.match(agent, {
    id: UUID,
    name: 'main',
    status: 'connecting',
    lifecycle_state: 'created',
    operating_system: 'linux',
    architecture: 'arm64',
    resource_id: b.resources[0].id,
    health: { healthy: false, reason: 'agent has not yet connected' },
  })
  t.strictSame(agent.health, { healthy: false, reason: 'agent has not yet connected' })
  t.strictSame(workspace.health, { healthy: false, failing_agents: [agent.id] })

  const got = await app.inject({ url: `/api/v2/workspaces/${workspace.id}`, headers: auth(owner.token) })
  t.equal(got.statusCode, 200)
  t.strictSame(got.json(), workspace, 'GET /workspaces/{id} is the created workspace')
  const byName = await app.inject({ url: '/api/v2/users/me/workspace/dev', headers: auth(owner.token) })
  t.equal(byName.statusCode, 200)
  t.equal(byName.json().id, workspace.id)
  const byUsername = await app.inject({ url: `/api/v2/users/${owner.username}/workspace/dev`, headers: auth(owner.token) })
  t.equal(byUsername.json().id, workspace.id)

  const buildRes = await app.inject({ url: `/api/v2/workspacebuilds/${b.id}`, headers: auth(owner.token) })
  t.equal(buildRes.statusCode, 200)
  t.strictSame(buildRes.json(), b, 'GET /workspacebuilds/{id} is the latest build')
  const resources = await app.inject({ url: `/api/v2/workspacebuilds/${b.id}/resources`, headers: auth(owner.token) })
  t.strictSame(resources.json(), b.resources)
  const parameters = await app.inject({ url: `/api/v2/workspacebuilds/${b.id}/parameters`, headers: auth(owner.token) })
  t.equal(parameters.statusCode, 200)
  t.strictSame(parameters.json(), [{ name: 'platform', value: 'linux-arm64' }])
  const builds = await app.inject({ url: `/api/v2/workspaces/${workspace.id}/builds`, headers: auth(owner.token) })
  t.equal(builds.statusCode, 200)
  t.strictSame(builds.json(), [b], 'one build')
  const logs = await app.inject({ url: `/api/v2/workspacebuilds/${b.id}/logs`, headers: auth(owner.token) })
  t.equal(logs.statusCode, 200)
  t.ok(
    logs.json().some((l: { output: string }) => l.output.includes('coder_agent.main: linux/arm64')),
    'the build log names the agent and its platform',
  )
  const agentRes = await app.inject({ url: `/api/v2/workspaceagents/${agent.id}`, headers: auth(owner.token) })
  t.equal(agentRes.statusCode, 200)
  t.strictSame(agentRes.json(), agent, 'GET /workspaceagents/{id} is the agent')

  const unknown = '11111111-2222-4333-8444-555555555555'
  for (const url of [
    `/api/v2/workspaces/${unknown}`,
    `/api/v2/workspaces/${unknown}/builds`,
    `/api/v2/workspacebuilds/${unknown}`,
    `/api/v2/workspacebuilds/${unknown}/parameters`,
    `/api/v2/workspaceagents/${unknown}`,
    '/api/v2/users/me/workspace/nothing',
  ]) {
    assertError(t, await app.inject({ url, headers: auth(owner.token) }), 404, NOT_FOUND, url)
  }
})

t.test('start and stop are refused; delete is recorded once', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const { templateId } = await pushExample(app, owner.token)
  const workspace = await mustCreateWorkspace(app, owner.token, 'dev', templateId)
  const token: string = (await credentials(app, owner.token, workspace.id)).json().agent_token
  const buildsOf = async () =>
    (await app.inject({ url: `/api/v2/workspaces/${workspace.id}/builds`, headers: auth(owner.token) })).json()
  const before = await buildsOf()

  for (const transition of ['start', 'stop'] as const) {
    assertError(
      t,
      await build(app, owner.token, workspace.id, { transition }),
      409,
      {
        message: `Cannot ${transition} external workspace "dev": Outpost does not control external machines.`,
        detail: `Outpost only records the agent of a machine it does not own; ${transition} the machine or its agent where it runs. Deleting the workspace is allowed.`,
      },
      transition,
    )
  }
  t.strictSame(await buildsOf(), before, 'the builds did not change')
  const after = await app.inject({ url: `/api/v2/workspaces/${workspace.id}`, headers: auth(owner.token) })
  t.equal(after.json().latest_build.status, 'running', 'the workspace did not change')
  t.equal((await reportEnrollment(app, token, { stage: 'script_started' })).statusCode, 204, 'the agent token still works')

  assertError(t, await build(app, owner.token, workspace.id, { transition: 'restart' }), 400, {
    message: 'Validation failed.',
    validations: [{ field: 'transition', detail: 'must be one of start, stop, delete; got "restart"' }],
  })

  const deleted = await deleteWorkspace(app, owner.token, workspace.id)
  t.equal(deleted.statusCode, 201)
  const d = deleted.json()
  t.match(d, {
    workspace_id: workspace.id,
    build_number: 2,
    transition: 'delete',
    status: 'deleted',
    reason: 'initiator',
    initiator_id: owner.id,
    has_external_agent: true,
  })
  t.equal(d.job.status, 'succeeded')
  t.not(d.id, workspace.latest_build.id)

  const again = await deleteWorkspace(app, owner.token, workspace.id)
  t.equal(again.statusCode, 201, 'deleting again is 201')
  t.equal(again.json().id, d.id, 'with the same build')
  t.equal(again.json().build_number, 2, 'still build 2')
  const builds = await buildsOf()
  t.strictSame(
    builds.map((x: { build_number: number; transition: string }) => [x.build_number, x.transition]),
    [
      [2, 'delete'],
      [1, 'start'],
    ],
    'newest first; nothing lost or redone',
  )
  t.equal(builds[1].id, workspace.latest_build.id, 'build 1 is untouched')

  assertError(t, await app.inject({ url: `/api/v2/workspaces/${workspace.id}`, headers: auth(owner.token) }), 410, {
    message: `Workspace "${workspace.id}" was deleted, you can view this workspace by specifying '?include_deleted=true' and trying again.`,
  })
  const included = await app.inject({
    url: `/api/v2/workspaces/${workspace.id}?include_deleted=true`,
    headers: auth(owner.token),
  })
  t.equal(included.statusCode, 200)
  t.equal(included.json().latest_build.id, d.id)
  t.equal(included.json().latest_build.status, 'deleted')
  assertError(t, await app.inject({ url: '/api/v2/users/me/workspace/dev', headers: auth(owner.token) }), 404, NOT_FOUND)
  const byNameDeleted = await app.inject({ url: '/api/v2/users/me/workspace/dev?include_deleted=true', headers: auth(owner.token) })
  t.equal(byNameDeleted.statusCode, 200)
  t.equal(byNameDeleted.json().id, workspace.id)
  const listed = await app.inject({ url: '/api/v2/workspaces', headers: auth(owner.token) })
  t.strictSame(listed.json(), { workspaces: [], count: 0 }, 'not listed')

  for (const transition of ['start', 'stop'] as const) {
    assertError(t, await build(app, owner.token, workspace.id, { transition }), 410, {
      message: `Workspace "${workspace.id}" was deleted, you can view this workspace by specifying '?include_deleted=true' and trying again.`,
    })
  }
  assertError(t, await credentials(app, owner.token, workspace.id), 410, {
    message: `Workspace "${workspace.id}" was deleted, you can view this workspace by specifying '?include_deleted=true' and trying again.`,
  })
  assertError(t, await reportEnrollment(app, token, { stage: 'script_started' }), 401, AGENT_NOT_AUTHORIZED)
})

t.test('the agent token', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const { templateId } = await pushExample(app, owner.token)
  const workspace = await mustCreateWorkspace(app, owner.token, 'dev', templateId)
  const agent = agentOf(workspace)
  const token: string = (await credentials(app, owner.token, workspace.id)).json().agent_token
  const agentNow = async () =>
    (await app.inject({ url: `/api/v2/workspaceagents/${agent.id}`, headers: auth(owner.token) })).json()

  t.notOk('enrollment' in agent, 'no enrollment reported yet')
  const started = await app.inject({
    method: 'POST',
    url: '/api/v2/workspaceagents/me/enrollment',
    headers: { 'Coder-Session-Token': token },
    payload: { stage: 'script_started' },
  })
  t.equal(started.statusCode, 204)
  t.equal(started.body, '')
  const afterStart = await agentNow()
  t.equal(afterStart.enrollment.stage, 'script_started')
  t.ok(!Number.isNaN(Date.parse(afterStart.enrollment.at)), 'with its time')
  t.notOk('error' in afterStart.enrollment)

  const failed = await reportEnrollment(app, token, {
    stage: 'failed',
    error: 'downloaded HTML instead of the agent binary (an auth proxy?)',
  })
  t.equal(failed.statusCode, 204)
  t.match((await agentNow()).enrollment, {
    stage: 'failed',
    error: 'downloaded HTML instead of the agent binary (an auth proxy?)',
  })
  const byWorkspace = await app.inject({ url: `/api/v2/workspaces/${workspace.id}`, headers: auth(owner.token) })
  t.equal(agentOf(byWorkspace.json()).enrollment.stage, 'failed', 'the workspace shows it too')
  t.equal(
    agentOf(byWorkspace.json()).enrollment.error,
    'downloaded HTML instead of the agent binary (an auth proxy?)',
  )

  const failedSilently = await reportEnrollment(app, token, { stage: 'failed' })
  t.equal(failedSilently.statusCode, 204)
  t.equal((await agentNow()).enrollment.error, 'failed without a reason', 'a failure without an error says so')

  // The other two places a token may come from.
  const byCookie = await app.inject({
    method: 'POST',
    url: '/api/v2/workspaceagents/me/enrollment',
    cookies: { coder_session_token: token },
    payload: { stage: 'binary_downloaded' },
  })
  t.equal(byCookie.statusCode, 204, 'cookie')
  const byQuery = await app.inject({
    method: 'POST',
    url: `/api/v2/workspaceagents/me/enrollment?coder_session_token=${token}`,
    payload: { stage: 'binary_verified' },
  })
  t.equal(byQuery.statusCode, 204, 'query parameter')
  const upper = await reportEnrollment(app, token.toUpperCase(), { stage: 'agent_starting' })
  t.equal(upper.statusCode, 204, 'a UUID in upper case is the same token')
  t.strictSame(
    { stage: (await agentNow()).enrollment.stage, error: (await agentNow()).enrollment.error },
    { stage: 'agent_starting', error: undefined },
    'a later stage replaces the failure',
  )

  assertError(t, await reportEnrollment(app, token, { stage: 'teleported' }), 400, {
    message: 'Validation failed.',
    validations: [
      {
        field: 'stage',
        detail: 'must be one of "script_started", "binary_downloaded", "binary_verified", "agent_starting", "failed"',
      },
    ],
  })

  assertError(t, await reportEnrollment(app, undefined, { stage: 'script_started' }), 401, {
    message: 'Cookie "coder_session_token" must be provided.',
  })
  assertError(t, await reportEnrollment(app, 'not-a-uuid', { stage: 'script_started' }), 401, {
    message: 'Workspace agent token invalid.',
    detail: 'An agent token must be a valid UUIDv4. (len 10)',
  })
  assertError(t, await reportEnrollment(app, owner.token, { stage: 'script_started' }), 401, {
    message: 'Workspace agent token invalid.',
    detail: `An agent token must be a valid UUIDv4. (len ${owner.token.length})`,
  }, 'a user session token is not an agent token')
  assertError(
    t,
    await reportEnrollment(app, '11111111-2222-4333-8444-555555555555', { stage: 'script_started' }),
    401,
    AGENT_NOT_AUTHORIZED,
    'an unknown UUID',
  )
  // And an agent token is not a user session.
  const asUser = await app.inject({ url: '/api/v2/users/me', headers: { 'Coder-Session-Token': token } })
  t.equal(asUser.statusCode, 401, 'an agent token does not sign a user in')

  t.equal((await deleteWorkspace(app, owner.token, workspace.id)).statusCode, 201)
  assertError(t, await reportEnrollment(app, token, { stage: 'script_started' }), 401, AGENT_NOT_AUTHORIZED, 'after delete')
  const byCookieAfter = await app.inject({
    method: 'POST',
    url: '/api/v2/workspaceagents/me/enrollment',
    cookies: { coder_session_token: token },
    payload: { stage: 'script_started' },
  })
  assertError(t, byCookieAfter, 401, AGENT_NOT_AUTHORIZED, 'after delete, by cookie')
  t.equal((await agentNow()).enrollment.stage, 'agent_starting', 'the refused report recorded nothing')
})

t.test('a new workspace can reuse the name of a deleted one, with new ids and a new token', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const { templateId } = await pushExample(app, owner.token)
  const first = await mustCreateWorkspace(app, owner.token, 'dev', templateId)
  const firstToken = (await credentials(app, owner.token, first.id)).json().agent_token
  assertError(t, await createWorkspace(app, owner.token, 'DEV', templateId), 409, {
    message: 'Workspace "DEV" already exists.',
    validations: [{ field: 'name', detail: 'This value is already in use and should be unique.' }],
  }, 'names are unique regardless of case')
  t.equal((await deleteWorkspace(app, owner.token, first.id)).statusCode, 201)
  const second = await mustCreateWorkspace(app, owner.token, 'dev', templateId, { platform: 'darwin-arm64' })
  t.not(second.id, first.id)
  t.equal(second.latest_build.build_number, 1)
  const secondToken = (await credentials(app, owner.token, second.id)).json().agent_token
  t.not(secondToken, firstToken)
  t.equal((await reportEnrollment(app, secondToken, { stage: 'script_started' })).statusCode, 204)
  assertError(t, await reportEnrollment(app, firstToken, { stage: 'script_started' }), 401, AGENT_NOT_AUTHORIZED)
  const byName = await app.inject({ url: '/api/v2/users/me/workspace/dev', headers: auth(owner.token) })
  t.equal(byName.json().id, second.id, 'the name finds the live workspace')
})

t.test('example files are what the template tests expect', async (t) => {
  // Guards the 7-platform assumption the tests above make.
  const files = await exampleTemplateFiles()
  for (const platform of PLATFORMS) t.match(files['main.tf'], `value = "${platform}"`, platform)
})
