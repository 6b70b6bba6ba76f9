/**
 * Replays `coder delete hello-world -y` (coder/coder:cli/delete.go, docs/coder-compat.md §6.1)
 * for an external workspace: the workspace by name, a `delete` build (201 WorkspaceBuild),
 * the build watched to the end, and then what must hold afterwards: the workspace is gone
 * from lists and lookups (but visible with include_deleted), `GET /workspaces/{id}` is 410,
 * and the agent token no longer authenticates.
 */
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { createOwner, NOT_FOUND } from '../helpers/fixtures.js'
import { expectSchema } from '../helpers/swagger.js'
import { exampleTemplateFiles, pushTemplate } from '../helpers/templates.js'
import { Cli, createWorkspaceAsCli, expectJson, expectLogStream, listen, NIL_UUID, UUID } from './cli.js'

const TEMPLATE = 'externally-managed-workspace'
const AGENT_NOT_AUTHORIZED = {
  message: 'Workspace agent not authorized.',
  detail:
    'The agent cannot authenticate until the workspace provision job has been completed. If the job is no longer running, this agent is invalid.',
}

t.test('coder delete hello-world -y', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const cli = new Cli(app, owner.token)
  const baseUrl = await listen(app)
  const pushed = await pushTemplate(app, owner.token, TEMPLATE, await exampleTemplateFiles())
  const created = expectJson(t, await createWorkspaceAsCli(cli, 'hello-world', pushed.versionId, { platform: 'linux-amd64' }), 201, 'create')
  const credentials = expectJson(
    t,
    await cli.get(`/api/v2/workspaces/${created.id}/external-agent/main/credentials`),
    200,
    'credentials',
  )
  const agentToken: string = credentials.agent_token
  t.match(agentToken, UUID)

  /** What a bootstrap script reports with the agent token in the header. */
  const enroll = () =>
    app.inject({
      method: 'POST',
      url: '/api/v2/workspaceagents/me/enrollment',
      headers: { 'Coder-Session-Token': agentToken, 'Content-Type': 'application/json' },
      payload: JSON.stringify({ stage: 'script_started' }),
    })
  const before = await enroll()
  t.equal(before.statusCode, 204, `the agent token authenticates before the delete (${before.body})`)

  // namedWorkspace: the workspace by name.
  const workspace = expectJson(
    t,
    await cli.get('/api/v2/users/me/workspace/hello-world?include_deleted=false'),
    200,
    'GET /users/me/workspace/hello-world',
  )
  expectSchema(t, workspace, 'codersdk.Workspace')
  t.equal(workspace.id, created.id)
  t.match(workspace.last_used_at, /^\d{4}-/, 'last_used_at, for "was last used N days ago"')

  // CreateWorkspaceBuild with --orphan as Go marshals it: uuid.Nil for the unset UUIDs.
  const build = expectJson(
    t,
    await cli.post(`/api/v2/workspaces/${workspace.id}/builds`, {
      template_version_id: NIL_UUID,
      transition: 'delete',
      orphan: true,
      template_version_preset_id: NIL_UUID,
    }),
    201,
    'POST /workspaces/{id}/builds {transition: delete, orphan: true}',
  )
  expectSchema(t, build, 'codersdk.WorkspaceBuild')
  t.match(build.id, UUID)
  t.not(build.id, workspace.latest_build.id, 'a new build')
  t.equal(build.transition, 'delete')
  t.equal(build.status, 'deleted')
  t.equal(build.workspace_id, workspace.id)
  t.equal(build.build_number, workspace.latest_build.build_number + 1)
  t.equal(build.template_version_id, workspace.latest_build.template_version_id, 'built from the same version')

  // cliui.WorkspaceBuild: poll the build and follow its logs until the server closes the socket.
  const polled = expectJson(t, await cli.get(`/api/v2/workspacebuilds/${build.id}`), 200, 'GET /workspacebuilds/{id}')
  expectSchema(t, polled, 'codersdk.WorkspaceBuild')
  t.equal(polled.job.status, 'succeeded', 'the delete job succeeded')
  t.ok(polled.job.completed_at, 'completed_at')
  t.equal(polled.status, 'deleted')
  await expectLogStream(t, baseUrl, `/api/v2/workspacebuilds/${build.id}/logs`, owner.token)

  // Gone from lists and lookups.
  for (const url of ['/api/v2/workspaces?q=owner%3Ame+has_external_agent%3Atrue', '/api/v2/workspaces?q=has_external_agent%3Atrue', '/api/v2/workspaces']) {
    const list = expectJson(t, await cli.get(url), 200, `GET ${url}`)
    expectSchema(t, list, 'codersdk.WorkspacesResponse')
    t.strictSame(list, { workspaces: [], count: 0 }, `${url}: no workspaces`)
  }
  for (const url of ['/api/v2/users/me/workspace/hello-world', '/api/v2/users/me/workspace/hello-world?include_deleted=false']) {
    const res = expectJson(t, await cli.get(url), 404, `GET ${url} after the delete`)
    t.strictSame(res, NOT_FOUND)
  }

  // Still there when asked for.
  const deleted = expectJson(
    t,
    await cli.get('/api/v2/users/me/workspace/hello-world?include_deleted=true'),
    200,
    'GET /users/me/workspace/hello-world?include_deleted=true',
  )
  expectSchema(t, deleted, 'codersdk.Workspace')
  t.equal(deleted.id, workspace.id)
  t.equal(deleted.latest_build.id, build.id)
  t.equal(deleted.latest_build.transition, 'delete')
  t.equal(deleted.latest_build.status, 'deleted')

  const gone = expectJson(t, await cli.get(`/api/v2/workspaces/${workspace.id}`), 410, 'GET /workspaces/{id} after the delete')
  expectSchema(t, gone, 'codersdk.Response')
  t.ok(gone.message.includes(workspace.id), 'the 410 names the workspace')
  const shown = expectJson(t, await cli.get(`/api/v2/workspaces/${workspace.id}?include_deleted=true`), 200, 'with include_deleted=true')
  expectSchema(t, shown, 'codersdk.Workspace')

  // No credentials for a deleted workspace.
  const noCredentials = await cli.get(`/api/v2/workspaces/${workspace.id}/external-agent/main/credentials`)
  t.ok(noCredentials.statusCode >= 400 && noCredentials.statusCode < 500, `credentials after the delete: ${noCredentials.statusCode}`)
  t.notOk(JSON.parse(noCredentials.body).agent_token, 'no agent token')

  // The agent token is revoked.
  const after = await enroll()
  t.equal(after.statusCode, 401, 'the agent token no longer authenticates')
  t.equal(after.headers['content-type'], 'application/json; charset=utf-8')
  expectSchema(t, after.json(), 'codersdk.Response')
  t.strictSame(after.json(), AGENT_NOT_AUTHORIZED)

  // The name is free again: a new workspace, with a new token; the old one stays revoked.
  const recreated = expectJson(
    t,
    await createWorkspaceAsCli(cli, 'hello-world', pushed.versionId, { platform: 'linux-amd64' }),
    201,
    'create hello-world again',
  )
  expectSchema(t, recreated, 'codersdk.Workspace')
  t.not(recreated.id, workspace.id, 'a new workspace')
  const newCredentials = expectJson(
    t,
    await cli.get(`/api/v2/workspaces/${recreated.id}/external-agent/main/credentials`),
    200,
    'credentials of the new workspace',
  )
  t.not(newCredentials.agent_token, agentToken, 'a new token')
  t.equal((await enroll()).statusCode, 401, 'the old token stays revoked')
})

t.test('coder delete without --orphan', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const cli = new Cli(app, owner.token)
  const pushed = await pushTemplate(app, owner.token, TEMPLATE, await exampleTemplateFiles())
  const created = expectJson(t, await createWorkspaceAsCli(cli, 'box', pushed.versionId, { platform: 'windows-arm64' }), 201, 'create')

  // Go omits orphan=false; the nil UUIDs stay.
  const build = expectJson(
    t,
    await cli.post(`/api/v2/workspaces/${created.id}/builds`, {
      template_version_id: NIL_UUID,
      transition: 'delete',
      template_version_preset_id: NIL_UUID,
    }),
    201,
    'POST /workspaces/{id}/builds {transition: delete}',
  )
  expectSchema(t, build, 'codersdk.WorkspaceBuild')
  t.equal(build.transition, 'delete')
  t.equal(build.status, 'deleted')
  t.equal(build.job.status, 'succeeded')

  const res = expectJson(t, await cli.get('/api/v2/users/me/workspace/box'), 404, 'gone')
  t.strictSame(res, NOT_FOUND)
})
