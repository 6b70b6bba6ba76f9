import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'

interface Teardown {
  teardown(fn: () => unknown): void
}
import { createServerDatabase } from './helpers/database.js'
import { STRONG_PASSWORD } from './helpers/fixtures.js'

interface Running {
  child: ChildProcess
  baseUrl: string
  output: () => string
  exited: Promise<number | null>
}

/** The real server process (`src/server.ts`) on a free port, on PGlite or a fresh Postgres database. */
async function startServer(t: Teardown): Promise<Running> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'outpost-server-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OUTPOST_DATA_DIR: dataDir,
    OUTPOST_HTTP_ADDRESS: '127.0.0.1:0',
    OUTPOST_LOG_LEVEL: 'info',
    DATABASE_URL: '',
  }
  if (process.env.DATABASE_URL) {
    env.DATABASE_URL = await createServerDatabase(t, process.env.DATABASE_URL)
    env.OUTPOST_SECRET_KEY = randomBytes(32).toString('base64')
  }
  const child = spawn(process.execPath, ['--import=tsx', 'src/server.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    const port = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]
    if (port && output.includes('Outpost is serving')) {
      return { child, baseUrl: `http://127.0.0.1:${port}`, output: () => output, exited }
    }
    if (child.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`server did not start:\n${output}`)
}

t.test('serves over real HTTP, tells how to create the first user, and stops gracefully', async (t) => {
  const server = await startServer(t)
  t.match(server.output(), 'No user exists yet. Create the first one')

  const health = await fetch(`${server.baseUrl}/healthz`)
  t.equal(health.status, 200)
  t.equal((await fetch(`${server.baseUrl}/readyz`)).status, 200)

  // A request still in flight (scrypt makes it take a while) when SIGTERM arrives is finished.
  const inFlight = fetch(`${server.baseUrl}/api/v2/users/first`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', email: 'admin@example.com', password: STRONG_PASSWORD }),
  })
  await new Promise((r) => setTimeout(r, 20))
  server.child.kill('SIGTERM')
  const res = await inFlight
  t.equal(res.status, 201)
  t.equal(await server.exited, 0)
  t.match(server.output(), /"msg":"stopped"/)
  await t.rejects(fetch(`${server.baseUrl}/healthz`), 'no longer accepting connections')
})

t.test('the data survives a restart, and the first user message is not shown again', async (t) => {
  if (process.env.DATABASE_URL) {
    // Restarts on one Postgres database are covered by the same logic; this exercises the embedded files.
    t.pass('embedded-only check')
    return
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'outpost-restart-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const run = (extra: NodeJS.ProcessEnv = {}) => {
    const child = spawn(process.execPath, ['--import=tsx', 'src/server.ts'], {
      env: { ...process.env, DATABASE_URL: '', OUTPOST_DATA_DIR: dataDir, OUTPOST_HTTP_ADDRESS: '127.0.0.1:0', ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (c: Buffer) => (output += c.toString()))
    child.stderr.on('data', (c: Buffer) => (output += c.toString()))
    t.teardown(() => {
      if (child.exitCode === null) child.kill('SIGKILL')
    })
    return {
      child,
      output: () => output,
      ready: async () => {
        for (let i = 0; i < 1200 && !output.includes('Outpost is serving'); i++) await new Promise((r) => setTimeout(r, 50))
        return `http://127.0.0.1:${/listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]}`
      },
      stop: () => new Promise((r) => (child.kill('SIGTERM'), child.on('exit', r))),
    }
  }
  const first = run()
  const url = await first.ready()
  const created = await fetch(`${url}/api/v2/users/first`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', email: 'admin@example.com', password: STRONG_PASSWORD }),
  })
  t.equal(created.status, 201)
  await first.stop()

  const second = run({ OUTPOST_SKIP_MIGRATIONS: 'true' })
  const url2 = await second.ready()
  t.match(second.output(), 'migrations skipped')
  t.notMatch(second.output(), 'No user exists yet')
  t.equal((await fetch(`${url2}/api/v2/users/first`)).status, 200)
  await second.stop()
})
