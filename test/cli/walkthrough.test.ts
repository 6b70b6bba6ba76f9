/**
 * The README walk-through with the real `outpost` command against a listening server:
 * login (creating the first user), templates push, external-workspaces create, list,
 * agent-instructions (text and JSON), delete, logout. Outputs are compared with the
 * shapes Coder's CLI prints (coder/coder:enterprise/cli/externalworkspaces.go,
 * cli/list.go, cli/create.go, cli/delete.go, cli/templatepush.go, cli/cliui).
 */
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { auth, STRONG_PASSWORD } from '../helpers/fixtures.js'
import { EXAMPLE_TEMPLATE_DIR } from '../helpers/templates.js'
import { cliHome, startServer, STAMP } from './run.js'

const TEMPLATE = 'externally-managed-workspace'

/** cliui.Table: upper-case header, every cell left-aligned and followed by two spaces. */
function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => [...(r[i] ?? '')].length)))
  const line = (cells: string[]) => cells.map((c, i) => c + ' '.repeat((widths[i] ?? 0) - [...c].length) + '  ').join('')
  return [line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].join('\n') + '\n'
}

const lines = (s: string) => s.split('\n')

t.test('outpost: the README walk-through', async (t) => {
  const server = await startServer(t)
  const cli = await cliHome(t)
  const api = async (url: string, token: string) => {
    const res = await server.app.inject({ url, headers: auth(token) })
    t.equal(res.statusCode, 200, `GET ${url}`)
    return res.json()
  }

  // login <url> with the first-user flags creates the owner and stores the session.
  const login = await cli.run([
    'login',
    server.url,
    '--first-user-username',
    'admin',
    '--first-user-email',
    'admin@example.com',
    '--first-user-password',
    STRONG_PASSWORD,
  ])
  t.equal(login.code, 0, `login exits 0 (stderr: ${login.stderr})`)
  t.equal(
    login.stdout,
    "> Your Outpost deployment hasn't been set up!\n\nWelcome to Outpost, admin! You're authenticated.\n\n" +
      'Get started by creating a template: outpost templates push <name> -d <directory>\n',
  )
  t.equal(login.stderr, '')
  const configFile = path.join(cli.configDir, 'config.json')
  t.equal((await stat(configFile)).mode & 0o777, 0o600, 'the config file is 0600')
  t.equal((await stat(cli.configDir)).mode & 0o777, 0o700, 'its directory is 0700')
  const config = JSON.parse(await readFile(configFile, 'utf8'))
  t.equal(config.url, server.url)
  t.match(config.session_token, /^[0-9a-zA-Z]{10}-[0-9a-zA-Z]{22}$/, 'a session token')
  const token: string = config.session_token
  const me = await api('/api/v2/users/me', token)
  t.equal(me.username, 'admin', 'the stored session is the new owner')

  const whoami = await cli.run(['whoami', '-o', 'json'])
  t.equal(whoami.code, 0)
  t.strictSame(JSON.parse(whoami.stdout), [
    { url: server.url, username: 'admin', user_id: me.id, organization_ids: me.organization_ids, roles: { '*': ['Owner'] } },
  ])

  // templates push: upload, import (logs streamed), the preview, create the template.
  const push = await cli.run(['templates', 'push', TEMPLATE, '-d', path.relative(process.cwd(), EXAMPLE_TEMPLATE_DIR), '-y'])
  t.equal(push.code, 0, `push exits 0 (stderr: ${push.stderr})`)
  const [template] = await api(`/api/v2/templates?q=${encodeURIComponent(`exact_name:"${TEMPLATE}"`)}`, token)
  t.ok(template, 'the template exists')
  const version = await api(`/api/v2/templateversions/${template.active_version_id}`, token)
  t.equal(version.has_external_agent, true)
  t.equal(version.message, 'Uploaded from the CLI', "Coder's default version message")
  const pushLines = lines(push.stdout)
  t.equal(pushLines[0], '==> ⧗ Queued', 'the job starts Queued')
  t.match(pushLines[1], /^=== ✔ Queued \[\d+ms\]$/)
  t.ok(pushLines.includes('==> ⧗ Running'), 'then Running')
  t.ok(
    pushLines.some((l) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}Z Found coder_external_agent\.main for coder_agent\.main$/.test(l)),
    'the import log lines, with their timestamps',
  )
  t.notOk(pushLines.some((l) => l.startsWith('=== ✘')), 'no stage failed')
  const preview = (title: string) => [
    '┌───────────────────────────┐',
    `│ ${title.padEnd(25)} │`,
    '├───────────────────────────┤',
    '│ RESOURCE                  │',
    '├───────────────────────────┤',
    '│ coder_external_agent.main │',
    '│ └─ main (linux, amd64)    │',
    '└───────────────────────────┘',
  ].join('\n')
  t.ok(push.stdout.includes(`${preview('Template Preview')}\n`), 'the Template Preview table')
  t.match(
    push.stdout,
    new RegExp(
      `\\n\\nThe ${TEMPLATE} template has been created at ${STAMP}!\\nDevelopers can provision a workspace with this template using:\\n\\n` +
        `  outpost external-workspaces create --template="${TEMPLATE}" \\[workspace name\\]\\n\\nUpdated version ${version.name} at ${STAMP}!\\n$`,
    ),
    'the created message (wrapped at 80 columns) and the updated line',
  )

  // templates list, table and JSON (Coder's row type wraps each template in "Template").
  const list = await cli.run(['templates', 'list'])
  t.equal(list.code, 0)
  const updated = new Date(template.updated_at)
  const month = updated.toLocaleString('en-US', { month: 'long', timeZone: 'UTC' })
  t.equal(
    list.stdout,
    table(
      ['name', 'organization name', 'last updated', 'used by'],
      [[TEMPLATE, template.organization_name, `${month} ${updated.getUTCDate()}, ${updated.getUTCFullYear()}`, '0 developers']],
    ),
  )
  const listJson = await cli.run(['templates', 'list', '-o', 'json'])
  t.strictSame(JSON.parse(listJson.stdout), [{ Template: template }])

  // external-workspaces list with nothing yet: Coder's hint on stderr, exit 0; JSON `[]`.
  const [empty, emptyJson] = await Promise.all([
    cli.run(['external-workspaces', 'list']),
    cli.run(['external-workspaces', 'list', '-o', 'json']),
  ])
  t.equal(empty.code, 0, 'no workspaces is not an error')
  t.equal(empty.stdout, '')
  t.equal(empty.stderr, '  No workspaces found! Create one:\n\n  outpost external-workspaces create <name>\n\n')
  t.equal(emptyJson.code, 0)
  t.equal(emptyJson.stdout, '[]\n')

  // external-workspaces create hello-world --template=... -y, and one for Windows by owner/name with --parameter.
  const [create, createWin] = await Promise.all([
    cli.run(['external-workspaces', 'create', 'hello-world', `--template=${TEMPLATE}`, '-y']),
    cli.run(['external-workspaces', 'create', 'admin/win', '-t', TEMPLATE, '--parameter', 'platform=windows-amd64', '--yes']),
  ])
  t.equal(create.code, 0, `create exits 0 (stderr: ${create.stderr})`)
  t.equal(createWin.code, 0, `create admin/win exits 0 (stderr: ${createWin.stderr})`)
  const hello = await api('/api/v2/users/me/workspace/hello-world', token)
  const win = await api('/api/v2/users/admin/workspace/win', token)
  const credentials = await api(`/api/v2/workspaces/${hello.id}/external-agent/main/credentials`, token)
  const winCredentials = await api(`/api/v2/workspaces/${win.id}/external-agent/main/credentials`, token)
  const command = `curl -fsSL "${server.url}/api/v2/init-script/linux/amd64" | CODER_AGENT_TOKEN="${credentials.agent_token}" sh`
  t.equal(credentials.command, command, 'the linux command')
  t.equal(
    winCredentials.command,
    `$env:CODER_AGENT_TOKEN="${winCredentials.agent_token}"; iwr -useb "${server.url}/api/v2/init-script/windows/amd64" | iex`,
    'the parameter picked windows',
  )
  const createLines = lines(create.stdout)
  t.equal(createLines[0], 'No preset applied.')
  t.equal(createLines[1], 'Planning workspace...')
  t.ok(create.stdout.includes(`${preview('Workspace Preview')}\n`), 'the Workspace Preview table')
  const instructions = `\nPlease run the following command to attach external agent to the workspace hello-world:\n\n${command}\n\n`
  const createdAt = create.stdout.lastIndexOf('\nThe hello-world workspace has been created at ')
  t.ok(createdAt > 0, 'the created line')
  t.match(create.stdout.slice(createdAt), new RegExp(`^\\nThe hello-world workspace has been created at ${STAMP}!\\n`))
  t.ok(create.stdout.endsWith(instructions), 'then the agent instructions, exactly')
  t.ok(createWin.stdout.endsWith(`${winCredentials.command}\n\n`), 'the windows command')

  // list: the default columns, sorted by workspace.
  const [ls, lsJson, lsColumns] = await Promise.all([
    cli.run(['external-workspaces', 'list']),
    cli.run(['external-workspaces', 'ls', '--output=json']),
    cli.run(['external-workspaces', 'list', '-c', 'workspace,status', '-c', 'TEMPLATE', '--column', 'daily_cost']),
  ])
  t.equal(ls.code, 0)
  const rows = (helloBuilt: string, winBuilt: string) => [
    ['  admin/hello-world', TEMPLATE, 'Started', 'false', helloBuilt, hello.latest_build.template_version_name, 'false'],
    ['  admin/win', TEMPLATE, 'Started', 'false', winBuilt, win.latest_build.template_version_name, 'false'],
  ]
  const headers = ['workspace', 'template', 'status', 'healthy', 'last built', 'current version', 'outdated']
  // Each row's age is truncated to whole seconds on its own: one build can be 0s old and
  // the other already <1m when the machine is slow.
  const ages = ['0s', '<1m']
  t.ok(
    ages.some((h) => ages.some((w) => ls.stdout === table(headers, rows(h, w)))),
    `the table:\n${ls.stdout}`,
  )
  t.equal(lines(ls.stdout)[0], table(headers, rows('0s', '0s')).split('\n')[0], 'the header line, exactly')
  t.equal(lsJson.code, 0)
  const workspaces = JSON.parse(lsJson.stdout)
  t.equal(lsJson.stdout, `${JSON.stringify(workspaces, null, 2)}\n`, 'pretty-printed with two spaces')
  t.strictSame(workspaces.map((w: { name: string }) => w.name).sort(), ['hello-world', 'win'], 'an array of Workspace objects')
  const fromApi = await api(`/api/v2/workspaces?q=${encodeURIComponent('owner:me has_external_agent:true')}`, token)
  const byId = (list: { id: string }[]) => [...list].sort((a, b) => (a.id < b.id ? -1 : 1))
  const strip = (w: Record<string, unknown>) => ({ ...w, last_used_at: undefined, updated_at: undefined })
  t.strictSame(byId(workspaces).map(strip), byId(fromApi.workspaces).map(strip), 'the same Workspaces the API returns')
  t.equal(
    lsColumns.stdout,
    table(
      ['workspace', 'status', 'template', 'daily cost'],
      [
        ['  admin/hello-world', 'Started', TEMPLATE, '0'],
        ['  admin/win', 'Started', TEMPLATE, '0'],
      ],
    ),
    '-c picks and orders the columns',
  )

  // agent-instructions: Coder's sentence and the command; JSON with the five fields.
  const [text, json, dotted] = await Promise.all([
    cli.run(['external-workspaces', 'agent-instructions', 'hello-world']),
    cli.run(['external-workspaces', 'agent-instructions', 'hello-world', '--output=json']),
    cli.run(['external-workspaces', 'agent-instructions', 'admin/win.main', '-o', 'text']),
  ])
  t.equal(text.code, 0)
  t.equal(text.stdout, instructions, 'the text, exactly (no ANSI without a terminal)')
  t.equal(json.code, 0)
  t.equal(
    json.stdout,
    `${JSON.stringify(
      {
        workspace_name: 'hello-world',
        agent_name: 'main',
        auth_type: 'token',
        auth_token: credentials.agent_token,
        init_script: command,
      },
      null,
      2,
    )}\n`,
  )
  t.equal(
    dotted.stdout,
    `\nPlease run the following command to attach external agent to the workspace win:\n\n${winCredentials.command}\n\n`,
    'owner/workspace.agent',
  )

  // delete, with and without --orphan.
  const [del, delWin] = await Promise.all([cli.run(['delete', 'hello-world', '-y']), cli.run(['delete', 'admin/win', '--orphan', '-y'])])
  t.equal(del.code, 0, `delete exits 0 (stderr: ${del.stderr})`)
  t.equal(del.stderr, 'admin/hello-world was last used 0 days ago\n')
  t.match(del.stdout, /^==> ⧗ Queued\n/)
  t.match(del.stdout, new RegExp(`\\n\\nadmin/hello-world has been deleted at ${STAMP}!\\n$`))
  t.equal(delWin.code, 0)
  t.match(delWin.stdout, new RegExp(`\\nadmin/win has been deleted at ${STAMP}!\\n$`))
  const gone = await server.app.inject({ url: '/api/v2/users/me/workspace/hello-world', headers: auth(token) })
  t.equal(gone.statusCode, 404, 'the workspace is gone')
  const after = await cli.run(['external-workspaces', 'list'])
  t.equal(after.stdout, '')
  t.match(after.stderr, /No workspaces found!/)

  // logout ends the session and removes the file.
  const logout = await cli.run(['logout', '-y'])
  t.equal(logout.code, 0)
  t.equal(logout.stdout, "You are no longer logged in. You can log in using 'outpost login <url>'.\n")
  await t.rejects(stat(configFile), { code: 'ENOENT' }, 'the config file is removed')
  const ended = await server.app.inject({ url: '/api/v2/users/me', headers: auth(token) })
  t.equal(ended.statusCode, 401, 'the session is ended on the server')
  const whoamiAfter = await cli.run(['whoami'])
  t.equal(whoamiAfter.code, 1)
  t.equal(whoamiAfter.stderr, "error: You are not logged in. Try logging in using 'outpost login <url>'.\n")
})
