#!/usr/bin/env node
// Builds the dashboard (web/ → dist/web/) with Vite, only when its inputs changed since
// the last build: `npm start`, `npm test` and `npm run build` all call it, and when
// nothing changed it is a no-op that takes milliseconds. The inputs are hashed (not
// their mtimes, which a git checkout resets): web/, the API client and wire types the
// SPA imports (src/client, src/sdk) and package-lock.json.
//
//   node scripts/build-web.mjs            build if needed
//   node scripts/build-web.mjs --force    build anyway
//
// Several processes may call it at once (parallel test files): a lock directory makes
// them take turns, and the new build is moved into place only once complete.
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const OUT = path.join(ROOT, 'dist', 'web')
const STAMP = path.join(OUT, '.inputs-sha256')
const LOCK = path.join(ROOT, 'dist', '.web-build.lock')
const INPUTS = ['web', 'src/client', 'src/sdk', 'package-lock.json']
const STALE_LOCK_MS = 5 * 60 * 1000

async function filesUnder(relative) {
  const full = path.join(ROOT, relative)
  const info = await stat(full).catch(() => undefined)
  if (!info) return []
  if (info.isFile()) return [relative]
  const out = []
  for (const entry of await readdir(full, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue
    out.push(...(await filesUnder(path.join(relative, entry.name))))
  }
  return out
}

export async function inputsHash() {
  const hash = createHash('sha256')
  const files = (await Promise.all(INPUTS.map(filesUnder))).flat().sort()
  for (const file of files) {
    hash.update(`${file}\0`)
    hash.update(await readFile(path.join(ROOT, file)))
    hash.update('\0')
  }
  return hash.digest('hex')
}

async function upToDate(hash) {
  if (!existsSync(path.join(OUT, 'index.html'))) return false
  return (await readFile(STAMP, 'utf8').catch(() => '')) === hash
}

async function withLock(fn) {
  await mkdir(path.dirname(LOCK), { recursive: true })
  for (;;) {
    try {
      await mkdir(LOCK)
      break
    } catch (err) {
      if (err.code !== 'EEXIST') throw err
      const info = await stat(LOCK).catch(() => undefined)
      if (info && Date.now() - info.mtimeMs > STALE_LOCK_MS) await rm(LOCK, { recursive: true, force: true })
      else await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
  try {
    return await fn()
  } finally {
    await rm(LOCK, { recursive: true, force: true })
  }
}

/** Builds dist/web when needed; returns 'built', 'fresh' or 'unavailable' (no Vite installed). */
export async function buildWeb({ force = false, log = console.log } = {}) {
  const hash = await inputsHash()
  if (!force && (await upToDate(hash))) return 'fresh'
  return withLock(async () => {
    if (!force && (await upToDate(hash))) return 'fresh' // built by whoever held the lock
    let vite
    try {
      vite = await import('vite')
    } catch {
      log('dashboard: Vite is not installed (npm install --omit=dev?), so web/ cannot be built into dist/web/')
      return 'unavailable'
    }
    const started = Date.now()
    const tmp = path.join(ROOT, 'dist', `.web-build-${process.pid}`)
    await rm(tmp, { recursive: true, force: true })
    await vite.build({
      configFile: path.join(ROOT, 'web', 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: tmp, emptyOutDir: true },
    })
    await writeFile(path.join(tmp, '.inputs-sha256'), hash)
    // Swap the complete build in: a server reading dist/web never sees half of one.
    const old = path.join(ROOT, 'dist', `.web-old-${process.pid}`)
    if (existsSync(OUT)) await rename(OUT, old)
    await rename(tmp, OUT)
    await rm(old, { recursive: true, force: true })
    log(`dashboard: built web/ into dist/web/ in ${Date.now() - started} ms`)
    return 'built'
  })
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildWeb({ force: process.argv.includes('--force') }).then(
    () => {},
    (err) => {
      console.error(`dashboard: the build failed: ${err instanceof Error ? err.message : String(err)}`)
      process.exit(1)
    },
  )
}
