/**
 * `outpost login`, `outpost logout` and `outpost whoami`, after coder/coder:cli/login.go,
 * logout.go and whoami.go.
 */
import { userInfo } from 'node:os'
import { OutpostApiError, OutpostConnectionError, type OutpostClient } from '../../client/index.js'
import { normalizeUrl, readConfig, removeConfig, writeConfig } from '../config.js'
import type { Context } from '../context.js'
import { CliError, LOGIN_HINT, step } from '../errors.js'
import { formatJson, formatTable, parseColumns, parseFormat, quote, type TableSpec } from '../output.js'

export interface LoginOptions {
  firstUserUsername?: string
  firstUserEmail?: string
  firstUserPassword?: string
  firstUserFullName?: string
  firstUserTrial?: boolean
  useTokenAsSession?: boolean
}

const EMAIL = /^[^\s@]+@[^\s@]+$/

export async function login(ctx: Context, rawUrl: string | undefined, opts: LoginOptions): Promise<void> {
  const { styles } = ctx
  const stored = await readConfig(ctx.env)
  const given = rawUrl ?? (await ctx.credentials()).url
  if (!given) throw new CliError("no deployment URL: run 'outpost login <url>'")
  const url = normalizeUrl(given)
  const client = ctx.clientFor(url)

  let hasFirstUser: boolean
  try {
    hasFirstUser = await client.hasFirstUser()
  } catch (err) {
    if (err instanceof OutpostConnectionError) {
      throw new CliError(
        `Failed to check server ${quote(url)} for first user, is the URL correct and is Outpost accessible from your browser? Error - has initial user: ${err.reason}`,
      )
    }
    throw err
  }

  if (!hasFirstUser) {
    ctx.out(`> Your Outpost deployment hasn't been set up!\n`)
    const created = await createFirstUser(ctx, client, opts)
    const { session_token } = await step('login with password', () =>
      client.loginWithPassword({ email: created.email, password: created.password }),
    )
    await writeConfig(ctx.env, { ...stored, url, session_token })
    ctx.out(`\nWelcome to Outpost, ${styles.keyword(created.username)}! You're authenticated.\n\n`)
    ctx.out(`Get started by creating a template: ${styles.code('outpost templates push <name> -d <directory>')}\n`)
    return
  }

  // The token comes from --token, OUTPOST_SESSION_TOKEN or CODER_SESSION_TOKEN; never from the file.
  const { token: resolvedToken, tokenSource } = await ctx.credentials()
  let token = tokenSource === 'config' ? undefined : resolvedToken
  if (!token) {
    if (!ctx.prompter.interactive) {
      throw new CliError(
        "a session token is needed: pass --token or set OUTPOST_SESSION_TOKEN (in a terminal, 'outpost login' asks for your email and password instead)",
      )
    }
    const email = await ctx.prompter.ask("What's your email?", {
      validate: (s) => (EMAIL.test(s) ? undefined : "That's not a valid email address!"),
    })
    const password = await ctx.prompter.ask('Password:', { secret: true, validate: notEmpty })
    token = (await step('login with password', () => client.loginWithPassword({ email, password }))).session_token
  }
  client.token = token
  const me = await step('get user', () => client.user('me'))
  await writeConfig(ctx.env, { ...stored, url, session_token: token })
  ctx.out(`> Welcome to Outpost, ${styles.keyword(me.username)}! You're authenticated.\n`)
}

const notEmpty = (s: string) => (s === '' ? 'Must be provided!' : undefined)

async function createFirstUser(
  ctx: Context,
  client: OutpostClient,
  opts: LoginOptions,
): Promise<{ username: string; email: string; password: string }> {
  const { prompter, styles } = ctx
  let username = opts.firstUserUsername ?? ''
  let email = opts.firstUserEmail ?? ''
  let password = opts.firstUserPassword ?? ''
  let name = opts.firstUserFullName ?? ''
  const complete = username !== '' && email !== '' && password !== ''
  if (!complete && !prompter.interactive) {
    throw new CliError(
      'the initial user cannot be created in non-interactive mode. use the API, or pass --first-user-username, --first-user-email and --first-user-password',
    )
  }
  if (username === '') {
    await prompter.confirm('Would you like to create the first user?', false, true)
    let fallback = 'admin'
    try {
      fallback = userInfo().username || fallback
    } catch {
      // no passwd entry: keep the fallback
    }
    username = await prompter.ask(`What ${styles.field('username')} would you like?`, { default: fallback })
    if (name === '') name = await prompter.ask(`(Optional) What is your ${styles.field('full name')}?`, { default: '', showDefault: false })
  }
  if (email === '') {
    email = await prompter.ask(`What's your ${styles.field('email')}?`, {
      validate: (s) => (EMAIL.test(s) ? undefined : "That's not a valid email address!"),
    })
  }
  while (password === '') {
    const first = await prompter.ask(`Enter a ${styles.field('password')}:`, { secret: true, validate: notEmpty })
    const again = await prompter.ask(`Confirm ${styles.field('password')}:`, { secret: true })
    if (first === again) password = first
    else ctx.out(`${styles.error('Passwords do not match')}\n`)
  }
  await step('create initial user', () =>
    client.createFirstUser({ email, username, password, ...(name ? { name } : {}), trial: opts.firstUserTrial === true }),
  )
  return { username, email, password }
}

export async function logout(ctx: Context, opts: { yes?: boolean }): Promise<void> {
  const { url, token } = await ctx.credentials()
  if (!url || !token) throw new CliError(`You are not logged in. ${LOGIN_HINT}`)
  await ctx.prompter.confirm('Are you sure you want to log out?', opts.yes === true, true)
  let serverError: unknown
  try {
    await ctx.clientFor(normalizeUrl(url), token).logout()
  } catch (err) {
    // An already-expired session still logs out locally.
    if (!(err instanceof OutpostApiError && err.status === 401)) serverError = err
  }
  await removeConfig(ctx.env)
  if (serverError) throw new CliError(`the local session was removed, but the server did not end it: ${describe(serverError)}`)
  ctx.out(`You are no longer logged in. You can log in using 'outpost login <url>'.\n`)
}

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err))

interface WhoamiRow {
  url: string
  username: string
  user_id: string
  organization_ids: string[]
  roles: Record<string, string[]>
}

const WHOAMI_TABLE: TableSpec<WhoamiRow> = {
  columns: {
    url: (r) => r.url,
    username: (r) => r.username,
    id: (r) => r.user_id,
    orgs: (r) => r.organization_ids.join(','),
    roles: (r) =>
      Object.entries(r.roles)
        .flatMap(([org, names]) => names.map((n) => `${org}:${n}`))
        .join(','),
  },
  defaults: ['url', 'username', 'id'],
  sort: 'url',
}

export async function whoami(ctx: Context, opts: { output?: string; column?: string[] }): Promise<void> {
  const format = parseFormat(opts.output, ['text', 'json', 'table'] as const)
  const columns = parseColumns(opts.column, Object.keys(WHOAMI_TABLE.columns))
  const client = await ctx.client()
  const me = await client.user('me')
  const roles: Record<string, string[]> = {}
  for (const role of me.roles) {
    const org = role.organization_id || '*'
    ;(roles[org] ??= []).push(role.display_name)
  }
  const row: WhoamiRow = {
    url: client.url.toString().replace(/\/$/, ''),
    username: me.username,
    user_id: me.id,
    organization_ids: me.organization_ids,
    roles,
  }
  if (format === 'json') ctx.out(`${formatJson([row])}\n`)
  else if (format === 'table') ctx.out(`${formatTable(WHOAMI_TABLE, [row], columns)}\n`)
  else {
    ctx.out(
      `Outpost is running at ${ctx.styles.keyword(row.url)}, You're authenticated as ${ctx.styles.keyword(row.username)} !\n`,
    )
  }
}
