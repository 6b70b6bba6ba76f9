import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'
import { loadOrCreateSecretKey } from '../src/secret-key.js'

const KEY = Buffer.alloc(32, 7).toString('base64')

t.test('defaults', async (t) => {
  const config = loadConfig({})
  t.equal(config.accessUrl, 'http://localhost:3000')
  t.same(config.httpAddress, { host: '127.0.0.1', port: 3000 })
  t.equal(config.databaseUrl, undefined)
  t.equal(config.dataDir, path.resolve('.outpost'))
  t.equal(config.secretKey, undefined)
  t.equal(config.logLevel, 'info')
  t.equal(config.skipMigrations, false)
  t.ok(Object.isFrozen(config))
})

t.test('values are parsed and normalised', async (t) => {
  const config = loadConfig({
    OUTPOST_ACCESS_URL: 'https://outpost.example.com/',
    OUTPOST_HTTP_ADDRESS: '[::1]:8080',
    DATABASE_URL: 'postgres://u:p@db:5432/outpost',
    OUTPOST_SECRET_KEY: KEY,
    OUTPOST_LOG_LEVEL: 'DEBUG',
    OUTPOST_SKIP_MIGRATIONS: 'true',
  })
  t.equal(config.accessUrl, 'https://outpost.example.com')
  t.same(config.httpAddress, { host: '::1', port: 8080 })
  t.equal(config.databaseUrl, 'postgres://u:p@db:5432/outpost')
  t.same(config.secretKey, Buffer.alloc(32, 7))
  t.equal(config.logLevel, 'debug')
  t.equal(config.skipMigrations, true)
  t.same(loadConfig({ OUTPOST_HTTP_ADDRESS: ':3000' }).httpAddress, { host: '0.0.0.0', port: 3000 })
})

t.test('each bad value is one clear error naming the variable', async (t) => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ OUTPOST_ACCESS_URL: 'not a url' }, /^OUTPOST_ACCESS_URL: must be an absolute http\(s\) URL/],
    [{ OUTPOST_ACCESS_URL: 'ftp://x' }, /^OUTPOST_ACCESS_URL: must use http or https/],
    [{ OUTPOST_ACCESS_URL: 'http://x/?a=1' }, /^OUTPOST_ACCESS_URL: must not have a query/],
    [{ OUTPOST_HTTP_ADDRESS: '3000' }, /^OUTPOST_HTTP_ADDRESS: must be host:port/],
    [{ OUTPOST_HTTP_ADDRESS: 'localhost:70000' }, /^OUTPOST_HTTP_ADDRESS: port must be 0-65535/],
    [{ DATABASE_URL: 'mysql://x', OUTPOST_SECRET_KEY: KEY }, /^DATABASE_URL: must be a postgres/],
    [{ OUTPOST_SECRET_KEY: 'c2hvcnQ=' }, /^OUTPOST_SECRET_KEY: must decode to 32 bytes, got 5/],
    [{ OUTPOST_SECRET_KEY: '!!!' }, /^OUTPOST_SECRET_KEY: must be base64/],
    [{ OUTPOST_LOG_LEVEL: 'loud' }, /^OUTPOST_LOG_LEVEL: must be one of fatal, error/],
    [{ OUTPOST_SKIP_MIGRATIONS: 'maybe' }, /^OUTPOST_SKIP_MIGRATIONS: must be true or false/],
    [{ OUTPOST_DATA_DIR: ' ' }, /^OUTPOST_DATA_DIR: must not be empty/],
    [{ DATABASE_URL: 'postgres://db/outpost' }, /^OUTPOST_SECRET_KEY: required when DATABASE_URL is set/],
  ]
  for (const [env, message] of cases) {
    t.throws(() => loadConfig(env), { name: 'ConfigError', message }, JSON.stringify(env))
  }
  t.ok(new ConfigError('x') instanceof Error)
})

t.test('the embedded secret key is generated once, mode 0600', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'outpost-key-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const dataDir = path.join(dir, 'data')
  const first = await loadOrCreateSecretKey(dataDir)
  t.equal(first.length, 32)
  t.equal((await stat(path.join(dataDir, 'secret.key'))).mode & 0o777, 0o600)
  t.same(await loadOrCreateSecretKey(dataDir), first, 'read back, not regenerated')
  await writeFile(path.join(dataDir, 'secret.key'), 'c2hvcnQ=\n')
  await t.rejects(loadOrCreateSecretKey(dataDir), { name: 'ConfigError', message: /must hold 32 bytes/ })
  t.match(await readFile(path.join(dataDir, 'secret.key'), 'utf8'), 'c2hvcnQ=', 'a bad key is never overwritten')
})

t.test('the server refuses a bad value with one line and no stack trace', async (t) => {
  const run = promisify(execFile)
  const result = await run(process.execPath, ['--import=tsx', 'src/server.ts'], {
    env: { ...process.env, OUTPOST_LOG_LEVEL: 'loud', DATABASE_URL: '' },
  }).catch((err: { code: number; stdout: string; stderr: string }) => err)
  t.equal('code' in result ? result.code : 0, 2)
  t.equal(result.stderr, 'outpost: configuration error: OUTPOST_LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got "loud"\n')
  t.equal(result.stdout, '')
})

t.test('README and .env.example document every variable', async (t) => {
  const { VARIABLES } = await import('../src/config.js')
  const readme = await readFile('README.md', 'utf8')
  const example = await readFile('.env.example', 'utf8')
  for (const spec of Object.values(VARIABLES)) {
    t.match(readme, `| \`${spec.name}\` |`, `README has a row for ${spec.name}`)
    t.match(example, `${spec.name}=`, `.env.example mentions ${spec.name}`)
  }
})
