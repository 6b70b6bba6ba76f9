/**
 * Replays `coder templates push externally-managed-workspace -d examples/templates/externally-managed-workspace`
 * request by request (coder/coder:cli/templatepush.go), then a second push of changed
 * files, which imports a new version into the template and activates it (`--activate`
 * defaults to true).
 */
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { createOwner, NOT_FOUND, SIGNED_OUT } from '../helpers/fixtures.js'
import { expectArrayOf, expectSchema } from '../helpers/swagger.js'
import { exampleTemplateFiles, tarOf } from '../helpers/templates.js'
import { Cli, expectJson, expectLogStream, listen, NIL_UUID, refusedUpgrade, UUID } from './cli.js'

const NAME = 'externally-managed-workspace'

t.test('coder templates push: a new template, then a new version of it', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const cli = new Cli(app, owner.token)
  const baseUrl = await listen(app)
  const files = await exampleTemplateFiles()

  // CurrentOrganization: the user's organizations, and the default one among them.
  const orgs = expectJson(t, await cli.get('/api/v2/users/me/organizations'), 200, 'GET /users/me/organizations')
  expectArrayOf(t, orgs, 'codersdk.Organization')
  const org = orgs.find((o: { is_default: boolean }) => o.is_default)
  t.ok(org, 'one organization is the default')
  t.equal(org.id, owner.organizationId)

  // TemplateByName: a 404 means "create the template".
  for (const ref of [org.id, 'default']) {
    const res = await cli.get(`/api/v2/organizations/${ref}/templates/${NAME}`)
    const body = expectJson(t, res, 404, `GET /organizations/${ref}/templates/${NAME} before the first push`)
    expectSchema(t, body, 'codersdk.Response')
    t.strictSame(body, NOT_FOUND)
  }

  // Upload: 201 with the file's id; the same bytes again are 200 with the same id.
  const archive = await tarOf(files)
  const upload = expectJson(t, await cli.upload(archive), 201, 'POST /files')
  expectSchema(t, upload, 'codersdk.UploadResponse')
  t.match(upload.hash, UUID)
  const again = expectJson(t, await cli.upload(archive), 200, 'POST /files with the same bytes')
  expectSchema(t, again, 'codersdk.UploadResponse')
  t.equal(again.hash, upload.hash, 'the same file id')

  // createValidTemplateVersion: for a new template there is no template yet, so Go sends uuid.Nil.
  const created = expectJson(
    t,
    await cli.post(`/api/v2/organizations/${org.id}/templateversions`, {
      message: 'Uploaded from the CLI',
      template_id: NIL_UUID,
      storage_method: 'file',
      file_id: upload.hash,
      provisioner: 'terraform',
      tags: {},
    }),
    201,
    'POST /organizations/{org}/templateversions',
  )
  expectSchema(t, created, 'codersdk.TemplateVersion')
  t.match(created.id, UUID)
  t.equal(created.job.status, 'succeeded', 'the import job has succeeded')
  t.equal(created.has_external_agent, true, 'has_external_agent')
  t.equal(created.message, 'Uploaded from the CLI')
  t.equal(created.organization_id, org.id)
  t.notOk(created.template_id, 'no template yet')
  t.type(created.name, 'string')
  t.ok(created.name.length > 0, 'the server names the version')

  // cliui.ProvisionerJob: Fetch (GET the version) and follow the logs WebSocket until it closes.
  const fetched = expectJson(t, await cli.get(`/api/v2/templateversions/${created.id}`), 200, 'GET /templateversions/{id}')
  expectSchema(t, fetched, 'codersdk.TemplateVersion')
  t.equal(fetched.job.status, 'succeeded')
  t.ok(fetched.job.started_at, 'the job has started_at')
  t.ok(fetched.job.completed_at, 'the job has completed_at')
  const logsPath = `/api/v2/templateversions/${created.id}/logs`
  const logs = await expectLogStream(t, baseUrl, logsPath, owner.token)
  t.ok(logs.length > 0, 'the import wrote logs')
  const json = expectJson(t, await cli.get(logsPath), 200, 'GET /templateversions/{id}/logs')
  expectArrayOf(t, json, 'codersdk.ProvisionerJobLog')
  t.strictSame(logs, json, 'the WebSocket sends the same logs as the JSON endpoint')

  // Without the cookie the upgrade is refused with a plain HTTP 401 the SDK can decode.
  const refused = await refusedUpgrade(baseUrl, logsPath)
  t.equal(refused.status, 401, 'no cookie: 401')
  t.equal(refused.contentType, 'application/json; charset=utf-8')
  const refusal = JSON.parse(refused.body)
  expectSchema(t, refusal, 'codersdk.Response')
  t.equal(refusal.message, SIGNED_OUT)
  const wrongCookie = await refusedUpgrade(baseUrl, logsPath, { Cookie: 'coder_session_token=0123456789-abcdefghijklmnopqrstuv' })
  t.equal(wrongCookie.status, 401, 'an unknown token in the cookie: 401')

  // After the job: the version again, and its resources for the "Template Preview".
  const after = expectJson(t, await cli.get(`/api/v2/templateversions/${created.id}`), 200, 'GET /templateversions/{id}')
  expectSchema(t, after, 'codersdk.TemplateVersion')
  t.equal(after.job.status, 'succeeded')
  const resources = expectJson(
    t,
    await cli.get(`/api/v2/templateversions/${created.id}/resources`),
    200,
    'GET /templateversions/{id}/resources',
  )
  expectArrayOf(t, resources, 'codersdk.WorkspaceResource')
  const external = resources.find((r: { type: string }) => r.type === 'coder_external_agent')
  t.ok(external, 'a coder_external_agent resource')
  t.equal(external?.name, 'main')
  t.equal(external?.workspace_transition, 'start', 'shown in the preview (start transition)')

  // CreateTemplate, with the fields Go always writes (pointers without omitempty are null).
  const templateRes = await cli.post(`/api/v2/organizations/${org.id}/templates`, {
    name: NAME,
    template_version_id: created.id,
    allow_user_cancel_workspace_jobs: null,
    disable_everyone_group_access: false,
    require_active_version: false,
    max_port_share_level: null,
    cors_behavior: null,
  })
  const template = expectJson(t, templateRes, 201, 'POST /organizations/{org}/templates')
  expectSchema(t, template, 'codersdk.Template')
  t.match(template.id, UUID)
  t.equal(template.name, NAME)
  t.equal(template.active_version_id, created.id)
  t.equal(template.organization_id, org.id)
  t.equal(template.provisioner, 'terraform')

  // The version now belongs to the template.
  const attached = expectJson(t, await cli.get(`/api/v2/templateversions/${created.id}`), 200, 'GET /templateversions/{id}')
  expectSchema(t, attached, 'codersdk.TemplateVersion')
  t.equal(attached.template_id, template.id)

  // Second push: the template exists now.
  for (const ref of [org.id, 'default']) {
    const byName = expectJson(t, await cli.get(`/api/v2/organizations/${ref}/templates/${NAME}`), 200, `GET /organizations/${ref}/templates/${NAME}`)
    expectSchema(t, byName, 'codersdk.Template')
    t.equal(byName.id, template.id)
    t.equal(byName.active_version_id, created.id)
  }

  const changed = { ...files, 'README.md': `${files['README.md'] ?? ''}\nChanged for the second push.\n` }
  const upload2 = expectJson(t, await cli.upload(await tarOf(changed)), 201, 'POST /files with changed files')
  expectSchema(t, upload2, 'codersdk.UploadResponse')
  t.not(upload2.hash, upload.hash, 'a new file')

  const version2 = expectJson(
    t,
    await cli.post(`/api/v2/organizations/${org.id}/templateversions`, {
      message: 'Uploaded from the CLI',
      template_id: template.id,
      storage_method: 'file',
      file_id: upload2.hash,
      provisioner: 'terraform',
      tags: {},
    }),
    201,
    'POST /organizations/{org}/templateversions with template_id',
  )
  expectSchema(t, version2, 'codersdk.TemplateVersion')
  t.not(version2.id, created.id, 'a new version')
  t.equal(version2.template_id, template.id)
  t.equal(version2.job.status, 'succeeded')
  t.equal(version2.has_external_agent, true)
  t.match(version2.readme, /Changed for the second push\./, 'the new README')

  const fetched2 = expectJson(t, await cli.get(`/api/v2/templateversions/${version2.id}`), 200, 'GET /templateversions/{id}')
  expectSchema(t, fetched2, 'codersdk.TemplateVersion')
  await expectLogStream(t, baseUrl, `/api/v2/templateversions/${version2.id}/logs`, owner.token)
  const resources2 = expectJson(t, await cli.get(`/api/v2/templateversions/${version2.id}/resources`), 200, 'GET resources')
  expectArrayOf(t, resources2, 'codersdk.WorkspaceResource')

  // Still the old active version until the CLI activates the new one.
  const before = expectJson(t, await cli.get(`/api/v2/templates/${template.id}`), 200, 'GET /templates/{id}')
  t.equal(before.active_version_id, created.id)

  const activated = expectJson(
    t,
    await cli.patch(`/api/v2/templates/${template.id}/versions`, { id: version2.id }),
    200,
    'PATCH /templates/{id}/versions',
  )
  expectSchema(t, activated, 'codersdk.Response')
  t.type(activated.message, 'string')

  const afterActivate = expectJson(t, await cli.get(`/api/v2/templates/${template.id}`), 200, 'GET /templates/{id}')
  expectSchema(t, afterActivate, 'codersdk.Template')
  t.equal(afterActivate.active_version_id, version2.id, 'the new version is active')

  const versions = expectJson(t, await cli.get(`/api/v2/templates/${template.id}/versions`), 200, 'GET /templates/{id}/versions')
  expectArrayOf(t, versions, 'codersdk.TemplateVersion')
  t.strictSame(
    versions.map((v: { id: string }) => v.id).sort(),
    [created.id, version2.id].sort(),
    'the template has both versions',
  )
})
