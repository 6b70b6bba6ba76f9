// The workspace list and page beyond the main flow: health reasons in tooltips, a row
// turning connected live, keyboard use, Copy (one audited read, token masked), Rotate
// with a grace period, and a narrow screen.
import t from 'tap'
import { connectAgent } from '../helpers/agents.js'
import { auth, createOwner } from '../helpers/fixtures.js'
import { createWorkspace, exampleTemplateFiles, pushTemplate } from '../helpers/templates.js'
import { browse, screenshot, serve, signIn } from './helpers.js'

t.test('list and page: tooltips, live rows, keyboard, copy, rotate, narrow screens', async (t) => {
  const { app, base } = await serve(t)
  const owner = await createOwner(app, { username: 'grace' })
  const { templateId } = await pushTemplate(app, owner.token, 'external-machine', await exampleTemplateFiles())
  const created: Record<string, { id: string }> = {}
  for (const [name, platform] of [
    ['build-runner', 'linux-amd64'],
    ['gpu-box', 'linux-arm64'],
    ['mac-mini', 'darwin-arm64'],
  ] as const) {
    const res = await createWorkspace(app, owner.token, name, templateId, { platform })
    t.equal(res.statusCode, 201)
    created[name] = res.json()
  }
  const credentialsOf = async (name: string) =>
    (
      await app.inject({ url: `/api/v2/workspaces/${created[name]!.id}/external-agent/main/credentials`, headers: auth(owner.token) })
    ).json() as { command: string; agent_token: string }
  const runner = await connectAgent(base, (await credentialsOf('build-runner')).agent_token)
  t.teardown(() => runner.socket.close())

  const b = await browse(t, base)
  if (!b) return
  const { page, context } = b
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base })
  await signIn(page, owner)

  // Health: the reason of an unhealthy workspace is in its badge's tooltip.
  const row = (name: string) => page.locator(`tr[data-workspace="${name}"]`)
  await row('gpu-box').waitFor()
  t.match(await row('build-runner').locator('td[data-label="Status"]').textContent(), 'Connected')
  t.match(await row('gpu-box').locator('td[data-label="Status"]').textContent(), 'Connecting')
  const tip = row('gpu-box').locator('td[data-label="Health"] .tip')
  t.match(await tip.textContent(), 'Unhealthy')
  t.equal(await row('gpu-box').locator('[role=tooltip]').textContent(), 'main: agent has not yet connected')
  t.notOk(await row('gpu-box').locator('[role=tooltip]').isVisible(), 'hidden until wanted')
  await tip.hover()
  t.ok(await row('gpu-box').locator('[role=tooltip]').isVisible(), 'shown on hover')
  await screenshot(page, 'workspaces', { readme: true })
  t.equal(
    await tip.getAttribute('aria-describedby'),
    await row('gpu-box').locator('[role=tooltip]').getAttribute('id'),
    'and tied to the badge for screen readers',
  )

  // A row follows its workspace live: an agent attaches while the list is open.
  await page.evaluate('window.__sameDocument = true')
  const gpu = await connectAgent(base, (await credentialsOf('gpu-box')).agent_token)
  t.teardown(() => gpu.socket.close())
  await row('gpu-box').locator('td[data-label="Status"]').getByText('Connected', { exact: true }).waitFor({ timeout: 10_000 })
  await row('gpu-box').locator('td[data-label="Health"]').getByText('Healthy', { exact: true }).waitFor()
  t.equal(await page.evaluate('window.__sameDocument'), true, 'the row turned connected without a reload')

  // Keyboard only: Tab to the workspace's link, Enter, and focus lands on the new page's heading.
  await page.mouse.move(0, 0)
  await page.getByLabel('Search workspaces').focus()
  let focused = ''
  for (let i = 0; i < 20 && focused !== 'mac-mini'; i++) {
    await page.keyboard.press('Tab')
    focused = String(await page.evaluate('document.activeElement?.textContent'))
  }
  t.equal(focused, 'mac-mini', 'the link is reachable with Tab')
  await page.keyboard.press('Enter')
  await page.waitForURL(`**/workspaces/${created['mac-mini']!.id}`)
  await page.locator('article[data-agent="main"]').waitFor()
  t.equal(await page.evaluate('document.activeElement?.tagName'), 'H1', 'focus moves to the page heading')

  // Copy: one audited read, the command in the clipboard, the token still masked on screen.
  const reads = async () =>
    (
      (
        await app.inject({ url: '/api/v2/audit?q=resource_type:workspace_agent action:read', headers: auth(owner.token) })
      ).json() as { count: number }
    ).count
  const before = await reads()
  await page.getByRole('button', { name: 'Copy command' }).click()
  await page.getByText('Command copied to the clipboard.').waitFor()
  const expected = await credentialsOf('mac-mini')
  t.equal(await page.evaluate('navigator.clipboard.readText()'), expected.command, 'the exact command is in the clipboard')
  t.equal(await reads(), before + 2, 'the page read the credentials once (the test read them once more)')
  const shown = (await page.locator('#command-main').textContent()) ?? ''
  t.notOk(shown.includes(expected.agent_token), 'the token stays masked until Show')
  t.match(shown, /^curl -fsSL ".*\/api\/v2\/init-script\/darwin\/arm64" \| CODER_AGENT_TOKEN="•+" sh$/)
  await page.getByRole('button', { name: 'Show' }).click()
  t.equal(await page.locator('#command-main').textContent(), expected.command)
  t.equal(await reads(), before + 2, 'Show after Copy reads nothing again')

  // Rotate with a grace period: a new token; the old one keeps working meanwhile.
  await page.getByRole('button', { name: 'Rotate token…' }).click()
  const dialog = page.getByRole('dialog')
  await dialog.getByLabel('The old token stops working').selectOption({ label: 'In 5 minutes' })
  await dialog.getByRole('button', { name: 'Rotate token' }).click()
  await page.getByText('New token issued; the old one keeps working for 5 minutes').waitFor()
  t.notOk(await dialog.isVisible(), 'the dialog closes')
  await page.getByRole('button', { name: 'Show' }).click()
  const rotated = (await page.locator('#command-main').textContent()) ?? ''
  const newToken = /CODER_AGENT_TOKEN="([^"]+)"/.exec(rotated)?.[1] ?? ''
  t.ok(newToken && newToken !== expected.agent_token, 'a new token is shown')
  for (const [which, token] of [['old', expected.agent_token], ['new', newToken]] as const) {
    const res = await fetch(`${base}/api/v2/workspaceagents/me/manifest`, { headers: { 'coder-session-token': token } })
    t.equal(res.status, 200, `the ${which} token works during the grace period`)
  }

  // A narrow screen: no sideways scrolling, the table becomes one card per workspace.
  const phone = await b.browser.newContext({ viewport: { width: 390, height: 844 }, baseURL: base, deviceScaleFactor: 1 })
  t.teardown(() => phone.close())
  await phone.addCookies(await context.cookies())
  const small = await phone.newPage()
  await small.goto('/workspaces')
  await small.locator('tr[data-workspace="gpu-box"]').waitFor()
  t.ok(Number(await small.evaluate('document.documentElement.scrollWidth')) <= 390, 'the list fits 390 px')
  t.equal(
    await small.evaluate(`getComputedStyle(document.querySelector('tr[data-workspace="gpu-box"] td[data-label="Owner"]'), '::before').content`),
    '"Owner"',
    'column headings become labels on each card',
  )
  await screenshot(small, 'narrow-workspaces')
  await small.goto(`/workspaces/${created['gpu-box']!.id}`)
  await small.locator('article[data-agent="main"]').waitFor()
  t.ok(Number(await small.evaluate('document.documentElement.scrollWidth')) <= 390, 'the workspace page fits 390 px')
  await screenshot(small, 'narrow-workspace')

  t.same(b.foreignRequests, [])
  t.same(await b.violations(), [])
})

t.test('without the watch-ws socket the page falls back to polling', async (t) => {
  const { app, base } = await serve(t)
  const owner = await createOwner(app)
  const { templateId } = await pushTemplate(app, owner.token, 'external-machine', await exampleTemplateFiles())
  const workspace = (await createWorkspace(app, owner.token, 'no-socket', templateId)).json()
  const b = await browse(t, base)
  if (!b) return
  const { page } = b
  // Every watch-ws handshake is answered by the test and closed at once, as a proxy that drops WebSockets would.
  await page.routeWebSocket(/\/watch-ws$/, (ws) => ws.close({ code: 1011, reason: 'no websockets here' }))
  await signIn(page, owner)
  await page.goto(`/workspaces/${workspace.id}`)
  await page.getByText('Live updates interrupted: refreshing every 5 seconds').waitFor()
  await page.evaluate('window.__sameDocument = true')
  const credentials = (
    await app.inject({ url: `/api/v2/workspaces/${workspace.id}/external-agent/main/credentials`, headers: auth(owner.token) })
  ).json() as { agent_token: string }
  const agent = await connectAgent(base, credentials.agent_token)
  t.teardown(() => agent.socket.close())
  await page.getByTestId('agent-status-main').getByText('Connected', { exact: true }).waitFor({ timeout: 12_000 })
  t.equal(await page.evaluate('window.__sameDocument'), true, 'the status still changed without a reload')
  t.ok(b.requests.filter((r) => r === `GET /api/v2/workspaces/${workspace.id}`).length >= 2, 'by polling the workspace')
})
