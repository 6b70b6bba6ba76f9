// Target 7, start.
// Measures: embedded mode (PGlite, no DATABASE_URL) from launch to the first `/readyz` 200,
//   on a data directory an earlier start created: `tsx src/server.ts`, the command
//   `npm start` runs (after its prestart step), launched 5 times; and `npm start` itself
//   (npm, the prestart check that the dashboard is built, then the same) twice, for
//   reference. The very first start (a new data directory: initdb, migrations) is shown too.
// Baseline: none (an absolute limit).
// Target: ≤ 4 s on an existing data directory (median of the launches).
import path from 'node:path'
import { freePort, NO_RATE_LIMITS, ROOT, spawnProcess, tempDir, waitForOk } from './lib/proc.js'
import { median, round, type Benchmark } from './lib/report.js'

const LAUNCHES = 5

async function launch(command: string, args: string[], dataDir: string): Promise<number> {
  const port = await freePort()
  const started = performance.now()
  const proc = spawnProcess(command, args, {
    env: {
      DATABASE_URL: '',
      OUTPOST_DATA_DIR: dataDir,
      OUTPOST_HTTP_ADDRESS: `127.0.0.1:${port}`,
      OUTPOST_ACCESS_URL: `http://127.0.0.1:${port}`,
      OUTPOST_LOG_LEVEL: 'warn',
      OUTPOST_AGENT_BINARY_DIR: path.join(dataDir, 'bin'),
      ...NO_RATE_LIMITS,
    },
  })
  try {
    await waitForOk(`http://127.0.0.1:${port}/readyz`, 120_000, proc)
    return performance.now() - started
  } finally {
    await proc.stop(15_000)
  }
}

const bench: Benchmark = {
  name: 'start',
  title: 'Start',
  async run() {
    const data = await tempDir('data')
    try {
      const tsx = [path.join(ROOT, 'node_modules/.bin/tsx'), ['src/server.ts']] as const
      const first = await launch(tsx[0], [...tsx[1]], data.dir)
      const times: number[] = []
      for (let i = 0; i < LAUNCHES; i++) times.push(await launch(tsx[0], [...tsx[1]], data.dir))
      const npm: number[] = []
      for (let i = 0; i < 2; i++) npm.push(await launch('npm', ['start', '--silent'], data.dir))
      const m = median(times)
      const s = (ms: number) => `${round(ms / 1000, 2)} s`
      return {
        checks: [
          {
            metric: 'embedded start to /readyz 200, existing data directory (`tsx src/server.ts`)',
            measured: `${s(m)} median of ${LAUNCHES} (${times.map(s).join(', ')})`,
            target: '≤ 4 s',
            met: m <= 4000,
          },
        ],
        details: [
          `- First start on a new data directory (initdb, migrations, secret key): ${s(first)}.`,
          `- \`tsx src/server.ts\` on that directory, ${LAUNCHES} launches: ${times.map(s).join(', ')} (median ${s(m)}).`,
          `- \`npm start\` (npm, then prestart: \`node scripts/build-web.mjs\`, which finds the dashboard built), 2 launches: ${npm.map(s).join(', ')}.`,
        ].join('\n'),
      }
    } finally {
      await data.remove()
    }
  },
}
export default bench
