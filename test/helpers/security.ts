import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { sql } from 'drizzle-orm'
import pg from 'pg'
import type { Database } from '../../src/db/client.js'

interface Teardown {
  teardown(fn: () => unknown): void
}

/**
 * Every rate limit off: the security tests send thousands of failing requests from one
 * address on purpose, and must reach the code behind the limits. The limits have their
 * own tests.
 */
export const NO_RATE_LIMITS: Record<string, string> = {
  OUTPOST_RATE_LIMIT_AUTH_FAILURES: '0',
  OUTPOST_RATE_LIMIT_LOGIN: '0',
  OUTPOST_RATE_LIMIT_LOGIN_IP: '0',
  OUTPOST_RATE_LIMIT_DOWNLOADS: '0',
}

// ---------------------------------------------------------------------------------------
// Raw SQL, whichever driver is underneath.

/** Runs raw SQL through drizzle and returns the rows (pg and PGlite both answer `{rows}`). */
export async function rawRows<T = Record<string, unknown>>(database: Database, text: string): Promise<T[]> {
  const result = (await database.db.execute(sql.raw(text))) as unknown as { rows: T[] }
  return result.rows
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`

/** The tables of schema `public`, read from information_schema (so a new table is covered too). */
export async function publicTables(database: Database): Promise<string[]> {
  const rows = await rawRows<{ table_name: string }>(
    database,
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
  )
  return rows.map((r) => r.table_name)
}

export interface TableState {
  rows: number
  /** md5 over every row's text, in a stable order: any insert, update or delete changes it. */
  digest: string
}

/**
 * Count and content digest of every public table, in one statement. A rejected request
 * must leave all of them as they were (the audit log aside, which records failures by design).
 */
export async function tableStates(database: Database, tables: readonly string[]): Promise<Record<string, TableState>> {
  const parts = tables.map(
    (name) =>
      `SELECT '${name}' AS name, count(*)::int AS n, md5(coalesce(string_agg(md5(x::text), '' ORDER BY md5(x::text)), '')) AS d FROM ${quoteIdent(name)} x`,
  )
  const rows = await rawRows<{ name: string; n: number | string; d: string }>(database, parts.join(' UNION ALL '))
  return Object.fromEntries(rows.map((r) => [r.name, { rows: Number(r.n), digest: r.d }]))
}

/** The tables whose state differs between two snapshots, with a word on how. */
export function changedTables(before: Record<string, TableState>, after: Record<string, TableState>): string[] {
  const out: string[] = []
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[name]
    const b = after[name]
    if (!a || !b) out.push(`${name} (appeared or vanished)`)
    else if (a.rows !== b.rows) out.push(`${name} (${a.rows} -> ${b.rows} rows)`)
    else if (a.digest !== b.digest) out.push(`${name} (a row changed)`)
  }
  return out
}

// ---------------------------------------------------------------------------------------
// Coder's error shape.

export interface ResponseLike {
  statusCode: number
  headers: Record<string, unknown>
  body: string
}

/**
 * What is wrong with an error answer, by Coder's rules: `application/json; charset=utf-8`
 * and a body of exactly `{message, detail?, validations?: [{field, detail}]}`. Empty when fine.
 */
export function coderErrorProblems(res: ResponseLike): string[] {
  const problems: string[] = []
  if (res.headers['content-type'] !== 'application/json; charset=utf-8') {
    problems.push(`content-type is ${JSON.stringify(res.headers['content-type'])}`)
  }
  let body: unknown
  try {
    body = JSON.parse(res.body)
  } catch {
    return [...problems, `body is not JSON: ${JSON.stringify(res.body.slice(0, 200))}`]
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [...problems, 'body is not an object']
  const record = body as Record<string, unknown>
  for (const key of Object.keys(record)) {
    if (!['message', 'detail', 'validations'].includes(key)) problems.push(`unexpected field ${key}`)
  }
  if (typeof record.message !== 'string' || record.message === '') problems.push('message is not a non-empty string')
  if ('detail' in record && typeof record.detail !== 'string') problems.push('detail is not a string')
  if ('validations' in record) {
    const v = record.validations
    const ok =
      Array.isArray(v) &&
      v.every(
        (item) =>
          typeof item === 'object' &&
          item !== null &&
          Object.keys(item).sort().join(',') === 'detail,field' &&
          typeof (item as Record<string, unknown>).field === 'string' &&
          typeof (item as Record<string, unknown>).detail === 'string',
      )
    if (!ok) problems.push(`validations is not [{field, detail}]: ${JSON.stringify(v).slice(0, 200)}`)
  }
  return problems
}

// ---------------------------------------------------------------------------------------
// Finding secrets.

/** The forms a secret could take when written somewhere by mistake. */
export function secretForms(secret: string): string[] {
  const forms = new Set([
    secret,
    secret.toLowerCase(),
    secret.toUpperCase(),
    encodeURIComponent(secret),
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64url'),
    Buffer.from(secret).toString('hex'),
  ])
  // A UUID (agent token) is also 16 bytes: look for them in hex without dashes.
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(secret)) forms.add(secret.replace(/-/g, '').toLowerCase())
  return [...forms].filter((f) => f.length >= 8)
}

/** Which of `secrets` (name → value) occur in `haystack`, in any of their forms. */
export function leakedSecrets(haystack: string, secrets: Record<string, string>): string[] {
  const lower = haystack.toLowerCase()
  const found: string[] = []
  for (const [name, secret] of Object.entries(secrets)) {
    for (const form of secretForms(secret)) {
      // Hex and lower-cased forms are compared without case; the rest exactly.
      const hit = form === form.toLowerCase() ? lower.includes(form) : haystack.includes(form)
      if (hit) {
        found.push(`${name} (as ${JSON.stringify(form.slice(0, 12))}…)`)
        break
      }
    }
  }
  return found
}

// ---------------------------------------------------------------------------------------
// Real Postgres.

export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres'

/** DATABASE_URL, or the local default when a server answers there; undefined when none does. */
export async function reachablePostgres(): Promise<string | undefined> {
  const url = process.env.DATABASE_URL || DEFAULT_PG_URL
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return url
  } catch {
    return undefined
  } finally {
    await client.end().catch(() => {})
  }
}

// ---------------------------------------------------------------------------------------
// The real server process.

export interface ServerProcess {
  child: ChildProcess
  baseUrl: string
  output: () => string
  exited: Promise<number | null>
}

/**
 * `node --import=tsx src/server.ts` on a free port, against `databaseUrl` with `secretKey`,
 * as test/server.test.ts runs it; resolves once it serves. Killed (SIGKILL) at teardown.
 */
export async function spawnServer(
  t: Teardown,
  options: { databaseUrl: string; secretKey: string; env?: Record<string, string> },
): Promise<ServerProcess> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'outpost-security-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OUTPOST_DATA_DIR: dataDir,
    OUTPOST_HTTP_ADDRESS: '127.0.0.1:0',
    OUTPOST_LOG_LEVEL: 'info',
    DATABASE_URL: options.databaseUrl,
    OUTPOST_SECRET_KEY: options.secretKey,
    ...options.env,
  }
  const child = spawn(process.execPath, ['--import=tsx', 'src/server.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
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
  child.kill('SIGKILL')
  throw new Error(`server did not start:\n${output}`)
}

export const newSecretKey = () => randomBytes(32).toString('base64')
