import { execFile } from 'node:child_process'
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { MIGRATIONS_DIR } from '../src/db/client.js'

const run = promisify(execFile)

t.test('migrations/ is up to date with src/db/schema.ts (run `npm run db:generate` when this fails)', async (t) => {
  const out = await mkdtemp(path.join(tmpdir(), 'outpost-migrations-'))
  t.teardown(() => rm(out, { recursive: true, force: true }))
  await cp(MIGRATIONS_DIR, out, { recursive: true })
  const before = await readdir(out)
  const root = path.resolve(MIGRATIONS_DIR, '..')
  const { stdout } = await run(
    process.execPath,
    [
      path.resolve('node_modules/drizzle-kit/bin.cjs'),
      'generate',
      '--dialect=postgresql',
      '--schema=./src/db/schema.ts',
      // drizzle-kit prefixes `./` to --out, so it must be relative.
      `--out=${path.relative(root, out)}`,
    ],
    { cwd: root },
  )
  t.same(await readdir(out), before, `drizzle-kit would write a new migration:\n${stdout}`)
  t.match(stdout, /No schema changes/)
})
