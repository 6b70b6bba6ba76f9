/** The os/arch pairs an external agent may run on, as Coder supports them. */
export const SUPPORTED_PLATFORMS = [
  { os: 'linux', arch: 'amd64' },
  { os: 'linux', arch: 'arm64' },
  { os: 'linux', arch: 'armv7' },
  { os: 'darwin', arch: 'amd64' },
  { os: 'darwin', arch: 'arm64' },
  { os: 'windows', arch: 'amd64' },
  { os: 'windows', arch: 'arm64' },
] as const

export type Platform = (typeof SUPPORTED_PLATFORMS)[number]

export function isSupportedPlatform(os: string, arch: string): boolean {
  return SUPPORTED_PLATFORMS.some((p) => p.os === os && p.arch === arch)
}

export const SUPPORTED_PLATFORM_LIST = SUPPORTED_PLATFORMS.map((p) => `${p.os}/${p.arch}`).join(', ')
