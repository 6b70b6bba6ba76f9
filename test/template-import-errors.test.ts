import t from 'tap'
import { buildTestApp } from './helpers/app.js'
import { assertError, auth, createOwner } from './helpers/fixtures.js'
import { exampleTemplateFiles, pushTemplate } from './helpers/templates.js'
import { importVersion, pushExample } from './helpers/workspaces.js'

/** A coder_agent "main" (lines 1–4 of its file) with these os/arch expressions. */
const agent = (os: string, arch: string) => `resource "coder_agent" "main" {\n  os   = ${os}\n  arch = ${arch}\n}\n`
const platformParameter = 'data "coder_parameter" "platform" {\n  name    = "platform"\n  default = "linux-amd64"\n}\n\n'

const CASES: Array<{ name: string; files: Record<string, string> | Buffer; error: string }> = [
  {
    name: 'an HCL syntax error, in the second file',
    files: { 'a.tf': agent('"linux"', '"amd64"'), 'b.tf': 'locals {\n  fine = 1\n  broken = \n}\n' },
    error:
      'b.tf:3: syntax error at column 12: Invalid expression; Expected the start of an expression, but found an invalid expression token.',
  },
  {
    name: 'an unknown function in os',
    files: { 'main.tf': platformParameter + agent('frobnicate(data.coder_parameter.platform.value)', '"amd64"') },
    error:
      'main.tf:7: coder_agent.main: os: cannot evaluate "${frobnicate(data.coder_parameter.platform.value)}": unknown function "frobnicate"',
  },
  {
    name: 'an unknown function in arch',
    files: { 'main.tf': platformParameter + agent('"linux"', 'arch_of(data.coder_parameter.platform.value)') },
    error:
      'main.tf:8: coder_agent.main: arch: cannot evaluate "${arch_of(data.coder_parameter.platform.value)}": unknown function "arch_of"',
  },
  {
    name: 'an undefined local',
    files: { 'main.tf': 'locals {\n  os = "linux"\n}\n\n' + agent('local.os', 'local.arch') },
    error: 'main.tf:7: coder_agent.main: arch: cannot evaluate "${local.arch}": unknown local "arch" (no locals block defines it)',
  },
  {
    name: 'a coder_external_agent pointing at a missing coder_agent',
    files: {
      'main.tf': agent('"linux"', '"amd64"') + '\nresource "coder_external_agent" "main" {\n  agent_id = coder_agent.missing.id\n}\n',
    },
    error:
      'main.tf:7: coder_external_agent.main: agent_id: "${coder_agent.missing.id}" references coder_agent.missing, which is not declared',
  },
  {
    name: 'an archive with no .tf files',
    files: { 'README.md': '# Nothing to see\n', 'notes.txt': 'main.tf is missing\n' },
    error: 'the template has no Terraform files (*.tf)',
  },
  {
    name: 'a corrupt upload (not a tar archive)',
    files: Buffer.from('this is not a tar archive at all'),
    error: 'not a valid tar archive: Unexpected end of data',
  },
  {
    name: 'a corrupt upload (a full block that is no tar header)',
    files: Buffer.alloc(1024, 'x'),
    error: 'not a valid tar archive: Invalid tar header. Maybe the tar is corrupted or it needs to be gunzipped?',
  },
]

t.test('imports that fail say where and why', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  // A template, so failed versions can also be pushed to one.
  const { templateId } = await pushExample(app, owner.token)

  for (const [i, c] of CASES.entries()) {
    await t.test(c.name, async (t) => {
      const created = await importVersion(app, owner.token, c.files)
      t.equal(created.statusCode, 201, 'the version is recorded, with its failed job')
      const version = created.json()
      t.equal(version.job.status, 'failed')
      t.equal(version.job.error, c.error, 'job.error names the file and line')
      t.equal(version.job.type, 'template_version_import')
      t.ok(version.job.completed_at, 'the job has completed')
      t.equal(version.has_external_agent, false)

      const again = await app.inject({ url: `/api/v2/templateversions/${version.id}`, headers: auth(owner.token) })
      t.equal(again.json().job.status, 'failed', 'and stays failed')
      t.equal(again.json().job.error, c.error)

      const logs = await app.inject({ url: `/api/v2/templateversions/${version.id}/logs`, headers: auth(owner.token) })
      t.equal(logs.statusCode, 200)
      const errorsLogged = logs.json().filter((l: { log_level: string }) => l.log_level === 'error')
      t.strictSame(
        errorsLogged.map((l: { output: string }) => l.output),
        [c.error],
        'the logs hold the error, once, at level error',
      )
      t.equal(logs.json().at(-1).log_level, 'error', 'as the last line')

      const resources = await app.inject({ url: `/api/v2/templateversions/${version.id}/resources`, headers: auth(owner.token) })
      t.strictSame(resources.json(), [], 'no resources')
      const notImported = {
        message: `Template version "${version.id}" did not import successfully.`,
        detail: 'Its import job failed; see its logs.',
      }
      const parameters = await app.inject({
        url: `/api/v2/templateversions/${version.id}/rich-parameters`,
        headers: auth(owner.token),
      })
      assertError(t, parameters, 400, notImported, 'no parameters of a failed version')

      const template = await app.inject({
        method: 'POST',
        url: '/api/v2/organizations/default/templates',
        headers: auth(owner.token),
        payload: { name: `broken-${i}`, template_version_id: version.id },
      })
      assertError(t, template, 400, notImported, 'no template from a failed version')

      // Pushed to an existing template, it can neither become active nor build a workspace.
      const pushed = await importVersion(app, owner.token, c.files, { template_id: templateId, name: `failed-${i}` })
      t.equal(pushed.json().job.status, 'failed')
      const pushedId: string = pushed.json().id
      const activate = await app.inject({
        method: 'PATCH',
        url: `/api/v2/templates/${templateId}/versions`,
        headers: auth(owner.token),
        payload: { id: pushedId },
      })
      assertError(t, activate, 400, {
        message: `Template version "${pushedId}" did not import successfully.`,
        detail: 'Its import job failed; see its logs.',
      })
      const workspace = await app.inject({
        method: 'POST',
        url: '/api/v2/users/me/workspaces',
        headers: auth(owner.token),
        payload: { name: `ws-${i}`, template_version_id: pushedId },
      })
      assertError(t, workspace, 400, {
        message: `Template version "${pushedId}" did not import successfully.`,
        detail: 'Its import job failed; see its logs.',
      })
    })
  }

  const templates = await app.inject({ url: '/api/v2/templates', headers: auth(owner.token) })
  t.strictSame(
    templates.json().map((x: { name: string }) => x.name),
    ['external'],
    'no failed import made a template',
  )
  const workspaces = await app.inject({ url: '/api/v2/workspaces', headers: auth(owner.token) })
  t.strictSame(workspaces.json(), { workspaces: [], count: 0 }, 'nor a workspace')
})

t.test('a failed import does not stop the next good one', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const bad = await importVersion(app, owner.token, { 'main.tf': 'locals {\n  broken = \n}\n' })
  t.equal(bad.json().job.status, 'failed')
  const good = await pushTemplate(app, owner.token, 'external', await exampleTemplateFiles())
  t.equal(good.version.job.status, 'succeeded')
  t.equal(good.version.has_external_agent, true)
})
