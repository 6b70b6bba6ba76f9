// The seed's UI flow in a real browser, as Coder's docs describe it for the web UI:
// first-user setup → import the example template → new workspace (linux/arm64) → the
// workspace page shows the command → that exact command, run by sh on this machine,
// attaches a stand-in agent and the status turns connected without a reload → Start,
// Stop and Restart are disabled → delete: gone from the list, token refused.
import { spawn } from 'node:child_process'
import path from 'node:path'
import t from 'tap'
import { browse, screenshot, serve, standinBinaryDir, textWhen } from './helpers.js'

const EXAMPLE = path.resolve('examples/templates/externally-managed-workspace/main.tf')
const OWNER = { email: 'ada@example.com', username: 'ada', password: 'Correct-Horse-Battery-9' }

t.test('setup, import, create, attach, delete: all in the browser', async (t) => {
  const binDir = await standinBinaryDir(t)
  const { base, port } = await serve(t, { OUTPOST_AGENT_BINARY_DIR: binDir })
  const b = await browse(t, base)
  if (!b) return
  const { page } = b
  const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true })

  // First-user setup: the server has no user, so / leads to the setup form.
  await page.goto('/')
  await page.waitForURL('**/login')
  await page.getByRole('heading', { name: 'Create the first user' }).waitFor()
  await screenshot(page, '01-first-user-setup')
  await page.getByLabel('Email').fill(OWNER.email)
  await page.getByLabel('Username').fill(OWNER.username)
  await page.getByLabel('Password').fill(OWNER.password)
  await page.getByRole('button', { name: 'Create user and sign in' }).click()
  await page.waitForURL('**/workspaces')
  await page.getByRole('heading', { name: 'No workspaces yet' }).waitFor()
  t.match(await page.getByTestId('signed-in-as').textContent(), 'ada (owner)')
  const cookies = await b.context.cookies()
  const session = cookies.find((c) => c.name === 'coder_session_token')
  t.ok(session?.httpOnly, 'the session is the HttpOnly coder_session_token cookie')
  t.equal(session?.sameSite, 'Lax')
  t.equal(await page.evaluate('document.cookie'), '', 'which the page cannot read')
  await screenshot(page, '02-workspaces-empty')

  // Import the example template through the UI: a .tf file, tarred in the browser.
  await page.getByRole('link', { name: 'Import a template' }).click()
  await page.waitForURL('**/templates/import')
  await page.getByLabel('Template file').setInputFiles(EXAMPLE)
  await page.getByLabel('Template name').fill('external-machine')
  await page.getByRole('button', { name: 'Import' }).click()
  await page.getByRole('heading', { name: 'Imported' }).waitFor()
  t.match(await page.getByTestId('import-log').textContent(), /coder_agent\.main/, 'the import log is shown')
  t.match(await page.locator('.result').textContent(), /External agent:\s*Yes/)
  await screenshot(page, '03-template-imported')

  await nav('Templates').click()
  const templateRow = page.locator('tr[data-template="external-machine"]')
  await templateRow.waitFor()
  t.match(await textWhen(templateRow.locator('td[data-label="External agent"]'), /Yes|No/), 'Yes')
  await templateRow.getByText('1 version').click()
  t.match(await textWhen(templateRow.locator('tr[data-version]').first(), /succeeded.*(Yes|No)/s), /succeeded.*Yes/s, 'each version says whether it has an external agent')
  await screenshot(page, '04-templates')

  // New workspace: the template's parameters, checked before submit.
  await nav('Workspaces').click()
  await page.getByRole('link', { name: 'New workspace' }).click()
  await page.waitForURL('**/workspaces/new')
  await page.getByLabel('Template').selectOption({ label: 'external-machine' })
  const platform = page.getByLabel('Platform')
  await platform.waitFor()
  t.equal(await platform.evaluate((el) => el.tagName), 'SELECT', 'a parameter with options is a select')
  t.equal(await platform.inputValue(), 'linux-amd64', 'starting at its default')
  await page.getByLabel('Workspace name').fill('Not a name!')
  let creates = 0
  page.on('request', (r) => void (r.method() === 'POST' && r.url().endsWith('/workspaces') && creates++))
  await page.getByRole('button', { name: 'Create workspace' }).click()
  await page.locator('#workspace-name-error').waitFor()
  t.equal(creates, 0, 'an invalid name is caught before anything is sent')
  t.equal(await page.getByLabel('Workspace name').getAttribute('aria-invalid'), 'true')
  t.equal(await page.evaluate('document.activeElement?.id'), 'workspace-name', 'focus moves to the field to fix')
  await page.getByLabel('Workspace name').fill('arm-box')
  await platform.selectOption('linux-arm64')
  await screenshot(page, '05-new-workspace')
  await page.getByRole('button', { name: 'Create workspace' }).click()
  await page.waitForURL(/\/workspaces\/[0-9a-f-]{36}$/)
  const workspaceUrl = page.url()

  // The workspace page: one agent panel; nothing read from the credentials endpoint yet.
  await page.getByRole('heading', { name: /arm-box/ }).waitFor()
  const panel = page.locator('article[data-agent="main"]')
  t.match(await panel.textContent(), 'linux/arm64')
  t.match(await page.getByTestId('agent-status-main').textContent(), 'Connecting')
  for (const label of ['Start', 'Stop', 'Restart']) {
    const button = page.getByRole('button', { name: label, exact: true })
    t.ok(await button.isDisabled(), `${label} is disabled`)
    t.match(await button.getAttribute('title'), 'Outpost does not control external machines')
  }
  t.match(await page.locator('#no-control').textContent(), 'Outpost does not control external machines', 'the reason is on the page')
  const credentialReads = () => b.requests.filter((r) => r.includes('/external-agent/main/credentials')).length
  t.equal(credentialReads(), 0, 'the credentials are not read until asked for')
  t.match(await page.locator('#command-main').textContent(), 'choose Show or Copy')

  await panel.getByRole('button', { name: 'Show' }).click()
  const command = await textWhen(page.locator('#command-main'), /^curl /)
  await t.test('the exact command', async (t) => {
    t.match(command, new RegExp(`^curl -fsSL "http://127\\.0\\.0\\.1:${port}/api/v2/init-script/linux/arm64" \\| CODER_AGENT_TOKEN="[^"]+" sh$`))
  })
  t.equal(credentialReads(), 1, 'Show read the credentials once')
  const token = /CODER_AGENT_TOKEN="([^"]+)"/.exec(command)?.[1] ?? ''
  await panel.getByRole('button', { name: 'Hide token' }).click()
  const masked = (await page.locator('#command-main').textContent()) ?? ''
  t.notOk(masked.includes(token), 'hidden again, the token is masked')
  t.match(masked, 'CODER_AGENT_TOKEN="••••')

  // Run that exact command with sh; the page must follow without a reload.
  await page.evaluate('window.__sameDocument = true')
  const child = spawn('sh', ['-c', command], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: binDir, TMPDIR: binDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  try {
    await page.getByTestId('agent-status-main').getByText('Connected', { exact: true }).waitFor({ timeout: 10_000 })
    await page.getByTestId('agent-lifecycle-main').getByText('Ready').waitFor({ timeout: 5000 })
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- command output ---\n${output}`)
  }
  t.equal(
    await page.evaluate('window.__sameDocument'),
    true,
    'connected shown without a reload',
  )
  t.ok(b.requests.some((r) => r.startsWith('WS /api/v2/workspaces/') && r.endsWith('/watch-ws')), 'through the watch-ws WebSocket')
  t.match(await page.getByTestId('agent-enrollment-main').textContent(), 'Agent starting', 'the enrollment stage reported by the script')
  t.match(await page.getByTestId('workspace-status').textContent(), 'Connected')
  t.match(await page.getByTestId('workspace-health').textContent(), 'Healthy')
  await screenshot(page, 'workspace', { readme: true })

  // The list: name, owner, template, status, health (reason in a tooltip), last built; search.
  await nav('Workspaces').click()
  const row = page.locator('tr[data-workspace="arm-box"]')
  await row.waitFor()
  t.match(await row.locator('td[data-label="Owner"]').textContent(), 'ada')
  t.match(await row.locator('td[data-label="Template"]').textContent(), 'external-machine')
  t.match(await row.locator('td[data-label="Status"]').textContent(), 'Connected')
  t.match(await row.locator('td[data-label="Health"]').textContent(), 'Healthy')
  t.match(await row.locator('td[data-label="Last built"]').textContent(), /just now|second|minute/)
  await row.locator('td[data-label="Health"] .tip').focus()
  t.ok(await row.getByRole('tooltip').isVisible(), 'the health reason shows on keyboard focus')
  await screenshot(page, '07-workspaces')

  await page.getByLabel('Search workspaces').fill('has-agent:disconnected')
  await page.getByLabel('Search workspaces').press('Enter')
  await page.getByText('No workspace matches').waitFor()
  t.match(page.url(), '?q=has-agent%3Adisconnected', 'the query is in the address, so it can be shared')
  await page.getByLabel('Search workspaces').fill('status:bogus')
  await page.getByRole('button', { name: 'Search' }).click()
  t.match(await page.getByRole('alert').textContent(), 'status', "the API's search error is shown")
  await page.getByLabel('Search workspaces').fill('owner:me template:external-machine')
  await page.getByRole('button', { name: 'Search' }).click()
  await row.waitFor()

  // Rotate, then delete, from the workspace page.
  await page.goto(workspaceUrl)
  await page.getByRole('button', { name: 'Delete…' }).click()
  const dialog = page.getByRole('dialog')
  await dialog.waitFor()
  const warning = (await dialog.textContent()) ?? ''
  t.match(warning, 'The machine is not touched')
  t.match(warning, 'token is revoked')
  t.equal(await page.evaluate('document.activeElement?.textContent'), 'Cancel', 'focus starts on Cancel')
  await page.keyboard.press('Escape')
  // The dialog closes on the next render, not necessarily before isVisible() looks.
  await dialog.waitFor({ state: 'hidden', timeout: 2000 }).catch(() => {})
  t.notOk(await dialog.isVisible(), 'Escape closes it')
  await page.getByRole('button', { name: 'Delete…' }).click()
  await screenshot(page, '08-delete-confirmation')
  await dialog.getByRole('button', { name: 'Delete workspace' }).click()
  await page.waitForURL('**/workspaces')
  await page.getByText('Workspace arm-box was deleted').waitFor()
  t.equal(await page.locator('tr[data-workspace="arm-box"]').count(), 0, 'gone from the list')

  t.equal(await exited, 0, 'the stand-in agent saw its connection closed and stopped')
  t.match(output, 'standin: redial -> 401')
  const refused = await fetch(`${base}/api/v2/workspaceagents/me/manifest`, { headers: { 'coder-session-token': token } })
  t.equal(refused.status, 401, 'the token is rejected')

  t.same(b.foreignRequests, [], 'no request left the server')
  t.same(await b.violations(), [], 'no Content-Security-Policy violation')
})
