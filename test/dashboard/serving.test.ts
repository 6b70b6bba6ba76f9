// How the dashboard is served: index.html for / and the client routes only, hashed
// assets cached for a year, index.html revalidated, and nothing else changed.
import Fastify from 'fastify'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import dashboardRoutes, { DEFAULT_WEB_DIR, isClientRoute } from '../../src/routes/dashboard.js'
import { buildTestApp } from '../helpers/app.js'
import { ensureWebBuilt } from './helpers.js'

ensureWebBuilt()

t.test('index.html for / and the client routes, with no-cache', async (t) => {
  const { app } = await buildTestApp(t)
  const html = await readFile(path.join(DEFAULT_WEB_DIR, 'index.html'), 'utf8')
  for (const url of [
    '/',
    '/login',
    '/login?next=%2Fworkspaces',
    '/workspaces',
    '/workspaces/',
    '/workspaces/new',
    '/workspaces/6a1b3f5e-0000-4000-8000-000000000000',
    '/templates',
    '/templates/import',
    '/workspaces/a/b/c',
  ]) {
    const res = await app.inject({ url })
    t.equal(res.statusCode, 200, `${url}: 200`)
    t.match(res.headers['content-type'], /^text\/html/, `${url}: HTML`)
    t.equal(res.headers['cache-control'], 'no-cache', `${url}: revalidated every time`)
    t.equal(res.body, html, `${url}: the built index.html`)
  }
  const head = await app.inject({ method: 'HEAD', url: '/workspaces' })
  t.equal(head.statusCode, 200, 'HEAD works too')

  const first = await app.inject({ url: '/' })
  t.ok(first.headers.etag, 'with an ETag')
  const again = await app.inject({ url: '/', headers: { 'if-none-match': String(first.headers.etag) } })
  t.equal(again.statusCode, 304, 'so revalidation is cheap')
})

t.test('hashed assets are immutable for a year', async (t) => {
  const { app } = await buildTestApp(t)
  const html = (await app.inject({ url: '/' })).body
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!)
  t.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), `the page loads its script and styles: ${assets.join(', ')}`)
  t.notMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script (the page runs under script-src self)')
  t.notMatch(html, /<style|style=/, 'no inline style')
  t.notMatch(html, /https?:\/\//, 'no external URL')
  for (const asset of assets) {
    t.match(asset, /-[A-Za-z0-9_-]{8,}\.(js|css|svg)$/, `${asset}: a content hash in the name`)
    const res = await app.inject({ url: asset })
    t.equal(res.statusCode, 200, `${asset}: 200`)
    t.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable', `${asset}: immutable`)
    const type = asset.endsWith('.js') ? /javascript/ : asset.endsWith('.css') ? /text\/css/ : /image\/svg\+xml/
    t.match(res.headers['content-type'], type, `${asset}: its type`)
    t.equal(res.headers['x-content-type-options'], 'nosniff')
  }
  const script = assets.find((a) => a.endsWith('.js'))!
  const body = (await app.inject({ url: script })).body
  t.notMatch(body, /https?:\/\/(?!www\.w3\.org)[a-z]/i, 'the script names no other host (only XML namespaces)')
})

t.test('everything else is untouched: the API, binaries, docs and health keep their answers', async (t) => {
  const { app } = await buildTestApp(t)
  const notFound = { message: 'Route not found.' }
  for (const url of ['/api/v2/nope', '/api/v2', '/bin/nope', '/nope', '/assets/missing.js', '/assets/', '/workspaces/favicon.ico', '/favicon.ico', '/index.html', '/docs/nope']) {
    const res = await app.inject({ url })
    t.equal(res.statusCode, 404, `${url}: 404`)
    t.match(res.headers['content-type'], /^application\/json/, `${url}: JSON`)
    if (url !== '/bin/nope') t.same(res.json(), notFound, `${url}: the API's body`)
  }
  t.match((await app.inject({ url: '/bin/nope' })).json(), { message: 'Unknown agent binary "nope".' }, "/bin/ keeps its own 404")
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200)
  t.match((await app.inject({ url: '/readyz' })).headers['content-type'], /json/)
  const docs = await app.inject({ url: '/docs' })
  t.notMatch(docs.body, 'id="app"', '/docs is Swagger UI, not the dashboard')
  t.equal((await app.inject({ url: '/api/v2/users/me' })).statusCode, 401, 'the API still wants a session')
  const doc = (await app.inject({ url: '/api/v2/openapi.json' })).json() as { paths: Record<string, unknown> }
  const pages = Object.keys(doc.paths).filter((p) => p === '/' || /^\/(login|workspaces|templates|assets)\b/.test(p))
  t.same(pages, [], 'the OpenAPI document does not list the dashboard')
})

t.test('an unbuilt dashboard answers 503 with the fix, and the server still starts', async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'outpost-web-missing-'))
  t.teardown(() => rm(root, { recursive: true, force: true }))
  const app = Fastify()
  await app.register(dashboardRoutes, { root })
  const res = await app.inject({ url: '/workspaces' })
  t.equal(res.statusCode, 503)
  t.match(res.body, 'npm run build:web')
  t.equal((await app.inject({ url: '/assets/index.js' })).statusCode, 404)
  await app.close()
})

t.test('isClientRoute', async (t) => {
  for (const url of ['/', '/login', '/workspaces', '/workspaces/x/y', '/templates/import?x=1']) t.ok(isClientRoute(url), url)
  for (const url of ['/api/v2/users', '/bin/coder-linux-amd64', '/docs', '/healthz', '/readyz', '/assets/a.js', '/nope', '/templates/x.tar', '/workspacesx']) {
    t.notOk(isClientRoute(url), url)
  }
})
