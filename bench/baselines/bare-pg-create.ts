// Baseline: a bare `pg` script writing the rows `POST /users/me/workspaces` writes, one
// transaction per workspace (BEGIN, the same eight INSERTs, COMMIT), from `concurrency`
// workers at once on a pool of that many connections, for `seconds`. The rows are made
// by the same functions as the API's (tokens hashed and encrypted alike); nothing else
// (no HTTP, no validation, no reads, no ORM). Input JSON in argv[2]; prints `RESULT <json>`.
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import pg from 'pg'
import { JobLog } from '../../src/domain/jobs.js'
import { issueAgentToken, materialiseResources, type PlannedResource } from '../../src/domain/provisioning.js'

export interface BarePgCreateInput {
  databaseUrl: string
  secretKey: string
  organizationId: string
  ownerId: string
  templateId: string
  versionId: string
  fileId: string
  plan: PlannedResource[]
  parameters: { name: string; value: string }[]
  concurrency: number
  seconds: number
}

export interface BarePgCreateResult {
  creates: number
  seconds: number
  perSecond: number
  errors: number
}

const input = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as BarePgCreateInput
const key = Buffer.from(input.secretKey, 'base64')
const pool = new pg.Pool({ connectionString: input.databaseUrl, max: input.concurrency })
const prefix = `p${process.pid.toString(36)}${Date.now().toString(36)}`
let named = 0

function values(rows: unknown[][]): { text: string; params: unknown[] } {
  const params: unknown[] = []
  const text = rows.map((row) => `(${row.map((v) => (params.push(v), `$${params.length}`)).join(', ')})`).join(', ')
  return { text, params }
}

async function createOne(client: pg.PoolClient): Promise<void> {
  const now = new Date()
  const workspaceId = randomUUID()
  const buildId = randomUUID()
  const jobId = randomUUID()
  const log = new JobLog(jobId, () => now)
  for (const r of input.plan) for (const a of r.agents) log.add('Recording external agents', `coder_agent.${a.name}: ${a.os}/${a.arch}, token issued`)
  log.add('Recording external agents', 'Nothing was provisioned: the machine attaches with the agent credentials.')
  const { resources, agents } = materialiseResources(input.plan, { id: jobId, transition: 'start' }, now)
  const tokens = agents.map((a) => issueAgentToken(a.id!, key, now).row)
  const run = (text: string, rows: unknown[][]) => {
    const v = values(rows)
    return client.query(`${text} values ${v.text}`, v.params)
  }
  await client.query('begin')
  try {
    await run(
      'insert into workspaces (id, organization_id, owner_id, template_id, name, automatic_updates, has_external_agent, last_used_at, created_at, updated_at)',
      [[workspaceId, input.organizationId, input.ownerId, input.templateId, `${prefix}-${(named++).toString(36)}`, 'never', true, now, now, now]],
    )
    await run(
      'insert into provisioner_jobs (id, organization_id, type, status, error, error_code, file_id, initiator_id, input, created_at, updated_at, started_at, completed_at, canceled_at)',
      [[jobId, input.organizationId, 'workspace_build', 'succeeded', '', '', input.fileId, input.ownerId, JSON.stringify({ workspace_build_id: buildId, template_version_id: input.versionId }), now, now, now, now, null]],
    )
    await run(
      'insert into provisioner_job_logs (job_id, seq, created_at, source, level, stage, output)',
      log.rows.map((l) => [l.jobId, l.seq, l.createdAt, l.source, l.level, l.stage, l.output]),
    )
    await run(
      'insert into workspace_builds (id, workspace_id, template_version_id, build_number, transition, initiator_id, reason, job_id, has_external_agent, created_at, updated_at)',
      [[buildId, workspaceId, input.versionId, 1, 'start', input.ownerId, 'initiator', jobId, true, now, now]],
    )
    if (input.parameters.length > 0) {
      await run('insert into workspace_build_parameters (build_id, name, value)', input.parameters.map((p) => [buildId, p.name, p.value]))
    }
    await run(
      'insert into workspace_resources (id, job_id, transition, type, name, hide, icon, created_at)',
      resources.map((r) => [r.id, r.jobId, r.transition, r.type, r.name, r.hide, r.icon, r.createdAt]),
    )
    await run(
      'insert into workspace_agents (id, resource_id, name, operating_system, architecture, created_at, updated_at)',
      agents.map((a) => [a.id, a.resourceId, a.name, a.operatingSystem, a.architecture, a.createdAt, a.updatedAt]),
    )
    await run(
      'insert into workspace_agent_tokens (id, agent_id, token_hash, token_ciphertext, created_at, expires_at)',
      tokens.map((t) => [t.id, t.agentId, t.tokenHash, t.tokenCiphertext, t.createdAt, t.expiresAt]),
    )
    await client.query('commit')
  } catch (err) {
    await client.query('rollback')
    throw err
  }
}

const started = process.hrtime.bigint()
const deadline = Date.now() + input.seconds * 1000
let creates = 0
let errors = 0
await Promise.all(
  Array.from({ length: input.concurrency }, async () => {
    const client = await pool.connect()
    try {
      while (Date.now() < deadline) {
        try {
          await createOne(client)
          creates++
        } catch {
          errors++
        }
      }
    } finally {
      client.release()
    }
  }),
)
const seconds = Number(process.hrtime.bigint() - started) / 1e9
await pool.end()
const out: BarePgCreateResult = { creates, seconds, perSecond: creates / seconds, errors }
process.stdout.write(`RESULT ${JSON.stringify(out)}\n`)
process.exit(0)
