/**
 * Watching a provisioner job as Coder's `cliui.ProvisionerJob` does
 * (coder/coder:cli/cliui/provisionerjob.go): fetch the job at once and every second,
 * follow its log WebSocket until the server closes it, then fetch once more and
 * succeed, fail with the job's error, or report "canceled". Stages print as
 * `==> ⧗ Stage` and `=== ✔ Stage [Nms]`; log lines carry a local timestamp; debug and
 * trace lines are hidden; a silent watch prints logs only when the job fails.
 */
import type { OutpostClient, ProvisionerJob, ProvisionerJobLog } from '../client/index.js'
import { followJobLogs } from '../client/logs.js'
import { CliError } from './errors.js'
import { logTimestamp, type Styles } from './output.js'

export interface WatchOptions {
  fetch: () => Promise<ProvisionerJob>
  /** API path of the job's logs, e.g. `/api/v2/workspacebuilds/<id>/logs`. */
  logsPath: string
  silent?: boolean
  intervalMs?: number
}

const ms = (from: Date, to: Date) => Math.max(0, to.getTime() - from.getTime())

export async function watchJob(
  client: OutpostClient,
  out: NodeJS.WritableStream,
  styles: Styles,
  options: WatchOptions,
): Promise<ProvisionerJob> {
  let stage = 'Queued'
  let stageStartedAt = new Date()
  let buffered: string[] = []
  let job: ProvisionerJob | undefined

  const write = (s: string) => out.write(s)
  const log = (line: string) => (options.silent ? buffered.push(line) : write(line))
  const end = (name: string, duration: number, ok: boolean) => {
    buffered = []
    write(`=== ${ok ? '✔' : '✘'} ${name} [${duration}ms]\n`)
  }
  const fail = (name: string, duration: number) => {
    for (const line of buffered) write(line)
    end(name, duration, false)
  }
  const update = (next: string, at: Date) => {
    if (stage !== '') {
      // A new stage means the previous one finished; only the last stage can have failed.
      // (Outpost's jobs are complete before the CLI looks, so the job's status says
      // nothing about the stages before the last.)
      const failed = next === '' && job?.completed_at !== undefined && job.status !== 'succeeded'
      if (failed) fail(stage, ms(stageStartedAt, at))
      else end(stage, ms(stageStartedAt, at), true)
    }
    if (next === '') return
    stage = next
    stageStartedAt = at
    write(`==> ⧗ ${stage}\n`)
  }
  const refresh = async () => {
    job = await options.fetch()
    if (job.started_at && stage === 'Queued') update('Running', new Date(job.started_at))
  }

  write(`==> ⧗ ${stage}\n`)
  await refresh()

  let polling: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    polling = polling.then(refresh).catch(() => undefined)
  }, options.intervalMs ?? 1000)
  try {
    for await (const entry of followJobLogs(client, options.logsPath)) {
      printLog(entry)
    }
  } catch (err) {
    fail(stage, ms(stageStartedAt, new Date()))
    throw err
  } finally {
    clearInterval(timer)
    await polling
  }

  await refresh()
  const final = job as ProvisionerJob
  if (final.completed_at) update('', new Date(final.completed_at))
  if (final.status === 'succeeded') return final
  if (final.status === 'canceled') throw new CliError('canceled')
  if (!final.completed_at) fail(stage, ms(stageStartedAt, new Date()))
  throw new CliError(final.error || `the job ended with status ${JSON.stringify(final.status)}`)

  function printLog(entry: ProvisionerJobLog): void {
    if (entry.stage !== '' && entry.stage !== stage) {
      update(entry.stage, new Date(entry.created_at))
      // Coder's provisioners open a stage with an empty line, which Coder drops; Outpost's
      // first line of a stage has content, so it is printed.
      if (entry.output === '') return
    }
    if (entry.log_level === 'debug' || entry.log_level === 'trace') return
    const text = `${logTimestamp(entry.created_at)} ${entry.output}`
    const styled = entry.log_level === 'error' ? styles.error(text) : entry.log_level === 'warn' ? styles.warn(text) : text
    log(`${styled}\n`)
  }
}
