/**
 * Where the CLI's URL and token come from, run as a child process: the `--url`/`--token`
 * flags over OUTPOST_URL/OUTPOST_SESSION_TOKEN over Coder's CODER_URL/CODER_SESSION_TOKEN
 * over the config file; and the config file itself (OUTPOST_CONFIG_DIR, then
 * $XDG_CONFIG_HOME/outpost, then ~/.config/outpost), written 0600 in a 0700 directory.
 */
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { createMember, createOwner } from '../helpers/fixtures.js'
import { cliHome, startServer } from './run.js'

t.test('outpost: the URL and token precedence, and the config file', async (t) => {
  const server = await startServer(t)
  const owner = await createOwner(server.app, { username: 'fromfile' })
  const [coder, outpost, flag] = await Promise.all(
    ['fromcoder', 'fromoutpost', 'fromflag'].map((username) => createMember(server.app, owner, { username })),
  )
  const cli = await cliHome(t)
  // Two spellings of the same server, so the URL that won shows in `whoami`.
  const ip = server.url
  const localhost = `http://localhost:${server.port}`

  await mkdir(cli.configDir, { recursive: true })
  await writeFile(path.join(cli.configDir, 'config.json'), JSON.stringify({ url: ip, session_token: owner.token }))
  const coderEnv = { CODER_URL: localhost, CODER_SESSION_TOKEN: coder?.token }
  const outpostEnv = { ...coderEnv, OUTPOST_URL: ip, OUTPOST_SESSION_TOKEN: outpost?.token }
  const whoami = ['whoami', '-o', 'json']
  const [fromFile, fromCoder, fromOutpost, fromFlags] = await Promise.all([
    cli.run(whoami),
    cli.run(whoami, { env: coderEnv }),
    cli.run(whoami, { env: outpostEnv }),
    cli.run([...whoami, '--url', localhost, '--token', flag?.token ?? ''], { env: outpostEnv }),
  ])
  const who = (res: { code: number | null; stdout: string; stderr: string }) => {
    t.equal(res.code, 0, `whoami exits 0 (stderr: ${res.stderr})`)
    const [row] = JSON.parse(res.stdout)
    return { url: row.url, username: row.username }
  }
  t.strictSame(who(fromFile), { url: ip, username: 'fromfile' }, 'the config file alone')
  t.strictSame(who(fromCoder), { url: localhost, username: 'fromcoder' }, 'CODER_* over the config file')
  t.strictSame(who(fromOutpost), { url: ip, username: 'fromoutpost' }, 'OUTPOST_* over CODER_*')
  t.strictSame(who(fromFlags), { url: localhost, username: 'fromflag' }, '--url/--token over OUTPOST_*')

  // login --token stores the URL and token; an existing file keeps no looser mode.
  const file = path.join(cli.configDir, 'config.json')
  await chmod(file, 0o644)
  const login = await cli.run(['login', `127.0.0.1:${server.port}`, '--token', flag?.token ?? ''])
  t.equal(login.code, 0, `login --token exits 0 (stderr: ${login.stderr})`)
  t.equal(login.stdout, "> Welcome to Outpost, fromflag! You're authenticated.\n")
  t.strictSame(JSON.parse(await readFile(file, 'utf8')), { url: ip, session_token: flag?.token }, 'a scheme-less loopback URL becomes http')
  t.equal((await stat(file)).mode & 0o777, 0o600, 'rewritten 0600')

  // Without OUTPOST_CONFIG_DIR: $XDG_CONFIG_HOME/outpost, then ~/.config/outpost.
  const xdg = path.join(cli.home, 'xdg')
  const [viaXdg, viaHome] = await Promise.all([
    cli.run(['login', ip, '--token', coder?.token ?? ''], { env: { OUTPOST_CONFIG_DIR: undefined, XDG_CONFIG_HOME: xdg } }),
    cli.run(['login', ip, '--token', outpost?.token ?? ''], { env: { OUTPOST_CONFIG_DIR: undefined } }),
  ])
  t.equal(viaXdg.code, 0, viaXdg.stderr)
  t.equal(viaHome.code, 0, viaHome.stderr)
  for (const [dir, token] of [
    [path.join(xdg, 'outpost'), coder?.token],
    [path.join(cli.home, '.config', 'outpost'), outpost?.token],
  ] as const) {
    const written = path.join(dir, 'config.json')
    t.strictSame(JSON.parse(await readFile(written, 'utf8')), { url: ip, session_token: token }, written)
    t.equal((await stat(written)).mode & 0o777, 0o600, `${written} is 0600`)
    t.equal((await stat(dir)).mode & 0o777, 0o700, `${dir} is 0700`)
  }

  // A bad token at login is refused and not stored.
  const refused = await cli.run(['login', ip, '--token', '0123456789-abcdefghijklmnopqrstuv'])
  t.equal(refused.code, 1)
  t.match(refused.stderr, /^error: get user: You are signed out or your session has expired/)
  t.strictSame(JSON.parse(await readFile(file, 'utf8')).session_token, flag?.token, 'the stored session is unchanged')
})
