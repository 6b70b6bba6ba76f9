import { readFile } from 'node:fs/promises'
import t from 'tap'
import { OPENAPI_FILE, renderOpenApi } from '../src/openapi.js'
import { buildTestApp } from './helpers/app.js'

t.test('openapi/openapi.json matches the routes (run `npm run openapi` when this fails)', async (t) => {
  const { app } = await buildTestApp(t)
  const committed = await readFile(OPENAPI_FILE, 'utf8')
  t.equal(renderOpenApi(app), committed)
})

t.test('the document is served, and every route has an operation id', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/api/v2/openapi.json' })
  t.equal(res.statusCode, 200)
  const doc = res.json()
  t.equal(doc.openapi, '3.0.3')
  for (const [path, item] of Object.entries<Record<string, { operationId?: string }>>(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      t.ok(operation.operationId, `${method.toUpperCase()} ${path} has an operationId`)
    }
  }
  const docs = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(docs.statusCode, 200)
  t.match(docs.headers['content-type'], /text\/html/)
})
