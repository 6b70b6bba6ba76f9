import type { FastifyInstance } from 'fastify'
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import type { Database } from '../../src/db/client.js'
import type { Clock } from '../../src/domain/clock.js'
import { createLogger } from '../../src/logger.js'
import type { LogLevel } from '../../src/config.js'
import { createTestDatabase } from './database.js'

interface Teardown {
  teardown(fn: () => unknown): void
}

export interface TestApp {
  app: FastifyInstance
  database: Database
  config: Readonly<Config>
  /** Every log line the app wrote, when built with `logLevel`. */
  logs: string[]
}

export interface TestAppOptions {
  clock?: Clock
  database?: Database
  env?: Record<string, string>
  logLevel?: LogLevel
}

export function testConfig(env: Record<string, string> = {}): Readonly<Config> {
  return loadConfig({
    OUTPOST_ACCESS_URL: 'http://outpost.test',
    OUTPOST_SECRET_KEY: randomBytes(32).toString('base64'),
    ...env,
  })
}

/** The app on a fresh database (unless one is given), closed at teardown. */
export async function buildTestApp(t: Teardown, options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase(t))
  const config = testConfig(options.env)
  const logs: string[] = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString())
      done()
    },
  })
  const logger = createLogger(options.logLevel ?? 'silent', sink)
  const app = await buildApp({ config, database, logger, ...(options.clock ? { clock: options.clock } : {}) })
  await app.ready()
  t.teardown(() => app.close())
  return { app, database, config, logs }
}
