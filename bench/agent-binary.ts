// Target 2, agent binary.
// Measures: throughput (MiB/s) of `GET /bin/coder-linux-amd64`, a 50 MiB file, on the real
//   server, 4 downloads at a time from a separate client process; and the server's RSS
//   while it serves a 5 MiB file and while it serves the 50 MiB one.
// Baseline: a bare Node HTTP server streaming the same file with fs.createReadStream,
//   loaded the same way in alternating rounds.
// Target: Outpost ≥ 0.8 × the bare throughput; memory does not grow with file size (the
//   RSS growth while serving 50 MiB files is within 16 MiB of that while serving 5 MiB ones).
import { randomBytes } from 'node:crypto'
import { open } from 'node:fs/promises'
import path from 'node:path'
import type { DownloadInput, DownloadResult } from './lib/download.js'
import { cpuMsOf, createDatabase, rssOf, runWorker, sampleRss, sleep, startBaseline, startOutpost, tempDir } from './lib/proc.js'
import { median, mib, round, type Benchmark } from './lib/report.js'

const MiB = 1024 * 1024
const BIG = 50 * MiB
const SMALL = 5 * MiB
const CONCURRENCY = 4
const ROUNDS = 4

async function writeRandom(file: string, size: number): Promise<void> {
  const handle = await open(file, 'w', 0o755)
  for (let written = 0; written < size; written += MiB) await handle.write(randomBytes(Math.min(MiB, size - written)))
  await handle.close()
}

interface Measured extends DownloadResult {
  peakRss: number
  cpuMsPerMiB: number
}

async function measure(url: string, pid: number, size: number, count: number): Promise<Measured> {
  const rss = sampleRss(pid, 50)
  const cpuBefore = await cpuMsOf(pid)
  const result = await runWorker<DownloadResult>('lib/download.ts', {
    url,
    concurrency: CONCURRENCY,
    count,
    maxSeconds: 15,
    expectBytes: size,
  } satisfies DownloadInput)
  const cpu = (await cpuMsOf(pid)) - cpuBefore
  const { peak } = rss.stop()
  return { ...result, peakRss: peak, cpuMsPerMiB: cpu / (result.bytes / MiB) }
}

const bench: Benchmark = {
  name: 'agent-binary',
  title: 'Agent binary',
  async run() {
    const bin = await tempDir('bin')
    const database = await createDatabase()
    try {
      const big = path.join(bin.dir, 'coder-linux-amd64')
      await writeRandom(big, BIG)
      await writeRandom(path.join(bin.dir, 'coder-linux-arm64'), SMALL)
      const server = await startOutpost({ databaseUrl: database.url, binDir: bin.dir })
      const bare = await startBaseline('bare-stream.ts', { BARE_FILE: big }, '/ready')
      try {
        const outpostUrl = `${server.url}/bin/coder-linux-amd64`
        const bareUrl = `${bare.url}/coder-linux-amd64`
        // Warm both (page cache, JIT), then let the heap settle before the idle figure.
        await measure(outpostUrl, server.pid, BIG, CONCURRENCY)
        await measure(bareUrl, bare.pid, BIG, CONCURRENCY)
        await sleep(1000)
        const idle = await rssOf(server.pid)
        const small = await measure(`${server.url}/bin/coder-linux-arm64`, server.pid, SMALL, 40)
        const outpost: Measured[] = []
        const baseline: Measured[] = []
        for (let i = 0; i < ROUNDS; i++) {
          for (const side of i % 2 === 0 ? ['outpost', 'bare'] : ['bare', 'outpost']) {
            if (side === 'outpost') outpost.push(await measure(outpostUrl, server.pid, BIG, 8))
            else baseline.push(await measure(bareUrl, bare.pid, BIG, 8))
          }
        }
        const ratio = median(outpost.map((o, i) => o.mibPerSecond / baseline[i]!.mibPerSecond))
        const smallGrowth = small.peakRss - idle
        const bigGrowth = Math.max(...outpost.map((o) => o.peakRss)) - idle
        const failures = [...outpost, ...baseline, small].reduce((n, r) => n + r.failures, 0)
        const rows = outpost.map(
          (o, i) =>
            `| ${i + 1} | ${round(o.mibPerSecond, 0)} | ${o.downloads} | ${round(o.cpuMsPerMiB, 2)} | ${mib(o.peakRss)} | ${round(baseline[i]!.mibPerSecond, 0)} | ${baseline[i]!.downloads} | ${round(baseline[i]!.cpuMsPerMiB, 2)} | ${mib(baseline[i]!.peakRss)} | ${round(o.mibPerSecond / baseline[i]!.mibPerSecond)} |`,
        )
        return {
          checks: [
            {
              metric: 'throughput of a 50 MiB download vs a bare Node stream',
              measured: `${round(ratio)}× (median of ${ROUNDS} rounds; ${round(median(outpost.map((o) => o.mibPerSecond)), 0)} vs ${round(median(baseline.map((o) => o.mibPerSecond)), 0)} MiB/s)`,
              target: '≥ 0.8×',
              met: ratio >= 0.8 && failures === 0,
            },
            {
              metric: 'server RSS growth serving 50 MiB vs 5 MiB files',
              measured: `${mib(bigGrowth)} vs ${mib(smallGrowth)} over ${mib(idle)} idle`,
              target: 'within 16 MiB (does not grow with file size)',
              met: bigGrowth - smallGrowth <= 16 * MiB,
            },
          ],
          details: [
            `${CONCURRENCY} downloads at a time, 8 per run (at most 15 s), ${ROUNDS} rounds alternating after a warm-up; random content; no Accept-Encoding (identity). Failed or short downloads: ${failures}.`,
            `Outpost RSS: ${mib(idle)} idle; peak ${mib(small.peakRss)} over 40 downloads of the 5 MiB file (${round(small.mibPerSecond, 0)} MiB/s); peak ${mib(Math.max(...outpost.map((o) => o.peakRss)))} over the 50 MiB rounds.`,
            '',
            '| Round | Outpost MiB/s | downloads | CPU ms/MiB | peak RSS | Bare MiB/s | downloads | CPU ms/MiB | peak RSS | Ratio |',
            '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
            ...rows,
          ].join('\n'),
        }
      } finally {
        await bare.stop()
        await server.stop()
      }
    } finally {
      await database.drop()
      await bin.remove()
    }
  },
}
export default bench
