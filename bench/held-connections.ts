// Target 6, held connections.
// Measures: 10,000 agent WebSockets (`/api/v2/workspaceagents/me/rpc`, one per workspace,
//   opened from a separate process) held by one server with a 2 s ping interval: how many
//   the API shows `connected`; the server's RSS while it holds them; the write statements
//   per ping interval, from the Postgres log (log_statement = mod on the database) and
//   cross-checked with pg_stat (transactions committed, rows updated in workspace_agents);
//   then 1,000 of the workspaces deleted through the API (20 at a time): which sockets
//   close, with which code, how long after each delete was answered, and whether the
//   other 9,000 stay up and connected.
// Baseline: none beyond the targets' own figures (absolute limits).
// Target: all 10,000 connected; RSS ≤ 400 MB; ≤ 2 liveness write statements per ping
//   interval in total; the 1,000 deletes close exactly their 1,000 connections, each
//   within 2 s, while the other 9,000 stay up.
import { createOwner, deleteWorkspace, getJson, pushTemplate } from './lib/api.js'
import type { AgentsInput, Close } from './lib/agents.js'
import { logFile, logOffset, statementsSince } from './lib/pglog.js'
import { adminQuery, createDatabase, forkWorker, rssOf, sampleRss, sleep, startOutpost, tempDir } from './lib/proc.js'
import { mib, round, type Benchmark } from './lib/report.js'
import { seedWorkspaces } from './lib/seed.js'

const AGENTS = 10_000
const DELETE = 1_000
const INTERVAL_S = 2
const WINDOW_INTERVALS = 10

interface PgCounters {
  xacts: number
  agentRowsUpdated: number
}

async function counters(url: string, name: string): Promise<PgCounters> {
  const [db] = await adminQuery<{ x: string }>(url, 'select xact_commit::text as x from pg_stat_database where datname = $1', [name])
  const [t] = await adminQuery<{ u: string }>(url, "select n_tup_upd::text as u from pg_stat_user_tables where relname = 'workspace_agents'")
  return { xacts: Number(db?.x ?? 0), agentRowsUpdated: Number(t?.u ?? 0) }
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN

const bench: Benchmark = {
  name: 'held-connections',
  title: 'Held connections',
  async run() {
    const bin = await tempDir('bin')
    const database = await createDatabase()
    // Every write statement of the server's sessions goes to the Postgres log (counted below).
    await adminQuery(database.url, `alter database ${database.name} set log_statement = 'mod'`)
    let server: Awaited<ReturnType<typeof startOutpost>> | undefined
    let fleet: Awaited<ReturnType<typeof forkWorker>> | undefined
    try {
      server = await startOutpost({ databaseUrl: database.url, binDir: bin.dir, pingInterval: `${INTERVAL_S}s`, raiseFileLimit: true })
      const owner = await createOwner(server.url)
      const { templateId, versionId } = await pushTemplate(server.url, owner.token, 'bench')
      const seeded = await seedWorkspaces(
        { databaseUrl: database.url, secretKey: server.secretKey, organizationId: owner.organizationId, templateId, versionId, ownerIds: [owner.userId] },
        AGENTS,
        'agent-',
      )
      const idleRss = await rssOf(server.pid)

      fleet = await forkWorker('lib/agents.ts', { url: server.url, tokens: seeded.map((s) => s.token), parallel: 100 } satisfies AgentsInput)
      const connected = await fleet.next<{ open: number; failed: number; errors: Record<string, number>; ms: number }>('connected', 600_000)
      await sleep(2 * INTERVAL_S * 1000)
      const connectedCount = async () =>
        (await getJson(server!.url, owner.token, `/api/v2/workspaces?q=${encodeURIComponent('has-agent:connected')}&limit=1`)).count as number
      const shownConnected = await connectedCount()

      // Steady state: RSS, and the statements of WINDOW_INTERVALS ping intervals. Idle
      // backends report their statistics up to 10 s late: let the connect burst's arrive first.
      await sleep(10_000)
      const file = await logFile()
      const rss = sampleRss(server.pid, 200)
      const before = await counters(database.url, database.name)
      const offset = await logOffset(file)
      const windowStart = Date.now()
      await sleep(WINDOW_INTERVALS * INTERVAL_S * 1000)
      const statements = await statementsSince(file, offset, database.name)
      const windowMs = Date.now() - windowStart
      await sleep(1500) // let the backends flush their statistics
      const after = await counters(database.url, database.name)
      const steady = rss.stop()
      const intervals = windowMs / (INTERVAL_S * 1000)
      const writesPerInterval = statements.length / intervals
      const xactsPerInterval = (after.xacts - before.xacts) / intervals
      const rowsPerInterval = (after.agentRowsUpdated - before.agentRowsUpdated) / intervals
      const kinds = new Map<string, number>()
      for (const s of statements) {
        const kind = s.text.replace(/\s+/g, ' ').slice(0, 60)
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
      }

      // Delete every 10th workspace, 20 at a time; note when each delete was answered.
      const doomed = seeded.map((s, index) => ({ ...s, index })).filter((_, i) => i % (AGENTS / DELETE) === 0)
      const answeredAt = new Map<number, number>()
      const deleteStart = Date.now()
      let cursor = 0
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          while (cursor < doomed.length) {
            const w = doomed[cursor++]!
            await deleteWorkspace(server!.url, owner.token, w.workspaceId)
            answeredAt.set(w.index, Date.now())
          }
        }),
      )
      const deleteWallMs = Date.now() - deleteStart
      await sleep(2500)
      fleet.send({ type: 'report' })
      const report = await fleet.next<{ open: number; closes: Close[] }>('report')
      const doomedSet = new Set(doomed.map((d) => d.index))
      const closedDoomed = report.closes.filter(([i]) => doomedSet.has(i))
      const closedOthers = report.closes.filter(([i]) => !doomedSet.has(i))
      const wrongCode = closedDoomed.filter(([, code]) => code !== 4401).length
      const lags = closedDoomed.map(([i, , at]) => at - answeredAt.get(i)!).sort((a, b) => a - b)
      const maxLag = lags[lags.length - 1] ?? NaN
      await sleep(2 * INTERVAL_S * 1000)
      const stillShown = await connectedCount()
      fleet.send({ type: 'report' })
      const later = await fleet.next<{ open: number; closes: Close[] }>('report')
      const finalRss = await rssOf(server.pid)

      const allClosedInTime = closedDoomed.length === DELETE && wrongCode === 0 && maxLag <= 2000
      const othersUp = closedOthers.length === 0 && later.open === AGENTS - DELETE && stillShown === AGENTS - DELETE
      return {
        checks: [
          {
            metric: `${AGENTS.toLocaleString('en')} agents connected and shown connected`,
            measured: `${connected.open} open, ${connected.failed} failed; API: ${shownConnected} connected`,
            target: `all ${AGENTS.toLocaleString('en')}`,
            met: connected.open === AGENTS && shownConnected === AGENTS,
          },
          {
            metric: 'server RSS holding them (peak over the steady window)',
            measured: `${mib(steady.peak)} (${mib(idleRss)} before they connected)`,
            target: '≤ 400 MB',
            met: steady.peak <= 400 * 1e6,
          },
          {
            metric: 'liveness write statements per ping interval',
            measured: `${round(writesPerInterval, 2)} (${statements.length} in ${round(intervals, 1)} intervals); ${round(xactsPerInterval, 2)} transactions and ${round(rowsPerInterval, 0)} agent rows updated per interval`,
            target: '≤ 2',
            met: writesPerInterval <= 2,
          },
          {
            metric: `deleting ${DELETE.toLocaleString('en')} workspaces closes exactly their connections within 2 s`,
            measured: `${closedDoomed.length} closed (code 4401: ${closedDoomed.length - wrongCode}), max ${maxLag} ms after the delete was answered; ${closedOthers.length} others closed, ${later.open} still open, API: ${stillShown} connected`,
            target: `${DELETE.toLocaleString('en')} within 2 s; the other ${(AGENTS - DELETE).toLocaleString('en')} up`,
            met: allClosedInTime && othersUp,
          },
        ],
        details: [
          `Ping interval ${INTERVAL_S} s. ${AGENTS.toLocaleString('en')} workspaces seeded as the create endpoint writes them; sockets opened 100 at a time from one client process in ${round(connected.ms / 1000, 1)} s${connected.failed ? ` (failures: ${JSON.stringify(connected.errors)})` : ''}.`,
          '',
          `- RSS: ${mib(idleRss)} before the agents connected; peak ${mib(steady.peak)} over the ${round(windowMs / 1000, 1)} s steady window; ${mib(finalRss)} at the end.`,
          `- Steady window (${round(intervals, 1)} intervals): ${statements.length} write statements logged by Postgres for this database (${[...kinds].map(([k, n]) => `${n} × \`${k}…\``).join('; ') || 'none'}); pg_stat: ${after.xacts - before.xacts} transactions committed (reads and writes), ${after.agentRowsUpdated - before.agentRowsUpdated} workspace_agents rows updated.`,
          `- Deletes: ${DELETE} through \`POST /workspaces/{id}/builds\` (transition delete), 20 at a time, in ${round(deleteWallMs / 1000, 1)} s. Close after the delete's answer (ms; negative: the close arrived first): min ${lags[0]}, p50 ${pct(lags, 50)}, p99 ${pct(lags, 99)}, max ${maxLag}.`,
          `- After two more intervals: ${later.open} sockets open, ${later.closes.length} closes seen in all, API shows ${stillShown} connected.`,
        ].join('\n'),
      }
    } finally {
      if (fleet) {
        fleet.send({ type: 'exit' })
        await fleet.proc.stop(2000)
      }
      await server?.stop(10_000)
      await database.drop()
      await bin.remove()
    }
  },
}
export default bench
