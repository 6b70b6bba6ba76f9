import { randomBytes } from 'node:crypto'
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { ConfigError } from './config.js'

export const SECRET_KEY_FILE = 'secret.key'

/**
 * The embedded mode's secret key: read from `<dataDir>/secret.key`, or generated there
 * (32 random bytes, base64, mode 0600) on first start. Losing this file makes stored
 * agent tokens unreadable, so it is never overwritten.
 */
export async function loadOrCreateSecretKey(dataDir: string): Promise<Buffer> {
  const file = path.join(dataDir, SECRET_KEY_FILE)
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  try {
    await writeFile(file, randomBytes(32).toString('base64') + '\n', { flag: 'wx', mode: 0o600 })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600)
  const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64')
  if (key.length !== 32) {
    throw new ConfigError(`${file}: must hold 32 bytes in base64, got ${key.length} bytes`)
  }
  return key
}
