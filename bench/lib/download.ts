// The download client (its own process): `count` downloads of one URL, `concurrency` at
// a time, each body counted and dropped; stops starting new ones after `maxSeconds`.
// Input JSON in argv[2]; prints `RESULT <json>`.
import { readFileSync } from 'node:fs'
import { Agent, get } from 'node:http'

export interface DownloadInput {
  url: string
  concurrency: number
  count: number
  maxSeconds: number
  expectBytes: number
}

export interface DownloadResult {
  downloads: number
  bytes: number
  seconds: number
  /** Bytes per second over the whole run, in MiB/s. */
  mibPerSecond: number
  failures: number
}

const input = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as DownloadInput
const agent = new Agent({ keepAlive: true, maxSockets: input.concurrency })

function download(): Promise<number> {
  return new Promise((resolve, reject) => {
    get(input.url, { agent }, (res) => {
      let n = 0
      res.on('data', (chunk: Buffer) => (n += chunk.length))
      res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`status ${res.statusCode}`))))
      res.on('error', reject)
    }).on('error', reject)
  })
}

const started = process.hrtime.bigint()
const deadline = Date.now() + input.maxSeconds * 1000
let started_ = 0
let downloads = 0
let bytes = 0
let failures = 0
async function lane(): Promise<void> {
  while (started_ < input.count && Date.now() < deadline) {
    started_++
    try {
      const n = await download()
      bytes += n
      if (n === input.expectBytes) downloads++
      else failures++
    } catch {
      failures++
    }
  }
}
await Promise.all(Array.from({ length: input.concurrency }, lane))
const seconds = Number(process.hrtime.bigint() - started) / 1e9
const out: DownloadResult = { downloads, bytes, seconds, mibPerSecond: bytes / 1024 ** 2 / seconds, failures }
process.stdout.write(`RESULT ${JSON.stringify(out)}\n`)
process.exit(0)
