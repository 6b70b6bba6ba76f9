import { execFile, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { gunzipSync } from 'node:zlib'
import t, { type Test } from 'tap'
import { createAgentBinaries, type BinaryChange } from '../src/domain/agent-binaries.js'
import { acceptsGzip, etagMatches, parseRange } from '../src/routes/agent-binaries.js'
import { buildTestApp } from './helpers/app.js'

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex')

async function tempDir(t: Test, prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** Compressible but not trivial: text with random lines, a few hundred KiB. */
function fakeBinary(size = 300_000): Buffer {
  const lines: string[] = []
  let length = 0
  while (length < size) {
    const line = `${randomBytes(12).toString('hex')} not really coder\n`
    lines.push(line)
    length += line.length
  }
  return Buffer.from(lines.join('')).subarray(0, size)
}

/** Polls until `check` holds (fs.watch is asynchronous), for at most `ms`. */
async function eventually(check: () => boolean | Promise<boolean>, ms = 3000): Promise<boolean> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (await check()) return true
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return check()
}

async function setup(t: Test) {
  const dir = await tempDir(t, 'outpost-bin-')
  const linux = fakeBinary()
  const windows = fakeBinary(5000)
  await writeFile(path.join(dir, 'coder-linux-amd64'), linux)
  await writeFile(path.join(dir, 'coder-windows-amd64.exe'), windows)
  const built = await buildTestApp(t, { env: { OUTPOST_AGENT_BINARY_DIR: dir }, logLevel: 'info' })
  return { ...built, dir, linux, windows }
}

/** One app for the tests that only read (starting one takes seconds). */
let common: ReturnType<typeof setup> | undefined
const shared = () => (common ??= setup(t))

const hashedLines = (logs: string[]) => logs.filter((line) => line.includes('"agent binary checksum computed"'))

t.test('GET and HEAD stream the file with its SHA-256 as ETag; no session needed', async (t) => {
  const { app, linux, windows } = await shared()
  const res = await app.inject({ method: 'GET', url: '/bin/coder-linux-amd64' })
  t.equal(res.statusCode, 200)
  t.same(res.rawPayload, linux)
  t.equal(res.headers['content-type'], 'application/octet-stream')
  t.equal(res.headers['content-length'], String(linux.length))
  t.equal(res.headers.etag, `"${sha256(linux)}"`)
  t.equal(res.headers['accept-ranges'], 'bytes')
  t.equal(res.headers.vary, 'Accept-Encoding')
  t.ok(res.headers['last-modified'])
  t.notOk(res.headers['content-encoding'])

  const exe = await app.inject({ method: 'GET', url: '/bin/coder-windows-amd64.exe' })
  t.equal(exe.statusCode, 200)
  t.same(exe.rawPayload, windows)
  t.equal(exe.headers.etag, `"${sha256(windows)}"`)

  const head = await app.inject({ method: 'HEAD', url: '/bin/coder-linux-amd64' })
  t.equal(head.statusCode, 200)
  t.equal(head.body, '')
  t.equal(head.headers['content-length'], String(linux.length))
  t.equal(head.headers.etag, res.headers.etag)

  for (const inm of [res.headers.etag as string, `W/${res.headers.etag}`, `"x", ${res.headers.etag}`, '*']) {
    const cached = await app.inject({ method: 'GET', url: '/bin/coder-linux-amd64', headers: { 'if-none-match': inm } })
    t.equal(cached.statusCode, 304, `If-None-Match: ${inm}`)
    t.equal(cached.body, '')
    t.equal(cached.headers.etag, res.headers.etag)
  }
  const stale = await app.inject({ method: 'GET', url: '/bin/coder-linux-amd64', headers: { 'if-none-match': '"0000"' } })
  t.equal(stale.statusCode, 200)
})

t.test('Range: 206 with Content-Range, 416 past the end, and the cases served whole', async (t) => {
  const { app, linux } = await shared()
  const size = linux.length
  const etag = `"${sha256(linux)}"`
  const get = (headers: Record<string, string>, method: 'GET' | 'HEAD' = 'GET') =>
    app.inject({ method, url: '/bin/coder-linux-amd64', headers })

  for (const [range, start, end] of [
    ['bytes=0-99', 0, 99],
    ['bytes=100-', 100, size - 1],
    ['bytes=-10', size - 10, size - 1],
    ['bytes=5-5', 5, 5],
    [`bytes=${size - 3}-${size + 1000}`, size - 3, size - 1],
    [`bytes=-${size + 5}`, 0, size - 1],
  ] as const) {
    const res = await get({ range })
    t.equal(res.statusCode, 206, range)
    t.equal(res.headers['content-range'], `bytes ${start}-${end}/${size}`)
    t.equal(res.headers['content-length'], String(end - start + 1))
    t.same(res.rawPayload, linux.subarray(start, end + 1))
    t.equal(res.headers.etag, etag)
  }

  const head = await get({ range: 'bytes=0-9' }, 'HEAD')
  t.equal(head.statusCode, 206)
  t.equal(head.headers['content-length'], '10')
  t.equal(head.body, '')

  for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0']) {
    const res = await get({ range })
    t.equal(res.statusCode, 416, range)
    t.equal(res.headers['content-range'], `bytes */${size}`)
    t.match(res.json(), { message: 'Range Not Satisfiable.' })
  }

  for (const range of ['bytes=0-1,5-6', 'items=0-1', 'bytes=9-2', 'bytes=abc']) {
    const res = await get({ range })
    t.equal(res.statusCode, 200, `${range}: the whole file`)
    t.equal(res.rawPayload.length, size)
  }

  t.equal((await get({ range: 'bytes=0-9', 'if-range': etag })).statusCode, 206, 'If-Range with the current ETag')
  t.equal((await get({ range: 'bytes=0-9', 'if-range': '"an-older-one"' })).statusCode, 200, 'If-Range with another: whole')
})

t.test('gzip for Accept-Encoding: gzip (curl --compressed), never for a range', async (t) => {
  const { app, linux } = await shared()
  const res = await app.inject({ method: 'GET', url: '/bin/coder-linux-amd64', headers: { 'accept-encoding': 'gzip, deflate, br' } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-encoding'], 'gzip')
  t.equal(res.headers.vary, 'Accept-Encoding')
  t.equal(res.headers.etag, `W/"${sha256(linux)}"`, 'a weak ETag for the encoded form')
  t.notOk(res.headers['content-length'])
  const unzipped = gunzipSync(res.rawPayload)
  t.same(unzipped, linux, 'decompresses to the file')
  t.ok(res.rawPayload.length < linux.length, `smaller (${res.rawPayload.length} < ${linux.length})`)

  const cached = await app.inject({
    method: 'GET',
    url: '/bin/coder-linux-amd64',
    headers: { 'accept-encoding': 'gzip', 'if-none-match': `"${sha256(linux)}"` },
  })
  t.equal(cached.statusCode, 304, 'If-None-Match matches either form')

  const refused = await app.inject({ method: 'GET', url: '/bin/coder-linux-amd64', headers: { 'accept-encoding': 'gzip;q=0, identity' } })
  t.notOk(refused.headers['content-encoding'], 'gzip;q=0 is a refusal')
  t.same(refused.rawPayload, linux)

  const ranged = await app.inject({
    method: 'GET',
    url: '/bin/coder-linux-amd64',
    headers: { 'accept-encoding': 'gzip', range: 'bytes=0-99' },
  })
  t.equal(ranged.statusCode, 206)
  t.notOk(ranged.headers['content-encoding'])
  t.same(ranged.rawPayload, linux.subarray(0, 100))

  const head = await app.inject({ method: 'HEAD', url: '/bin/coder-linux-amd64', headers: { 'accept-encoding': 'gzip' } })
  t.equal(head.statusCode, 200)
  t.equal(head.headers['content-encoding'], 'gzip')
  t.equal(head.body, '')
})

t.test('over a real socket: fetch and curl --compressed get the exact bytes', async (t) => {
  const { app, linux } = await shared()
  await app.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/bin/coder-linux-amd64`
  const fetched = Buffer.from(await (await fetch(url, { headers: { 'accept-encoding': 'gzip' } })).arrayBuffer())
  t.equal(sha256(fetched), sha256(linux), 'fetch (which decompresses) gets the file')
  if (spawnSync('sh', ['-c', 'command -v curl']).status === 0) {
    const dir = await tempDir(t, 'outpost-curl-')
    const out = path.join(dir, 'coder')
    // Asynchronously: the server answering it runs in this process.
    const curl = await promisify(execFile)('curl', ['-fsS', '--compressed', '-D', '-', '-o', out, url])
    t.match(curl.stdout, /content-encoding: gzip/i, 'it was compressed on the wire')
    t.equal(sha256(await readFile(out)), sha256(linux))
  }
})

t.test('404s: a missing file names where it belongs; an unknown name lists the known ones', async (t) => {
  const { app, dir } = await shared()
  for (const name of ['coder-linux-arm64', 'coder-darwin-arm64', 'coder-windows-arm64.exe']) {
    const res = await app.inject({ method: 'GET', url: `/bin/${name}` })
    t.equal(res.statusCode, 404, name)
    t.same(res.json(), { message: `Agent binary ${name} is not installed on this Outpost: put it at ${path.join(dir, name)}` })
    t.equal((await app.inject({ method: 'HEAD', url: `/bin/${name}` })).statusCode, 404)
  }
  for (const name of ['coder-linux-386', 'coder-windows-amd64', 'coder-linux-amd64.exe', 'coder-darwin-armv7', 'coder', '..%2Fsecret.key', 'CODER-LINUX-AMD64']) {
    const res = await app.inject({ method: 'GET', url: `/bin/${name}` })
    t.equal(res.statusCode, 404, name)
    t.match(res.json().message, /^Unknown agent binary /)
    t.match(res.json().detail, 'coder-linux-amd64, coder-linux-arm64, coder-linux-armv7, coder-darwin-amd64')
  }
})

t.test('checksums: computed once at start, again only when a file changes; the init script follows', async (t) => {
  const { app, dir, linux, logs } = await setup(t)
  const file = path.join(dir, 'coder-linux-amd64')
  const scriptSha = async () => /EXPECTED_SHA256='([0-9a-f]*)'/.exec((await app.inject({ method: 'GET', url: '/api/v2/init-script/linux/amd64' })).body)?.[1]

  t.equal(hashedLines(logs).length, 2, 'the two installed binaries were hashed at start')
  t.equal(await scriptSha(), sha256(linux))
  for (let i = 0; i < 5; i++) await app.inject({ method: 'GET', url: '/bin/coder-linux-amd64' })
  for (let i = 0; i < 5; i++) await app.inject({ method: 'HEAD', url: '/bin/coder-linux-amd64' })
  await scriptSha()
  t.equal(hashedLines(logs).length, 2, 'requests do not hash')

  // Replaced in place (a different size).
  const second = fakeBinary(200_000)
  await writeFile(file, second)
  const res = await app.inject({ method: 'GET', url: '/bin/coder-linux-amd64' })
  t.equal(res.headers.etag, `"${sha256(second)}"`, 'the next request sees the new file')
  t.same(res.rawPayload, second)
  t.equal(await scriptSha(), sha256(second), 'the script pins the new checksum')

  // Replaced by rename (as an installer does), same size: a new inode. The script route
  // trusts a stat from the last second while the directory is watched, and the watch
  // forgets it as soon as its event arrives: the script follows without any binary request.
  const third = fakeBinary(200_000)
  await writeFile(`${file}.new`, third)
  await rename(`${file}.new`, file)
  t.ok(await eventually(async () => (await scriptSha()) === sha256(third)), 'a fetched script pins it')
  t.equal((await app.inject({ method: 'GET', url: '/bin/coder-linux-amd64' })).headers.etag, `"${sha256(third)}"`)

  // Removed: the script is still served, without a checksum.
  await rm(file)
  t.ok(await eventually(async () => (await scriptSha()) === ''), 'the script no longer pins a checksum')
  t.equal((await app.inject({ method: 'GET', url: '/bin/coder-linux-amd64' })).statusCode, 404)

  // Installed again, noticed by the directory watch without any request.
  const fourth = fakeBinary(1234)
  await writeFile(file, fourth)
  const before = hashedLines(logs).length
  t.ok(await eventually(() => hashedLines(logs).length > before), 'fs.watch noticed it')
  t.equal(await scriptSha(), sha256(fourth))
})

t.test('createAgentBinaries: checksum, change events, a directory that appears later', async (t) => {
  const parent = await tempDir(t, 'outpost-bins-')
  const dir = path.join(parent, 'bin')
  const hashed: string[] = []
  const binaries = await createAgentBinaries(dir, { onHashed: ({ name }) => hashed.push(name) })
  t.teardown(() => binaries.close())
  const changes: BinaryChange[] = []
  binaries.onChange((change) => changes.push(change))

  t.equal(binaries.checksum('linux', 'amd64'), undefined, 'no directory yet: nothing installed')
  t.equal(binaries.missing().length, 7)
  t.equal(binaries.pathOf('windows', 'arm64'), path.join(dir, 'coder-windows-arm64.exe'))
  await mkdir(dir)
  await writeFile(path.join(dir, 'coder-darwin-arm64'), 'darwin')
  t.equal(await binaries.check('darwin', 'arm64'), sha256('darwin'), 'the stat on use finds it')
  t.same(changes, [{ os: 'darwin', arch: 'arm64', name: 'coder-darwin-arm64', sha256: sha256('darwin') }])
  t.equal(binaries.checksum('darwin', 'arm64'), sha256('darwin'))
  t.notOk(binaries.missing().includes('coder-darwin-arm64'))
  await binaries.check('darwin', 'arm64')
  t.same(hashed, ['coder-darwin-arm64'], 'hashed once')

  // The refresh after that also watches the directory that now exists.
  await binaries.refresh()
  await writeFile(path.join(dir, 'coder-linux-armv7'), 'armv7')
  t.ok(await eventually(() => binaries.checksum('linux', 'armv7') === sha256('armv7')), 'seen by the watch')
  t.equal(changes.at(-1)?.name, 'coder-linux-armv7')

  await rm(path.join(dir, 'coder-darwin-arm64'))
  t.equal(await binaries.check('darwin', 'arm64'), undefined)
  t.same(changes.find((c) => c.name === 'coder-darwin-arm64' && c.sha256 === undefined)?.os, 'darwin', 'removal is a change')
})

t.test('checkWatched: the stat is skipped only while the directory is watched', async (t) => {
  const dir = await tempDir(t, 'outpost-bins-')
  const file = path.join(dir, 'coder-linux-amd64')
  await writeFile(file, 'one')
  const unwatched = await createAgentBinaries(dir, { watch: false })
  t.teardown(() => unwatched.close())
  await writeFile(file, 'two!')
  t.equal(await unwatched.checkWatched('linux', 'amd64'), sha256('two!'), 'unwatched: every call stats')
  const watched = await createAgentBinaries(dir)
  t.teardown(() => watched.close())
  t.equal(await watched.checkWatched('linux', 'amd64'), sha256('two!'))
  await writeFile(file, 'three')
  t.ok(await eventually(async () => (await watched.checkWatched('linux', 'amd64')) === sha256('three')), 'watched: the event forgets the verdict')
  await rm(file)
  t.ok(await eventually(async () => (await watched.checkWatched('linux', 'amd64')) === undefined), 'a removal too')
})

t.test('header helpers', async (t) => {
  t.same(parseRange('bytes=0-0', 10), { start: 0, end: 0 })
  t.same(parseRange('bytes = 2 - 4', 10), { start: 2, end: 4 })
  t.equal(parseRange('bytes=0-', 0), 'unsatisfiable')
  t.equal(parseRange('bytes=-1', 0), 'unsatisfiable')
  t.equal(parseRange(undefined, 10), undefined)
  t.equal(parseRange('bytes=-', 10), undefined)
  t.ok(acceptsGzip('GZIP'))
  t.ok(acceptsGzip('br;q=1, gzip;q=0.5'))
  t.ok(acceptsGzip('*'))
  t.notOk(acceptsGzip('*;q=0'))
  t.notOk(acceptsGzip('gzip;q=0, *'))
  t.notOk(acceptsGzip('identity'))
  t.notOk(acceptsGzip(undefined))
  t.ok(etagMatches('W/"a"', '"a"'))
  t.notOk(etagMatches('"ab"', '"a"'))
  t.notOk(etagMatches(undefined, '"a"'))
})
