import { createHash } from 'node:crypto'
import { statSync, watch, type FSWatcher, type Stats } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { SUPPORTED_PLATFORMS, type Platform } from './platforms.js'

/** The file name Coder gives the agent binary of a platform: `coder-linux-amd64`, `coder-windows-arm64.exe`. */
export function agentBinaryName(os: string, arch: string): string {
  return `coder-${os}-${arch}${os === 'windows' ? '.exe' : ''}`
}

const PLATFORM_BY_NAME = new Map<string, Platform>(SUPPORTED_PLATFORMS.map((p) => [agentBinaryName(p.os, p.arch), p]))

/** The platform a binary file name stands for, for exactly the supported names. */
export function platformOfBinaryName(name: string): Platform | undefined {
  return PLATFORM_BY_NAME.get(name)
}

export const AGENT_BINARY_NAMES: readonly string[] = [...PLATFORM_BY_NAME.keys()]

/** What a binary's checksum is known for: a different size, mtime or inode means a different file. */
interface Fingerprint {
  dev: number
  ino: number
  size: number
  mtimeMs: number
  ctimeMs: number
}

function fingerprintOf(stats: Stats): Fingerprint {
  return { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs }
}

function sameFile(a: Fingerprint, b: Fingerprint): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs
}

interface Known {
  fingerprint: Fingerprint
  sha256: string
}

/** A binary opened for serving: its handle, and the checksum of exactly the bytes behind it. */
export interface OpenBinary {
  name: string
  path: string
  handle: FileHandle
  size: number
  mtime: Date
  sha256: string
}

export interface BinaryChange {
  os: string
  arch: string
  name: string
  /** Absent: the file is gone (or unreadable). */
  sha256: string | undefined
}

export interface AgentBinaries {
  readonly dir: string
  /** Where the binary of a platform is expected. */
  pathOf(os: string, arch: string): string
  /** The last known SHA-256 (hex) of a platform's binary; undefined when it is not installed. */
  checksum(os: string, arch: string): string | undefined
  /** The file names of the platforms without a binary, as last seen. */
  missing(): string[]
  /**
   * A cheap `stat` of one binary; hashes it again only when its size, mtime or inode
   * changed since the last hash. Returns the current SHA-256, or undefined when missing.
   */
  check(os: string, arch: string): Promise<string | undefined>
  /**
   * `check`, skipping the stat when one found the binary unchanged less than
   * `VERIFIED_FOR_MS` ago and the directory is watched: fs.watch forgets that verdict the
   * moment the file changes. For the init script, which every attaching machine fetches.
   */
  checkWatched(os: string, arch: string): Promise<string | undefined>
  /** Opens a binary for streaming (the caller closes `handle`); undefined when missing. */
  open(os: string, arch: string): Promise<OpenBinary | undefined>
  /** `check` for every platform. */
  refresh(): Promise<void>
  /** Called whenever a platform's checksum changes (installed, replaced or removed). */
  onChange(listener: (change: BinaryChange) => void): () => void
  close(): void
}

export interface AgentBinaryOptions {
  /** Watch the directory with fs.watch (the stats of `check` catch what it misses). Default true. */
  watch?: boolean
  /** Told about unexpected errors (a directory that cannot be watched is not one). */
  onError?: (err: unknown) => void
  /** Told each time a file is hashed: at start, and after a change only. */
  onHashed?: (hashed: { name: string; sha256: string; size: number }) => void
}

const WATCH_DEBOUNCE_MS = 50
/** How long a stat's "unchanged" holds while fs.watch watches (a safety net if an event is missed). */
export const VERIFIED_FOR_MS = 1000

async function sha256Of(handle: FileHandle): Promise<string> {
  const hash = createHash('sha256')
  // Streamed from the open handle, so a large binary is never held in memory and a file
  // renamed over this one meanwhile does not mix two files' bytes.
  for await (const chunk of handle.createReadStream({ start: 0, autoClose: false, highWaterMark: 1024 * 1024 })) {
    hash.update(chunk as Buffer)
  }
  return hash.digest('hex')
}

/** Not there at all; anything else (permissions, I/O) is also "not installed", but worth a log line. */
function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return code === 'ENOENT' || code === 'ENOTDIR'
}

/**
 * The Coder agent binaries an operator put in `dir`, with their SHA-256 computed once at
 * start and again only when a file changes (seen by fs.watch, or by the size/mtime/inode
 * comparison each `check` and `open` makes).
 */
export async function createAgentBinaries(dir: string, options: AgentBinaryOptions = {}): Promise<AgentBinaries> {
  const known = new Map<string, Known>()
  const hashing = new Map<string, Promise<string>>()
  const listeners = new Set<(change: BinaryChange) => void>()
  /** When `check` last saw each file (by name) as it is recorded; cleared by the watch. */
  const verifiedAt = new Map<string, number>()
  const onError = options.onError ?? (() => {})
  let watcher: FSWatcher | undefined
  let debounce: NodeJS.Timeout | undefined
  let closed = false

  const pathOf = (os: string, arch: string) => path.join(dir, agentBinaryName(os, arch))

  function record(os: string, arch: string, next: Known | undefined): void {
    const name = agentBinaryName(os, arch)
    const previous = known.get(name)
    verifiedAt.set(name, Date.now())
    if (next) known.set(name, next)
    else known.delete(name)
    if (previous?.sha256 === next?.sha256) return
    for (const listener of listeners) {
      try {
        listener({ os, arch, name, sha256: next?.sha256 })
      } catch (err) {
        onError(err)
      }
    }
  }

  /** The checksum of the file behind `handle`, from the cache when it is the same file. */
  async function checksumOf(os: string, arch: string, handle: FileHandle, stats: Stats): Promise<string> {
    const name = agentBinaryName(os, arch)
    let fingerprint = fingerprintOf(stats)
    const cached = known.get(name)
    if (cached && sameFile(cached.fingerprint, fingerprint)) return cached.sha256
    const key = `${name}:${JSON.stringify(fingerprint)}`
    let pending = hashing.get(key)
    if (!pending) {
      pending = (async () => {
        // A file still being written changes under the hash: hash until it holds still.
        for (let attempt = 0; ; attempt++) {
          const sha256 = await sha256Of(handle)
          const after = fingerprintOf(await handle.stat())
          if (sameFile(after, fingerprint) || attempt >= 2) {
            fingerprint = after
            options.onHashed?.({ name, sha256, size: after.size })
            record(os, arch, { fingerprint, sha256 })
            return sha256
          }
          fingerprint = after
        }
      })().finally(() => hashing.delete(key))
      hashing.set(key, pending)
    }
    return pending
  }

  async function openBinary(os: string, arch: string): Promise<OpenBinary | undefined> {
    const file = pathOf(os, arch)
    let handle: FileHandle
    try {
      handle = await open(file, 'r')
    } catch (err) {
      if (!isMissing(err)) onError(err)
      record(os, arch, undefined)
      return undefined
    }
    try {
      const stats = await handle.stat()
      if (!stats.isFile()) {
        await handle.close()
        record(os, arch, undefined)
        return undefined
      }
      const sha256 = await checksumOf(os, arch, handle, stats)
      return { name: agentBinaryName(os, arch), path: file, handle, size: stats.size, mtime: stats.mtime, sha256 }
    } catch (err) {
      await handle.close().catch(() => {})
      if (!isMissing(err)) onError(err)
      record(os, arch, undefined)
      return undefined
    }
  }

  async function check(os: string, arch: string): Promise<string | undefined> {
    // The common case (every init-script request): the same file as when it was hashed,
    // seen by one synchronous stat, a few microseconds on a local directory, where an async
    // one costs a thread-pool round trip that dominated the request. Anything else (changed,
    // gone, an error) takes the full path below, which opens, hashes and records.
    const cached = known.get(agentBinaryName(os, arch))
    if (cached) {
      let stats: Stats | undefined
      try {
        stats = statSync(pathOf(os, arch), { throwIfNoEntry: false })
      } catch {
        stats = undefined
      }
      if (stats?.isFile() && sameFile(cached.fingerprint, fingerprintOf(stats))) {
        verifiedAt.set(agentBinaryName(os, arch), Date.now())
        return cached.sha256
      }
    }
    const opened = await openBinary(os, arch)
    if (!opened) return undefined
    await opened.handle.close()
    return opened.sha256
  }

  async function checkWatched(os: string, arch: string): Promise<string | undefined> {
    const name = agentBinaryName(os, arch)
    const at = verifiedAt.get(name)
    if (watcher && at !== undefined && Date.now() - at < VERIFIED_FOR_MS) return known.get(name)?.sha256
    return check(os, arch)
  }

  async function refresh(): Promise<void> {
    if (!watcher && options.watch !== false && !closed) startWatching()
    await Promise.all(SUPPORTED_PLATFORMS.map((p) => check(p.os, p.arch)))
  }

  function startWatching(): void {
    try {
      watcher = watch(dir, { persistent: false }, (_event, filename) => {
        // At once, before the debounced refresh: the next checkWatched stats again.
        if (filename) verifiedAt.delete(String(filename))
        else verifiedAt.clear()
        if (debounce) clearTimeout(debounce)
        debounce = setTimeout(() => {
          debounce = undefined
          if (!closed) refresh().catch(onError)
        }, WATCH_DEBOUNCE_MS)
        debounce.unref()
      })
      watcher.on('error', () => {
        // The directory went away: stop watching; the next refresh watches it again.
        verifiedAt.clear()
        watcher?.close()
        watcher = undefined
      })
    } catch {
      // No directory yet (or no inotify): checkWatched then stats on every call, as check does.
      watcher = undefined
    }
  }

  await refresh()

  return {
    dir,
    pathOf,
    checksum: (os, arch) => known.get(agentBinaryName(os, arch))?.sha256,
    missing: () => AGENT_BINARY_NAMES.filter((name) => !known.has(name)),
    check,
    checkWatched,
    open: openBinary,
    refresh,
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    close() {
      closed = true
      if (debounce) clearTimeout(debounce)
      watcher?.close()
      watcher = undefined
      listeners.clear()
    },
  }
}
