/**
 * Where the CLI keeps the deployment URL and session token between runs, and which
 * URL and token a command uses.
 *
 * The file is `$OUTPOST_CONFIG_DIR/config.json` when that is set, otherwise
 * `$XDG_CONFIG_HOME/outpost/config.json`, otherwise `~/.config/outpost/config.json`.
 * It holds a credential, so the directory is created 0700 and the file written 0600.
 *
 * Precedence, for the URL and the token separately: the `--url`/`--token` flags, then
 * `OUTPOST_URL`/`OUTPOST_SESSION_TOKEN`, then Coder's `CODER_URL`/`CODER_SESSION_TOKEN`,
 * then the config file.
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import path from 'node:path'

export interface StoredConfig {
  url?: string
  session_token?: string
}

export function configDir(env: NodeJS.ProcessEnv): string {
  if (env.OUTPOST_CONFIG_DIR) return path.resolve(env.OUTPOST_CONFIG_DIR)
  const base = env.XDG_CONFIG_HOME ? path.resolve(env.XDG_CONFIG_HOME) : path.join(homedir(), '.config')
  return path.join(base, 'outpost')
}

export function configPath(env: NodeJS.ProcessEnv): string {
  return path.join(configDir(env), 'config.json')
}

export async function readConfig(env: NodeJS.ProcessEnv): Promise<StoredConfig> {
  const file = configPath(env)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new Error(`read config ${file}: ${(err as Error).message}`)
  }
  try {
    const parsed = JSON.parse(text) as unknown
    if (!parsed || typeof parsed !== 'object') return {}
    const { url, session_token } = parsed as Record<string, unknown>
    return {
      ...(typeof url === 'string' && url ? { url } : {}),
      ...(typeof session_token === 'string' && session_token ? { session_token } : {}),
    }
  } catch {
    throw new Error(`config file ${file} is not valid JSON; fix it or run 'outpost login <url>' again`)
  }
}

/** Writes the config atomically: a 0600 temporary file renamed over the old one, in a 0700 directory. */
export async function writeConfig(env: NodeJS.ProcessEnv, config: StoredConfig): Promise<string> {
  const dir = configDir(env)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const file = path.join(dir, 'config.json')
  const temp = path.join(dir, `.config.json.${process.pid}.tmp`)
  await writeFile(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 })
  await chmod(temp, 0o600)
  await rename(temp, file)
  return file
}

export async function removeConfig(env: NodeJS.ProcessEnv): Promise<boolean> {
  const file = configPath(env)
  try {
    await rm(file)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
}

export interface Resolved {
  url: string | undefined
  token: string | undefined
  /** Where each value came from, for messages. */
  urlSource: 'flag' | 'OUTPOST_URL' | 'CODER_URL' | 'config' | undefined
  tokenSource: 'flag' | 'OUTPOST_SESSION_TOKEN' | 'CODER_SESSION_TOKEN' | 'config' | undefined
}

const nonEmpty = (s: string | undefined): s is string => typeof s === 'string' && s !== ''

/** The URL and token a command uses: flag > OUTPOST_* > CODER_* > config file. */
export function resolveCredentials(
  flags: { url?: string | undefined; token?: string | undefined },
  env: NodeJS.ProcessEnv,
  stored: StoredConfig,
): Resolved {
  const url: [string | undefined, Resolved['urlSource']] = nonEmpty(flags.url)
    ? [flags.url, 'flag']
    : nonEmpty(env.OUTPOST_URL)
      ? [env.OUTPOST_URL, 'OUTPOST_URL']
      : nonEmpty(env.CODER_URL)
        ? [env.CODER_URL, 'CODER_URL']
        : nonEmpty(stored.url)
          ? [stored.url, 'config']
          : [undefined, undefined]
  const token: [string | undefined, Resolved['tokenSource']] = nonEmpty(flags.token)
    ? [flags.token, 'flag']
    : nonEmpty(env.OUTPOST_SESSION_TOKEN)
      ? [env.OUTPOST_SESSION_TOKEN, 'OUTPOST_SESSION_TOKEN']
      : nonEmpty(env.CODER_SESSION_TOKEN)
        ? [env.CODER_SESSION_TOKEN, 'CODER_SESSION_TOKEN']
        : nonEmpty(stored.session_token)
          ? [stored.session_token, 'config']
          : [undefined, undefined]
  return { url: url[0], urlSource: url[1], token: token[0], tokenSource: token[1] }
}

/**
 * A deployment URL as typed by a user, made absolute as Coder's `login` does: no
 * scheme means https (http for localhost and loopback addresses); a trailing slash is
 * dropped.
 */
export function normalizeUrl(raw: string): string {
  let value = raw.trim()
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    const local = /^(localhost|127\.|\[::1\])/i.test(value)
    value = `${local ? 'http' : 'https'}://${value}`
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new Error(`parse url ${JSON.stringify(raw)}: not a valid URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`parse url ${JSON.stringify(raw)}: the scheme must be http or https`)
  }
  if (!url.hostname) throw new Error(`parse url ${JSON.stringify(raw)}: no host`)
  url.search = ''
  url.hash = ''
  return url.toString().replace(/\/+$/, '')
}
