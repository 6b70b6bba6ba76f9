import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

const KEY_LENGTH = 32
/** N=2^15, r=8, p=1: ~32 MiB and tens of milliseconds a hash. Stored per hash, so it can be raised later. */
const COST = { N: 2 ** 15, r: 8, p: 1 }
const MAX_LENGTH = 64
const MIN_ENTROPY_BITS = 52

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r }
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))),
  )
}

/** `scrypt$N$r$p$<salt>$<hash>`, base64 parts. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const hash = await derive(password, salt, COST)
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), hash.toString('base64')].join('$')
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64')
  const actual = await derive(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) })
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/** Spends the time a real check would, so unknown accounts cannot be told apart by latency. */
let dummyHash: Promise<string> | undefined
export async function verifyNothing(password: string): Promise<false> {
  dummyHash ??= hashPassword('outpost-timing-equaliser')
  await verifyPassword(password, await dummyHash)
  return false
}

const SEQUENCES = ['0123456789', 'abcdefghijklmnopqrstuvwxyz', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm']

/** Length once runs of one character (beyond two) and keyboard/alphabet runs are discounted. */
function effectiveLength(password: string): number {
  let text = password.toLowerCase()
  for (const sequence of SEQUENCES) {
    for (let size = sequence.length; size >= 3; size--) {
      for (let start = 0; start + size <= sequence.length; start++) {
        const run = sequence.slice(start, start + size)
        text = text.split(run).join(run[0])
      }
    }
  }
  return text.replace(/(.)\1{2,}/g, '$1$1').length
}

/**
 * Coder's rule: at least 52 bits of estimated entropy and at most 64 characters.
 * Returns what is wrong, or undefined when the password is acceptable.
 */
export function passwordWeakness(password: string): string | undefined {
  if ([...password].length > MAX_LENGTH) return `password must be no more than ${MAX_LENGTH} characters`
  const has = {
    lower: /[a-z]/.test(password),
    upper: /[A-Z]/.test(password),
    digit: /[0-9]/.test(password),
    special: /[^a-zA-Z0-9]/.test(password),
  }
  const base = (has.lower ? 26 : 0) + (has.upper ? 26 : 0) + (has.digit ? 10 : 0) + (has.special ? 33 : 0)
  const bits = base === 0 ? 0 : Math.log2(base) * effectiveLength(password)
  if (bits >= MIN_ENTROPY_BITS) return undefined
  const tips = [
    !has.special && 'including more special characters',
    !has.lower && 'using lowercase letters',
    !has.upper && 'using uppercase letters',
    !has.digit && 'using numbers',
  ].filter((tip): tip is string => typeof tip === 'string')
  return tips.length === 0
    ? 'insecure password, try using a longer password'
    : `insecure password, try ${tips.join(', ')} or using a longer password`
}
