import { readFileSync } from 'node:fs'
import { OutpostClient } from '../client/index.js'
import { normalizeUrl, readConfig, resolveCredentials, type Resolved } from './config.js'
import { CliError, NOT_LOGGED_IN } from './errors.js'
import { createStyles, wantsColor, type Styles } from './output.js'
import { Prompter } from './prompt.js'

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version

export interface Io {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean }
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
  env: NodeJS.ProcessEnv
}

/** The options every command has (`--url`, `--token`, `--force-tty`). */
export interface GlobalOptions {
  url?: string
  token?: string
  forceTty?: boolean
}

/** What a command runs with: streams, environment, styles, prompts and the API client. */
export class Context {
  readonly styles: Styles
  readonly prompter: Prompter
  private resolved: Resolved | undefined

  constructor(
    readonly io: Io,
    readonly globals: GlobalOptions,
    /** The command's full name, e.g. `external-workspaces create`, for the User-Agent. */
    readonly commandName: string,
  ) {
    this.styles = createStyles(wantsColor(io.stdout, io.env))
    const interactive = globals.forceTty === true || (io.stdin.isTTY === true && io.stdout.isTTY === true)
    this.prompter = new Prompter(io, interactive, this.styles)
  }

  get env(): NodeJS.ProcessEnv {
    return this.io.env
  }

  /** Whether stdout is a terminal (progress and spinners only show there). */
  get tty(): boolean {
    return this.io.stdout.isTTY === true
  }

  out(text: string): void {
    this.io.stdout.write(text)
  }

  err(text: string): void {
    this.io.stderr.write(text)
  }

  /** The URL and token this command uses (flags > OUTPOST_* > CODER_* > config file). */
  async credentials(): Promise<Resolved> {
    this.resolved ??= resolveCredentials(this.globals, this.env, await readConfig(this.env))
    return this.resolved
  }

  clientFor(url: string, token?: string): OutpostClient {
    return new OutpostClient({
      url,
      token,
      headers: { 'User-Agent': `outpost-cli/${VERSION} (${process.platform}/${process.arch}; ${this.commandName})` },
      timeoutMs: 60_000,
    })
  }

  /** A client for the configured deployment and session; "not logged in" without them. */
  async client(): Promise<OutpostClient> {
    const { url, token } = await this.credentials()
    if (!url || !token) throw new CliError(NOT_LOGGED_IN)
    return this.clientFor(normalizeUrl(url), token)
  }
}

/** Collects a repeatable option's values (commander). */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value]
