import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { errors } from '../errors.js'

const NUL_DETAIL = 'must not contain the NUL character (U+0000)'

/**
 * The first place in `value` where a string (or an object key) holds U+0000, as a
 * dotted field name; undefined when there is none. Iterative, so any nesting depth is fine.
 */
export function nulField(value: unknown): string | undefined {
  const stack: [unknown, string][] = [[value, '']]
  while (stack.length > 0) {
    const [item, path] = stack.pop()!
    if (typeof item === 'string') {
      if (item.includes('\u0000')) return path
      continue
    }
    if (typeof item !== 'object' || item === null || Buffer.isBuffer(item) || ArrayBuffer.isView(item)) continue
    for (const [key, child] of Object.entries(item)) {
      const at = path === '' ? key : `${path}.${key}`
      if (key.includes('\u0000')) return at
      stack.push([child, at])
    }
  }
  return undefined
}

/**
 * Postgres text cannot hold U+0000: a NUL in a path parameter, query value or JSON string
 * would reach a query and fail there (a 500, or an audit entry silently lost). It is
 * refused up front, as a validation error naming the field, after authentication.
 */
export default fp(
  async function nulGuard(app: FastifyInstance) {
    // Callback style, not async: every request passes here, and a promise per hook shows.
    app.addHook('preValidation', (request, _reply, done) => {
      if (request.is404) return done()
      const inParams = nulField(request.params)
      if (inParams !== undefined) return done(errors.validation([{ field: inParams || 'params', detail: NUL_DETAIL }]))
      const inQuery = nulField(request.query)
      if (inQuery !== undefined) return done(errors.invalidQuery([{ field: inQuery || 'query', detail: NUL_DETAIL }]))
      const inBody = nulField(request.body)
      if (inBody !== undefined) return done(errors.validation([{ field: inBody || 'body', detail: NUL_DETAIL }]))
      done()
    })
  },
  { name: 'nul-guard' },
)
