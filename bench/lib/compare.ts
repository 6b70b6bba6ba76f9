// Side-by-side HTTP throughput: Outpost and its baseline loaded in alternating rounds by
// autocannon (its own process), so both see the same machine load. Besides requests/s,
// each run records the server process's CPU time per request, which the load of other
// work on a shared machine disturbs much less than wall-clock throughput.
import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import type { CannonInput, CannonResult } from './cannon.js'
import { summarise } from './profile.js'
import { cpuMsOf, runWorker, tempDir } from './proc.js'
import { median, round } from './report.js'

export function cannon(input: CannonInput): Promise<CannonResult> {
  return runWorker<CannonResult>('lib/cannon.ts', input, { timeoutMs: (input.duration + 60) * 1000 })
}

export interface Run extends CannonResult {
  /** Server CPU (user + system) per request, in microseconds. */
  cpuUsPerRequest: number
}

/** One autocannon run, with the server's CPU time over it. */
export async function measuredRun(input: CannonInput, serverPid: number): Promise<Run> {
  const before = await cpuMsOf(serverPid)
  const result = await cannon(input)
  const cpu = (await cpuMsOf(serverPid)) - before
  return { ...result, cpuUsPerRequest: (cpu * 1000) / Math.max(1, result.total) }
}

export interface Side {
  load: Omit<CannonInput, 'duration'>
  pid: number
}

export interface Comparison {
  outpost: Run[]
  bare: Run[]
  /** Median over rounds of Outpost's requests/s over the bare requests/s of the same round. */
  ratio: number
  /** Bare CPU per request over Outpost's (medians): the throughput ratio when both are CPU-bound. */
  cpuRatio: number
  table: string
}

/**
 * `rounds` rounds of `seconds` each for both sides (the order alternates), after a short
 * warm-up of each.
 */
export async function compareThroughput(
  sides: { outpost: Side; bare: Side },
  options: { rounds: number; seconds: number; warmupSeconds?: number },
): Promise<Comparison> {
  const warm = options.warmupSeconds ?? 2
  await cannon({ ...sides.outpost.load, duration: warm })
  await cannon({ ...sides.bare.load, duration: warm })
  const outpost: Run[] = []
  const bare: Run[] = []
  for (let i = 0; i < options.rounds; i++) {
    const order = i % 2 === 0 ? (['outpost', 'bare'] as const) : (['bare', 'outpost'] as const)
    for (const side of order) {
      const result = await measuredRun({ ...sides[side].load, duration: options.seconds }, sides[side].pid)
      ;(side === 'outpost' ? outpost : bare).push(result)
    }
  }
  // Each round's two runs are adjacent in time: the median of the rounds' ratios cancels
  // most of the drift of a shared machine's load.
  const ratio = median(outpost.map((r, i) => r.rps / bare[i]!.rps))
  const cpuRatio = median(bare.map((r) => r.cpuUsPerRequest)) / median(outpost.map((r) => r.cpuUsPerRequest))
  return { outpost, bare, ratio, cpuRatio, table: roundsTable(outpost, bare) }
}

export function roundsTable(outpost: Run[], bare: Run[]): string {
  const lines = [
    '| Round | Outpost req/s | p50 / p99 ms | non-2xx / errors | CPU µs/req | Bare req/s | p50 / p99 ms | CPU µs/req | Ratio req/s |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ]
  for (let i = 0; i < Math.max(outpost.length, bare.length); i++) {
    const o = outpost[i]!
    const b = bare[i]!
    lines.push(
      `| ${i + 1} | ${round(o.rps, 0)} | ${o.latency.p50} / ${o.latency.p99} | ${o.non2xx} / ${o.errors} | ${round(o.cpuUsPerRequest, 1)} | ${round(b.rps, 0)} | ${b.latency.p50} / ${b.latency.p99} | ${round(b.cpuUsPerRequest, 1)} | ${round(o.rps / b.rps)} |`,
    )
  }
  const m = (runs: Run[], f: (r: Run) => number) => median(runs.map(f))
  lines.push(
    `| median | ${round(m(outpost, (r) => r.rps), 0)} | ${m(outpost, (r) => r.latency.p50)} / ${m(outpost, (r) => r.latency.p99)} | | ${round(m(outpost, (r) => r.cpuUsPerRequest), 1)} | ${round(m(bare, (r) => r.rps), 0)} | ${m(bare, (r) => r.latency.p50)} / ${m(bare, (r) => r.latency.p99)} | ${round(m(bare, (r) => r.cpuUsPerRequest), 1)} | ${round(median(outpost.map((r, i) => r.rps / bare[i]!.rps)))} |`,
  )
  return lines.join('\n')
}

/**
 * A profile of the server under this load: `start` launches a server with the node
 * arguments given, the load runs for `seconds`, the server stops (writing its profile),
 * and the largest .cpuprofile (the main thread's) is summarised.
 */
export async function profileUnderLoad(
  start: (nodeArgs: string[]) => Promise<{ url: string; pid: number; stop(): Promise<void> }>,
  load: (url: string) => Omit<CannonInput, 'duration'>,
  seconds: number,
): Promise<{ run: Run; summary: string }> {
  const dir = await tempDir('profile')
  try {
    const server = await start(['--cpu-prof', `--cpu-prof-dir=${dir.dir}`])
    let run: Run
    try {
      run = await measuredRun({ ...load(server.url), duration: seconds }, server.pid)
    } finally {
      await server.stop()
    }
    const files = await Promise.all(
      (await readdir(dir.dir)).filter((f) => f.endsWith('.cpuprofile')).map(async (f) => ({ f, size: (await stat(path.join(dir.dir, f))).size })),
    )
    const main = files.sort((a, b) => b.size - a.size)[0]
    return { run, summary: main ? summarise(path.join(dir.dir, main.f), 12) : '(no profile written)' }
  } finally {
    await dir.remove()
  }
}
