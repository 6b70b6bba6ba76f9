import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { isUuid } from '../domain/users.js'
import { errors } from '../errors.js'

const HEX = /^[0-9a-f]{32}$/i

/**
 * A UUID read the way Coder's handlers read one (Go's github.com/google/uuid Parse): the
 * 8-4-4-4-12 form, that form after `urn:uuid:` or inside braces, or 32 hex digits. Gives
 * the canonical lower-case form, or the parser's reason, which Coder sends as `detail`.
 */
export function parseUuid(raw: string): { uuid: string } | { error: string } {
  let s = raw
  switch (Buffer.byteLength(raw)) {
    case 36:
      break
    case 45:
      if (raw.slice(0, 9).toLowerCase() !== 'urn:uuid:') return { error: `invalid urn prefix: ${JSON.stringify(raw.slice(0, 9))}` }
      s = raw.slice(9)
      break
    case 38:
      if (!raw.startsWith('{') || !raw.endsWith('}')) return { error: 'invalid UUID format' }
      s = raw.slice(1, -1)
      break
    case 32:
      if (!HEX.test(raw)) return { error: 'invalid UUID format' }
      s = `${raw.slice(0, 8)}-${raw.slice(8, 12)}-${raw.slice(12, 16)}-${raw.slice(16, 20)}-${raw.slice(20)}`
      break
    default:
      return { error: `invalid UUID length: ${Buffer.byteLength(raw)}` }
  }
  return isUuid(s) ? { uuid: s.toLowerCase() } : { error: 'invalid UUID format' }
}

/** The route's path parameters declared as UUIDs (`format: 'uuid'` in its params schema). */
function uuidParamsOf(route: RouteOptions): string[] {
  const params = route.schema?.params as { properties?: Record<string, { format?: unknown }> } | undefined
  return Object.entries(params?.properties ?? {})
    .filter(([, schema]) => schema.format === 'uuid')
    .map(([name]) => name)
}

/**
 * UUID path parameters are read as Coder reads them, before schema validation: the forms
 * Go's parser accepts become the canonical one (so they reach the database as a UUID),
 * and anything else is Coder's 400 `Invalid UUID "<param>".` with the reason. A route
 * hook, so it runs after authentication, as Coder's parameter middleware does.
 */
export default fp(
  async function uuidParams(app: FastifyInstance) {
    app.addHook('onRoute', (route) => {
      const names = uuidParamsOf(route)
      if (names.length === 0) return
      const readUuids = async (request: FastifyRequest) => {
        const params = request.params as Record<string, string | undefined>
        for (const name of names) {
          const raw = params[name]
          if (raw === undefined) continue
          const parsed = parseUuid(raw)
          if ('error' in parsed) throw errors.invalidUuid(name, parsed.error)
          params[name] = parsed.uuid
        }
      }
      const existing = route.preValidation === undefined ? [] : Array.isArray(route.preValidation) ? route.preValidation : [route.preValidation]
      route.preValidation = [...existing, readUuids]
    })
  },
  { name: 'uuid-params' },
)
