/**
 * Replays `coder external-workspaces create hello-world --template=externally-managed-workspace -y`
 * request by request, in the order of docs/coder-compat.md §1.2 (the generic `coder create`
 * with the enterprise BeforeCreate/AfterCreate hooks), then the dynamic-parameters
 * variant of prepWorkspaceBuild, and a template without an external agent.
 */
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { auth, createOwner, NOT_FOUND } from '../helpers/fixtures.js'
import { expectArrayOf, expectSchema } from '../helpers/swagger.js'
import { exampleTemplateFiles, pushTemplate } from '../helpers/templates.js'
import { Cli, createWorkspaceAsCli, expectJson, expectLogStream, listen, NIL_UUID, UUID } from './cli.js'

const TEMPLATE = 'externally-managed-workspace'
const WORKSPACE = 'hello-world'

t.test('coder external-workspaces create hello-world --template=externally-managed-workspace -y', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const cli = new Cli(app, owner.token)
  const baseUrl = await listen(app)
  const pushed = await pushTemplate(app, owner.token, TEMPLATE, await exampleTemplateFiles())

  // 1. Name check: any error means the name is free.
  const free = await cli.get(`/api/v2/users/me/workspace/${WORKSPACE}?include_deleted=false`)
  const freeBody = expectJson(t, free, 404, 'GET /users/me/workspace/hello-world before create')
  expectSchema(t, freeBody, 'codersdk.Response')
  t.strictSame(freeBody, NOT_FOUND)

  // 3. Template lookup: Go's url.Values encoding of q=exact_name:"<template>" (%q-quoted).
  const templates = expectJson(
    t,
    await cli.get('/api/v2/templates?q=exact_name%3A%22externally-managed-workspace%22'),
    200,
    'GET /templates?q=exact_name:"externally-managed-workspace"',
  )
  expectArrayOf(t, templates, 'codersdk.Template')
  t.equal(templates.length, 1, 'exactly one template: no organization prompt')
  const template = templates[0]
  t.equal(template.id, pushed.templateId)
  t.equal(template.name, TEMPLATE)
  for (const field of ['id', 'name', 'active_version_id', 'organization_id', 'organization_name', 'active_user_count']) {
    t.ok(field in template, `the template has ${field}`)
  }
  const versionId = template.active_version_id
  t.equal(versionId, pushed.versionId)

  // 5. Presets: none, so "No preset applied."
  const presets = expectJson(t, await cli.get(`/api/v2/templateversions/${versionId}/presets`), 200, 'GET presets')
  expectArrayOf(t, presets, 'codersdk.Preset')
  t.strictSame(presets, [])

  // 6. BeforeCreate: only the version's has_external_agent is checked.
  const version = expectJson(t, await cli.get(`/api/v2/templateversions/${versionId}`), 200, 'GET /templateversions/{v}')
  expectSchema(t, version, 'codersdk.TemplateVersion')
  t.equal(version.has_external_agent, true, 'the version has an external agent')

  // 7. prepWorkspaceBuild.
  const again = expectJson(t, await cli.get(`/api/v2/templateversions/${versionId}`), 200, 'GET /templateversions/{v} again')
  expectSchema(t, again, 'codersdk.TemplateVersion')
  const byId = expectJson(t, await cli.get(`/api/v2/templates/${template.id}`), 200, 'GET /templates/{id}')
  expectSchema(t, byId, 'codersdk.Template')
  t.equal(byId.use_classic_parameter_flow, true, 'the classic parameter flow (rich-parameters)')

  const parameters = expectJson(
    t,
    await cli.get(`/api/v2/templateversions/${versionId}/rich-parameters`),
    200,
    'GET /templateversions/{v}/rich-parameters',
  )
  expectArrayOf(t, parameters, 'codersdk.TemplateVersionParameter')
  t.equal(parameters.length, 1)
  const platform = parameters[0]
  t.match(platform, {
    name: 'platform',
    display_name: 'Platform',
    type: 'string',
    mutable: false,
    default_value: 'linux-amd64',
    required: false,
    ephemeral: false,
  })
  t.strictSame(
    platform.options.map((o: { value: string }) => o.value),
    ['linux-amd64', 'linux-arm64', 'linux-armv7', 'darwin-amd64', 'darwin-arm64', 'windows-amd64', 'windows-arm64'],
  )

  const externalAuth = expectJson(t, await cli.get(`/api/v2/templateversions/${versionId}/external-auth`), 200, 'GET external-auth')
  expectArrayOf(t, externalAuth, 'codersdk.TemplateVersionExternalAuth')
  t.strictSame(externalAuth, [])

  // The parameter is not given on the command line: -y takes its default.
  const values = [{ name: 'platform', value: 'linux-amd64' }]
  const dryRun = expectJson(
    t,
    await cli.post(`/api/v2/templateversions/${versionId}/dry-run`, { workspace_name: WORKSPACE, rich_parameter_values: values }),
    201,
    'POST /templateversions/{v}/dry-run',
  )
  expectSchema(t, dryRun, 'codersdk.ProvisionerJob')
  t.match(dryRun.id, UUID)
  t.equal(dryRun.type, 'template_version_dry_run')

  const matched = expectJson(
    t,
    await cli.get(`/api/v2/templateversions/${versionId}/dry-run/${dryRun.id}/matched-provisioners`),
    200,
    'GET dry-run matched-provisioners',
  )
  expectSchema(t, matched, 'codersdk.MatchedProvisioners')
  t.ok(matched.count >= 1 && matched.available >= 1, 'a provisioner matched: no warning')

  // §1.5: Fetch once, follow the logs until the server closes, Fetch again.
  const polled = expectJson(t, await cli.get(`/api/v2/templateversions/${versionId}/dry-run/${dryRun.id}`), 200, 'GET dry-run job')
  expectSchema(t, polled, 'codersdk.ProvisionerJob')
  t.equal(polled.status, 'succeeded')
  t.ok(polled.started_at, 'started_at')
  t.ok(polled.completed_at, 'completed_at')
  await expectLogStream(t, baseUrl, `/api/v2/templateversions/${versionId}/dry-run/${dryRun.id}/logs`, owner.token)
  const final = expectJson(t, await cli.get(`/api/v2/templateversions/${versionId}/dry-run/${dryRun.id}`), 200, 'GET dry-run job')
  t.equal(final.status, 'succeeded', 'the dry run succeeded')

  const preview = expectJson(
    t,
    await cli.get(`/api/v2/templateversions/${versionId}/dry-run/${dryRun.id}/resources`),
    200,
    'GET dry-run resources',
  )
  expectArrayOf(t, preview, 'codersdk.WorkspaceResource')
  const previewExternal = preview.find((r: { type: string }) => r.type === 'coder_external_agent')
  t.ok(previewExternal, 'the preview shows coder_external_agent')
  t.equal(previewExternal?.name, 'main', 'coder_external_agent.main')
  const previewAgents = preview.flatMap((r: { agents?: unknown[] }) => r.agents ?? [])
  t.equal(previewAgents.length, 1, 'one agent in the preview')
  t.match(previewAgents[0], { name: 'main', operating_system: 'linux', architecture: 'amd64' })

  // 9. Create: template_version_id, and uuid.Nil for template_id (omitempty never omits a UUID).
  const created = expectJson(t, await createWorkspaceAsCli(cli, WORKSPACE, versionId, { platform: 'linux-amd64' }), 201, 'POST /users/me/workspaces')
  expectSchema(t, created, 'codersdk.Workspace')
  t.match(created.id, UUID)
  t.equal(created.name, WORKSPACE)
  t.equal(created.template_id, template.id)
  t.equal(created.owner_name, owner.username)
  t.equal(created.latest_build.has_external_agent, true, 'latest_build.has_external_agent')
  t.equal(created.latest_build.template_version_id, versionId)
  t.equal(created.latest_build.transition, 'start')
  t.equal(created.automatic_updates, 'never')
  t.not(created.latest_build.id, NIL_UUID)

  // 11. Watch the build.
  const buildPath = `/api/v2/workspacebuilds/${created.latest_build.id}`
  const build = expectJson(t, await cli.get(buildPath), 200, 'GET /workspacebuilds/{id}')
  expectSchema(t, build, 'codersdk.WorkspaceBuild')
  t.equal(build.job.status, 'succeeded', 'the build succeeded')
  t.ok(build.job.started_at, 'started_at')
  t.ok(build.job.completed_at, 'completed_at')
  t.equal(build.has_external_agent, true)
  await expectLogStream(t, baseUrl, `${buildPath}/logs`, owner.token)
  const built = expectJson(t, await cli.get(buildPath), 200, 'GET /workspacebuilds/{id} after the logs')
  t.equal(built.job.status, 'succeeded')

  // 13. AfterCreate: the workspace by name (always `me`), then credentials per external agent.
  const workspace = expectJson(
    t,
    await cli.get(`/api/v2/users/me/workspace/${WORKSPACE}?include_deleted=false`),
    200,
    'GET /users/me/workspace/hello-world',
  )
  expectSchema(t, workspace, 'codersdk.Workspace')
  t.equal(workspace.id, created.id)
  const externals = workspace.latest_build.resources.filter(
    (r: { type: string; agents?: unknown[] }) => r.type === 'coder_external_agent' && (r.agents ?? []).length > 0,
  )
  t.equal(externals.length, 1, 'one coder_external_agent resource with an agent')
  for (const resource of externals) {
    const agent = resource.agents[0]
    t.match(agent, { name: 'main', operating_system: 'linux', architecture: 'amd64' })
    const credentials = expectJson(
      t,
      await cli.get(`/api/v2/workspaces/${workspace.id}/external-agent/${agent.name}/credentials`),
      200,
      `GET credentials for ${agent.name}`,
    )
    expectSchema(t, credentials, 'codersdk.ExternalAgentCredentials')
    t.match(credentials.agent_token, UUID, 'the agent token is a UUID')
    t.equal(
      credentials.command,
      `curl -fsSL "http://outpost.test/api/v2/init-script/linux/amd64" | CODER_AGENT_TOKEN="${credentials.agent_token}" sh`,
      'the command, byte for byte',
    )
  }

  // Running the same command again: the name check now finds the workspace, so the CLI stops.
  const taken = expectJson(t, await cli.get(`/api/v2/users/me/workspace/${WORKSPACE}?include_deleted=false`), 200, 'name check')
  t.equal(taken.id, created.id)
  const duplicate = expectJson(t, await createWorkspaceAsCli(cli, WORKSPACE, versionId, { platform: 'linux-amd64' }), 409, 'POST again')
  expectSchema(t, duplicate, 'codersdk.Response')
  t.equal(duplicate.message, `Workspace "${WORKSPACE}" already exists.`)
})

t.test('prepWorkspaceBuild with dynamic parameters (use_classic_parameter_flow false)', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const cli = new Cli(app, owner.token)
  const files = await exampleTemplateFiles()

  // A template created with the classic flow turned off.
  const pushed = await pushTemplate(app, owner.token, 'scratch', files)
  const version = await app.inject({
    method: 'POST',
    url: '/api/v2/organizations/default/templateversions',
    headers: auth(owner.token),
    payload: { storage_method: 'file', file_id: pushed.version.job.file_id, provisioner: 'terraform' },
  })
  t.equal(version.statusCode, 201, `import: ${version.body}`)
  const created = await cli.post('/api/v2/organizations/default/templates', {
    name: TEMPLATE,
    template_version_id: version.json().id,
    template_use_classic_parameter_flow: false,
  })
  const template = expectJson(t, created, 201, 'POST /organizations/default/templates')
  expectSchema(t, template, 'codersdk.Template')

  const byId = expectJson(t, await cli.get(`/api/v2/templates/${template.id}`), 200, 'GET /templates/{id}')
  expectSchema(t, byId, 'codersdk.Template')
  t.equal(byId.use_classic_parameter_flow, false, 'the dynamic flow')

  // The owner's id, then the evaluation with no inputs.
  const me = expectJson(t, await cli.get('/api/v2/users/me'), 200, 'GET /users/me')
  expectSchema(t, me, 'codersdk.User')
  const evaluated = expectJson(
    t,
    await cli.post(`/api/v2/templateversions/${template.active_version_id}/dynamic-parameters/evaluate`, {
      id: 0,
      inputs: {},
      owner_id: me.id,
    }),
    200,
    'POST /templateversions/{v}/dynamic-parameters/evaluate',
  )
  expectSchema(t, evaluated, 'codersdk.DynamicParametersResponse')
  t.equal(evaluated.id, 0, 'the request id comes back')
  t.strictSame(evaluated.diagnostics, [])
  t.equal(evaluated.parameters.length, 1)
  t.match(evaluated.parameters[0], { name: 'platform', type: 'string', mutable: false, required: false })

  // The CLI echoes an input and a request id.
  const withInput = expectJson(
    t,
    await cli.post(`/api/v2/templateversions/${template.active_version_id}/dynamic-parameters/evaluate`, {
      id: 3,
      inputs: { platform: 'windows-arm64' },
      owner_id: me.id,
    }),
    200,
    'evaluate with an input',
  )
  expectSchema(t, withInput, 'codersdk.DynamicParametersResponse')
  t.equal(withInput.id, 3)
  t.match(withInput.parameters[0], { name: 'platform', value: { value: 'windows-arm64', valid: true } })
})

t.test('a template without an external agent', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const cli = new Cli(app, owner.token)
  const pushed = await pushTemplate(app, owner.token, 'plain', {
    'main.tf': [
      'terraform {',
      '  required_providers {',
      '    coder = { source = "coder/coder" }',
      '  }',
      '}',
      'resource "coder_agent" "main" {',
      '  os   = "linux"',
      '  arch = "amd64"',
      '}',
      '',
    ].join('\n'),
  })
  t.ok(pushed.templateId, 'the template was created')

  const templates = expectJson(t, await cli.get('/api/v2/templates?q=exact_name%3A%22plain%22'), 200, 'GET /templates')
  expectArrayOf(t, templates, 'codersdk.Template')
  t.equal(templates.length, 1)
  const versionId = templates[0].active_version_id

  // BeforeCreate reads this and stops; the server refuses the create as well.
  const version = expectJson(t, await cli.get(`/api/v2/templateversions/${versionId}`), 200, 'GET /templateversions/{v}')
  expectSchema(t, version, 'codersdk.TemplateVersion')
  t.equal(version.has_external_agent, false, 'has_external_agent false')

  const refused = expectJson(t, await createWorkspaceAsCli(cli, WORKSPACE, versionId), 400, 'POST /users/me/workspaces')
  expectSchema(t, refused, 'codersdk.Response')
  t.match(refused.message, /does not have an external agent/)

  const byTemplate = expectJson(
    t,
    await cli.post('/api/v2/users/me/workspaces', { template_id: templates[0].id, name: WORKSPACE }),
    400,
    'POST /users/me/workspaces with template_id',
  )
  t.match(byTemplate.message, /does not have an external agent/)

  const none = expectJson(t, await cli.get(`/api/v2/users/me/workspace/${WORKSPACE}`), 404, 'nothing was created')
  t.strictSame(none, NOT_FOUND)
})
