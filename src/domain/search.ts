import { errors, type Validation } from '../errors.js'

export interface SearchTerms {
  /** key → values, in order of appearance; bare terms are under `name`. */
  values: Map<string, string[]>
}

/**
 * Coder's search syntax: space-separated `key:value` elements, quoted values kept
 * whole (quotes stripped), a bare term meaning `name:<term>` and a bare `owner/name`
 * meaning both. Keys are lower-cased; values keep their case (lookups are case-insensitive).
 */
export function parseSearchQuery(query: string, allowedKeys: readonly string[], invalidMessage: string): SearchTerms {
  const values = new Map<string, string[]>()
  const problems: Validation[] = []
  const add = (key: string, value: string) => values.set(key, [...(values.get(key) ?? []), value])

  for (const element of splitElements(query)) {
    const colon = element.indexOf(':')
    if (colon === -1) {
      const parts = element.split('/')
      if (parts.length === 1) add('name', element)
      else if (parts.length === 2 && parts[0] && parts[1]) {
        add('owner', parts[0])
        add('name', parts[1])
      } else problems.push({ field: 'q', detail: `Query element ${JSON.stringify(element)} can only contain 1 '/'` })
      continue
    }
    if (colon === 0 || colon === element.length - 1) {
      problems.push({ field: 'q', detail: `Query element ${JSON.stringify(element)} cannot start or end with ':'` })
      continue
    }
    const key = element.slice(0, colon).toLowerCase()
    const raw = element.slice(colon + 1)
    // Timestamps (last_used_after:2024-01-01T00:00:00Z) are the one unquoted value with colons.
    if (raw.includes(':') && !raw.startsWith('"') && !/^\d{4}-\d{2}-\d{2}T/.test(raw)) {
      problems.push({ field: 'q', detail: `Query element ${JSON.stringify(element)} can only contain 1 ':'` })
      continue
    }
    const value = unquote(raw)
    add(key, value)
  }
  for (const key of values.keys()) {
    if (!allowedKeys.includes(key)) problems.push({ field: key, detail: `Query param "${key}" is not a valid query param` })
  }
  if (problems.length > 0) throw errors.badSearch(invalidMessage, problems)
  return { values }
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value
}

/** Splits on spaces outside double quotes. */
function splitElements(query: string): string[] {
  const out: string[] = []
  let current = ''
  let quoted = false
  for (const ch of query.trim()) {
    if (ch === '"') quoted = !quoted
    if (ch === ' ' && !quoted) {
      if (current) out.push(current)
      current = ''
    } else current += ch
  }
  if (current) out.push(current)
  return out
}

/** The single value of `key`, or undefined. */
export function single(terms: SearchTerms, key: string): string | undefined {
  const list = terms.values.get(key)
  return list?.[list.length - 1]
}

/** A boolean search value, or a 400 naming the key. */
export function booleanTerm(terms: SearchTerms, key: string, invalidMessage: string): boolean | undefined {
  const value = single(terms, key)
  if (value === undefined) return undefined
  const lower = value.toLowerCase()
  if (lower === 'true') return true
  if (lower === 'false') return false
  throw errors.badSearch(invalidMessage, [{ field: key, detail: `Query param "${key}" must be a valid boolean` }])
}
