// `npm run bench` runs every benchmark in turn; `npm run bench -- <name> [<name>…]` runs
// some. Each one starts its own server(s) on a fresh database, measures Outpost and its
// bare baseline side by side, and its figures land in bench/RESULTS.md.
import os from 'node:os'
import type { Benchmark } from './lib/report.js'
import { machine, saveResult } from './lib/report.js'

const BENCHMARKS: Record<string, () => Promise<{ default: Benchmark }>> = {
  'init-script': () => import('./init-script.js'),
  'agent-binary': () => import('./agent-binary.js'),
  'agent-auth': () => import('./agent-auth.js'),
  search: () => import('./search.js'),
  create: () => import('./create.js'),
  'held-connections': () => import('./held-connections.js'),
  start: () => import('./start.js'),
}
const ORDER = Object.keys(BENCHMARKS)

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'))
const unknown = wanted.filter((name) => !BENCHMARKS[name])
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${ORDER.join(', ')}\n`)
  process.exit(2)
}

let unmet = 0
const started = Date.now()
for (const name of wanted.length > 0 ? wanted : ORDER) {
  const bench = (await BENCHMARKS[name]!()).default
  const m = await machine()
  const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
  process.stdout.write(`\n== ${name}: ${bench.title} (load ${m.loadBefore.toFixed(1)})\n`)
  const t0 = Date.now()
  try {
    const result = await bench.run()
    m.loadAfter = os.loadavg()[0]!
    saveResult({ name, title: bench.title, at, machine: m, ...result }, ORDER)
    for (const c of result.checks) {
      process.stdout.write(`  ${c.met ? 'met    ' : 'NOT MET'}  ${c.metric}: ${c.measured} (target ${c.target})\n`)
    }
    if (result.checks.some((c) => !c.met)) unmet++
  } catch (err) {
    unmet++
    m.loadAfter = os.loadavg()[0]!
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err)
    process.stdout.write(`  FAILED: ${message}\n`)
    saveResult(
      {
        name,
        title: bench.title,
        at,
        machine: m,
        checks: [{ metric: 'run', measured: 'the benchmark failed', target: 'completes', met: false }],
        details: '```\n' + message.slice(0, 4000) + '\n```',
      },
      ORDER,
    )
  }
  process.stdout.write(`  (${Math.round((Date.now() - t0) / 1000)} s)\n`)
}
process.stdout.write(`\n${Math.round((Date.now() - started) / 1000)} s in all; ${unmet} benchmark(s) with a target not met or that failed to run; bench/RESULTS.md written\n`)
// Exit 0 even when a target is not met: the results file says which; exit 1 only on failure to run.
process.exit(0)
