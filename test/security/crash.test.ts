import http from 'node:http'
import pg from 'pg'
import t from 'tap'
import { createServerDatabase } from '../helpers/database.js'
import { STRONG_PASSWORD } from '../helpers/fixtures.js'
import { NO_RATE_LIMITS, newSecretKey, reachablePostgres, spawnServer } from '../helpers/security.js'
import { exampleTemplateFiles, tarOf } from '../helpers/templates.js'

/**
 * Crash safety on real Postgres: the server process is SIGKILLed in the middle of a burst
 * of workspace creates, restarted on the same database, and then every workspace it
 * acknowledged (201) is complete (row, build 1 with its succeeded job, resource, agent,
 * current agent token, audit entry; readable over the API with its agent), and no
 * workspace anywhere is partial. A create is one transaction, so a kill can only lose
 * whole unacknowledged workspaces, never half of one.
 */

const BURST = 200
const CONNECTIONS = 20
/** Killed once this many creates have been acknowledged. */
const KILL_AFTER = 60

const pgUrl = await reachablePostgres()
if (!pgUrl) t.plan(0, 'no Postgres reachable (DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres)')

interface Answer {
  status: number
  body: string
}

/** One request over `agent` (so the burst shares CONNECTIONS keep-alive sockets). */
function send(agent: http.Agent, baseUrl: string, method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${baseUrl}${path}`, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

async function json(agent: http.Agent, baseUrl: string, method: string, path: string, token: string | undefined, payload?: unknown) {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (token) headers['coder-session-token'] = token
  const res = await send(agent, baseUrl, method, path, headers, payload === undefined ? undefined : JSON.stringify(payload))
  return { status: res.status, json: res.body ? JSON.parse(res.body) : undefined }
}

if (pgUrl) t.test('SIGKILL during a burst of creates: every acknowledged workspace is complete, none is partial', async (t) => {
  const databaseUrl = await createServerDatabase(t, pgUrl)
  const secretKey = newSecretKey()
  const env = NO_RATE_LIMITS
  const setupAgent = new http.Agent({ keepAlive: false })

  // An owner and a template, over HTTP.
  const first = await spawnServer(t, { databaseUrl, secretKey, env })
  const created = await json(setupAgent, first.baseUrl, 'POST', '/api/v2/users/first', undefined, {
    email: 'owner@example.com',
    username: 'owner',
    password: STRONG_PASSWORD,
  })
  t.equal(created.status, 201, 'first user')
  const token: string = (
    await json(setupAgent, first.baseUrl, 'POST', '/api/v2/users/login', undefined, { email: 'owner@example.com', password: STRONG_PASSWORD })
  ).json.session_token
  const upload = await send(
    setupAgent,
    first.baseUrl,
    'POST',
    '/api/v2/files',
    { 'content-type': 'application/x-tar', 'coder-session-token': token },
    await tarOf(await exampleTemplateFiles()),
  )
  t.equal(upload.status, 201, 'template uploaded')
  const version = await json(setupAgent, first.baseUrl, 'POST', '/api/v2/organizations/default/templateversions', token, {
    storage_method: 'file',
    file_id: JSON.parse(upload.body).hash,
    provisioner: 'terraform',
  })
  const template = await json(setupAgent, first.baseUrl, 'POST', '/api/v2/organizations/default/templates', token, {
    name: 'crashy',
    template_version_id: version.json.id,
  })
  t.equal(template.status, 201, 'template created')

  // The burst, killed part way.
  const burstAgent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS })
  const acknowledged = new Map<string, string>()
  const refused: Answer[] = []
  const lost: string[] = []
  let killedAt = -1
  const started = Date.now()
  await Promise.all(
    Array.from({ length: BURST }, async (_, i) => {
      const name = `burst-${i}`
      try {
        const res = await send(
          burstAgent,
          first.baseUrl,
          'POST',
          '/api/v2/users/me/workspaces',
          { 'content-type': 'application/json', 'coder-session-token': token },
          JSON.stringify({ name, template_id: template.json.id }),
        )
        if (res.status === 201) acknowledged.set(JSON.parse(res.body).id, name)
        else refused.push(res)
        if (acknowledged.size >= KILL_AFTER && killedAt < 0) {
          killedAt = Date.now() - started
          first.child.kill('SIGKILL')
        }
      } catch (err) {
        lost.push(`${name}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
      }
    }),
  )
  burstAgent.destroy()
  t.equal(await Promise.race([first.exited, new Promise((r) => setTimeout(() => r('alive'), 10_000))]), null, 'the server died of the signal')
  t.equal(first.child.signalCode, 'SIGKILL', 'killed by SIGKILL')
  t.comment(`killed after ${killedAt} ms: ${acknowledged.size} acknowledged, ${refused.length} refused, ${lost.length} lost`)
  t.ok(acknowledged.size >= KILL_AFTER, `${acknowledged.size} creates acknowledged before the kill`)
  t.ok(lost.length > 0, 'the kill fell in the middle of the burst (some requests got no answer)')
  t.strictSame(refused.map((r) => r.status), [], 'no create was refused before the kill')

  // The same database, a new process.
  const second = await spawnServer(t, { databaseUrl, secretKey, env })
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 })
  t.teardown(() => agent.destroy())

  await t.test('every acknowledged workspace is complete, over the API', async (t) => {
    const problems: string[] = []
    await Promise.all(
      [...acknowledged].map(async ([id, name]) => {
        const ws = await json(agent, second.baseUrl, 'GET', `/api/v2/workspaces/${id}`, token)
        const build = ws.json?.latest_build
        const agents = build?.resources?.flatMap((r: { agents?: unknown[] }) => r.agents ?? []) ?? []
        if (ws.status !== 200 || ws.json.name !== name || build?.build_number !== 1 || build?.job?.status !== 'succeeded' || agents.length !== 1) {
          problems.push(`${name} ${id}: ${ws.status} ${JSON.stringify(ws.json).slice(0, 300)}`)
          return
        }
        const creds = await json(agent, second.baseUrl, 'GET', `/api/v2/workspaces/${id}/external-agent/main/credentials`, token)
        const manifest = creds.status === 200 ? await json(agent, second.baseUrl, 'GET', '/api/v2/workspaceagents/me/manifest', creds.json.agent_token) : undefined
        if (manifest?.status !== 200 || manifest.json.workspace_id !== id) problems.push(`${name} ${id}: credentials ${creds.status}, agent ${manifest?.status}`)
      }),
    )
    t.strictSame(problems, [], `all ${acknowledged.size} readable, with build 1, its job, one agent and a working token`)
  })

  await t.test('no partial workspace in the database, nothing orphaned', async (t) => {
    const db = new pg.Client({ connectionString: databaseUrl })
    await db.connect()
    t.teardown(() => db.end())
    const { rows } = await db.query<{ id: string; name: string; builds: number; parameters: number; jobs: number; resources: number; agents: number; tokens: number }>(`
      SELECT w.id, w.name,
        (SELECT count(*)::int FROM workspace_builds b WHERE b.workspace_id = w.id) AS builds,
        (SELECT count(*)::int FROM workspace_builds b JOIN workspace_build_parameters p ON p.build_id = b.id
          WHERE b.workspace_id = w.id AND p.name = 'platform') AS parameters,
        (SELECT count(*)::int FROM workspace_builds b JOIN provisioner_jobs j ON j.id = b.job_id
          WHERE b.workspace_id = w.id AND b.build_number = 1 AND b.transition = 'start' AND j.status = 'succeeded') AS jobs,
        (SELECT count(*)::int FROM workspace_builds b JOIN workspace_resources r ON r.job_id = b.job_id WHERE b.workspace_id = w.id) AS resources,
        (SELECT count(*)::int FROM workspace_builds b JOIN workspace_resources r ON r.job_id = b.job_id
          JOIN workspace_agents a ON a.resource_id = r.id WHERE b.workspace_id = w.id) AS agents,
        (SELECT count(*)::int FROM workspace_builds b JOIN workspace_resources r ON r.job_id = b.job_id
          JOIN workspace_agents a ON a.resource_id = r.id JOIN workspace_agent_tokens k ON k.agent_id = a.id
          WHERE b.workspace_id = w.id AND k.expires_at IS NULL) AS tokens
      FROM workspaces w ORDER BY w.name`)
    t.ok(rows.length >= acknowledged.size && rows.length <= BURST, `${rows.length} workspaces stored (${acknowledged.size} acknowledged)`)
    const stored = new Set(rows.map((r) => r.id))
    t.strictSame([...acknowledged.keys()].filter((id) => !stored.has(id)), [], 'every acknowledged workspace is stored')
    const partial = rows.filter((r) => r.builds !== 1 || r.parameters !== 1 || r.jobs !== 1 || r.resources !== 1 || r.agents !== 1 || r.tokens !== 1)
    t.strictSame(partial, [], 'every stored workspace has build 1 with its parameter, its succeeded job, a resource, an agent and its current token')

    const orphans = await db.query<{ what: string; n: number }>(`
      SELECT 'build jobs without a build' AS what, count(*)::int AS n FROM provisioner_jobs j
        WHERE j.type = 'workspace_build' AND NOT EXISTS (SELECT 1 FROM workspace_builds b WHERE b.job_id = j.id)
      UNION ALL SELECT 'build job logs without a build', count(*)::int FROM provisioner_job_logs l JOIN provisioner_jobs j ON j.id = l.job_id
        WHERE j.type = 'workspace_build' AND NOT EXISTS (SELECT 1 FROM workspace_builds b WHERE b.job_id = j.id)
      UNION ALL SELECT 'build resources without a build', count(*)::int FROM workspace_resources r JOIN provisioner_jobs j ON j.id = r.job_id
        WHERE j.type = 'workspace_build' AND NOT EXISTS (SELECT 1 FROM workspace_builds b WHERE b.job_id = r.job_id)
      UNION ALL SELECT 'tokens of no current agent', count(*)::int FROM workspace_agent_tokens k
        WHERE NOT EXISTS (SELECT 1 FROM workspace_agents a WHERE a.id = k.agent_id)`)
    t.strictSame(
      orphans.rows.map((r) => [r.what, r.n]),
      orphans.rows.map((r) => [r.what, 0]),
      'nothing left behind by an unfinished create',
    )

    const audited = await db.query<{ resource_id: string }>(
      "SELECT resource_id FROM audit_logs WHERE resource_type = 'workspace' AND action = 'create' AND status_code = 201",
    )
    const auditedIds = new Set(audited.rows.map((r) => r.resource_id))
    t.strictSame([...acknowledged.keys()].filter((id) => !auditedIds.has(id)), [], 'every acknowledged create has its audit entry')
  })

  await t.test('the restarted server works on', async (t) => {
    const list = await json(agent, second.baseUrl, 'GET', '/api/v2/workspaces?limit=0', token)
    t.equal(list.status, 200)
    t.ok(list.json.count >= acknowledged.size, `${list.json.count} workspaces listed`)
    const again = await json(agent, second.baseUrl, 'POST', '/api/v2/users/me/workspaces', token, { name: 'after-crash', template_id: template.json.id })
    t.equal(again.status, 201, 'a new create succeeds')
    const taken = await json(agent, second.baseUrl, 'POST', '/api/v2/users/me/workspaces', token, {
      name: [...acknowledged.values()][0],
      template_id: template.json.id,
    })
    t.equal(taken.status, 409, 'an acknowledged name is still taken')
  })
})
