import type { FastifyBaseLogger } from 'fastify'
import type { Db } from '../db/client.js'
import { listAgentTokenCiphertexts, updateAgentTokenCiphertext } from '../store/agents.js'
import { decryptWithAny, encryptSecret } from './secrets.js'

const BATCH = 500

/**
 * After OUTPOST_SECRET_KEY changed: every agent token sealed under a previous key is
 * re-encrypted under the current one, so the previous keys can then be dropped. Safe to
 * run on several replicas at once (each row is rewritten with the same plaintext).
 */
export async function reencryptAgentTokens(
  db: Db,
  keys: { current: Buffer; previous: readonly Buffer[] },
  log: FastifyBaseLogger,
): Promise<{ reencrypted: number; unreadable: number }> {
  const all = [keys.current, ...keys.previous]
  let after: string | undefined
  let reencrypted = 0
  let unreadable = 0
  for (;;) {
    const rows = await listAgentTokenCiphertexts(db, after, BATCH)
    if (rows.length === 0) break
    for (const row of rows) {
      let opened: ReturnType<typeof decryptWithAny>
      try {
        opened = decryptWithAny(all, row.tokenCiphertext)
      } catch {
        unreadable += 1
        continue
      }
      if (opened.keyIndex === 0) continue
      await updateAgentTokenCiphertext(db, row.id, encryptSecret(keys.current, opened.plaintext))
      reencrypted += 1
    }
    after = rows[rows.length - 1]!.id
  }
  if (reencrypted > 0) log.info({ reencrypted }, 'agent tokens re-encrypted under the current OUTPOST_SECRET_KEY')
  if (unreadable > 0) log.error({ unreadable }, 'agent tokens that no configured key opens: their credentials cannot be shown')
  return { reencrypted, unreadable }
}
