/**
 * Accounts with the real `outpost` command: login's prompts (first user, then email and
 * password), the refusal to create the first user without a terminal, `tokens
 * create|list|remove` and `users create|list`, with their tables and JSON.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { auth, STRONG_PASSWORD } from '../helpers/fixtures.js'
import { cliHome, startServer } from './run.js'

/** cliui.Table: upper-case header, every cell left-aligned and followed by two spaces. */
function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0) + '  ').join('')
  return [line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].join('\n') + '\n'
}

const rfc3339 = (iso: string) => new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z')

t.test('outpost: login prompts, tokens and users', async (t) => {
  const server = await startServer(t)
  const cli = await cliHome(t)
  const other = await cliHome(t)

  // No terminal and no first-user flags: refused, nothing created.
  const refused = await cli.run(['login', server.url])
  t.equal(refused.code, 1)
  t.match(refused.stderr, /^error: the initial user cannot be created in non-interactive mode\. use the API/)
  t.equal((await server.app.inject({ url: '/api/v2/users/first' })).statusCode, 404, 'still no first user')

  // --force-tty: the prompts read their answers from stdin.
  const answers = ['yes', 'admin', 'Ada Admin', 'admin@example.com', STRONG_PASSWORD, 'not the same', STRONG_PASSWORD, STRONG_PASSWORD]
  const first = await cli.run(['login', server.url, '--force-tty'], { input: `${answers.join('\n')}\n` })
  t.equal(first.code, 0, `login exits 0 (stderr: ${first.stderr})`)
  t.match(first.stdout, /^> Your Outpost deployment hasn't been set up!\n> Would you like to create the first user\? \(yes\/no\) /)
  t.match(first.stdout, /Passwords do not match\n/, 'a mismatched confirmation asks again')
  t.match(first.stdout, /Welcome to Outpost, admin! You're authenticated\.\n/)
  const config = JSON.parse(await readFile(path.join(cli.configDir, 'config.json'), 'utf8'))
  const me = (await server.app.inject({ url: '/api/v2/users/me', headers: auth(config.session_token) })).json()
  t.match(me, { username: 'admin', name: 'Ada Admin', email: 'admin@example.com' }, 'the first user from the answers')

  // Logging in later without --token asks for the email and password.
  const second = await other.run(['login', server.url, '--force-tty'], { input: `admin@example.com\n${STRONG_PASSWORD}\n` })
  t.equal(second.code, 0, second.stderr)
  t.equal(second.stdout, "> What's your email? > Password: \n> Welcome to Outpost, admin! You're authenticated.\n")
  const withoutToken = await other.run(['login', server.url])
  t.equal(withoutToken.code, 1, 'no token and no terminal')
  t.match(withoutToken.stderr, /^error: a session token is needed: pass --token or set OUTPOST_SESSION_TOKEN/)

  // tokens create (Coder's --lifetime as a Go duration), list, remove.
  const created = await cli.run(['tokens', 'create', '--name', 'ci', '--lifetime', '720h'])
  t.equal(created.code, 0, created.stderr)
  t.match(created.stdout, /^[0-9a-zA-Z]{10}-[0-9a-zA-Z]{22}\n$/, 'prints the key')
  const key = created.stdout.trim()
  t.equal((await server.app.inject({ url: '/api/v2/users/me', headers: auth(key) })).statusCode, 200, 'the key works')
  const keyInfo = (await server.app.inject({ url: '/api/v2/users/me/keys/tokens/ci', headers: auth(config.session_token) })).json()
  t.equal(keyInfo.id, key.split('-')[0])
  t.equal(keyInfo.lifetime_seconds, 720 * 3600, '720h')
  const [list, listJson, badLifetime] = await Promise.all([
    cli.run(['tokens', 'list']),
    cli.run(['tokens', 'ls', '-o', 'json']),
    cli.run(['tokens', 'create', '--name', 'x', '--lifetime', 'forever']),
  ])
  t.equal(
    list.stdout,
    table(
      ['id', 'name', 'last used', 'expires at', 'created at'],
      [[keyInfo.id, 'ci', rfc3339(keyInfo.last_used), rfc3339(keyInfo.expires_at), rfc3339(keyInfo.created_at)]],
    ),
  )
  t.strictSame(JSON.parse(listJson.stdout), [keyInfo], 'JSON: the APIKey objects')
  t.equal(badLifetime.code, 1)
  t.equal(badLifetime.stderr, 'error: invalid argument "forever" for "--lifetime" flag: time: invalid duration "forever"\n')
  const removed = await cli.run(['tokens', 'remove', 'ci'])
  t.equal(removed.stdout, 'Token has been deleted.\n')
  t.equal((await server.app.inject({ url: '/api/v2/users/me', headers: auth(key) })).statusCode, 401, 'the key is revoked')
  const none = await cli.run(['tokens', 'list'])
  t.equal(none.stdout, 'No tokens found.\n')

  // users create (a generated password) and list.
  const user = await cli.run(['users', 'create', '--username', 'bob', '--email', 'bob@example.com', '--full-name', 'Bob'])
  t.equal(user.code, 0, user.stderr)
  t.equal(user.stdout, '')
  const password = /\nYour password is: (\S+)\n/.exec(user.stderr)?.[1] ?? ''
  t.match(user.stderr, /^A new user has been created!\nShare the instructions below to get them started\.\n/)
  t.ok(user.stderr.includes(`Run outpost login ${server.url} to authenticate.\nYour email is: bob@example.com\n`))
  const bobLogin = await server.app.inject({
    method: 'POST',
    url: '/api/v2/users/login',
    payload: { email: 'bob@example.com', password },
  })
  t.equal(bobLogin.statusCode, 201, 'bob logs in with the printed password')
  const users = (await server.app.inject({ url: '/api/v2/users', headers: auth(config.session_token) })).json().users
  const [usersTable, usersJson, usersColumns] = await Promise.all([
    cli.run(['users', 'list']),
    cli.run(['users', 'list', '-o', 'json']),
    cli.run(['users', 'ls', '-c', 'username,login type']),
  ])
  const byName = [...users].sort((a: { username: string }, b: { username: string }) => (a.username < b.username ? -1 : 1))
  t.equal(
    usersTable.stdout,
    table(
      ['username', 'email', 'created at', 'status'],
      byName.map((u: { username: string; email: string; created_at: string; status: string }) => [
        u.username,
        u.email,
        rfc3339(u.created_at),
        u.status,
      ]),
    ),
  )
  t.strictSame(
    JSON.parse(usersJson.stdout).map((u: { id: string }) => u.id).sort(),
    users.map((u: { id: string }) => u.id).sort(),
    'JSON: the User objects',
  )
  t.equal(usersColumns.stdout, table(['username', 'login type'], [['admin', 'password'], ['bob', 'password']]))
})
