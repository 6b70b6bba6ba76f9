// Results: each benchmark returns a BenchResult; the runner keeps the latest of each in
// bench/results.json and renders bench/RESULTS.md from all of them.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { adminQuery, PG_URL, ROOT } from './proc.js'

export interface Check {
  /** What is compared, e.g. "requests/s vs bare Fastify". */
  metric: string
  /** The measured value as shown (with its raw numbers). */
  measured: string
  target: string
  met: boolean
}

export interface BenchResult {
  name: string
  title: string
  /** When it ran, and on what. */
  at: string
  machine: Machine
  checks: Check[]
  /** Markdown: raw numbers, rounds, plans, notes. */
  details: string
}

export interface Benchmark {
  name: string
  title: string
  run(): Promise<Omit<BenchResult, 'name' | 'title' | 'at' | 'machine'>>
}

export interface Machine {
  nproc: number
  cpu: string
  memoryGiB: number
  node: string
  postgres: string
  /** 1-minute load average when the benchmark started and ended. */
  loadBefore: number
  loadAfter?: number
}

export async function machine(): Promise<Machine> {
  const [row] = await adminQuery<{ version: string }>(PG_URL, 'select version()')
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    postgres: (row?.version ?? '').split(' on ')[0] ?? '',
    loadBefore: os.loadavg()[0]!,
  }
}

const RESULTS_JSON = path.join(ROOT, 'bench/results.json')
const RESULTS_MD = path.join(ROOT, 'bench/RESULTS.md')

export function loadResults(): Record<string, BenchResult> {
  return existsSync(RESULTS_JSON) ? (JSON.parse(readFileSync(RESULTS_JSON, 'utf8')) as Record<string, BenchResult>) : {}
}

export function saveResult(result: BenchResult, order: string[]): void {
  const all = loadResults()
  all[result.name] = result
  const sorted = Object.fromEntries(order.filter((n) => all[n]).map((n) => [n, all[n]!]))
  writeFileSync(RESULTS_JSON, JSON.stringify(sorted, null, 2) + '\n')
  writeFileSync(RESULTS_MD, render(sorted))
}

const fmtLoad = (m: Machine) => `${m.loadBefore.toFixed(1)}${m.loadAfter !== undefined ? ` → ${m.loadAfter.toFixed(1)}` : ''}`

function render(all: Record<string, BenchResult>): string {
  const results = Object.values(all)
  const machines = [...new Set(results.map((r) => `${r.machine.nproc} CPUs (${r.machine.cpu}), ${r.machine.memoryGiB} GiB, Node ${r.machine.node}, ${r.machine.postgres}`))]
  const lines = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (all) or `npm run bench -- <name>` (one); the latest run of each',
    'benchmark is kept. Every figure is measured against its bare baseline **in the same run**,',
    'interleaved round by round, because this machine is shared and noisy: absolute numbers',
    'drift with the load of other work, ratios hold better. Scripts and their headers: [bench/](.).',
    '',
    `Machine: ${machines.join('; ')}.`,
    '',
    '| # | Benchmark | Check | Measured | Target | Met | Run at (load 1 min, before → after) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ]
  for (const [i, r] of results.entries()) {
    for (const c of r.checks) {
      lines.push(`| ${i + 1} | ${r.title} | ${c.metric} | ${c.measured} | ${c.target} | ${c.met ? 'yes' : '**no**'} | ${r.at} (${fmtLoad(r.machine)}) |`)
    }
  }
  lines.push('')
  for (const r of results) {
    lines.push(`## ${r.title} (\`${r.name}\`)`, '', `Run at ${r.at}; load average ${fmtLoad(r.machine)} on ${r.machine.nproc} CPUs.`, '', r.details.trim(), '')
  }
  return lines.join('\n')
}

// Small helpers for the benchmarks' numbers.
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits
export const mib = (bytes: number) => `${round(bytes / 1024 ** 2, 1)} MiB`
