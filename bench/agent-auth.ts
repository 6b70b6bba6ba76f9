// Target 3, agent auth.
// Measures: requests/s and latency of `GET /api/v2/workspaceagents/me/manifest` with valid
//   agent tokens (100 agents, each request the next token) at 50 connections, on the real
//   server; then revocation: a deleted workspace's token and a rotated-out token, both just
//   used (so any cache holds them), must be refused by the very next request, while load
//   runs; and on a second replica (same database) as soon as the revocation reaches it.
// Baseline: a bare Fastify route returning the same JSON, loaded the same way (same
//   headers) in alternating rounds.
// Target: Outpost ≥ 0.5 × the bare requests/s; p99 ≤ 10 ms at 50 connections; revoked
//   tokens fail at once.
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { agentStatus, agentToken, createOwner, createWorkspace, deleteWorkspace, getJson, pushTemplate, rotateToken } from './lib/api.js'
import { cannon, compareThroughput, profileUnderLoad } from './lib/compare.js'
import { createDatabase, sleep, startBaseline, startOutpost, tempDir } from './lib/proc.js'
import { median, round, type Benchmark } from './lib/report.js'

const PATH = '/api/v2/workspaceagents/me/manifest'
const AGENTS = 100
const CONNECTIONS = 50
const ROUNDS = 6
const SECONDS = 4

const bench: Benchmark = {
  name: 'agent-auth',
  title: 'Agent auth',
  async run() {
    const bin = await tempDir('bin')
    const database = await createDatabase()
    try {
      const server = await startOutpost({ databaseUrl: database.url, binDir: bin.dir })
      let replica: Awaited<ReturnType<typeof startOutpost>> | undefined
      let bare: Awaited<ReturnType<typeof startBaseline>> | undefined
      try {
        const owner = await createOwner(server.url)
        const { templateId } = await pushTemplate(server.url, owner.token, 'bench')
        const workspaces: { id: string; token: string }[] = []
        for (let i = 0; i < AGENTS + 3; i++) {
          const ws = await createWorkspace(server.url, owner.token, `auth-${i}`, templateId)
          workspaces.push({ id: ws.id, token: await agentToken(server.url, owner.token, ws.id) })
        }
        const loadTokens = workspaces.slice(0, AGENTS).map((w) => w.token)
        const [deleted, rotated, remote] = workspaces.slice(AGENTS) as [(typeof workspaces)[0], (typeof workspaces)[0], (typeof workspaces)[0]]

        const manifest = await fetch(`${server.url}${PATH}`, { headers: { 'coder-session-token': loadTokens[0]! } })
        const manifestFile = path.join(bin.dir, 'manifest.json')
        await writeFile(manifestFile, await manifest.text())
        bare = await startBaseline('bare-fastify.ts', { BARE_ROUTES: JSON.stringify([{ path: PATH, file: manifestFile, kind: 'json' }]) }, '/ready')

        const load = (url: string) => ({ url: `${url}${PATH}`, connections: CONNECTIONS, tokens: loadTokens, tokenHeader: 'coder-session-token' })
        const cmp = await compareThroughput(
          { outpost: { load: load(server.url), pid: server.pid }, bare: { load: load(bare.url), pid: bare.pid } },
          { rounds: ROUNDS, seconds: SECONDS },
        )
        const p99 = median(cmp.outpost.map((r) => r.latency.p99))
        const errors = cmp.outpost.reduce((n, r) => n + r.non2xx + r.errors, 0)

        // Revocation, while the load runs on the other tokens.
        replica = await startOutpost({ databaseUrl: database.url, binDir: bin.dir, secretKey: server.secretKey })
        const background = cannon({ ...load(server.url), duration: 6 })
        await sleep(1000)
        const proof: string[] = []
        let revokedOk = true
        const expect = (what: string, got: number, want: number) => {
          proof.push(`| ${what} | ${got} | ${want} |`)
          if (got !== want) revokedOk = false
        }
        for (let i = 0; i < 3; i++) await agentStatus(server.url, deleted.token)
        expect('deleted workspace: token used just before the delete', await agentStatus(server.url, deleted.token), 200)
        await deleteWorkspace(server.url, owner.token, deleted.id)
        expect('deleted workspace: the first request after the delete answered', await agentStatus(server.url, deleted.token), 401)
        for (let i = 0; i < 3; i++) await agentStatus(server.url, rotated.token)
        const fresh = await rotateToken(server.url, owner.token, rotated.id)
        expect('rotated (grace 0): the old token, first request after the rotation', await agentStatus(server.url, rotated.token), 401)
        expect('rotated (grace 0): the new token', await agentStatus(server.url, fresh), 200)
        // The other replica learns of it through Postgres NOTIFY.
        for (let i = 0; i < 3; i++) await agentStatus(replica.url, remote.token)
        expect('other replica: token used just before the delete', await agentStatus(replica.url, remote.token), 200)
        await deleteWorkspace(server.url, owner.token, remote.id)
        const sent = performance.now()
        let remoteMs = -1
        let first = 0
        for (let i = 0; ; i++) {
          const status = await agentStatus(replica.url, remote.token)
          if (i === 0) first = status
          if (status === 401) {
            remoteMs = performance.now() - sent
            break
          }
          if (performance.now() - sent > 5000) break
        }
        expect('other replica: refused within 1 s of the delete (first answer shown in the notes)', remoteMs >= 0 && remoteMs < 1000 ? 401 : 200, 401)
        const bg = await background
        // Still an agent of a live workspace: the load's tokens kept working throughout.
        const stillLive = await getJson(server.url, owner.token, `/api/v2/workspaces?q=${encodeURIComponent('name:auth-0')}`)

        const check = (metric: string, measured: string, target: string, met: boolean) => ({ metric, measured, target, met })
        const notes: string[] = []
        if (cmp.ratio < 0.5 || p99 > 10 || errors > 0) {
          const { run, summary } = await profileUnderLoad(
            (nodeArgs) => startOutpost({ databaseUrl: database.url, binDir: bin.dir, secretKey: server.secretKey, nodeArgs }),
            load,
            8,
          )
          notes.push(
            '',
            `**Not met in this run.** The bare route's p99 in the same rounds was ${median(cmp.bare.map((r) => r.latency.p99))} ms: at ${CONNECTIONS} connections the tail follows how much CPU the machine leaves the server (load average above). What limits Outpost is its CPU per request, ${round(median(cmp.outpost.map((r) => r.cpuUsPerRequest)), 1)} µs against ${round(median(cmp.bare.map((r) => r.cpuUsPerRequest)), 1)} µs: with the lookup cached, that is the token's SHA-256, the hooks every API request passes (cookies, auth, audit, request id, security headers, a per-request child logger) and the response schema; a lookup that missed the cache adds a database round trip (a few per 100 agents per second). Profile of the server under the same load (${round(run.rps, 0)} req/s, ${round(run.cpuUsPerRequest, 1)} µs per request):`,
            '',
            '```',
            summary,
            '```',
            '',
            'What would meet it on a busy machine: fewer microseconds per request on this path (cheaper hooks, no per-request child logger).',
          )
        }
        return {
          checks: [
            check(
              'requests/s vs bare Fastify JSON (same body and headers)',
              `${round(cmp.ratio)}× (median of ${ROUNDS} rounds; ${round(median(cmp.outpost.map((r) => r.rps)), 0)} vs ${round(median(cmp.bare.map((r) => r.rps)), 0)} req/s)`,
              '≥ 0.5×',
              cmp.ratio >= 0.5 && errors === 0,
            ),
            check('p99 latency at 50 connections', `${p99} ms (median of the rounds' p99)`, '≤ 10 ms', p99 <= 10),
            check(
              'revoked tokens refused at once',
              revokedOk ? `yes (${proof.length} checks; other replica after ${round(remoteMs, 1)} ms)` : 'no: see the table',
              'the next request is a 401',
              revokedOk,
            ),
          ],
          details: [
            `${AGENTS} agents' tokens in turn, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s per side (alternating) after a 2 s warm-up each. Non-2xx or errors from Outpost: ${errors}. Server CPU per request, bare ÷ Outpost: ${round(cmp.cpuRatio)}×, the requests/s ratio to expect (or less) when both servers are CPU-bound on a busy machine${cmp.cpuRatio < 0.5 ? ': under 0.5, so on a busy machine expect the throughput target not to be met' : ''}; p99 also grows with the machine's load (compare the bare route's).`,
            '',
            cmp.table,
            '',
            `Revocation, during a 6 s load on the other tokens (${round(bg.rps, 0)} req/s, ${bg.non2xx} non-2xx); each token was used just before (so a cache would hold it):`,
            '',
            '| Request | Status | Expected |',
            '| --- | --- | --- |',
            ...proof,
            '',
            `On the other replica the first request after the delete answered ${first}; it answered 401 from ${round(remoteMs, 1)} ms after the delete's response (Postgres NOTIFY to the replica). A live workspace was still listed: ${stillLive.count === 1}.`,
            ...notes,
          ].join('\n'),
        }
      } finally {
        await bare?.stop()
        await replica?.stop()
        await server.stop()
      }
    } finally {
      await database.drop()
      await bin.remove()
    }
  },
}
export default bench
