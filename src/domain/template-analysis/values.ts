import { dynamicError } from './errors.js'

/** Stands for a value that is not known yet (a parameter without default at import). */
export class Unknown {
  private readonly unknown = true
}
export const UNKNOWN = new Unknown()

/** Values of the evaluator: HCL's primitive, tuple/list and object/map values. */
export type Value = string | number | boolean | null | Unknown | readonly Value[] | ReadonlyMap<string, Value>

export const isUnknown = (value: Value): value is Unknown => value instanceof Unknown
export const isList = (value: Value): value is readonly Value[] => Array.isArray(value)
export const isMap = (value: Value): value is ReadonlyMap<string, Value> => value instanceof Map

/** True when the value is, or contains, an unknown. */
export function hasUnknown(value: Value): boolean {
  if (isUnknown(value)) return true
  if (isList(value)) return value.some(hasUnknown)
  if (isMap(value)) return [...value.values()].some(hasUnknown)
  return false
}

export function typeName(value: Value): string {
  if (value === null) return 'null'
  if (isUnknown(value)) return 'unknown value'
  if (isList(value)) return 'list'
  if (isMap(value)) return 'object'
  return typeof value
}

/** HCL's number formatting: integers without a fraction, otherwise shortest form. */
export function formatNumber(value: number): string {
  return Object.is(value, -0) ? '0' : String(value)
}

/** Converts as HCL does where a string is required (numbers and bools convert). */
export function asString(value: Value, what: string): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number') return formatNumber(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  throw dynamicError(`${what} must be a string, got ${typeName(value)}`)
}

const DECIMAL = /^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/

/** Converts as HCL does where a number is required (numeric strings convert). */
export function asNumber(value: Value, what: string): number {
  if (typeof value === 'number') return value
  if (typeof value === 'string' && DECIMAL.test(value.trim())) return Number(value.trim())
  throw dynamicError(`${what} must be a number, got ${describeValue(value)}`)
}

/** Converts as HCL does where a bool is required ("true"/"false" convert). */
export function asBool(value: Value, what: string): boolean {
  if (typeof value === 'boolean') return value
  if (value === 'true' || value === 'false') return value === 'true'
  throw dynamicError(`${what} must be a bool, got ${describeValue(value)}`)
}

export function asList(value: Value, what: string): readonly Value[] {
  if (isList(value)) return value
  throw dynamicError(`${what} must be a list, got ${typeName(value)}`)
}

export function asMap(value: Value, what: string): ReadonlyMap<string, Value> {
  if (isMap(value)) return value
  throw dynamicError(`${what} must be a map or object, got ${typeName(value)}`)
}

export function asInteger(value: Value, what: string): number {
  const n = asNumber(value, what)
  if (!Number.isInteger(n)) throw dynamicError(`${what} must be a whole number, got ${formatNumber(n)}`)
  return n
}

/** HCL equality: no conversion between types, deep for collections. */
export function valuesEqual(a: Value, b: Value): boolean {
  if (isList(a) && isList(b)) return a.length === b.length && a.every((item, i) => valuesEqual(item, b[i] ?? null))
  if (isMap(a) && isMap(b)) {
    if (a.size !== b.size) return false
    for (const [key, item] of a) {
      const other = b.get(key)
      if (other === undefined || !valuesEqual(item, other)) return false
    }
    return true
  }
  return a === b
}

/** JSON (jsonencode) form of a known value. */
export function toJson(value: Value): unknown {
  if (isUnknown(value)) throw dynamicError('cannot encode an unknown value')
  if (isList(value)) return value.map(toJson)
  if (isMap(value)) return Object.fromEntries([...value].map(([k, v]) => [k, toJson(v)]))
  return value
}

/** The value of a decoded JSON document (jsondecode). */
export function fromJson(json: unknown): Value {
  if (json === null || typeof json === 'string' || typeof json === 'number' || typeof json === 'boolean') return json
  if (Array.isArray(json)) return json.map(fromJson)
  if (typeof json === 'object') return new Map(Object.entries(json).map(([k, v]) => [k, fromJson(v)]))
  throw dynamicError('unsupported JSON value')
}

/** A short rendering for messages: `"linux"`, `3`, `list`, ... */
export function describeValue(value: Value): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number') return formatNumber(value)
  if (typeof value === 'boolean' || value === null) return String(value)
  return typeName(value)
}
