import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { Language, Parser, type Node } from 'web-tree-sitter'
import { agentBinaryName } from '../src/domain/agent-binaries.js'
import { renderInitScript } from '../src/domain/init-scripts/index.js'
import { psQuote, shQuote } from '../src/domain/init-scripts/template.js'
import { SUPPORTED_PLATFORMS } from '../src/domain/platforms.js'
import { buildTestApp } from './helpers/app.js'
import { auth, createOwner } from './helpers/fixtures.js'
import { createWorkspace, exampleTemplateFiles, pushTemplate } from './helpers/templates.js'

const ACCESS_URL = 'http://outpost.test'
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0

async function tempDir(t: Test, prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** A binary directory with a distinct small file for every platform; returns their checksums. */
async function binaryDir(t: Test): Promise<{ dir: string; sha256: Map<string, string> }> {
  const dir = await tempDir(t, 'outpost-bin-')
  const sha256 = new Map<string, string>()
  for (const { os, arch } of SUPPORTED_PLATFORMS) {
    const contents = `not really coder for ${os}/${arch}\n`
    await writeFile(path.join(dir, agentBinaryName(os, arch)), contents)
    sha256.set(`${os}/${arch}`, createHash('sha256').update(contents).digest('hex'))
  }
  return { dir, sha256 }
}

const sha256Base64 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64')
const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')

type App = Awaited<ReturnType<typeof buildTestApp>>

/** Two apps for the whole file (each takes seconds to start): with all 7 binaries installed, and with none. */
let installedApp: Promise<App & { sha256: Map<string, string> }> | undefined
function installed() {
  installedApp ??= binaryDir(t).then(async ({ dir, sha256 }) => ({
    ...(await buildTestApp(t, { env: { OUTPOST_ACCESS_URL: ACCESS_URL, OUTPOST_AGENT_BINARY_DIR: dir } })),
    sha256,
  }))
  return installedApp
}
let emptyApp: Promise<App> | undefined
function empty() {
  emptyApp ??= tempDir(t, 'outpost-empty-').then((dir) =>
    buildTestApp(t, { env: { OUTPOST_ACCESS_URL: 'https://outpost.example.com/prefix', OUTPOST_AGENT_BINARY_DIR: dir } }),
  )
  return emptyApp
}

let powershell: Parser | undefined
async function powershellParser(): Promise<Parser> {
  if (!powershell) {
    await Parser.init()
    const wasm = createRequire(import.meta.url).resolve('tree-sitter-powershell/tree-sitter-powershell.wasm')
    powershell = new Parser()
    powershell.setLanguage(await Language.load(wasm))
  }
  return powershell
}

/** Every ERROR or MISSING node, as "row:column type". */
function syntaxProblems(node: Node): string[] {
  const out: string[] = []
  if (node.isError || node.isMissing) {
    out.push(`${node.startPosition.row + 1}:${node.startPosition.column + 1} ${node.isMissing ? 'MISSING' : 'ERROR'} ${node.type}`)
  }
  for (const child of node.children) if (child) out.push(...syntaxProblems(child))
  return out
}

/** shellcheck -s sh, dash -n and busybox sh -n on a script; each failure is reported with its output. */
async function checkPosix(t: Test, name: string, body: string, { shellcheck = true } = {}): Promise<void> {
  const dir = await tempDir(t, 'outpost-script-')
  const file = path.join(dir, `${name.replace('/', '-')}.sh`)
  await writeFile(file, body)
  const checks = [
    ['shellcheck', ['-s', 'sh', file]],
    ['dash', ['-n', file]],
    ['busybox', ['sh', '-n', file]],
  ] as const
  for (const [tool, args] of checks.filter(([tool]) => shellcheck || tool !== 'shellcheck')) {
    if (!has(tool)) {
      t.fail(`${tool} is not installed (apt-get install shellcheck busybox dash)`)
      continue
    }
    const result = spawnSync(tool, args, { encoding: 'utf8' })
    t.equal(result.status, 0, `${name}: ${tool} ${args.slice(0, -1).join(' ')} passes`, { output: result.stdout + result.stderr })
  }
}

t.test('all 7 scripts are served, with digest, ETag, 304 and HEAD', async (t) => {
  const { app, sha256 } = await installed()
  for (const { os, arch } of SUPPORTED_PLATFORMS) {
    const url = `/api/v2/init-script/${os}/${arch}`
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 200, `${os}/${arch}`)
    t.equal(res.headers['content-type'], 'text/plain; charset=utf-8')
    t.equal(res.headers['content-digest'], `sha-256=:${sha256Base64(res.body)}:`, 'RFC 9530 digest of the body')
    t.equal(res.headers.etag, `"${sha256Hex(res.body)}"`)
    t.equal(res.headers['content-length'], String(Buffer.byteLength(res.body)))
    t.ok(res.body.startsWith(os === 'windows' ? '# Outpost bootstrap script' : '#!/bin/sh\n'))
    t.match(res.body, `${os}/${arch}`)
    const binaryUrl = `${ACCESS_URL}/bin/${agentBinaryName(os, arch)}`
    t.match(res.body, os === 'windows' ? `$BinaryUrl = '${binaryUrl}'` : `BINARY_URL='${binaryUrl}'`, 'the binary URL')
    t.match(res.body, os === 'windows' ? `$ExpectedSha256 = '${sha256.get(`${os}/${arch}`)}'` : `EXPECTED_SHA256='${sha256.get(`${os}/${arch}`)}'`, 'the pinned checksum')
    t.match(res.body, os === 'windows' ? `$OutpostUrl = '${ACCESS_URL}'` : `OUTPOST_URL='${ACCESS_URL}'`, 'the access URL')

    const again = await app.inject({ method: 'GET', url })
    t.equal(again.body, res.body, 'rendered once: the same bytes each time')

    const notModified = await app.inject({ method: 'GET', url, headers: { 'if-none-match': res.headers.etag as string } })
    t.equal(notModified.statusCode, 304)
    t.equal(notModified.body, '')
    t.equal(notModified.headers.etag, res.headers.etag)
    const weak = await app.inject({ method: 'GET', url, headers: { 'if-none-match': `"other", W/${res.headers.etag}` } })
    t.equal(weak.statusCode, 304, 'weak comparison, in a list')
    const changed = await app.inject({ method: 'GET', url, headers: { 'if-none-match': '"something-else"' } })
    t.equal(changed.statusCode, 200)

    const head = await app.inject({ method: 'HEAD', url })
    t.equal(head.statusCode, 200)
    t.equal(head.body, '')
    t.equal(head.headers['content-length'], res.headers['content-length'])
    t.equal(head.headers.etag, res.headers.etag)
    t.equal(head.headers['content-digest'], res.headers['content-digest'])
  }
})

t.test('os and arch are lower-cased first; anything else is a 400', async (t) => {
  const { app } = await installed()
  const lower = await app.inject({ method: 'GET', url: '/api/v2/init-script/linux/amd64' })
  const upper = await app.inject({ method: 'GET', url: '/api/v2/init-script/LINUX/AMD64' })
  t.equal(upper.statusCode, 200)
  t.equal(upper.body, lower.body)
  t.equal((await app.inject({ method: 'GET', url: '/api/v2/init-script/Windows/Arm64' })).statusCode, 200)
  for (const [os, arch] of [
    ['linux', '386'],
    ['plan9', 'amd64'],
    ['darwin', 'armv7'],
    ['windows', 'armv7'],
    ['Linux', 'I386'],
    ['linux', 'amd64.exe'],
  ]) {
    const res = await app.inject({ method: 'GET', url: `/api/v2/init-script/${os}/${arch}` })
    t.equal(res.statusCode, 400, `${os}/${arch}`)
    t.same(res.json(), { message: `Unknown os/arch: ${os!.toLowerCase()}/${arch!.toLowerCase()}` })
  }
  t.equal((await app.inject({ method: 'GET', url: '/api/v2/init-script/linux' })).statusCode, 404)
})

t.test('no session is needed, and no script holds an agent token', async (t) => {
  const { app } = await installed()
  const owner = await createOwner(app)
  const { templateId } = await pushTemplate(app, owner.token, 'every-platform', await exampleTemplateFiles())
  const tokens: string[] = []
  for (const { os, arch } of SUPPORTED_PLATFORMS) {
    const created = await createWorkspace(app, owner.token, `ws-${os}-${arch}`, templateId, { platform: `${os}-${arch}` })
    t.equal(created.statusCode, 201)
    const credentials = await app.inject({
      method: 'GET',
      url: `/api/v2/workspaces/${created.json().id}/external-agent/main/credentials`,
      headers: auth(owner.token),
    })
    tokens.push(credentials.json().agent_token)
  }
  t.equal(tokens.length, 7)
  for (const { os, arch } of SUPPORTED_PLATFORMS) {
    const res = await app.inject({ method: 'GET', url: `/api/v2/init-script/${os}/${arch}` })
    t.equal(res.statusCode, 200)
    for (const token of tokens) t.notOk(res.body.includes(token), `${os}/${arch} holds no token`)
    t.notOk(res.body.includes(owner.token), 'nor the session token')
    t.notMatch(res.body, /sleep 86400|Start-Sleep -Seconds 86400|Set-MpPreference|Add-MpPreference/, 'no day-long sleep, no antivirus changes')
  }
})

t.test('the linux and darwin scripts pass shellcheck -s sh, dash -n and busybox sh -n', async (t) => {
  const apps = [['installed', await installed()], ['not installed', await empty()]] as const
  for (const { os, arch } of SUPPORTED_PLATFORMS.filter((p) => p.os !== 'windows')) {
    for (const [label, { app }] of apps) {
      const res = await app.inject({ method: 'GET', url: `/api/v2/init-script/${os}/${arch}` })
      t.equal(res.statusCode, 200, `${os}/${arch} is served with the binary ${label}`)
      await checkPosix(t, `${os}/${arch} (${label})`, res.body)
    }
  }
  const missing = await (await empty()).app.inject({ method: 'GET', url: '/api/v2/init-script/linux/arm64' })
  t.match(missing.body, "EXPECTED_SHA256=''")
  t.match(missing.body, "OUTPOST_URL='https://outpost.example.com/prefix'")
})

t.test('the windows scripts parse as PowerShell without error nodes (tree-sitter-powershell)', async (t) => {
  const parser = await powershellParser()
  // The grammar does find errors: a script cut short is not accepted.
  const broken = parser.parse("& {\n  if ($x -eq 'a') {\n    Write-Host 'b'\n")!
  t.ok(syntaxProblems(broken.rootNode).length > 0, 'a truncated script has error nodes')

  const apps = [['installed', await installed()], ['not installed', await empty()]] as const
  for (const arch of ['amd64', 'arm64']) {
    for (const [label, { app }] of apps) {
      const res = await app.inject({ method: 'GET', url: `/api/v2/init-script/windows/${arch}` })
      t.equal(res.statusCode, 200)
      const tree = parser.parse(res.body)!
      t.same(syntaxProblems(tree.rootNode), [], `windows/${arch} (${label}) parses cleanly`)
      t.equal(tree.rootNode.type, 'program')
      t.match(res.body, `/bin/coder-windows-${arch}.exe'`)
    }
  }
})

t.test('values are quoted: an access URL and a path with quotes and $(…) stay literal', async (t) => {
  const hostile = {
    accessUrl: "http://outpost.test/a'b$(touch pwned)`id`\u2019c",
    binaryPath: "/srv/it's $(touch pwned)/bin/coder-linux-amd64",
  }
  t.equal(shQuote("a'b"), `'a'\\''b'`)
  t.equal(psQuote("a'b\u2019c"), "'a''b\u2019\u2019c'")

  const posix = renderInitScript({ os: 'linux', arch: 'amd64', binaryName: 'coder-linux-amd64', sha256: 'ab'.repeat(32), ...hostile })
  // shellcheck rightly remarks on $(…) inside single quotes: here that is the point.
  await checkPosix(t, 'linux/amd64 (hostile values)', posix, { shellcheck: false })
  if (has('dash')) {
    // Without a token the script stops at once and prints the URL it would use.
    const scratch = await tempDir(t, 'outpost-quote-')
    const result = spawnSync('dash', ['-s'], { input: posix, encoding: 'utf8', cwd: scratch, env: { PATH: process.env.PATH, TMPDIR: scratch } })
    t.equal(result.status, 1)
    t.match(result.stderr, `"${hostile.accessUrl}/api/v2/init-script/linux/amd64"`, 'printed literally')
    t.same(await readdir(scratch), [], 'nothing was executed from the values')
  }

  const parser = await powershellParser()
  const windows = renderInitScript({ os: 'windows', arch: 'amd64', binaryName: 'coder-windows-amd64.exe', sha256: undefined, ...hostile })
  t.same(syntaxProblems(parser.parse(windows)!.rootNode), [], 'the PowerShell script still parses')
  t.match(windows, `$OutpostUrl = 'http://outpost.test/a''b$(touch pwned)\`id\`\u2019\u2019c'`)
})
