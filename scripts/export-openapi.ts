// Writes openapi/openapi.json from the route schemas (npm run openapi).
import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { openDatabase } from '../src/db/client.js'
import { createLogger } from '../src/logger.js'
import { OPENAPI_FILE, renderOpenApi } from '../src/openapi.js'

const database = await openDatabase({ kind: 'pglite', dataDir: undefined })
const app = await buildApp({
  config: loadConfig({ OUTPOST_SECRET_KEY: Buffer.alloc(32).toString('base64') }),
  database,
  logger: createLogger('silent'),
})
await app.ready()
await writeFile(OPENAPI_FILE, renderOpenApi(app))
await app.close()
await database.close()
process.stdout.write(`wrote ${fileURLToPath(OPENAPI_FILE)}\n`)
