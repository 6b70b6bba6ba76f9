import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** Where scripts/build-web.mjs puts the built dashboard (from src/routes or dist/routes alike). */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../dist/web', import.meta.url))

/**
 * The first path segments of the dashboard's own pages (web/src/app.tsx routes them):
 * `/login`, `/workspaces[/…]`, `/templates[/…]`. Any deeper path under them is the SPA's
 * to answer (with its own "not found" page); every other path keeps the API's JSON 404,
 * so /api/, /bin/, /docs, /healthz and /readyz never get the page.
 */
export const CLIENT_SECTIONS: readonly string[] = ['login', 'workspaces', 'templates']

/** Whether a GET of `url` is one of the dashboard's pages (answered with index.html). */
export function isClientRoute(url: string): boolean {
  const pathname = url.split(/[?#]/, 1)[0]!
  const segments = pathname.split('/').filter(Boolean)
  if (segments.length === 0) return true
  if (!CLIENT_SECTIONS.includes(segments[0]!)) return false
  // A file name (favicon.ico, robots.txt) is not a page: a plain 404.
  return !segments.at(-1)!.includes('.')
}

export interface DashboardOptions {
  /** The built SPA: index.html and assets/. */
  root?: string
}

/**
 * The dashboard: the single-page app built from web/ into dist/web/. Hashed files in
 * /assets/ are immutable for a year; index.html is answered for `/` and the client
 * routes (CLIENT_SECTIONS), and revalidated each time, so a new build is picked up at
 * once. Nothing else changes: an unknown path is still the API's JSON 404.
 */
export default async function dashboardRoutes(app: FastifyInstance, opts: DashboardOptions) {
  const root = opts.root ?? DEFAULT_WEB_DIR
  const index = path.join(root, 'index.html')
  if (!existsSync(index)) {
    app.log.warn({ dir: root }, 'the dashboard is not built: `npm run build:web` (npm start runs it) builds web/ into it')
  }

  await app.register(fastifyStatic, {
    root: path.join(root, 'assets'),
    prefix: '/assets/',
    wildcard: true,
    index: false,
    list: false,
    dotfiles: 'ignore',
    immutable: true,
    maxAge: 365 * 24 * 60 * 60 * 1000,
    suppressWarning: true,
  })

  const sendIndex = (reply: FastifyReply) => {
    if (!existsSync(index)) {
      return reply
        .code(503)
        .header('cache-control', 'no-store')
        .type('text/plain; charset=utf-8')
        .send("Outpost's dashboard has not been built: run `npm run build:web` (npm start and npm run build do it). The API works without it.\n")
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html', root, { cacheControl: false })
  }

  const page = (request: FastifyRequest, reply: FastifyReply) =>
    isClientRoute(request.url) ? sendIndex(reply) : reply.callNotFound()
  app.get('/', { schema: { hide: true } }, page)
  for (const section of CLIENT_SECTIONS) {
    app.get(`/${section}`, { schema: { hide: true } }, page)
    app.get(`/${section}/*`, { schema: { hide: true } }, page)
  }
}
