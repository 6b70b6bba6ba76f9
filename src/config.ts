import { isIP } from 'node:net'
import path from 'node:path'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export interface HttpAddress {
  host: string
  port: number
}

export interface Config {
  /** Where machines and clients reach Outpost, without a trailing slash. */
  accessUrl: string
  httpAddress: HttpAddress
  /** Absent: the embedded PGlite database in `dataDir`. */
  databaseUrl: string | undefined
  dataDir: string
  /** 32 bytes; absent only in embedded mode, where it is generated into `dataDir`. */
  secretKey: Buffer | undefined
  /** Keys that were OUTPOST_SECRET_KEY before: still read, and re-encrypted under the current one at start. */
  previousSecretKeys: Buffer[]
  logLevel: LogLevel
  skipMigrations: boolean
  /** Largest template upload (`POST /api/v2/files`) accepted, in bytes. */
  maxUploadBytes: number
  /** How often connected agents are pinged; an agent silent for twice this is disconnected. */
  agentPingIntervalMs: number
  /** Where the operator puts the Coder agent binaries served at `/bin/coder-<os>-<arch>`. */
  agentBinaryDir: string
  /** Failed authentications (401) per client address; undefined: no limit. */
  rateLimitAuthFailures: RateLimit | undefined
  /** Login attempts per account (email, case-insensitive); undefined: no limit. */
  rateLimitLogin: RateLimit | undefined
  /** Login attempts per client address; undefined: no limit. */
  rateLimitLoginIp: RateLimit | undefined
  /** Init-script and agent-binary requests per client address; undefined: no limit. */
  rateLimitDownloads: RateLimit | undefined
  /** Proxies (addresses or CIDR ranges) whose X-Forwarded-For gives the client address. */
  trustedProxies: string[]
}

/** At most `max` events per `windowMs`, counted in memory by each replica. */
export interface RateLimit {
  max: number
  windowMs: number
}

/** A configuration value that cannot be used; its message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

type Env = Record<string, string | undefined>

interface Variable<T> {
  name: string
  description: string
  default?: string
  parse: (raw: string) => T
}

function variable<T>(spec: Variable<T>): Variable<T> {
  return spec
}

function parseUrl(raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new Error(`must be an absolute http(s) URL, got "${raw}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`must use http or https, got "${url.protocol}"`)
  }
  if (url.search || url.hash) throw new Error('must not have a query or fragment')
  return url.toString().replace(/\/+$/, '')
}

function parseHttpAddress(raw: string): HttpAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(raw)
  if (!match) throw new Error(`must be host:port (for example 127.0.0.1:3000), got "${raw}"`)
  const port = Number(match[3])
  if (port > 65535) throw new Error(`port must be 0-65535, got ${port}`)
  const host = match[1] ?? match[2] ?? ''
  return { host: host === '' ? '0.0.0.0' : host, port }
}

function parseDatabaseUrl(raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new Error('must be a postgres:// or postgresql:// URL')
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error(`must be a postgres:// or postgresql:// URL, got "${url.protocol}//…"`)
  }
  return raw
}

function parseSecretKey(raw: string): Buffer {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(raw.trim())) throw new Error('must be base64')
  const key = Buffer.from(raw.trim(), 'base64')
  if (key.length !== 32) throw new Error(`must decode to 32 bytes, got ${key.length}`)
  return key
}

function parseLogLevel(raw: string): LogLevel {
  const level = raw.toLowerCase()
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new Error(`must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`)
  }
  return level as LogLevel
}

function parseByteSize(raw: string): number {
  const match = /^(\d+)\s*(b|kib|mib|gib)?$/i.exec(raw.trim())
  if (!match) throw new Error(`must be a size such as 10MiB or 1048576, got "${raw}"`)
  const unit = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 }[(match[2] ?? 'b').toLowerCase() as 'b']
  const bytes = Number(match[1]) * unit
  if (bytes < 1024 || bytes > 1024 ** 3) throw new Error(`must be between 1KiB and 1GiB, got "${raw}"`)
  return bytes
}

function parseDuration(raw: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(raw.trim())
  if (!match) throw new Error(`must be a duration such as 15s, 500ms or 1m, got "${raw}"`)
  const ms = Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as 'ms' | 's' | 'm']
  if (ms < 100 || ms > 600_000) throw new Error(`must be between 100ms and 10m, got "${raw}"`)
  return ms
}

const WINDOW_UNITS = { s: 1000, m: 60_000, h: 3_600_000 } as const

/** `<count>/<window>` such as `20/1m`, or `0` for no limit. */
function parseRateLimit(raw: string): RateLimit | undefined {
  const value = raw.trim()
  if (value === '0') return undefined
  const match = /^(\d+)\/(\d+)?(s|m|h)$/.exec(value)
  if (!match) throw new Error(`must be <count>/<window> such as 20/1m (s, m or h), or 0 for no limit, got "${raw}"`)
  const max = Number(match[1])
  const windowMs = Number(match[2] ?? 1) * WINDOW_UNITS[match[3] as keyof typeof WINDOW_UNITS]
  if (max < 1 || max > 1_000_000) throw new Error(`count must be between 1 and 1000000 (0 alone for no limit), got "${raw}"`)
  if (windowMs < 1000 || windowMs > 86_400_000) throw new Error(`window must be between 1s and 24h, got "${raw}"`)
  return { max, windowMs }
}

/** A comma-separated list of IP addresses and CIDR ranges. */
function parseProxyList(raw: string): string[] {
  const entries = raw.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '')
  for (const entry of entries) {
    const [address = '', prefix, ...rest] = entry.split('/')
    const family = isIP(address)
    const bits = family === 4 ? 32 : 128
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits)
    if (family === 0 || rest.length > 0 || !prefixOk) {
      throw new Error(`must be IP addresses or CIDR ranges separated by commas (10.0.0.0/8,::1), got "${entry}"`)
    }
  }
  return entries
}

function parseBoolean(raw: string): boolean {
  const value = raw.toLowerCase()
  if (['1', 'true', 'yes'].includes(value)) return true
  if (['0', 'false', 'no', ''].includes(value)) return false
  throw new Error(`must be true or false, got "${raw}"`)
}

/** Every environment variable Outpost reads. The README's configuration table mirrors this. */
export const VARIABLES = {
  accessUrl: variable({
    name: 'OUTPOST_ACCESS_URL',
    description: 'The URL machines and clients use to reach Outpost.',
    default: 'http://localhost:3000',
    parse: parseUrl,
  }),
  httpAddress: variable({
    name: 'OUTPOST_HTTP_ADDRESS',
    description: 'The address the HTTP server listens on.',
    default: '127.0.0.1:3000',
    parse: parseHttpAddress,
  }),
  databaseUrl: variable({
    name: 'DATABASE_URL',
    description: 'A Postgres connection URL. Unset: the embedded PGlite database.',
    parse: parseDatabaseUrl,
  }),
  dataDir: variable({
    name: 'OUTPOST_DATA_DIR',
    description: 'Embedded database files and generated secrets.',
    default: './.outpost',
    parse: (raw) => {
      if (raw.trim() === '') throw new Error('must not be empty')
      return path.resolve(raw)
    },
  }),
  secretKey: variable({
    name: 'OUTPOST_SECRET_KEY',
    description: '32 random bytes, base64, encrypting agent tokens at rest. Required with DATABASE_URL.',
    parse: parseSecretKey,
  }),
  previousSecretKeys: variable({
    name: 'OUTPOST_PREVIOUS_SECRET_KEYS',
    description:
      'When rotating OUTPOST_SECRET_KEY: the old key(s), comma-separated. Tokens under them stay readable and are re-encrypted under the new key at start.',
    parse: (raw) =>
      raw
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '')
        .map((part, i) => {
          try {
            return parseSecretKey(part)
          } catch (err) {
            throw new Error(`key ${i + 1}: ${(err as Error).message}`)
          }
        }),
  }),
  logLevel: variable({
    name: 'OUTPOST_LOG_LEVEL',
    description: `Log level: ${LOG_LEVELS.join(', ')}.`,
    default: 'info',
    parse: parseLogLevel,
  }),
  skipMigrations: variable({
    name: 'OUTPOST_SKIP_MIGRATIONS',
    description: 'Do not apply database migrations at start (apply them another way first).',
    default: 'false',
    parse: parseBoolean,
  }),
  maxUploadBytes: variable({
    name: 'OUTPOST_MAX_UPLOAD_BYTES',
    description: 'Largest template archive accepted by POST /api/v2/files (bytes, or KiB/MiB/GiB).',
    default: '10MiB',
    parse: parseByteSize,
  }),
  agentPingIntervalMs: variable({
    name: 'OUTPOST_AGENT_PING_INTERVAL',
    description: 'How often connected agents are pinged; silent for twice this means disconnected (Coder: 15s).',
    default: '15s',
    parse: parseDuration,
  }),
  agentBinaryDir: variable({
    name: 'OUTPOST_AGENT_BINARY_DIR',
    description:
      'Coder agent binaries served at /bin/coder-<os>-<arch> (coder-windows-<arch>.exe). Default: OUTPOST_DATA_DIR/bin.',
    parse: (raw) => {
      if (raw.trim() === '') throw new Error('must not be empty')
      return path.resolve(raw)
    },
  }),
  rateLimitAuthFailures: variable({
    name: 'OUTPOST_RATE_LIMIT_AUTH_FAILURES',
    description:
      'Failed authentications (401 from a session or agent token) per client address; past it, 429 until the window ends. 0: no limit.',
    default: '20/1m',
    parse: parseRateLimit,
  }),
  rateLimitLogin: variable({
    name: 'OUTPOST_RATE_LIMIT_LOGIN',
    description: 'Login attempts per account (email, any case). 0: no limit.',
    default: '10/1m',
    parse: parseRateLimit,
  }),
  rateLimitLoginIp: variable({
    name: 'OUTPOST_RATE_LIMIT_LOGIN_IP',
    description: 'Login attempts per client address. 0: no limit.',
    default: '60/1m',
    parse: parseRateLimit,
  }),
  rateLimitDownloads: variable({
    name: 'OUTPOST_RATE_LIMIT_DOWNLOADS',
    description: 'Init-script and agent-binary requests per client address. 0: no limit.',
    default: '600/1m',
    parse: parseRateLimit,
  }),
  trustedProxies: variable({
    name: 'OUTPOST_TRUSTED_PROXIES',
    description: 'Reverse proxies (IP addresses or CIDR ranges, comma-separated) whose X-Forwarded-For names the client.',
    default: '',
    parse: parseProxyList,
  }),
} as const

function read<T>(env: Env, spec: Variable<T>): T | undefined {
  const raw = env[spec.name] ?? spec.default
  if (raw === undefined || (raw === '' && spec.default === undefined)) return undefined
  try {
    return spec.parse(raw)
  } catch (err) {
    throw new ConfigError(`${spec.name}: ${(err as Error).message}`)
  }
}

/** Validates the environment once. Pure: it reads only `env` and touches no files. */
export function loadConfig(env: Env): Readonly<Config> {
  const dataDir = read(env, VARIABLES.dataDir)!
  const config: Config = {
    accessUrl: read(env, VARIABLES.accessUrl)!,
    httpAddress: read(env, VARIABLES.httpAddress)!,
    databaseUrl: read(env, VARIABLES.databaseUrl),
    dataDir,
    secretKey: read(env, VARIABLES.secretKey),
    previousSecretKeys: read(env, VARIABLES.previousSecretKeys) ?? [],
    logLevel: read(env, VARIABLES.logLevel)!,
    skipMigrations: read(env, VARIABLES.skipMigrations)!,
    maxUploadBytes: read(env, VARIABLES.maxUploadBytes)!,
    agentPingIntervalMs: read(env, VARIABLES.agentPingIntervalMs)!,
    agentBinaryDir: read(env, VARIABLES.agentBinaryDir) ?? path.join(dataDir, 'bin'),
    rateLimitAuthFailures: read(env, VARIABLES.rateLimitAuthFailures),
    rateLimitLogin: read(env, VARIABLES.rateLimitLogin),
    rateLimitLoginIp: read(env, VARIABLES.rateLimitLoginIp),
    rateLimitDownloads: read(env, VARIABLES.rateLimitDownloads),
    trustedProxies: read(env, VARIABLES.trustedProxies)!,
  }
  if (config.databaseUrl !== undefined && config.secretKey === undefined) {
    throw new ConfigError(
      'OUTPOST_SECRET_KEY: required when DATABASE_URL is set, so that every replica shares it ' +
        '(generate one with: openssl rand -base64 32)',
    )
  }
  return Object.freeze(config)
}
