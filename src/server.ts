import type { FastifyInstance } from 'fastify'
import path from 'node:path'
import { buildApp } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { openDatabase, type Database } from './db/client.js'
import { reencryptAgentTokens } from './domain/secret-rotation.js'
import { createLogger } from './logger.js'
import { loadOrCreateSecretKey } from './secret-key.js'

const SHUTDOWN_GRACE_MS = 10_000

async function main(): Promise<void> {
  let config: Readonly<Config>
  try {
    config = loadConfig(process.env)
    if (process.argv.includes('--skip-migrations')) config = Object.freeze({ ...config, skipMigrations: true })
    if (config.secretKey === undefined) {
      config = Object.freeze({ ...config, secretKey: await loadOrCreateSecretKey(config.dataDir) })
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`outpost: configuration error: ${err.message}\n`)
      process.exit(2)
    }
    throw err
  }

  const log = createLogger(config.logLevel)
  const database: Database = await openDatabase(
    config.databaseUrl === undefined
      ? { kind: 'pglite', dataDir: path.join(config.dataDir, 'pgdata') }
      : { kind: 'pg', url: config.databaseUrl },
  )
  if (config.skipMigrations) log.info('migrations skipped (OUTPOST_SKIP_MIGRATIONS)')
  else await database.migrate()
  if (config.previousSecretKeys.length > 0) {
    await reencryptAgentTokens(database.db, { current: config.secretKey!, previous: config.previousSecretKeys }, log)
  }

  const app: FastifyInstance = await buildApp({ config, database, logger: log })
  let closing = false
  const shutdown = (signal: string) => {
    if (closing) return
    closing = true
    log.info({ signal }, 'shutting down: no new connections, finishing requests in flight')
    const timer = setTimeout(() => {
      log.error('requests still in flight after the grace period; exiting')
      process.exit(1)
    }, SHUTDOWN_GRACE_MS)
    timer.unref()
    // Keep-alive connections would hold close() open until they time out: drop each one
    // as soon as it has no request in flight.
    const reaper = setInterval(() => app.server.closeIdleConnections(), 100)
    reaper.unref()
    app
      .close()
      .then(() => database.close())
      .then(() => {
        log.info('stopped')
        process.exit(0)
      })
      .catch((err: unknown) => {
        log.error({ err }, 'shutdown failed')
        process.exit(1)
      })
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))

  await app.listen({ host: config.httpAddress.host, port: config.httpAddress.port })
  const firstUser = await app.inject({ method: 'GET', url: '/api/v2/users/first' })
  const database_ = config.databaseUrl === undefined ? `embedded PGlite in ${config.dataDir}` : 'Postgres (DATABASE_URL)'
  log.info({ access_url: config.accessUrl, database: database_ }, 'Outpost is serving')
  if (firstUser.statusCode === 404) {
    process.stdout.write(
      [
        '',
        `Outpost is running at ${config.accessUrl} (${database_}).`,
        'No user exists yet. Create the first one (it becomes the owner):',
        '',
        `  curl -sS -X POST ${config.accessUrl}/api/v2/users/first \\`,
        `    -H 'Content-Type: application/json' \\`,
        `    -d '{"email":"admin@example.com","username":"admin","password":"<a strong password>"}'`,
        '',
        `or with the CLI: npx outpost login ${config.accessUrl} (or the Coder CLI: coder login ${config.accessUrl})`,
        '',
      ].join('\n') + '\n',
    )
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`outpost: failed to start: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
