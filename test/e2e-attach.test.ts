// The whole attach path, end to end: a real server on a free port, a workspace, the exact
// command from its credentials run by a real shell, the real init script downloading a
// stand-in `coder` (bundled with its WebSocket client into one executable file), the agent
// connected and healthy; then the delete, the connection closed at once, and 401s after.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { build } from 'esbuild'
import t, { type Test } from 'tap'
import { agentJson } from './helpers/agents.js'
import { buildTestApp } from './helpers/app.js'
import { auth, createOwner } from './helpers/fixtures.js'
import { createWorkspace, exampleTemplateFiles, pushTemplate } from './helpers/templates.js'

const ARCH = process.arch === 'arm64' ? 'arm64' : 'amd64'
const SHELLS = [['sh'], ['busybox', 'sh']].filter(([cmd]) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0)

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

async function scenario(t: Test, shell: string[]) {
  const binDir = await mkdtemp(path.join(tmpdir(), 'outpost-e2e-bin-'))
  t.teardown(() => rm(binDir, { recursive: true, force: true }))
  await build({
    entryPoints: [path.resolve('test/fixtures/standin-coder.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: path.join(binDir, `coder-linux-${ARCH}`),
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'silent',
  })
  spawnSync('chmod', ['755', path.join(binDir, `coder-linux-${ARCH}`)])

  const port = await freePort()
  const { app } = await buildTestApp(t, {
    env: { OUTPOST_ACCESS_URL: `http://127.0.0.1:${port}`, OUTPOST_AGENT_BINARY_DIR: binDir },
  })
  await app.listen({ port, host: '127.0.0.1' })
  const owner = await createOwner(app)
  const { templateId } = await pushTemplate(app, owner.token, 'externally-managed-workspace', await exampleTemplateFiles())
  const created = await createWorkspace(app, owner.token, 'e2e', templateId, { platform: `linux-${ARCH}` })
  t.equal(created.statusCode, 201)
  const workspace = created.json()
  const agentId: string = workspace.latest_build.resources[0].agents[0].id
  const credentials = (
    await app.inject({ method: 'GET', url: `/api/v2/workspaces/${workspace.id}/external-agent/main/credentials`, headers: auth(owner.token) })
  ).json()
  t.equal(credentials.command, `curl -fsSL "http://127.0.0.1:${port}/api/v2/init-script/linux/${ARCH}" | CODER_AGENT_TOKEN="${credentials.agent_token}" sh`)

  // The command exactly as printed; only the shell that runs it varies.
  const started = Date.now()
  const child = spawn(shell[0]!, [...shell.slice(1), '-c', credentials.command], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: binDir, TMPDIR: binDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })

  const connected = await waitFor(
    'agent connected and ready',
    async () => {
      const agent = await agentJson(app, owner.token, agentId)
      return agent.status === 'connected' && agent.lifecycle_state === 'ready' ? agent : undefined
    },
    5000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n--- script output ---\n${output}`)
  })
  t.ok(Date.now() - started < 5000, `connected and ready in ${Date.now() - started} ms`)
  t.equal(connected.enrollment.stage, 'agent_starting', 'the script reported each stage up to starting the agent')
  t.same(connected.health, { healthy: true })
  const view = (await app.inject({ method: 'GET', url: `/api/v2/workspaces/${workspace.id}`, headers: auth(owner.token) })).json()
  t.same(view.health, { healthy: true, failing_agents: [] }, 'the workspace is healthy')
  t.match(output, `standin: url=http://127.0.0.1:${port}/ auth=token token=set`)

  const deleteSent = Date.now()
  const deleted = await app.inject({
    method: 'POST',
    url: `/api/v2/workspaces/${workspace.id}/builds`,
    headers: auth(owner.token),
    payload: { transition: 'delete' },
  })
  t.equal(deleted.statusCode, 201)
  const closedAt = await waitFor('the stand-in sees its connection closed', async () => {
    const match = /standin: rpc closed 4401 at (\d+)/.exec(output)
    return match ? Number(match[1]) : undefined
  }, 2000)
  t.ok(closedAt - deleteSent < 1000, `connection closed ${closedAt - deleteSent} ms after the delete`)
  t.equal(await exited, 0)
  t.match(output, 'standin: redial -> 401', "the agent's next request is refused")
  const refused = await fetch(`http://127.0.0.1:${port}/api/v2/workspaceagents/me/manifest`, {
    headers: { 'coder-session-token': credentials.agent_token },
  })
  t.equal(refused.status, 401)
  t.equal(((await refused.json()) as { message: string }).message, 'Workspace agent not authorized.')
}

for (const shell of SHELLS) {
  t.test(`attach with ${shell.join(' ')}, then delete`, (t) => scenario(t, shell))
}
if (SHELLS.length < 2) t.fail('busybox is not installed: .ci/run installs it (apt-get install busybox)')
