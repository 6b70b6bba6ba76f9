import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import type { RateLimit } from '../config.js'
import { errors } from '../errors.js'

/**
 * Rate limits, counted in memory by each replica (@fastify/rate-limit's local store):
 * with N replicas behind a load balancer a client may get up to N times each limit.
 * Every refusal is a 429 in Coder's error shape with `Retry-After` in seconds, thrown
 * through the error handler. A client's address is `request.ip` (IPv6 by /64), which
 * `OUTPOST_TRUSTED_PROXIES` makes the X-Forwarded-For client behind a reverse proxy.
 */

/** Keys each limiter remembers at most (least recently used are forgotten first). */
const CACHE_ENTRIES = 20_000

const LOGIN_URL = '/api/v2/users/login'
const DOWNLOAD_PREFIXES = ['/api/v2/init-script/', '/bin/']

type Limiter = ReturnType<FastifyInstance['createRateLimit']>
type Hook = (request: FastifyRequest) => Promise<void>

function limiterFor(app: FastifyInstance, limit: RateLimit, keyGenerator?: (request: FastifyRequest) => string): Limiter {
  return app.createRateLimit({
    max: limit.max,
    timeWindow: limit.windowMs,
    // Passed through to the store, though the options type does not list it.
    ...({ cache: CACHE_ENTRIES } as object),
    ...(keyGenerator ? { keyGenerator } : {}),
  })
}

/** A hook that counts the request and refuses it once the limit is passed. */
function counting(limiter: Limiter, limit: RateLimit, detail: string): Hook {
  return async (request) => {
    const state = await limiter(request)
    if (!state.isAllowed && state.isExceeded) {
      throw errors.rateLimited(limit.max, limit.windowMs, Math.max(1, state.ttlInSeconds), detail)
    }
  }
}

function addRouteHook(route: RouteOptions, name: 'onRequest' | 'preHandler', hook: Hook): void {
  const existing = route[name]
  const hooks = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]
  // A GET's automatic HEAD route passes through onRoute too, sometimes sharing the GET's hooks.
  if ((hooks as unknown[]).includes(hook)) return
  route[name] = [...hooks, hook] as RouteOptions['onRequest']
}

function hasMethod(route: RouteOptions, method: string): boolean {
  return [route.method].flat().includes(method)
}

export interface RateLimitsOptions {
  /** Login attempts per account (the email, case-insensitive). */
  login: RateLimit | undefined
  /** Login attempts per client address. */
  loginIp: RateLimit | undefined
  /** Init-script and agent-binary requests per client address, together. */
  downloads: RateLimit | undefined
}

/**
 * Registers @fastify/rate-limit (no global limit) and attaches the login and download
 * limits to their routes as they are added. Register it before any route.
 */
export const rateLimits = fp(
  async function rateLimits(app: FastifyInstance, opts: RateLimitsOptions) {
    await app.register(rateLimit, { global: false })

    const hooks: { matches: (route: RouteOptions) => boolean; name: 'onRequest' | 'preHandler'; hook: Hook }[] = []
    const isLogin = (route: RouteOptions) => route.url === LOGIN_URL && hasMethod(route, 'POST')
    if (opts.loginIp) {
      const perIp = limiterFor(app, opts.loginIp)
      hooks.push({
        matches: isLogin,
        name: 'onRequest',
        hook: counting(perIp, opts.loginIp, 'Too many login attempts from your address.'),
      })
    }
    if (opts.login) {
      // After validation, so the email is a string; the limit is the account's, whatever the address.
      const perAccount = limiterFor(app, opts.login, (request) => {
        const email = (request.body as { email?: unknown } | undefined)?.email
        return `account:${typeof email === 'string' ? email.toLowerCase() : ''}`
      })
      hooks.push({
        matches: isLogin,
        name: 'preHandler',
        hook: counting(perAccount, opts.login, 'Too many login attempts for this account.'),
      })
    }
    if (opts.downloads) {
      const downloads = limiterFor(app, opts.downloads)
      hooks.push({
        matches: (route) => DOWNLOAD_PREFIXES.some((prefix) => route.url.startsWith(prefix)),
        name: 'onRequest',
        hook: counting(downloads, opts.downloads, 'Too many init-script and agent-binary downloads from your address.'),
      })
    }

    app.addHook('onRoute', (route) => {
      for (const { matches, name, hook } of hooks) if (matches(route)) addRouteHook(route, name, hook)
    })
  },
  { name: 'rate-limits' },
)

/**
 * Failed authentication per client address: every 401 answered by a route that takes a
 * session or agent token is counted, successes are not. Past the limit, every request
 * from that address to such a route is refused with 429, before its token is looked
 * at, until the window ends. Register inside the authenticated scope, before the
 * `authentication` plugin, so its check runs first.
 */
export const authFailureLimit = fp(
  async function authFailureLimit(app: FastifyInstance, opts: { limit: RateLimit | undefined }) {
    const { limit } = opts
    if (!limit) return
    const failures = limiterFor(app, limit)
    const takesToken = (request: FastifyRequest) => !request.is404 && request.routeOptions.config.auth !== 'none'

    app.addHook('onRequest', async (request) => {
      if (!takesToken(request)) return
      const state = await failures(request, { increment: false })
      if (!state.isAllowed && state.remaining === 0) {
        throw errors.tooManyAuthFailures(limit.max, limit.windowMs, Math.max(1, state.ttlInSeconds))
      }
    })
    // onSend, not onResponse: counted before the client has the answer, so its next
    // request already sees the count.
    app.addHook('onSend', async (request, reply) => {
      if (reply.statusCode === 401 && takesToken(request)) await failures(request)
    })
  },
  { name: 'auth-failure-limit', dependencies: ['rate-limits'] },
)
