// Processes for the benchmarks: the Outpost server under test, the bare baselines and the
// load generators, each in its own process, on loopback only; and a fresh database each.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** The Postgres server the benchmarks create their databases on. */
export const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

const children = new Set<ChildProcess>()
function killAll(): void {
  for (const child of children) if (child.pid && child.exitCode === null) child.kill('SIGKILL')
}
process.on('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll()
    process.exit(130)
  })
}

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function tempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), `outpost-bench-${prefix}-`))
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}

export async function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<T>(text, values)).rows
  } finally {
    await client.end()
  }
}

export interface BenchDatabase {
  name: string
  url: string
  drop(): Promise<void>
}

/** A new empty database on the local server; `drop` removes it. */
export async function createDatabase(): Promise<BenchDatabase> {
  const name = `outpost_bench_${randomBytes(5).toString('hex')}`
  await adminQuery(PG_URL, `CREATE DATABASE ${name}`)
  const url = new URL(PG_URL)
  url.pathname = `/${name}`
  return {
    name,
    url: url.toString(),
    drop: async () => {
      await adminQuery(PG_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    },
  }
}

export interface Spawned {
  child: ChildProcess
  pid: number
  output: () => string
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>
}

/** The last 100-200 kB a child wrote to stdout and stderr, for error messages. */
function keepOutput(child: ChildProcess): () => string {
  let output = ''
  const keep = (chunk: Buffer) => {
    output += chunk.toString()
    if (output.length > 200_000) output = output.slice(-100_000)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  return () => output
}

/** A child process (through `sh -c` so the file limit can be raised), its output kept. */
export function spawnProcess(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; raiseFileLimit?: boolean; nodeArgs?: string[] } = {},
): Spawned {
  const quoted = [command, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
  // exec: the pid we hold is the process itself, so its RSS and signals are its own.
  const script = options.raiseFileLimit ? `ulimit -n "$(ulimit -Hn)"; exec ${quoted}` : `exec ${quoted}`
  const child = spawn('sh', ['-c', script], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  const output = keepOutput(child)
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  child.on('exit', () => children.delete(child))
  return {
    child,
    pid: child.pid!,
    output,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    },
  }
}

/** Resident set size of a process, in bytes (from /proc). */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const match = /VmRSS:\s+(\d+) kB/.exec(status)
  return match ? Number(match[1]) * 1024 : 0
}

/** CPU time (user + system) a process has used so far, in milliseconds (from /proc). */
export async function cpuMsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS
}
const CLOCK_TICKS = 100

/** Samples a process's RSS every `everyMs` until stopped; returns the peak and the samples. */
export function sampleRss(pid: number, everyMs = 100) {
  let peak = 0
  const samples: number[] = []
  const timer = setInterval(() => {
    rssOf(pid)
      .then((rss) => {
        samples.push(rss)
        peak = Math.max(peak, rss)
      })
      .catch(() => {})
  }, everyMs)
  return {
    stop(): { peak: number; samples: number[] } {
      clearInterval(timer)
      return { peak, samples }
    },
  }
}

/** Polls `url` until it answers 200; returns the time it took. */
export async function waitForOk(url: string, timeoutMs: number, proc?: Spawned): Promise<number> {
  const started = Date.now()
  for (;;) {
    try {
      const res = await fetch(url)
      await res.arrayBuffer()
      if (res.status === 200) return Date.now() - started
    } catch {
      // not listening yet
    }
    if (proc && proc.child.exitCode !== null) throw new Error(`process exited before ${url} answered:\n${proc.output()}`)
    if (Date.now() - started > timeoutMs) throw new Error(`${url} not ready within ${timeoutMs} ms\n${proc?.output() ?? ''}`)
    await sleep(10)
  }
}

export interface OutpostOptions {
  databaseUrl?: string
  /** Embedded mode instead: PGlite in this directory. */
  dataDir?: string
  binDir: string
  pingInterval?: string
  env?: Record<string, string>
  raiseFileLimit?: boolean
  nodeArgs?: string[]
  port?: number
  /** Another checkout of Outpost to run (default: this one). */
  cwd?: string
}

export interface OutpostServer extends Spawned {
  url: string
  secretKey: string
}

/** Every rate limit off: the benchmarks measure the paths, not the limiter's refusals. */
export const NO_RATE_LIMITS = {
  OUTPOST_RATE_LIMIT_AUTH_FAILURES: '0',
  OUTPOST_RATE_LIMIT_LOGIN: '0',
  OUTPOST_RATE_LIMIT_LOGIN_IP: '0',
  OUTPOST_RATE_LIMIT_DOWNLOADS: '0',
}

/** The real server, `node --import=tsx src/server.ts`, ready (`/readyz` 200) when this resolves. */
export async function startOutpost(options: OutpostOptions & { secretKey?: string }): Promise<OutpostServer> {
  const port = options.port ?? (await freePort())
  const url = `http://127.0.0.1:${port}`
  const secretKey = options.secretKey ?? randomBytes(32).toString('base64')
  const env: Record<string, string> = {
    OUTPOST_HTTP_ADDRESS: `127.0.0.1:${port}`,
    OUTPOST_ACCESS_URL: url,
    OUTPOST_LOG_LEVEL: 'warn',
    OUTPOST_AGENT_BINARY_DIR: options.binDir,
    ...NO_RATE_LIMITS,
    ...(options.pingInterval ? { OUTPOST_AGENT_PING_INTERVAL: options.pingInterval } : {}),
    ...(options.databaseUrl
      ? { DATABASE_URL: options.databaseUrl, OUTPOST_SECRET_KEY: secretKey }
      : { DATABASE_URL: '', OUTPOST_DATA_DIR: options.dataDir! }),
    ...options.env,
  }
  const proc = spawnProcess(process.execPath, [...(options.nodeArgs ?? []), '--import=tsx', 'src/server.ts'], {
    env,
    raiseFileLimit: options.raiseFileLimit ?? false,
    ...(options.cwd ? { cwd: options.cwd } : {}),
  })
  await waitForOk(`${url}/readyz`, 60_000, proc)
  return { ...proc, url, secretKey }
}

/** A baseline script from bench/baselines, listening on a free port, ready when this resolves. */
export async function startBaseline(script: string, env: Record<string, string>, readyPath: string): Promise<Spawned & { url: string }> {
  const port = await freePort()
  const proc = spawnProcess(process.execPath, ['--import=tsx', path.join('bench/baselines', script)], {
    env: { PORT: String(port), ...env },
  })
  const url = `http://127.0.0.1:${port}`
  await waitForOk(`${url}${readyPath}`, 30_000, proc)
  return { ...proc, url }
}

/** Runs a script of bench/ (`lib/cannon.ts`…) in its own process, input as a JSON file; resolves with the JSON it prints. */
export async function runWorker<T>(script: string, input: unknown, options: { raiseFileLimit?: boolean; timeoutMs?: number } = {}): Promise<T> {
  const { dir, remove } = await tempDir('worker')
  const inputFile = path.join(dir, 'input.json')
  const { writeFile } = await import('node:fs/promises')
  await writeFile(inputFile, JSON.stringify(input))
  const proc = spawnProcess(process.execPath, ['--import=tsx', path.join('bench', script), inputFile], {
    raiseFileLimit: options.raiseFileLimit ?? false,
  })
  const timeout = setTimeout(() => void proc.stop(1000), options.timeoutMs ?? 300_000)
  await new Promise<void>((resolve) => proc.child.on('exit', () => resolve()))
  clearTimeout(timeout)
  await remove()
  const out = proc.output()
  const line = out.split('\n').reverse().find((l) => l.startsWith('RESULT '))
  if (!line) throw new Error(`${script} printed no result:\n${out.slice(-4000)}`)
  return JSON.parse(line.slice('RESULT '.length)) as T
}

export interface ForkedWorker {
  proc: Spawned
  send(message: unknown): void
  /** The next message of this `type` (messages are `{ type, ... }` objects). */
  next<T = Record<string, unknown>>(type: string, timeoutMs?: number): Promise<T>
}

/** A script of bench/ with an IPC channel (input as a JSON file in argv[2]), for load steered step by step. */
export async function forkWorker(script: string, input: unknown): Promise<ForkedWorker> {
  const { dir, remove } = await tempDir('worker')
  const inputFile = path.join(dir, 'input.json')
  const { writeFile } = await import('node:fs/promises')
  await writeFile(inputFile, JSON.stringify(input))
  const child = spawn(process.execPath, ['--import=tsx', path.join('bench', script), inputFile], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  child.on('exit', () => void remove())
  children.add(child)
  const output = keepOutput(child)
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  child.on('exit', () => children.delete(child))
  const queue: { type: string }[] = []
  const waiters: { type: string; resolve: (m: any) => void }[] = []
  child.on('message', (message: { type: string }) => {
    const i = waiters.findIndex((w) => w.type === message.type)
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(message)
    else queue.push(message)
  })
  const proc: Spawned = {
    child,
    pid: child.pid!,
    output,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    },
  }
  return {
    proc,
    send: (message) => child.send(message as object),
    next<T>(type: string, timeoutMs = 120_000): Promise<T> {
      const i = queue.findIndex((m) => m.type === type)
      if (i >= 0) return Promise.resolve(queue.splice(i, 1)[0] as T)
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${script}: no "${type}" within ${timeoutMs} ms\n${output().slice(-4000)}`)), timeoutMs)
        const onExit = () => reject(new Error(`${script} exited while waiting for "${type}":\n${output().slice(-4000)}`))
        child.once('exit', onExit)
        waiters.push({
          type,
          resolve: (m) => {
            clearTimeout(timer)
            child.off('exit', onExit)
            resolve(m as T)
          },
        })
      })
    },
  }
}
