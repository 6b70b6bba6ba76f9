import { createHash, randomInt, timingSafeEqual } from 'node:crypto'

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'
export const KEY_ID_LENGTH = 10
export const KEY_SECRET_LENGTH = 22

function randomString(length: number): string {
  let out = ''
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)]
  return out
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

export interface GeneratedKey {
  id: string
  secret: string
  hashedSecret: string
  /** What the client keeps: `<id>-<secret>`. */
  token: string
}

export function generateApiKey(): GeneratedKey {
  const id = randomString(KEY_ID_LENGTH)
  const secret = randomString(KEY_SECRET_LENGTH)
  return { id, secret, hashedSecret: hashSecret(secret), token: `${id}-${secret}` }
}

/** Splits `<id>-<secret>`; the error texts are Coder's. */
export function parseApiKey(token: string): { id: string; secret: string } | { error: string } {
  const parts = token.split('-')
  if (parts.length !== 2) return { error: `incorrect amount of API key parts, expected 2 got ${parts.length}` }
  const [id, secret] = parts as [string, string]
  if (id.length !== KEY_ID_LENGTH) return { error: `invalid API key ID length, expected ${KEY_ID_LENGTH} got ${id.length}` }
  if (secret.length !== KEY_SECRET_LENGTH) {
    return { error: `invalid API key secret length, expected ${KEY_SECRET_LENGTH} got ${secret.length}` }
  }
  return { id, secret }
}

export function secretMatches(secret: string, hashedSecret: string): boolean {
  const actual = Buffer.from(hashSecret(secret), 'hex')
  const expected = Buffer.from(hashedSecret, 'hex')
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}
