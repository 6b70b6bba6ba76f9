import { createHash } from 'node:crypto'
import type { AgentBinaries } from '../agent-binaries.js'
import { agentBinaryName } from '../agent-binaries.js'
import { SUPPORTED_PLATFORMS, isSupportedPlatform } from '../platforms.js'
import { renderPosixScript, type ScriptValues } from './posix.js'
import { renderWindowsScript } from './windows.js'

export type { ScriptValues } from './posix.js'

/** The bootstrap script of one platform with these values. */
export function renderInitScript(values: ScriptValues): string {
  return values.os === 'windows' ? renderWindowsScript(values) : renderPosixScript(values)
}

/** A rendered script, with the validators the route sends. */
export interface InitScript {
  os: string
  arch: string
  body: string
  /** `body` encoded once, so serving it costs no per-request UTF-8 encoding. */
  bytes: Buffer
  /** The binary checksum pinned into it; undefined when the binary is not installed. */
  sha256: string | undefined
  /** RFC 9530: `sha-256=:<base64 of the SHA-256 of the body>:`. */
  contentDigest: string
  /** A strong validator: the hex SHA-256 of the body, quoted. */
  etag: string
}

export interface InitScripts {
  /** The current script of a supported platform (checks its binary first); undefined otherwise. */
  get(os: string, arch: string): Promise<InitScript | undefined>
  /** The script as last rendered, without looking at the binary. */
  current(os: string, arch: string): InitScript | undefined
  close(): void
}

function finish(os: string, arch: string, body: string, sha256: string | undefined): InitScript {
  const digest = createHash('sha256').update(body, 'utf8').digest()
  return {
    os,
    arch,
    body,
    bytes: Buffer.from(body, 'utf8'),
    sha256,
    contentDigest: `sha-256=:${digest.toString('base64')}:`,
    etag: `"${digest.toString('hex')}"`,
  }
}

/**
 * The 7 bootstrap scripts, rendered once at start with the access URL and the binaries'
 * checksums, and again for a platform whenever its binary's checksum changes.
 */
export function createInitScripts({ accessUrl, binaries }: { accessUrl: string; binaries: AgentBinaries }): InitScripts {
  const scripts = new Map<string, InitScript>()
  const key = (os: string, arch: string) => `${os}/${arch}`

  function render(os: string, arch: string, sha256: string | undefined): void {
    const body = renderInitScript({
      os,
      arch,
      accessUrl,
      binaryName: agentBinaryName(os, arch),
      binaryPath: binaries.pathOf(os, arch),
      sha256,
    })
    scripts.set(key(os, arch), finish(os, arch, body, sha256))
  }

  for (const { os, arch } of SUPPORTED_PLATFORMS) render(os, arch, binaries.checksum(os, arch))
  const unsubscribe = binaries.onChange((change) => render(change.os, change.arch, change.sha256))

  return {
    async get(os, arch) {
      if (!isSupportedPlatform(os, arch)) return undefined
      // A binary replaced since the last render re-renders (through onChange) before this
      // answers: seen by a stat, or sooner by the directory watch.
      await binaries.checkWatched(os, arch)
      return scripts.get(key(os, arch))
    },
    current: (os, arch) => scripts.get(key(os, arch)),
    close: unsubscribe,
  }
}
