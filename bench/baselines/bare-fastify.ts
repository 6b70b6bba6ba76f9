// Baseline: a bare Fastify server (same Node, same Fastify as Outpost, default options, no
// logger, no plugins) serving fixed bytes or a fixed JSON object at the same paths as
// Outpost. BARE_ROUTES (JSON) lists them: { path, file, kind: 'bytes' | 'json', headers }.
import Fastify from 'fastify'
import { readFileSync } from 'node:fs'

interface BareRoute {
  path: string
  file: string
  kind: 'bytes' | 'json'
  headers?: Record<string, string>
}

const routes = JSON.parse(process.env.BARE_ROUTES ?? '[]') as BareRoute[]
const app = Fastify()
app.get('/ready', async () => ({ status: 'ok' }))
for (const route of routes) {
  const bytes = readFileSync(route.file)
  if (route.kind === 'json') {
    const value = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>
    app.get(route.path, async () => value)
  } else {
    const body = bytes.toString('utf8')
    app.get(route.path, async (_request, reply) => reply.headers(route.headers ?? {}).send(body))
  }
}
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })
// A clean exit on SIGTERM (so --cpu-prof can write its profile).
process.on('SIGTERM', () => process.exit(0))
