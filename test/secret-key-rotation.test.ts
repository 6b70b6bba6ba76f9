import { randomBytes } from 'node:crypto'
import t from 'tap'
import { reencryptAgentTokens } from '../src/domain/secret-rotation.js'
import { createLogger } from '../src/logger.js'
import { workspaceWithAgent } from './helpers/agents.js'
import { buildTestApp } from './helpers/app.js'
import { createTestDatabase } from './helpers/database.js'
import { auth, createOwner } from './helpers/fixtures.js'

const key = () => randomBytes(32).toString('base64')

t.test('OUTPOST_SECRET_KEY can be rotated: old key read, tokens re-encrypted, then the old key dropped', async (t) => {
  const database = await createTestDatabase(t)
  const [oldKey, newKey] = [key(), key()]
  const credentialsOf = async (env: Record<string, string>, token: string, workspaceId: string) => {
    const { app } = await buildTestApp(t, { database, env })
    const res = await app.inject({
      method: 'GET',
      url: `/api/v2/workspaces/${workspaceId}/external-agent/main/credentials`,
      headers: auth(token),
    })
    await app.close()
    return res
  }

  const { app: first } = await buildTestApp(t, { database, env: { OUTPOST_SECRET_KEY: oldKey } })
  const owner = await createOwner(first)
  const ws = await workspaceWithAgent(first, owner.token)
  await first.close()

  const wrongKey = await credentialsOf({ OUTPOST_SECRET_KEY: newKey }, owner.token, ws.workspaceId)
  t.equal(wrongKey.statusCode, 500, 'a new key alone cannot open the old tokens')
  t.same(wrongKey.json(), {
    message: 'The agent token cannot be decrypted with the configured keys.',
    detail: 'OUTPOST_SECRET_KEY changed: give the old key in OUTPOST_PREVIOUS_SECRET_KEYS, or rotate this agent token.',
  })

  const both = { OUTPOST_SECRET_KEY: newKey, OUTPOST_PREVIOUS_SECRET_KEYS: `${key()}, ${oldKey}` }
  const during = await credentialsOf(both, owner.token, ws.workspaceId)
  t.equal(during.statusCode, 200, 'with the old key listed, credentials still show')
  t.equal(during.json().agent_token, ws.agentToken)

  const log = createLogger('silent')
  const done = await reencryptAgentTokens(database.db, { current: Buffer.from(newKey, 'base64'), previous: [Buffer.from(oldKey, 'base64')] }, log)
  t.same(done, { reencrypted: 1, unreadable: 0 })
  t.same(
    await reencryptAgentTokens(database.db, { current: Buffer.from(newKey, 'base64'), previous: [Buffer.from(oldKey, 'base64')] }, log),
    { reencrypted: 0, unreadable: 0 },
    'running it again changes nothing',
  )

  const after = await credentialsOf({ OUTPOST_SECRET_KEY: newKey }, owner.token, ws.workspaceId)
  t.equal(after.statusCode, 200, 'the old key is no longer needed')
  t.equal(after.json().agent_token, ws.agentToken, 'and the token itself did not change')
})

t.test('OUTPOST_PREVIOUS_SECRET_KEYS is validated like the key itself', async (t) => {
  const { loadConfig } = await import('../src/config.js')
  t.same(loadConfig({}).previousSecretKeys, [])
  t.throws(() => loadConfig({ OUTPOST_PREVIOUS_SECRET_KEYS: `${key()},c2hvcnQ=` }), {
    message: 'OUTPOST_PREVIOUS_SECRET_KEYS: key 2: must decode to 32 bytes, got 5',
  })
})
