import { dynamicError } from './errors.js'
import {
  asBool,
  asInteger,
  asList,
  asMap,
  asNumber,
  asString,
  describeValue,
  formatNumber,
  fromJson,
  isList,
  isMap,
  toJson,
  typeName,
  valuesEqual,
  type Value,
} from './values.js'

/** A built-in function: arity and implementation over known argument values. */
interface HclFunction {
  minArgs: number
  maxArgs: number
  call(args: readonly Value[]): Value
}

/** Functions whose arguments are evaluated lazily by the evaluator itself. */
export const SPECIAL_FORMS = new Set(['try', 'can'])

const fn = (minArgs: number, maxArgs: number, call: (args: readonly Value[]) => Value): HclFunction => ({
  minArgs,
  maxArgs,
  call,
})
const arg = (args: readonly Value[], i: number): Value => args[i] ?? null

/** The library: a subset of Terraform's functions, with Terraform's semantics. */
export const FUNCTIONS: ReadonlyMap<string, HclFunction> = new Map<string, HclFunction>([
  ['split', fn(2, 2, (a) => splitString(asString(arg(a, 0), 'split separator'), asString(arg(a, 1), 'split string')))],
  ['lower', fn(1, 1, (a) => asString(arg(a, 0), 'lower argument').toLowerCase())],
  ['upper', fn(1, 1, (a) => asString(arg(a, 0), 'upper argument').toUpperCase())],
  ['trimspace', fn(1, 1, (a) => asString(arg(a, 0), 'trimspace argument').trim())],
  [
    'trimprefix',
    fn(2, 2, (a) => trimPrefix(asString(arg(a, 0), 'trimprefix string'), asString(arg(a, 1), 'trimprefix prefix'))),
  ],
  [
    'trimsuffix',
    fn(2, 2, (a) => trimSuffix(asString(arg(a, 0), 'trimsuffix string'), asString(arg(a, 1), 'trimsuffix suffix'))),
  ],
  [
    'startswith',
    fn(2, 2, (a) => asString(arg(a, 0), 'startswith string').startsWith(asString(arg(a, 1), 'startswith prefix'))),
  ],
  [
    'endswith',
    fn(2, 2, (a) => asString(arg(a, 0), 'endswith string').endsWith(asString(arg(a, 1), 'endswith suffix'))),
  ],
  ['substr', fn(3, 3, substr)],
  ['replace', fn(3, 3, replace)],
  ['join', fn(2, Infinity, join)],
  ['element', fn(2, 2, element)],
  ['lookup', fn(2, 3, lookup)],
  ['coalesce', fn(1, Infinity, coalesce)],
  ['format', fn(1, Infinity, format)],
  ['length', fn(1, 1, (a) => length(arg(a, 0)))],
  ['contains', fn(2, 2, (a) => asList(arg(a, 0), 'contains collection').some((item) => valuesEqual(item, arg(a, 1))))],
  ['concat', fn(1, Infinity, (a) => a.flatMap((list, i) => asList(list, `concat argument ${i + 1}`)))],
  ['tostring', fn(1, 1, (a) => (arg(a, 0) === null ? null : asString(arg(a, 0), 'tostring argument')))],
  ['tonumber', fn(1, 1, (a) => (arg(a, 0) === null ? null : asNumber(arg(a, 0), 'tonumber argument')))],
  ['tobool', fn(1, 1, (a) => (arg(a, 0) === null ? null : asBool(arg(a, 0), 'tobool argument')))],
  ['jsonencode', fn(1, 1, (a) => JSON.stringify(toJson(arg(a, 0))))],
  ['jsondecode', fn(1, 1, (a) => jsonDecode(asString(arg(a, 0), 'jsondecode argument')))],
])

export function isKnownFunction(name: string): boolean {
  return FUNCTIONS.has(name) || SPECIAL_FORMS.has(name)
}

/** Arity of a function, for the static check. */
export function arity(name: string): { min: number; max: number } {
  if (SPECIAL_FORMS.has(name)) return name === 'can' ? { min: 1, max: 1 } : { min: 1, max: Infinity }
  const f = FUNCTIONS.get(name)
  return f ? { min: f.minArgs, max: f.maxArgs } : { min: 0, max: Infinity }
}

function splitString(separator: string, str: string): Value {
  return separator === '' ? [...str] : str.split(separator)
}

function trimPrefix(str: string, prefix: string): string {
  return prefix && str.startsWith(prefix) ? str.slice(prefix.length) : str
}

function trimSuffix(str: string, suffix: string): string {
  return suffix && str.endsWith(suffix) ? str.slice(0, str.length - suffix.length) : str
}

function substr(args: readonly Value[]): Value {
  const chars = [...asString(arg(args, 0), 'substr string')]
  let offset = asInteger(arg(args, 1), 'substr offset')
  const count = asInteger(arg(args, 2), 'substr length')
  if (offset < 0) offset = Math.max(0, chars.length + offset)
  return chars.slice(offset, count < 0 ? undefined : offset + count).join('')
}

function replace(args: readonly Value[]): Value {
  const str = asString(arg(args, 0), 'replace string')
  const search = asString(arg(args, 1), 'replace substring')
  const replacement = asString(arg(args, 2), 'replace replacement')
  if (search.length > 1 && search.startsWith('/') && search.endsWith('/')) {
    return replaceRegex(str, search.slice(1, -1), replacement)
  }
  return search === '' ? str : str.split(search).join(replacement)
}

/**
 * Regex form of replace: RE2 patterns run on JavaScript's engine (named groups
 * `(?P<n>...)` and leading `(?i)`/`(?s)`/`(?m)` flags are translated), and the
 * replacement is expanded as Go does (`$1`, `${1}`, `$name`, `${name}`, `$$`).
 */
function replaceRegex(str: string, pattern: string, replacement: string): string {
  let flags = 'gu'
  let source = pattern
  const leading = /^\(\?([ism]+)\)/.exec(source)
  if (leading?.[1]) {
    flags += leading[1]
    source = source.slice(leading[0].length)
  }
  source = source.replaceAll('(?P<', '(?<')
  let regex: RegExp
  try {
    regex = new RegExp(source, flags)
  } catch {
    throw dynamicError(`replace: unsupported regular expression /${pattern}/`)
  }
  return str.replace(regex, (...match: unknown[]) => {
    const last = match[match.length - 1]
    const named = typeof last === 'object' && last !== null ? (last as Record<string, string | undefined>) : {}
    const groups = match.slice(0, typeof last === 'object' ? -3 : -2).map((g) => (typeof g === 'string' ? g : ''))
    return replacement.replace(
      /\$(?:\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g,
      (whole, braced?: string, bare?: string) => {
        const name = braced ?? bare
        if (name === undefined) return '$'
        if (/^[0-9]+$/.test(name)) return groups[Number(name)] ?? ''
        return named[name] ?? ''
      },
    )
  })
}

function join(args: readonly Value[]): Value {
  const separator = asString(arg(args, 0), 'join separator')
  const items = args.slice(1).flatMap((list, i) => asList(list, `join argument ${i + 2}`))
  return items
    .map((item) => {
      if (item === null) throw dynamicError('join: list elements must not be null')
      return asString(item, 'join element')
    })
    .join(separator)
}

function element(args: readonly Value[]): Value {
  const list = asList(arg(args, 0), 'element list')
  const index = asInteger(arg(args, 1), 'element index')
  if (list.length === 0) throw dynamicError('element: cannot use element function with an empty list')
  if (index < 0) throw dynamicError('element: cannot use element function with a negative index')
  return list[index % list.length] ?? null
}

function lookup(args: readonly Value[]): Value {
  const map = asMap(arg(args, 0), 'lookup map')
  const key = asString(arg(args, 1), 'lookup key')
  const found = map.get(key)
  if (found !== undefined) return found
  if (args.length === 3) return arg(args, 2)
  throw dynamicError(`lookup: key ${JSON.stringify(key)} not found (and no default given)`)
}

function coalesce(args: readonly Value[]): Value {
  const found = args.find((v) => v !== null && v !== '')
  if (found === undefined) throw dynamicError('coalesce: no non-null, non-empty-string arguments')
  return found
}

function format(args: readonly Value[]): Value {
  const spec = asString(arg(args, 0), 'format string')
  let out = ''
  let next = 1
  for (let i = 0; i < spec.length; i++) {
    const c = spec.charAt(i)
    if (c !== '%') {
      out += c
      continue
    }
    const verb = spec.charAt(++i)
    if (verb === '%') {
      out += '%'
      continue
    }
    if (verb === '') throw dynamicError('format: incomplete verb at the end of the format string')
    if (next >= args.length) throw dynamicError(`format: not enough arguments for ${JSON.stringify(spec)}`)
    const value = arg(args, next)
    const what = `format argument ${++next}`
    if (verb === 's' || verb === 'v') out += asString(value, what)
    else if (verb === 'd') out += formatNumber(asInteger(value, what))
    else throw dynamicError(`format: unsupported verb %${verb} (only %s, %v, %d and %% are supported)`)
  }
  if (next < args.length) throw dynamicError(`format: too many arguments for ${JSON.stringify(spec)}`)
  return out
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' })

function length(value: Value): Value {
  if (typeof value === 'string') return [...graphemes.segment(value)].length
  if (isList(value)) return value.length
  if (isMap(value)) return value.size
  throw dynamicError(`length: argument must be a string, list or map, got ${typeName(value)}`)
}

function jsonDecode(text: string): Value {
  try {
    return fromJson(JSON.parse(text))
  } catch {
    throw dynamicError(`jsondecode: ${describeValue(text)} is not valid JSON`)
  }
}
