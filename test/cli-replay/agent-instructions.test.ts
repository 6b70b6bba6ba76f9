/**
 * Replays `coder external-workspaces agent-instructions [user/]workspace[.agent]`
 * (docs/coder-compat.md §1.4): the workspace by name (`GET /users/{owner|me}/workspace/{name}`)
 * or by UUID (`GET /workspaces/{id}`), the checks on `latest_build`, the agent choice,
 * then `GET /workspaces/{id}/external-agent/{agent}/credentials`, whose `command` is the
 * `init_script` the CLI prints.
 */
import t, { type Test } from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { createMember, createOwner, NOT_FOUND } from '../helpers/fixtures.js'
import { expectSchema } from '../helpers/swagger.js'
import { exampleTemplateFiles, pushTemplate } from '../helpers/templates.js'
import { Cli, createWorkspaceAsCli, expectedCommand, expectJson, UUID } from './cli.js'

const TEMPLATE = 'externally-managed-workspace'

/** What the CLI reads from the workspace before asking for credentials. */
function checkWorkspace(t: Test, workspace: any, name: string, os: string, arch: string): any {
  expectSchema(t, workspace, 'codersdk.Workspace', `${name}`)
  t.equal(workspace.name, name)
  t.equal(workspace.latest_build.transition, 'start', `${name}: latest_build.transition start ("workspace must be started" otherwise)`)
  t.ok(workspace.latest_build.job.completed_at, `${name}: the build is complete, so nothing is watched`)
  const agents = workspace.latest_build.resources.flatMap((r: { agents?: unknown[] }) => r.agents ?? [])
  t.equal(agents.length, 1, `${name}: one agent, chosen without a name`)
  t.match(agents[0], { name: 'main', operating_system: os, architecture: arch })
  return agents[0]
}

t.test('coder external-workspaces agent-instructions', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const member = await createMember(app, owner)
  const cli = new Cli(app, owner.token)
  const asMember = new Cli(app, member.token)
  const pushed = await pushTemplate(app, owner.token, TEMPLATE, await exampleTemplateFiles())

  const workspaces: Record<string, any> = {}
  for (const [who, name, platform] of [
    [cli, 'hello-world', 'linux-amd64'],
    [cli, 'win-box', 'windows-amd64'],
    [cli, 'mac-box', 'darwin-arm64'],
    [asMember, 'members-box', 'linux-armv7'],
  ] as const) {
    workspaces[name] = expectJson(t, await createWorkspaceAsCli(who, name, pushed.versionId, { platform }), 201, `create ${name}`)
  }

  const credentialsOf = async (c: Cli, workspaceId: string, agent: string, what: string) => {
    const body = expectJson(t, await c.get(`/api/v2/workspaces/${workspaceId}/external-agent/${agent}/credentials`), 200, what)
    expectSchema(t, body, 'codersdk.ExternalAgentCredentials', what)
    t.match(body.agent_token, UUID, `${what}: agent_token`)
    return body
  }

  // `agent-instructions hello-world`: by name.
  const byName = expectJson(t, await cli.get('/api/v2/users/me/workspace/hello-world'), 200, 'GET /users/me/workspace/hello-world')
  t.equal(byName.id, workspaces['hello-world'].id)
  const agent = checkWorkspace(t, byName, 'hello-world', 'linux', 'amd64')
  const credentials = await credentialsOf(cli, byName.id, agent.name, 'credentials of hello-world')
  t.equal(
    credentials.command,
    `curl -fsSL "http://outpost.test/api/v2/init-script/linux/amd64" | CODER_AGENT_TOKEN="${credentials.agent_token}" sh`,
    'the linux command, byte for byte',
  )
  // The JSON output the CLI builds from it.
  const output = {
    workspace_name: byName.name,
    agent_name: agent.name,
    auth_type: 'token',
    auth_token: credentials.agent_token,
    init_script: credentials.command,
  }
  t.ok(output.auth_token && output.init_script, 'auth_token and init_script are non-empty')

  // `agent-instructions <uuid>`: by ID, the same workspace and the same token.
  const byId = expectJson(t, await cli.get(`/api/v2/workspaces/${byName.id}`), 200, 'GET /workspaces/{id}')
  checkWorkspace(t, byId, 'hello-world', 'linux', 'amd64')
  t.equal(byId.id, byName.id)
  const again = await credentialsOf(cli, byId.id, 'main', 'credentials again')
  t.strictSame(again, credentials, 'the credentials do not change between calls')

  // `agent-instructions hello-world.main` and `<owner>/hello-world.main`.
  const byOwnerName = expectJson(t, await cli.get(`/api/v2/users/${owner.username}/workspace/hello-world`), 200, 'GET /users/{owner}/workspace/hello-world')
  t.equal(byOwnerName.id, byName.id)

  // Windows: the PowerShell command.
  const win = expectJson(t, await cli.get('/api/v2/users/me/workspace/win-box'), 200, 'GET win-box')
  checkWorkspace(t, win, 'win-box', 'windows', 'amd64')
  const winCredentials = await credentialsOf(cli, win.id, 'main', 'credentials of win-box')
  t.equal(
    winCredentials.command,
    `$env:CODER_AGENT_TOKEN="${winCredentials.agent_token}"; iwr -useb "http://outpost.test/api/v2/init-script/windows/amd64" | iex`,
    'the windows command, byte for byte',
  )
  t.not(winCredentials.agent_token, credentials.agent_token, 'each agent has its own token')

  const mac = expectJson(t, await cli.get('/api/v2/users/me/workspace/mac-box'), 200, 'GET mac-box')
  checkWorkspace(t, mac, 'mac-box', 'darwin', 'arm64')
  const macCredentials = await credentialsOf(cli, mac.id, 'main', 'credentials of mac-box')
  t.equal(macCredentials.command, expectedCommand('http://outpost.test', 'darwin', 'arm64', macCredentials.agent_token))

  // An owner may read a member's workspace: `agent-instructions <member>/members-box`.
  const theirs = expectJson(t, await cli.get(`/api/v2/users/${member.username}/workspace/members-box`), 200, 'owner reads members-box')
  checkWorkspace(t, theirs, 'members-box', 'linux', 'armv7')
  const theirCredentials = await credentialsOf(cli, theirs.id, 'main', 'owner reads members-box credentials')
  t.equal(theirCredentials.command, expectedCommand('http://outpost.test', 'linux', 'armv7', theirCredentials.agent_token))
  const own = await credentialsOf(asMember, theirs.id, 'main', 'the member reads their own credentials')
  t.strictSame(own, theirCredentials)

  // A member may not read the owner's workspace: the generic 404, by name, by ID and for credentials.
  for (const url of [
    `/api/v2/users/${owner.username}/workspace/hello-world`,
    `/api/v2/workspaces/${byName.id}`,
    `/api/v2/workspaces/${byName.id}/external-agent/main/credentials`,
  ]) {
    const res = expectJson(t, await asMember.get(url), 404, `member: ${url}`)
    t.strictSame(res, NOT_FOUND)
  }

  // `agent-instructions hello-world.x`: the CLI stops before the server; the endpoint says the same.
  const unknownAgent = expectJson(
    t,
    await cli.get(`/api/v2/workspaces/${byName.id}/external-agent/x/credentials`),
    404,
    'credentials of an unknown agent',
  )
  expectSchema(t, unknownAgent, 'codersdk.Response')
  t.strictSame(unknownAgent, { message: "External agent 'x' not found in workspace." })

  // An unknown workspace UUID.
  const missing = '6f0b8f0e-1d2c-4c3b-9a8d-7e6f5a4b3c2d'
  for (const url of [`/api/v2/workspaces/${missing}`, `/api/v2/workspaces/${missing}/external-agent/main/credentials`]) {
    const res = expectJson(t, await cli.get(url), 404, `unknown workspace: ${url}`)
    expectSchema(t, res, 'codersdk.Response')
    t.strictSame(res, { message: 'Resource not found or you do not have access to this resource' })
  }
  const unknownName = expectJson(t, await cli.get('/api/v2/users/me/workspace/nope'), 404, 'unknown workspace name')
  t.strictSame(unknownName, NOT_FOUND)

  // Without a session: 401, which the CLI turns into "Try logging in using 'coder login'."
  const signedOut = await app.inject({ method: 'GET', url: `/api/v2/workspaces/${byName.id}/external-agent/main/credentials` })
  t.equal(signedOut.statusCode, 401)
  expectSchema(t, signedOut.json(), 'codersdk.Response')
})
