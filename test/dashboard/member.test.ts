// A member signs in through the page and sees only their own workspaces; owners' pages
// stay closed to them; the server's field errors land next to the field; sign out.
import t from 'tap'
import { auth, createMember, createOwner } from '../helpers/fixtures.js'
import { createWorkspace, exampleTemplateFiles, pushTemplate } from '../helpers/templates.js'
import { browse, screenshot, serve, textWhen } from './helpers.js'

t.test('a member sees only their workspaces', async (t) => {
  const { app, base } = await serve(t)
  const owner = await createOwner(app, { username: 'olga' })
  const { templateId } = await pushTemplate(app, owner.token, 'shared-machines', await exampleTemplateFiles())
  const ownersBox = (await createWorkspace(app, owner.token, 'owners-box', templateId)).json()
  const member = await createMember(app, owner, { username: 'milo' })
  t.equal((await createWorkspace(app, member.token, 'milos-box', templateId, { platform: 'darwin-arm64' })).statusCode, 201)
  t.equal((await createWorkspace(app, member.token, 'milos-runner', templateId, { platform: 'windows-amd64' })).statusCode, 201)

  const b = await browse(t, base)
  if (!b) return
  const { page } = b
  await page.goto('/workspaces')
  await page.waitForURL('**/login?next=%2Fworkspaces')
  await page.getByRole('heading', { name: 'Sign in' }).waitFor()
  await page.getByLabel('Email').fill(member.email)
  await page.getByLabel('Password').fill('wrong-password-entirely')
  await page.getByRole('button', { name: 'Sign in' }).click()
  t.match(await page.getByRole('alert').textContent(), 'Incorrect email or password.', 'a failed sign-in says why')
  await page.getByLabel('Password').fill(member.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL('**/workspaces')
  await page.locator('tr[data-workspace]').first().waitFor()
  t.same(
    await page.locator('tr[data-workspace]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-workspace')).sort()),
    ['milos-box', 'milos-runner'],
    "only the member's own workspaces",
  )
  t.match(await page.getByTestId('signed-in-as').textContent(), /^milo$/)
  await screenshot(page, '10-member-workspaces')

  // owner:olga finds nothing for a member; the owner's workspace page is not found.
  await page.getByLabel('Search workspaces').fill('owner:olga')
  await page.getByLabel('Search workspaces').press('Enter')
  await page.getByText('No workspace matches').waitFor()
  await page.goto(`/workspaces/${ownersBox.id}`)
  t.match(await page.getByRole('alert').textContent(), 'Resource not found', "the owner's workspace is not shown")

  // Templates: readable, but no import for a member.
  await page.goto('/templates')
  await page.locator('tr[data-template="shared-machines"]').waitFor()
  t.equal(await page.getByRole('link', { name: 'Import template' }).count(), 0, 'no import button for a member')

  // A windows workspace's page names PowerShell; the command is still read only on demand.
  await page.goto('/workspaces')
  await page.getByRole('link', { name: 'milos-runner' }).click()
  await page.locator('article[data-agent="main"]').waitFor()
  t.match(await page.locator('article[data-agent="main"]').textContent(), 'Run this command in PowerShell on the windows/amd64 machine')
  await page.getByRole('button', { name: 'Show' }).click()
  t.match(await textWhen(page.locator('#command-main'), /Invoke-WebRequest|iwr /i), /Invoke-WebRequest|iwr /i, 'the PowerShell form')

  // The server's validation error (a taken name) shows next to the name field.
  await page.goto('/workspaces/new')
  await page.getByLabel('Template').selectOption({ label: 'shared-machines' })
  await page.getByLabel('Platform').waitFor()
  await page.getByLabel('Workspace name').fill('milos-box')
  await page.getByRole('button', { name: 'Create workspace' }).click()
  await page.locator('#workspace-name-error').waitFor()
  t.equal(await page.locator('#workspace-name-error').textContent(), 'This value is already in use and should be unique.')
  t.match(await page.getByLabel('Workspace name').getAttribute('aria-describedby'), 'workspace-name-error', 'tied to the field for screen readers')
  await screenshot(page, '11-new-workspace-server-error')

  // Sign out ends the session, server side too.
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.waitForURL('**/login')
  t.same(
    (await b.context.cookies()).filter((c) => c.name === 'coder_session_token' && c.value !== ''),
    [],
    'the cookie is cleared',
  )
  await page.goto('/workspaces')
  await page.waitForURL('**/login?next=%2Fworkspaces')
  t.equal((await app.inject({ url: '/api/v2/users/me', headers: auth(owner.token) })).statusCode, 200, "the owner's session is untouched")
  t.same(b.foreignRequests, [])
  t.same(await b.violations(), [])
})
