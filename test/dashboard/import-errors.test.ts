// Failed imports through the page: the error names its file and line, the import log is
// shown, and the failed version is listed (without an external agent) on the templates page.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { createOwner } from '../helpers/fixtures.js'
import { exampleTemplateFiles, pushTemplate, tarOf } from '../helpers/templates.js'
import { browse, screenshot, serve, signIn } from './helpers.js'

const agent = 'resource "coder_agent" "main" {\n  os   = "linux"\n  arch = "amd64"\n}\n'

t.test('import errors are shown with file and line', async (t) => {
  const { app, base } = await serve(t)
  const owner = await createOwner(app)
  await pushTemplate(app, owner.token, 'existing', await exampleTemplateFiles())
  const dir = await mkdtemp(path.join(tmpdir(), 'outpost-import-errors-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const brokenTf = path.join(dir, 'broken.tf')
  await writeFile(brokenTf, 'locals {\n  fine = 1\n  broken = \n}\n')
  const brokenTar = path.join(dir, 'two-files.tar')
  await writeFile(brokenTar, await tarOf({ 'a.tf': agent, 'b.tf': 'locals {\n  fine = 1\n  broken = \n}\n' }))
  const notes = path.join(dir, 'notes.txt')
  await writeFile(notes, 'not a template\n')

  const b = await browse(t, base)
  if (!b) return
  const { page } = b
  await signIn(page, owner)
  await page.goto('/templates/import')
  const uploads = () => b.requests.filter((r) => r === 'POST /api/v2/files').length

  await t.test('a file that is no template is refused before upload', async (t) => {
    await page.getByLabel('Template file').setInputFiles(notes)
    await page.getByLabel('Template name').fill('notes')
    await page.getByRole('button', { name: 'Import' }).click()
    t.equal(await page.locator('#template-file-error').textContent(), 'Choose a .tf file, or a .tar or .zip archive.')
    t.equal(uploads(), 0)
  })

  await t.test('a .tf with a syntax error', async (t) => {
    await page.getByLabel('Template file').setInputFiles(brokenTf)
    await page.getByLabel('Template name').fill('broken')
    await page.getByRole('button', { name: 'Import' }).click()
    await page.getByRole('heading', { name: 'The import failed' }).waitFor()
    t.equal(await page.getByTestId('import-error-location').textContent(), 'broken.tf, line 3')
    t.match(await page.getByTestId('import-error').textContent(), 'syntax error at column 12: Invalid expression')
    t.match(await page.getByTestId('import-log').textContent(), 'broken.tf', 'the import log is shown')
    await screenshot(page, '09-import-error')
  })

  await t.test('a .tar whose second file is broken, added to an existing template', async (t) => {
    await page.getByLabel('Template file').setInputFiles(brokenTar)
    await page.getByLabel('Template name').fill('existing')
    await page.getByRole('button', { name: 'Import' }).click()
    await page.getByTestId('import-error-location').getByText('b.tf, line 3').waitFor()
    t.pass('b.tf, line 3')
    await page.goto('/templates')
    const row = page.locator('tr[data-template="existing"]')
    await row.getByText('2 versions').click()
    const failed = row.locator('tr[data-version]').filter({ hasText: 'b.tf, line 3' })
    t.equal(await failed.count(), 1, 'the failed version is listed with its error')
    t.match(await failed.textContent(), /No$/, 'and no external agent')
    t.match(await row.locator('td[data-label="External agent"]').textContent(), 'Yes', 'the active version is still the good one')
    await screenshot(page, '12-templates-with-failed-version')
  })
  t.equal((await app.inject({ url: '/api/v2/templates', headers: { 'coder-session-token': owner.token } })).json().length, 1, 'no template was created for the failed import')
  t.same(b.foreignRequests, [])
  t.same(await b.violations(), [])
})
