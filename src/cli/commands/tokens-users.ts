/**
 * `outpost tokens create|list|remove` and `outpost users create|list`, after
 * coder/coder:cli/tokens.go, usercreate.go and userlist.go.
 */
import { randomInt } from 'node:crypto'
import type { APIKey, User } from '../../client/index.js'
import type { Context } from '../context.js'
import { parseGoDuration } from '../duration.js'
import { CliError, isStatus, step } from '../errors.js'
import { currentOrganization } from '../organizations.js'
import { formatJson, formatTable, parseColumns, parseFormat, rfc3339, type TableSpec } from '../output.js'
import { nameProblem } from '../workspace-names.js'

// tokens

export async function createToken(ctx: Context, opts: { name?: string; lifetime: string; user?: string }): Promise<void> {
  let lifetime: number
  try {
    lifetime = parseGoDuration(opts.lifetime)
  } catch (err) {
    throw new CliError(`invalid argument ${JSON.stringify(opts.lifetime)} for "--lifetime" flag: ${(err as Error).message}`)
  }
  const client = await ctx.client()
  const res = await step('create tokens', () =>
    client.createToken(opts.user || 'me', { ...(opts.name ? { token_name: opts.name } : {}), lifetime }),
  )
  ctx.out(`${res.key}\n`)
}

const TOKEN_TABLE: TableSpec<APIKey> = {
  columns: {
    id: (k) => k.id,
    name: (k) => k.token_name,
    'last used': (k) => rfc3339(k.last_used),
    'expires at': (k) => rfc3339(k.expires_at),
    'created at': (k) => rfc3339(k.created_at),
    owner: (k) => k.username,
  },
  defaults: ['id', 'name', 'last used', 'expires at', 'created at'],
  sort: 'id',
}

export async function listTokens(ctx: Context, opts: { all?: boolean; output?: string; column?: string[] }): Promise<void> {
  const format = parseFormat(opts.output, ['table', 'json'] as const)
  const columns = parseColumns(opts.column, Object.keys(TOKEN_TABLE.columns)) ?? [
    ...TOKEN_TABLE.defaults,
    ...(opts.all ? ['owner'] : []),
  ]
  const client = await ctx.client()
  const tokens = await step('list tokens', () => client.tokens('me', { includeAll: opts.all === true }))
  if (format === 'json') {
    ctx.out(`${formatJson(tokens)}\n`)
    return
  }
  if (tokens.length === 0) {
    ctx.out('No tokens found.\n')
    return
  }
  ctx.out(`${formatTable(TOKEN_TABLE, tokens, columns)}\n`)
}

/** Removes a token by name, or by ID when no token has that name. */
export async function removeToken(ctx: Context, nameOrId: string): Promise<void> {
  const client = await ctx.client()
  let token: APIKey
  try {
    token = await client.apiKeyByName('me', nameOrId)
  } catch (err) {
    if (!isStatus(err, 404)) throw new CliError(`fetch api key by name ${nameOrId}: ${(err as Error).message}`)
    token = await step(`fetch api key by name or id ${nameOrId}`, () => client.apiKeyById('me', nameOrId))
  }
  await step('delete api key', () => client.deleteAPIKey('me', token.id))
  ctx.out('Token has been deleted.\n')
}

// users

const HUMAN = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'
const randomPassword = () => Array.from({ length: 20 }, () => HUMAN[randomInt(HUMAN.length)]).join('')

export interface UserCreateOptions {
  email?: string
  username?: string
  fullName?: string
  password?: string
  loginType?: string
  org?: string
}

export async function createUser(ctx: Context, opts: UserCreateOptions): Promise<void> {
  const { prompter, styles } = ctx
  if (opts.username) {
    const problem = nameProblem(opts.username)
    if (problem) throw new CliError(`username ${JSON.stringify(opts.username)} is invalid: ${problem}`)
  }
  const loginType = opts.loginType || 'password'
  if (loginType !== 'password' && loginType !== 'none') {
    throw new CliError(`login type ${JSON.stringify(loginType)} is not supported by Outpost: use password or none`)
  }
  const client = await ctx.client()
  const organization = await currentOrganization(client, opts.org)
  const askName = !opts.username && !opts.email
  const username =
    opts.username ||
    (await prompter.ask('Username:', {
      validate: (u) => {
        const problem = nameProblem(u)
        return problem ? `username ${JSON.stringify(u)} is invalid: ${problem}` : undefined
      },
    }))
  const email =
    opts.email ||
    (await prompter.ask('Email:', {
      validate: (s) => (/^[^\s@]+@[^\s@]+$/.test(s) ? undefined : "That's not a valid email address!"),
    }))
  const name = opts.fullName || (askName ? await prompter.ask('Full name (optional):', { default: '', showDefault: false }) : '')
  const password = loginType === 'password' ? opts.password || randomPassword() : ''
  await client.createUser({
    email,
    username,
    ...(name ? { name } : {}),
    ...(password ? { password } : {}),
    login_type: loginType,
    organization_ids: [organization.id],
  })
  const authentication =
    loginType === 'password'
      ? `Your password is: ${styles.field(password)}`
      : 'Login has been disabled for this user. Contact your administrator to authenticate.'
  const url = client.url.toString().replace(/\/$/, '')
  ctx.err(
    [
      'A new user has been created!',
      'Share the instructions below to get them started.',
      styles.placeholder('—————————————————————————————————————————————————'),
      'Get the Outpost command line: npm install in a clone of Outpost, then npx outpost',
      `Run ${styles.code(`outpost login ${url}`)} to authenticate.`,
      `Your email is: ${styles.field(email)}`,
      authentication,
      `Create a workspace  ${styles.code('outpost external-workspaces create')}!`,
      '',
    ].join('\n'),
  )
}

const USER_TABLE: TableSpec<User> = {
  columns: {
    id: (u) => u.id,
    username: (u) => u.username,
    name: (u) => u.name,
    email: (u) => u.email,
    'created at': (u) => rfc3339(u.created_at),
    'updated at': (u) => rfc3339(u.updated_at),
    'last seen at': (u) => rfc3339(u.last_seen_at),
    status: (u) => u.status,
    'login type': (u) => u.login_type,
    'organization ids': (u) => `[${u.organization_ids.join(', ')}]`,
    roles: (u) => `[${u.roles.map((r) => r.name).join(', ')}]`,
  },
  defaults: ['username', 'email', 'created at', 'status'],
  sort: 'username',
}

export async function listUsers(ctx: Context, opts: { output?: string; column?: string[] }): Promise<void> {
  const format = parseFormat(opts.output, ['table', 'json'] as const)
  const columns = parseColumns(opts.column, Object.keys(USER_TABLE.columns))
  const client = await ctx.client()
  const { users } = await client.users()
  ctx.out(`${format === 'json' ? formatJson(users) : formatTable(USER_TABLE, users, columns)}\n`)
}
