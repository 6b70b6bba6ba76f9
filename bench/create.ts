// Target 5, create.
// Measures: workspaces created per second by `POST /api/v2/users/me/workspaces` (the body
//   `outpost external-workspaces create` sends, a fresh name each) at 20 concurrent
//   clients on the real server; every answer must be a 201.
// Baseline: a bare `pg` script (bench/baselines/bare-pg-create.ts, its own process)
//   writing the same rows in one transaction per workspace, 20 workers on 20
//   connections, on the same database, in alternating rounds.
// Target: Outpost ≥ 0.4 × the bare creates per second.
import { eq, sql } from 'drizzle-orm'
import pg from 'pg'
import { openDatabase } from '../src/db/client.js'
import { users } from '../src/db/schema.js'
import { createBody, createOwner, createWorkspace, pushTemplate } from './lib/api.js'
import type { BarePgCreateInput, BarePgCreateResult } from './baselines/bare-pg-create.js'
import { measuredRun, profileUnderLoad, type Run } from './lib/compare.js'
import { logFile, logOffset, statementsSince } from './lib/pglog.js'
import { adminQuery, createDatabase, runWorker, sleep, startOutpost, tempDir } from './lib/proc.js'
import { median, round, type Benchmark } from './lib/report.js'
import { templatePlanAt } from './lib/seed.js'

/**
 * The JS cost of one statement, in this process: a store function (drizzle's query
 * builder), the same query prepared once with drizzle, and its SQL sent with bare pg.
 */
async function statementCost(databaseUrl: string, userId: string): Promise<{ builder: number; prepared: number; bare: number }> {
  const database = await openDatabase({ kind: 'pg', url: databaseUrl, poolSize: 1 })
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 })
  try {
    const prepared = database.db.select().from(users).where(eq(users.id, sql.placeholder('id'))).prepare('bench_find_user')
    const text = database.db.select().from(users).where(eq(users.id, userId)).toSQL().sql
    const cpuUs = async (run: () => Promise<unknown>) => {
      for (let i = 0; i < 300; i++) await run()
      const before = process.cpuUsage()
      for (let i = 0; i < 2000; i++) await run()
      const used = process.cpuUsage(before)
      return (used.user + used.system) / 2000
    }
    return {
      builder: await cpuUs(async () => database.db.select().from(users).where(eq(users.id, userId))),
      prepared: await cpuUs(() => prepared.execute({ id: userId })),
      bare: await cpuUs(() => pool.query(text, [userId])),
    }
  } finally {
    await pool.end()
    await database.close()
  }
}

const CLIENTS = 20
const ROUNDS = 4
const SECONDS = 5

const bench: Benchmark = {
  name: 'create',
  title: 'Create',
  async run() {
    const bin = await tempDir('bin')
    const database = await createDatabase()
    let server: Awaited<ReturnType<typeof startOutpost>> | undefined
    try {
      server = await startOutpost({ databaseUrl: database.url, binDir: bin.dir })
      const owner = await createOwner(server.url)
      const { templateId, versionId } = await pushTemplate(server.url, owner.token, 'bench')
      const { version, values, plan } = await templatePlanAt(database.url, versionId)
      const secretKey = server.secretKey
      const bareInput = (seconds: number): BarePgCreateInput => ({
        databaseUrl: database.url,
        secretKey,
        organizationId: owner.organizationId,
        ownerId: owner.userId,
        templateId,
        versionId,
        fileId: version.fileId,
        plan,
        parameters: values,
        concurrency: CLIENTS,
        seconds,
      })
      const load = {
        url: `${server.url}/api/v2/users/me/workspaces`,
        connections: CLIENTS,
        method: 'POST' as const,
        headers: { 'coder-session-token': owner.token, 'content-type': 'application/json' },
        body: JSON.stringify(createBody('{name}', templateId)),
        uniqueName: true,
      }
      const bare = (seconds: number) => runWorker<BarePgCreateResult>('baselines/bare-pg-create.ts', bareInput(seconds))
      // Warm-up of both.
      await measuredRun({ ...load, duration: 2 }, server.pid)
      await bare(2)
      const outpost: Run[] = []
      const baseline: BarePgCreateResult[] = []
      for (let i = 0; i < ROUNDS; i++) {
        for (const side of i % 2 === 0 ? ['outpost', 'bare'] : ['bare', 'outpost']) {
          if (side === 'outpost') outpost.push(await measuredRun({ ...load, duration: SECONDS }, server.pid))
          else baseline.push(await bare(SECONDS))
        }
      }
      const ratio = median(outpost.map((o, i) => o.rps / baseline[i]!.perSecond))
      const bad = outpost.reduce((n, r) => n + r.non2xx + r.errors, 0) + baseline.reduce((n, r) => n + r.errors, 0)
      const [{ n } = { n: '0' }] = await adminQuery<{ n: string }>(database.url, 'select count(*)::text as n from workspaces')
      await server.stop()
      server = undefined

      // Where a create's time goes: the statements of one create (Postgres log), and a CPU
      // profile of the server under the same load.
      await adminQuery(database.url, `alter database ${database.name} set log_statement = 'all'`)
      const logged = await startOutpost({ databaseUrl: database.url, binDir: bin.dir, secretKey })
      const file = await logFile()
      const offset = await logOffset(file)
      await createWorkspace(logged.url, owner.token, 'counted', templateId)
      await sleep(300)
      const statements = await statementsSince(file, offset, database.name)
      await logged.stop()
      await adminQuery(database.url, `alter database ${database.name} reset log_statement`)
      const { run: profiledRun, summary: profileSummary } = await profileUnderLoad(
        (nodeArgs) => startOutpost({ databaseUrl: database.url, binDir: bin.dir, secretKey, nodeArgs }),
        (url) => ({ ...load, url: `${url}/api/v2/users/me/workspaces` }),
        8,
      )
      const cost = await statementCost(database.url, owner.userId)
      const byKind = new Map<string, number>()
      for (const st of statements) {
        const kind = /^\s*(\w+)(?:\s+into\s+"?(\w+)"?|[\s\S]*?\sfrom\s+"?(\w+)"?)?/i.exec(st.text)
        const key = kind ? `${kind[1]!.toLowerCase()}${kind[2] ?? kind[3] ? ` ${kind[2] ?? kind[3]}` : ''}` : st.text.slice(0, 20)
        byKind.set(key, (byKind.get(key) ?? 0) + 1)
      }
      return {
        checks: [
          {
            metric: `creates/s at ${CLIENTS} clients vs a bare pg script (same inserts, one transaction each)`,
            measured: `${round(ratio)}× (median of ${ROUNDS} rounds; ${round(median(outpost.map((o) => o.rps)), 0)} vs ${round(median(baseline.map((b) => b.perSecond)), 0)} per s)`,
            target: '≥ 0.4×',
            met: ratio >= 0.4 && bad === 0,
          },
        ],
        details: [
          `${CLIENTS} concurrent clients, ${ROUNDS} rounds of ${SECONDS} s per side (alternating) after a 2 s warm-up each; non-201 answers or failed transactions: ${bad}; ${n} workspaces in the database at the end. Outpost's pool has 10 connections (its default); the bare script uses one per worker.`,
          '',
          '| Round | Outpost creates/s | p50 / p99 ms | server CPU µs/create | Bare creates/s | Ratio |',
          '| --- | --- | --- | --- | --- | --- |',
          ...outpost.map(
            (o, i) =>
              `| ${i + 1} | ${round(o.rps, 0)} | ${o.latency.p50} / ${o.latency.p99} | ${round(o.cpuUsPerRequest, 0)} | ${round(baseline[i]!.perSecond, 0)} | ${round(o.rps / baseline[i]!.perSecond)} |`,
          ),
          '',
          `One create sends ${statements.length} statements (the bare script: 10, begin to commit): ${[...byKind].map(([k, c]) => `${c} × ${k}`).join(', ')}. The session lookup reads the key with its user; one read brings the template, its active version, the import job's status, the organization and the owner's membership; the workspace's rows (workspace, job, logs, build, parameters, resources, agents, tokens) go in one statement of data-modifying CTEs, atomic as the bare script's transaction, and the response is built from the rows it returns; then the audit entry. The reads and the audit insert are prepared statements.`,
          '',
          `CPU profile of the server under the same load (${round(profiledRun.rps, 0)} creates/s, ${round(profiledRun.cpuUsPerRequest, 0)} µs of server CPU per create; \`node --cpu-prof\`, summarised by bench/lib/profile.ts):`,
          '',
          '```',
          profileSummary,
          '```',
          '',
          `JS cost of one statement (${'`'}select … from users where id = $1${'`'}, CPU per call in the benchmark process): built with drizzle's query builder each call ${round(cost.builder, 0)} µs; the same query prepared once with drizzle ${round(cost.prepared, 0)} µs; its SQL sent with bare pg ${round(cost.bare, 0)} µs.`,
          ...(ratio >= 0.4
            ? []
            : [
                '',
                `**Not met.** What limits it is the server's CPU per create (${round(median(outpost.map((o) => o.cpuUsPerRequest)), 0)} µs): in the profile, \`writev\` (one socket write per statement and per response) and drizzle's query building are the largest shares. What would help next: caching the resolved platforms per template version and parameter values, and writing the audit entry in the same statement as the workspace.`,
              ]),
        ].join('\n'),
      }
    } finally {
      await server?.stop()
      await database.drop()
      await bin.remove()
    }
  },
}
export default bench
