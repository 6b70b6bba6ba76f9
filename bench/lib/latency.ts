// Sequential requests from one connection (its own process), timed one by one with
// hrtime: the latency a single client sees. Input JSON in argv[2]; prints `RESULT <json>`.
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:http'

export interface LatencyInput {
  url: string
  headers?: Record<string, string>
  /** Requests to time, after `warmup` untimed ones; stops early after `maxSeconds`. */
  count: number
  warmup: number
  maxSeconds: number
}

export interface LatencyResult {
  count: number
  p50: number
  p90: number
  p99: number
  mean: number
  min: number
  max: number
  statusCodes: Record<string, number>
}

const input = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LatencyInput
const agent = new Agent({ keepAlive: true, maxSockets: 1 })

function once(): Promise<{ ms: number; status: number }> {
  const started = process.hrtime.bigint()
  return new Promise((resolve, reject) => {
    const req = request(input.url, { agent, headers: input.headers ?? {} }, (res) => {
      res.on('data', () => {})
      res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, status: res.statusCode ?? 0 }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
const warmupDeadline = Date.now() + (input.maxSeconds * 1000) / 3
for (let i = 0; i < input.warmup && Date.now() < warmupDeadline; i++) await once()
const deadline = Date.now() + input.maxSeconds * 1000
const times: number[] = []
const statusCodes: Record<string, number> = {}
while (times.length < input.count && Date.now() < deadline) {
  const { ms, status } = await once()
  times.push(ms)
  statusCodes[status] = (statusCodes[status] ?? 0) + 1
}
const sorted = [...times].sort((a, b) => a - b)
const out: LatencyResult = {
  count: times.length,
  p50: percentile(sorted, 50),
  p90: percentile(sorted, 90),
  p99: percentile(sorted, 99),
  mean: times.reduce((a, b) => a + b, 0) / Math.max(1, times.length),
  min: sorted[0] ?? 0,
  max: sorted[sorted.length - 1] ?? 0,
  statusCodes,
}
process.stdout.write(`RESULT ${JSON.stringify(out)}\n`)
process.exit(0)
