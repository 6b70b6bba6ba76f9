import { randomInt } from 'node:crypto'
import type { Validation } from '../errors.js'

const NAME_PATTERN = /^[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*$/
const RESERVED = new Set(['new', 'create'])

/** Coder's `NameValid` rule for usernames (and later workspace and template names). */
export function nameProblem(name: string): string | undefined {
  if (name.length > 32) return 'must be <= 32 characters'
  if (name.length < 1) return 'must be >= 1 character'
  if (RESERVED.has(name)) return `cannot use ${JSON.stringify(name)} as a name`
  if (!NAME_PATTERN.test(name)) return 'must be alphanumeric with hyphens'
  return undefined
}

/** Coder's `UserRealNameValid`. */
export function realNameProblem(name: string): string | undefined {
  if ([...name].length > 128) return 'must be <= 128 characters'
  if (name !== name.trim()) return 'must not have leading or trailing whitespace'
  return undefined
}

/** Collects the problems of several fields into validations. */
export function validations(checks: Record<string, string | undefined>): Validation[] {
  return Object.entries(checks)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([field, detail]) => ({ field, detail }))
}

const ADJECTIVES = ['brave', 'calm', 'eager', 'gentle', 'jolly', 'keen', 'lucid', 'merry', 'quiet', 'swift']
const NOUNS = ['hopper', 'lovelace', 'turing', 'knuth', 'ritchie', 'thompson', 'liskov', 'hamilton', 'dijkstra', 'torvalds']

/** A readable random name (`adjective_surname7`), as Coder names unnamed tokens and template versions. */
export function randomName(): string {
  const pick = (list: string[]) => list[randomInt(list.length)]!
  return `${pick(ADJECTIVES)}_${pick(NOUNS)}${randomInt(10)}`
}
