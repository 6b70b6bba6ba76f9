import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

const VERSION = 'v1'

/** SHA-256 (hex) of a secret, for lookups by equality. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex')
}

/** AES-256-GCM under `key`: `v1.<iv>.<tag>.<ciphertext>`, base64url parts. */
export function encryptSecret(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.')
}

/** Decrypts with the first of `keys` that opens it (the current key first, then older ones). */
export function decryptWithAny(keys: readonly Buffer[], sealed: string): { plaintext: string; keyIndex: number } {
  for (const [keyIndex, key] of keys.entries()) {
    try {
      return { plaintext: decryptSecret(key, sealed), keyIndex }
    } catch {
      // the next key, if any
    }
  }
  throw new Error('no configured key opens this secret')
}

/** Decrypts what `encryptSecret` produced; throws when the key is wrong or the text was altered. */
export function decryptSecret(key: Buffer, sealed: string): string {
  const [version, iv, tag, ciphertext] = sealed.split('.')
  if (version !== VERSION || !iv || !tag || ciphertext === undefined) throw new Error('unrecognised secret format')
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
  decipher.setAuthTag(Buffer.from(tag, 'base64url'))
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8')
}
