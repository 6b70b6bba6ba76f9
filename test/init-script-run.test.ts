// Runs the real linux bootstrap script, with sh (dash) and busybox sh and with each of
// its download tools, against a real Outpost on a local port, and checks what it did.
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http'
import { createServer as createNetServer, type AddressInfo } from 'node:net'
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { auth, createOwner } from './helpers/fixtures.js'
import { renderInitScript } from '../src/domain/init-scripts/index.js'
import { buildTestApp } from './helpers/app.js'
import { createWorkspace, exampleTemplateFiles, pushTemplate } from './helpers/templates.js'

/** The machine's own architecture, so the stand-in "runs" as the right platform. */
const ARCH = process.arch === 'arm64' ? 'arm64' : 'amd64'
const BINARY = `coder-linux-${ARCH}`
const VERSION_LINE = 'Coder v2.99.0-outpost-standin+0000000 Sun Jan  4 00:00:00 UTC 2026'

/** A stand-in for Coder's agent binary: a version line, and an `agent` that shows its environment. */
const STANDIN = `#!/bin/sh
case "$1" in
  --version)
    echo '${VERSION_LINE}'
    echo 'https://github.com/coder/coder/commit/0000000'
    ;;
  agent)
    echo "agent-url=$CODER_AGENT_URL"
    echo "agent-auth=$CODER_AGENT_AUTH"
    if [ -n "$CODER_AGENT_TOKEN" ]; then echo 'agent-token=set'; else echo 'agent-token=unset'; fi
    echo "agent-binary=$0"
    ;;
  *)
    echo "stand-in: unexpected arguments: $*" >&2
    exit 2
    ;;
esac
`

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0
const MISSING_TOOLS = ['curl', 'wget', 'busybox', 'dash'].filter((tool) => !has(tool))

async function freePort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function tempDir(t: Test, prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

async function listen(t: Test, server: Server, port = 0): Promise<string> {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function installStandIn(binDir: string, contents = STANDIN, name = BINARY): Promise<string> {
  await writeFile(path.join(binDir, name), contents)
  await chmod(path.join(binDir, name), 0o755)
  return createHash('sha256').update(contents).digest('hex')
}

interface Outpost {
  app: Awaited<ReturnType<typeof buildTestApp>>['app']
  url: string
  binDir: string
  ownerToken: string
  logs: string[]
  templateId?: string
}

/** Outpost listening on a free port; its access URL is that port unless `accessUrl` is given. */
async function startOutpost(t: Test, options: { binDir?: string; port?: number; accessUrl?: string } = {}): Promise<Outpost> {
  const binDir = options.binDir ?? (await tempDir(t, 'outpost-bin-'))
  const port = options.port ?? (await freePort())
  const url = `http://127.0.0.1:${port}`
  const { app, logs } = await buildTestApp(t, {
    env: { OUTPOST_ACCESS_URL: options.accessUrl ?? url, OUTPOST_AGENT_BINARY_DIR: binDir },
    logLevel: 'info',
  })
  await app.listen({ port, host: '127.0.0.1' })
  const owner = await createOwner(app)
  return { app, url, binDir, ownerToken: owner.token, logs }
}

/** One Outpost for the tests that need nothing special (starting one takes seconds); each test installs its own binary. */
let sharedOutpost: Promise<Outpost> | undefined
function shared(): Promise<Outpost> {
  sharedOutpost ??= startOutpost(t)
  return sharedOutpost
}

async function scriptOf(outpost: Outpost): Promise<string> {
  const res = await fetch(`${outpost.url}/api/v2/init-script/linux/${ARCH}`)
  if (res.status !== 200) throw new Error(`init script: ${res.status}`)
  return res.text()
}

/** Exit status 0, or the script's stderr to say why not. */
function exitsZero(t: Test, result: RunResult): void {
  if (!t.equal(result.code, 0, 'exit status 0')) t.comment(result.stderr)
}

interface Attachable {
  agentId: string
  token: string
  command: string
}

/** A workspace of the example template for this machine's platform, and its credentials. */
async function attachable(outpost: Outpost, name: string, os = 'linux'): Promise<Attachable> {
  const { app, ownerToken } = outpost
  outpost.templateId ??= (await pushTemplate(app, ownerToken, 'attach', await exampleTemplateFiles())).templateId
  const created = await createWorkspace(app, ownerToken, name, outpost.templateId, { platform: `${os}-${ARCH}` })
  if (created.statusCode !== 201) throw new Error(`create: ${created.statusCode} ${created.body}`)
  const workspace = created.json()
  const credentials = await app.inject({
    method: 'GET',
    url: `/api/v2/workspaces/${workspace.id}/external-agent/main/credentials`,
    headers: auth(ownerToken),
  })
  if (credentials.statusCode !== 200) throw new Error(`credentials: ${credentials.statusCode} ${credentials.body}`)
  const { command, agent_token: token } = credentials.json()
  return { agentId: workspace.latest_build.resources[0].agents[0].id, token, command }
}

async function enrollmentOf(outpost: Outpost, agentId: string): Promise<{ stage?: string; error?: string } | undefined> {
  const res = await outpost.app.inject({
    method: 'GET',
    url: `/api/v2/workspaceagents/${agentId}`,
    headers: auth(outpost.ownerToken),
  })
  if (res.statusCode !== 200) throw new Error(`agent: ${res.statusCode} ${res.body}`)
  return res.json().enrollment
}

/** The stages the app logged as reported, in order. */
function reportedStages(outpost: Outpost): string[] {
  return outpost.logs
    .map((line) => JSON.parse(line) as { msg?: string; stage?: string })
    .filter((entry) => entry.msg === 'enrollment stage reported')
    .map((entry) => entry.stage!)
}

interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

/** A clean environment: no proxies or tokens from the machine running the tests. */
function baseEnv(scratch: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: scratch,
    TMPDIR: scratch,
    LANG: 'C',
    CODER_INIT_RETRIES: '2',
    CODER_INIT_RETRY_DELAY: '0',
    ...extra,
  }
}

function run(file: string, args: string[], env: Record<string, string>, stdin?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    child.stdin.end(stdin ?? '')
  })
}

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await filesUnder(full)))
    else if (entry.isFile()) out.push(full)
  }
  return out
}

async function assertTokenNowhere(t: Test, dir: string, token: string): Promise<void> {
  for (const file of await filesUnder(dir)) {
    t.notOk((await readFile(file, 'latin1')).includes(token), `the token is not in ${path.relative(dir, file)}`)
  }
}

/**
 * A PATH directory with the tools the script uses, without curl and wget: `wget` can
 * then be added as GNU wget or left to busybox.
 */
async function toolDir(t: Test, options: { gnuWget?: boolean; busyboxApplets?: boolean }): Promise<string> {
  const dir = await tempDir(t, 'outpost-path-')
  const which = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim()
  const tools = ['sh', 'rm', 'mktemp', 'tr', 'cut', 'sed', 'dd', 'grep', 'tail', 'uname', 'hostname', 'sha256sum', 'chmod', 'sleep', 'cat']
  if (options.busyboxApplets) {
    for (const tool of [...tools, 'wget']) await symlink(which('busybox'), path.join(dir, tool))
  } else {
    for (const tool of tools) {
      const found = which(tool)
      if (found) await symlink(found, path.join(dir, tool))
    }
    if (options.gnuWget) await symlink(which('wget'), path.join(dir, 'wget'))
    else await symlink(which('busybox'), path.join(dir, 'busybox'))
  }
  return dir
}

t.test('the exact credentials command attaches this machine: sh (dash) and busybox sh', { skip: MISSING_TOOLS.length > 0 && `missing ${MISSING_TOOLS.join(', ')}` }, async (t) => {
  const outpost = await shared()
  await installStandIn(outpost.binDir)

  for (const shell of ['dash', 'busybox']) {
    await t.test(`with ${shell} as sh`, async (t) => {
      const target = await attachable(outpost, `run-${shell}`)
      t.equal(target.command, `curl -fsSL "${outpost.url}/api/v2/init-script/linux/${ARCH}" | CODER_AGENT_TOKEN="${target.token}" sh`)
      const scratch = await tempDir(t, 'outpost-run-')
      // `sh` in the command is found on PATH: point it at the shell under test.
      const shims = path.join(scratch, 'shims')
      await mkdir(shims)
      const shellPath = spawnSync('sh', ['-c', `command -v ${shell}`], { encoding: 'utf8' }).stdout.trim()
      await symlink(shellPath, path.join(shims, 'sh'))
      // Every curl call is logged with its arguments, to show the token is never among them.
      const argvLog = path.join(scratch, 'curl-argv.log')
      const curlPath = spawnSync('sh', ['-c', 'command -v curl'], { encoding: 'utf8' }).stdout.trim()
      await writeFile(path.join(shims, 'curl'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argvLog}'\nexec '${curlPath}' "$@"\n`)
      await chmod(path.join(shims, 'curl'), 0o755)
      const tmp = path.join(scratch, 'tmp')
      await mkdir(tmp)

      const env = baseEnv(tmp, { PATH: `${shims}:${process.env.PATH}` })
      const started = Date.now()
      const result = await run('/bin/sh', ['-c', target.command], env)
      exitsZero(t, result)
      t.ok(Date.now() - started < 10_000, 'quick')
      t.match(result.stdout, `agent-url=${outpost.url}/\n`)
      t.match(result.stdout, 'agent-auth=token\n')
      t.match(result.stdout, 'agent-token=set\n')
      t.match(result.stderr, `starting the agent (${VERSION_LINE})`)

      const binary = /agent-binary=(.*)\n/.exec(result.stdout)?.[1] ?? ''
      t.ok(binary.startsWith(tmp + path.sep), `the binary ran from a directory in TMPDIR: ${binary}`)
      const privateDir = path.dirname(binary)
      t.equal((await stat(privateDir)).mode & 0o777, 0o700, 'the directory is private')
      t.equal((await stat(binary)).mode & 0o077, 0, 'nobody else may touch the binary')
      t.ok((await readdir(privateDir)).includes('coder'))
      await assertTokenNowhere(t, scratch, target.token)
      const argv = await readFile(argvLog, 'utf8')
      t.ok(argv.split('\n').length >= 5, 'curl ran for the script, the binary and the reports')
      t.notOk(argv.includes(target.token), 'the token was on no curl command line')

      t.same(reportedStages(outpost).slice(-4), ['script_started', 'binary_downloaded', 'binary_verified', 'agent_starting'])
      t.match(await enrollmentOf(outpost, target.agentId), { stage: 'agent_starting' })
    })
  }
})

t.test('GNU wget and busybox wget download too (no curl on PATH)', { skip: MISSING_TOOLS.length > 0 && `missing ${MISSING_TOOLS.join(', ')}` }, async (t) => {
  const outpost = await shared()
  await installStandIn(outpost.binDir)

  const cases = [
    { name: 'GNU wget', dir: { gnuWget: true } },
    { name: 'busybox wget (through the busybox binary)', dir: {} },
    { name: 'busybox applets (wget is busybox, as on Alpine)', dir: { busyboxApplets: true } },
  ]
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const target = await attachable(outpost, `wget-${cases.indexOf(c)}`)
      const script = await scriptOf(outpost)
      const scratch = await tempDir(t, 'outpost-run-')
      const before = reportedStages(outpost).length
      const env = baseEnv(scratch, { PATH: await toolDir(t, c.dir), CODER_AGENT_TOKEN: target.token })
      const result = await run(path.join(env.PATH!, 'sh'), ['-s'], env, script)
      exitsZero(t, result)
      t.match(result.stderr, c.name.startsWith('GNU') ? 'with wget\n' : 'with busybox wget\n')
      t.match(result.stdout, `agent-url=${outpost.url}/\n`)
      t.match(result.stdout, 'agent-token=set\n')
      await assertTokenNowhere(t, scratch, target.token)
      // wget could only send the token on its command line or from a file: no reports without curl.
      t.same(reportedStages(outpost).slice(before), [], 'nothing reported')

      // A 404 is read from the response headers (-S), and is not retried.
      await rm(path.join(outpost.binDir, BINARY))
      const missing = await run(path.join(env.PATH!, 'sh'), ['-s'], { ...env, CODER_INIT_RETRIES: '5' }, script)
      await installStandIn(outpost.binDir)
      t.not(missing.code, 0)
      t.match(missing.stderr, `cannot download the agent binary: HTTP 404 from ${outpost.url}/bin/${BINARY}`)
      if (c.name.startsWith('GNU')) t.match(missing.stderr, `Agent binary ${BINARY} is not installed on this Outpost`)
      t.notMatch(missing.stderr, 'trying again')
    })
  }
})

t.test('the darwin script runs the same way (curl only)', { skip: MISSING_TOOLS.length > 0 && `missing ${MISSING_TOOLS.join(', ')}` }, async (t) => {
  // Its steps are POSIX sh and curl: with a shell stand-in for coder-darwin-<arch> it runs here too.
  const outpost = await shared()
  await installStandIn(outpost.binDir, STANDIN, `coder-darwin-${ARCH}`)
  const target = await attachable(outpost, 'darwin', 'darwin')
  t.equal(target.command, `curl -fsSL "${outpost.url}/api/v2/init-script/darwin/${ARCH}" | CODER_AGENT_TOKEN="${target.token}" sh`)
  const scratch = await tempDir(t, 'outpost-run-')
  const before = reportedStages(outpost).length
  for (const shell of ['dash', 'busybox sh']) {
    const result = await run('/bin/sh', ['-c', target.command.replace(/ sh$/, ` ${shell}`)], baseEnv(scratch))
    exitsZero(t, result)
    t.match(result.stderr, `downloading ${outpost.url}/bin/coder-darwin-${ARCH} with curl`)
    t.match(result.stdout, `agent-url=${outpost.url}/\nagent-auth=token\nagent-token=set\n`)
  }
  t.same(reportedStages(outpost).slice(before, before + 4), ['script_started', 'binary_downloaded', 'binary_verified', 'agent_starting'])
  t.match(await enrollmentOf(outpost, target.agentId), { stage: 'agent_starting' })
  await assertTokenNowhere(t, scratch, target.token)

  // Without curl there is no way to download on macOS.
  const script = await (await fetch(`${outpost.url}/api/v2/init-script/darwin/${ARCH}`)).text()
  const env = baseEnv(scratch, { PATH: await toolDir(t, { gnuWget: true }), CODER_AGENT_TOKEN: target.token })
  const noCurl = await run(path.join(env.PATH!, 'sh'), ['-s'], env, script)
  t.equal(noCurl.code, 127)
  t.match(noCurl.stderr, 'error: no download tool: install curl')
})

t.test('HTTP_PROXY (upper case) carries every request', { skip: !has('curl') && 'no curl' }, async (t) => {
  const outpost = await shared()
  await installStandIn(outpost.binDir)
  const target = await attachable(outpost, 'proxied')
  const seen: { method: string; url: string; body: string }[] = []
  // A plain forward proxy: absolute-form request lines, forwarded to Outpost.
  const proxy = createHttpServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      seen.push({ method: req.method!, url: req.url!, body: body.toString() })
      const upstream = httpRequest(req.url!, { method: req.method, headers: req.headers }, (up: IncomingMessage) => {
        res.writeHead(up.statusCode!, up.headers)
        up.pipe(res)
      })
      upstream.on('error', () => res.destroy())
      upstream.end(body)
    })
  })
  const proxyUrl = await listen(t, proxy)
  const scratch = await tempDir(t, 'outpost-run-')
  const script = await scriptOf(outpost)
  const result = await run('/bin/sh', ['-s'], baseEnv(scratch, { CODER_AGENT_TOKEN: target.token, HTTP_PROXY: proxyUrl }), script)
  exitsZero(t, result)
  t.same(
    seen.map((r) => `${r.method} ${r.url}`),
    [
      `POST ${outpost.url}/api/v2/workspaceagents/me/enrollment`,
      `GET ${outpost.url}/bin/${BINARY}`,
      `POST ${outpost.url}/api/v2/workspaceagents/me/enrollment`,
      `POST ${outpost.url}/api/v2/workspaceagents/me/enrollment`,
      `POST ${outpost.url}/api/v2/workspaceagents/me/enrollment`,
    ],
  )
  const started = JSON.parse(seen[0]!.body)
  t.equal(started.stage, 'script_started')
  t.equal(started.uname, spawnSync('uname', ['-a'], { encoding: 'utf8' }).stdout.trim(), 'uname -a is reported')
  t.type(started.hostname, 'string')
  t.ok(started.hostname.length > 0, 'so is the hostname')
  t.notOk(seen.some((r) => r.body.includes(target.token)), 'the token is only ever a header')

  // NO_PROXY exempts the Outpost host.
  seen.length = 0
  const direct = await run('/bin/sh', ['-s'], baseEnv(scratch, { CODER_AGENT_TOKEN: target.token, HTTP_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' }), script)
  t.equal(direct.code, 0)
  t.same(seen, [], 'nothing went through the proxy')
})

t.test('a binary that does not match the pinned checksum is refused', { skip: !has('curl') && 'no curl' }, async (t) => {
  const outpost = await shared()
  const pinned = await installStandIn(outpost.binDir)
  const target = await attachable(outpost, 'mismatch')
  const script = await scriptOf(outpost)
  t.match(script, `EXPECTED_SHA256='${pinned}'`)
  // The binary changes after the script was rendered and fetched.
  const served = await installStandIn(outpost.binDir, STANDIN.replace('outpost-standin', 'tampered'))
  const scratch = await tempDir(t, 'outpost-run-')
  const result = await run('/bin/sh', ['-s'], baseEnv(scratch, { CODER_AGENT_TOKEN: target.token }), script)
  t.not(result.code, 0)
  t.match(result.stderr, `checksum mismatch for ${outpost.url}/bin/${BINARY}: expected sha256 ${pinned}, got ${served}`)
  t.notMatch(result.stdout, 'agent-url', 'the agent never started')
  t.same(await readdir(scratch), [], 'the private directory was removed')
  const enrollment = await enrollmentOf(outpost, target.agentId)
  t.equal(enrollment?.stage, 'failed')
  t.match(enrollment?.error, `expected sha256 ${pinned}, got ${served}`)
  t.same(reportedStages(outpost).slice(-3), ['script_started', 'binary_downloaded', 'failed'])
})

t.test('an HTML page instead of the binary: an auth proxy or a login page is named', { skip: !has('curl') && 'no curl' }, async (t) => {
  // An authenticating reverse proxy in front of Outpost: the API passes, downloads go to a login page.
  const proxyPort = await freePort()
  const outpost = await startOutpost(t, { accessUrl: `http://127.0.0.1:${proxyPort}` })
  await installStandIn(outpost.binDir)
  const gate = createHttpServer((req, res) => {
    if (req.url!.startsWith('/bin/')) {
      res.writeHead(302, { location: `/login?next=${encodeURIComponent(req.url!)}` }).end()
    } else if (req.url!.startsWith('/login')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('\n<!DOCTYPE html>\n<html><body><form>Sign in</form></body></html>\n')
    } else {
      const upstream = httpRequest(`${outpost.url}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode!, up.headers)
        up.pipe(res)
      })
      req.pipe(upstream)
    }
  })
  await listen(t, gate, proxyPort)
  const target = await attachable(outpost, 'html')
  t.match(target.command, `http://127.0.0.1:${proxyPort}/api/v2/init-script/`)
  const scratch = await tempDir(t, 'outpost-run-')
  const result = await run('/bin/sh', ['-c', target.command], baseEnv(scratch))
  t.not(result.code, 0)
  t.match(result.stderr, 'returned an HTML page (HTTP 200) instead of the agent binary')
  t.match(result.stderr, 'an authenticating proxy or a login page is in the way')
  const enrollment = await enrollmentOf(outpost, target.agentId)
  t.equal(enrollment?.stage, 'failed')
  t.match(enrollment?.error, 'login page')
})

t.test('no binary for the platform: the script says so at once', { skip: !has('curl') && 'no curl' }, async (t) => {
  const outpost = await shared()
  await rm(path.join(outpost.binDir, BINARY), { force: true })
  const target = await attachable(outpost, 'missing')
  const scratch = await tempDir(t, 'outpost-run-')
  const result = await run('/bin/sh', ['-c', target.command], baseEnv(scratch))
  t.not(result.code, 0)
  t.match(result.stderr, `${BINARY} is not installed on the Outpost`)
  t.match(result.stderr, path.join(outpost.binDir, BINARY), 'it names where the operator must put it')
  t.notMatch(result.stderr, 'downloading', 'no download was tried')
  const enrollment = await enrollmentOf(outpost, target.agentId)
  t.equal(enrollment?.stage, 'failed')
  t.match(enrollment?.error, 'is not installed on the Outpost')

  // Removed after the script was fetched: the 404's message reaches the user, without retries.
  await installStandIn(outpost.binDir)
  const script = await scriptOf(outpost)
  await rm(path.join(outpost.binDir, BINARY))
  const later = await run('/bin/sh', ['-s'], baseEnv(scratch, { CODER_AGENT_TOKEN: target.token, CODER_INIT_RETRIES: '5' }), script)
  t.not(later.code, 0)
  t.match(later.stderr, `cannot download the agent binary: HTTP 404 from ${outpost.url}/bin/${BINARY}: Agent binary ${BINARY} is not installed on this Outpost: put it at ${path.join(outpost.binDir, BINARY)}`)
  t.notMatch(later.stderr, 'trying again')
})

t.test('an unreachable Outpost: bounded retries with a doubling delay, then a clear failure', { skip: !has('curl') && 'no curl' }, async (t) => {
  // A script as Outpost renders it, for an access URL where nothing listens.
  const closed = `http://127.0.0.1:${await freePort()}`
  const script = renderInitScript({
    os: 'linux',
    arch: ARCH,
    accessUrl: closed,
    binaryName: BINARY,
    binaryPath: `/srv/outpost/bin/${BINARY}`,
    sha256: createHash('sha256').update(STANDIN).digest('hex'),
  })
  const scratch = await tempDir(t, 'outpost-run-')
  const started = Date.now()
  const env = baseEnv(scratch, { CODER_AGENT_TOKEN: 'not-reported', CODER_INIT_RETRIES: '3', CODER_INIT_RETRY_DELAY: '1' })
  const result = await run('/bin/sh', ['-s'], env, script)
  const elapsed = Date.now() - started
  t.not(result.code, 0)
  t.match(result.stderr, `download failed: no response from ${closed} (curl: (7) Failed to connect`)
  t.match(result.stderr, 'trying again in 1s (attempt 2 of 3)')
  t.match(result.stderr, 'trying again in 2s (attempt 3 of 3)')
  t.match(result.stderr, `cannot download the agent binary after 3 attempts: no response from ${closed}`)
  t.ok(elapsed >= 3000 && elapsed < 15_000, `slept 1 s, then 2 s, and no more (${elapsed} ms)`)
  t.same(await readdir(scratch), [], 'the private directory was removed')
})

t.test('without CODER_AGENT_TOKEN the script stops before doing anything', async (t) => {
  const outpost = await shared()
  await installStandIn(outpost.binDir)
  const script = await scriptOf(outpost)
  const scratch = await tempDir(t, 'outpost-run-')
  const result = await run('/bin/sh', ['-s'], baseEnv(scratch), script)
  t.equal(result.code, 1)
  t.match(result.stderr, 'CODER_AGENT_TOKEN is not set')
  t.same(await readdir(scratch), [])
})
