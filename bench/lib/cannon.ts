// The HTTP load generator: autocannon, run in its own process (never the server's), with
// its input in a JSON file named by argv[2]. Prints one line `RESULT <json>`.
import autocannon from 'autocannon'
import { readFileSync } from 'node:fs'

export interface CannonInput {
  url: string
  connections: number
  /** Seconds; the run also stops after `amount` requests if given. */
  duration: number
  amount?: number
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  /** JSON body; with `uniqueName`, `{name}` in it is replaced by a fresh name per request. */
  body?: string
  uniqueName?: boolean
  /** Each request sends the next of these in `tokenHeader`. */
  tokens?: string[]
  tokenHeader?: string
  pipelining?: number
}

export interface CannonResult {
  rps: number
  total: number
  durationS: number
  latency: { p50: number; p90: number; p99: number; max: number; mean: number }
  non2xx: number
  errors: number
  timeouts: number
  statusCodes: Record<string, number>
}

const input = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as CannonInput
let next = 0
let named = 0
const prefix = `b${process.pid.toString(36)}${Date.now().toString(36)}`

const setupRequest = (request: any) => {
  const headers = { ...(request.headers ?? {}) }
  if (input.tokens && input.tokenHeader) headers[input.tokenHeader] = input.tokens[next++ % input.tokens.length]!
  const body = input.body && input.uniqueName ? input.body.replace('{name}', `${prefix}-${(named++).toString(36)}`) : request.body
  return { ...request, headers, body }
}

const result = await autocannon({
  url: input.url,
  connections: input.connections,
  duration: input.duration,
  ...(input.amount ? { amount: input.amount } : {}),
  pipelining: input.pipelining ?? 1,
  method: input.method ?? 'GET',
  headers: input.headers ?? {},
  ...(input.body ? { body: input.body } : {}),
  requests: [{ setupRequest }],
  timeout: 30,
})
const out: CannonResult = {
  rps: result.requests.total / result.duration,
  total: result.requests.total,
  durationS: result.duration,
  latency: {
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    mean: result.latency.average,
  },
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  statusCodes: Object.fromEntries(
    Object.entries((result as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {}).map(
      ([code, s]) => [code, s.count],
    ),
  ),
}
process.stdout.write(`RESULT ${JSON.stringify(out)}\n`)
process.exit(0)
