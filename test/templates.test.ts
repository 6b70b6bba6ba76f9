import t from 'tap'
import { buildTestApp } from './helpers/app.js'
import { assertError, auth, createMember, createOwner, FORBIDDEN, NOT_FOUND } from './helpers/fixtures.js'
import { createWorkspace, exampleTemplateFiles, pushTemplate, tarOf } from './helpers/templates.js'
import {
  deleteWorkspace,
  importVersion,
  mustCreateWorkspace,
  NO_EXTERNAL_AGENT_FILES,
  PLATFORMS,
  pushExample,
  upload,
} from './helpers/workspaces.js'

const PLATFORM_OPTIONS = [
  ['Linux (amd64)', 'linux-amd64'],
  ['Linux (arm64)', 'linux-arm64'],
  ['Linux (armv7)', 'linux-armv7'],
  ['macOS (amd64)', 'darwin-amd64'],
  ['macOS (arm64)', 'darwin-arm64'],
  ['Windows (amd64)', 'windows-amd64'],
  ['Windows (arm64)', 'windows-arm64'],
].map(([name, value]) => ({ name, description: '', value, icon: '' }))

const UNIQUE_DETAIL = 'This value is already in use and should be unique.'

const names = (list: Array<{ name: string }>) => list.map((x) => x.name)

t.test('importing the example template', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)

  const files = await exampleTemplateFiles()
  const uploaded = await upload(app, owner.token, await tarOf(files))
  t.equal(uploaded.statusCode, 201, 'a new file is 201')
  const fileId: string = uploaded.json().hash
  t.match(fileId, /^[0-9a-f-]{36}$/)
  const again = await upload(app, owner.token, await tarOf(files))
  t.equal(again.statusCode, 200, 'the same bytes again are 200')
  t.strictSame(again.json(), { hash: fileId }, 'with the same id')

  const file = await app.inject({ url: `/api/v2/files/${fileId}`, headers: auth(owner.token) })
  t.equal(file.statusCode, 200)
  t.equal(file.headers['content-type'], 'application/x-tar')
  t.ok(file.rawPayload.equals(await tarOf(files)), 'GET /files returns the uploaded bytes')

  const created = await app.inject({
    method: 'POST',
    url: '/api/v2/organizations/default/templateversions',
    headers: auth(owner.token),
    payload: { storage_method: 'file', file_id: fileId, provisioner: 'terraform', name: 'v1', message: 'first' },
  })
  t.equal(created.statusCode, 201)
  const version = created.json()
  t.equal(version.name, 'v1')
  t.equal(version.message, 'first')
  t.equal(version.organization_id, owner.organizationId)
  t.notOk('template_id' in version, 'no template yet, so template_id is omitted')
  t.equal(version.has_external_agent, true)
  t.equal(version.job.status, 'succeeded')
  t.equal(version.job.type, 'template_version_import')
  t.equal(version.job.file_id, fileId)
  t.equal(version.job.error, undefined, 'a successful job carries no error')
  t.match(version.readme, /^# Externally managed workspace/, 'the README is the version readme')
  t.strictSame(version.created_by, { id: owner.id, username: owner.username, name: '', avatar_url: '' })

  const byId = await app.inject({ url: `/api/v2/templateversions/${version.id}`, headers: auth(owner.token) })
  t.equal(byId.statusCode, 200)
  t.strictSame(byId.json(), version, 'GET /templateversions/{id} is the same version')

  const parameters = await app.inject({
    url: `/api/v2/templateversions/${version.id}/rich-parameters`,
    headers: auth(owner.token),
  })
  t.equal(parameters.statusCode, 200)
  t.strictSame(parameters.json(), [
    {
      name: 'platform',
      display_name: 'Platform',
      description: 'The operating system and CPU architecture of the machine you will attach.',
      description_plaintext: 'The operating system and CPU architecture of the machine you will attach.',
      type: 'string',
      form_type: '',
      mutable: false,
      default_value: 'linux-amd64',
      icon: '/icon/terminal.svg',
      options: PLATFORM_OPTIONS,
      required: false,
      ephemeral: false,
      validation_error: '',
      validation_regex: '',
    },
  ])
  t.strictSame(
    parameters.json()[0].options.map((o: { value: string }) => o.value),
    [...PLATFORMS],
    'the 7 supported platforms, in order',
  )

  const resources = await app.inject({ url: `/api/v2/templateversions/${version.id}/resources`, headers: auth(owner.token) })
  t.equal(resources.statusCode, 200)
  const list = resources.json()
  t.equal(list.length, 1, 'one resource')
  t.match(list[0], { type: 'coder_external_agent', name: 'main', workspace_transition: 'start', job_id: version.job.id })
  t.equal(list[0].agents.length, 1, 'holding one agent')
  t.match(list[0].agents[0], {
    name: 'main',
    operating_system: 'linux',
    architecture: 'amd64',
    status: 'connecting',
    resource_id: list[0].id,
  })

  const logs = await app.inject({ url: `/api/v2/templateversions/${version.id}/logs`, headers: auth(owner.token) })
  t.equal(logs.statusCode, 200)
  t.ok(logs.json().length > 0, 'the import wrote logs')
  t.notOk(
    logs.json().some((l: { log_level: string }) => l.log_level === 'error'),
    'and none of them is an error',
  )

  const template = await app.inject({
    method: 'POST',
    url: '/api/v2/organizations/default/templates',
    headers: auth(owner.token),
    payload: { name: 'external', display_name: 'External', template_version_id: version.id },
  })
  t.equal(template.statusCode, 201)
  t.match(template.json(), {
    name: 'external',
    display_name: 'External',
    provisioner: 'terraform',
    active_version_id: version.id,
    organization_id: owner.organizationId,
    organization_name: 'coder',
    created_by_id: owner.id,
    created_by_name: owner.username,
    deprecated: false,
  })
  const attached = await app.inject({ url: `/api/v2/templateversions/${version.id}`, headers: auth(owner.token) })
  t.equal(attached.json().template_id, template.json().id, 'the version now belongs to the template')

  const reused = await app.inject({
    method: 'POST',
    url: '/api/v2/organizations/default/templates',
    headers: auth(owner.token),
    payload: { name: 'another', template_version_id: version.id },
  })
  assertError(t, reused, 400, { message: `Template version "${version.id}" already belongs to a template.` })
})

t.test('a template without a coder_external_agent imports, but makes no workspaces', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const { templateId, versionId, version } = await pushTemplate(app, owner.token, 'plain', NO_EXTERNAL_AGENT_FILES)
  t.equal(version.job.status, 'succeeded')
  t.equal(version.has_external_agent, false)
  t.ok(templateId, 'the template was created')

  const logs = await app.inject({ url: `/api/v2/templateversions/${versionId}/logs`, headers: auth(owner.token) })
  t.ok(
    logs
      .json()
      .some((l: { log_level: string; output: string }) => l.log_level === 'warn' && /No coder_external_agent/.test(l.output)),
    'the import log warns that workspaces cannot be created from it',
  )

  const expected = {
    message: `Template version "${versionId}" does not have an external agent. Only templates with external agents can be used for external workspace creation.`,
    detail: 'Outpost manages external workspaces only: add a coder_external_agent resource to the template.',
  }
  assertError(t, await createWorkspace(app, owner.token, 'nope', templateId), 400, expected, 'by template_id')
  const byVersion = await app.inject({
    method: 'POST',
    url: '/api/v2/users/me/workspaces',
    headers: auth(owner.token),
    payload: { name: 'nope', template_version_id: versionId },
  })
  assertError(t, byVersion, 400, expected, 'by template_version_id')
  t.match(expected.message, /does not have an external agent/)

  const listed = await app.inject({ url: '/api/v2/workspaces', headers: auth(owner.token) })
  t.strictSame(listed.json(), { workspaces: [], count: 0 }, 'nothing was recorded')
})

t.test('template search', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  await pushExample(app, owner.token, 'x')
  await pushExample(app, owner.token, 'x-two')
  await pushExample(app, owner.token, 'box')
  await pushTemplate(app, owner.token, 'plain', NO_EXTERNAL_AGENT_FILES)

  const search = async (q: string) => {
    const res = await app.inject({ url: '/api/v2/templates', query: { q }, headers: auth(owner.token) })
    t.equal(res.statusCode, 200, `q=${q}`)
    return names(res.json())
  }
  t.strictSame(await search(''), ['box', 'plain', 'x', 'x-two'], 'all templates, by name')
  t.strictSame(await search('exact_name:"x"'), ['x'], 'exact_name, quoted')
  t.strictSame(await search('exact_name:x'), ['x'], 'exact_name')
  t.strictSame(await search('exact_name:X'), ['x'], 'exact_name ignores case')
  t.strictSame(await search('exact_name:nothing'), [], 'exact_name with no match')
  t.strictSame(await search('name:x'), ['box', 'x', 'x-two'], 'name is a substring match')
  t.strictSame(await search('name:two'), ['x-two'])
  t.strictSame(await search('has_external_agent:true'), ['box', 'x', 'x-two'])
  t.strictSame(await search('has_external_agent:false'), ['plain'])
  t.strictSame(await search('deprecated:false'), ['box', 'plain', 'x', 'x-two'])
  t.strictSame(await search('deprecated:true'), [])
  t.strictSame(await search('name:x has_external_agent:true'), ['box', 'x', 'x-two'], 'terms combine')
  t.strictSame(await search('name:plain has_external_agent:true'), [], 'terms combine (AND)')

  const badKey = await app.inject({ url: '/api/v2/templates', query: { q: 'colour:blue' }, headers: auth(owner.token) })
  assertError(t, badKey, 400, {
    message: 'Invalid template search query.',
    validations: [{ field: 'colour', detail: 'Query param "colour" is not a valid query param' }],
  })
  const badBool = await app.inject({
    url: '/api/v2/templates',
    query: { q: 'has_external_agent:maybe' },
    headers: auth(owner.token),
  })
  assertError(t, badBool, 400, {
    message: 'Invalid template search query.',
    validations: [{ field: 'has_external_agent', detail: 'Query param "has_external_agent" must be a valid boolean' }],
  })

  await t.test('per organization, and by name', async (t) => {
    const byDefault = await app.inject({ url: '/api/v2/organizations/default/templates', headers: auth(owner.token) })
    t.equal(byDefault.statusCode, 200)
    t.strictSame(names(byDefault.json()), ['box', 'plain', 'x', 'x-two'])
    const byId = await app.inject({
      url: `/api/v2/organizations/${owner.organizationId}/templates`,
      query: { q: 'has_external_agent:false' },
      headers: auth(owner.token),
    })
    t.equal(byId.statusCode, 200)
    t.strictSame(names(byId.json()), ['plain'], 'with a query')

    const one = await app.inject({ url: `/api/v2/organizations/${owner.organizationId}/templates/x`, headers: auth(owner.token) })
    t.equal(one.statusCode, 200)
    t.equal(one.json().name, 'x')
    t.equal(one.json().organization_id, owner.organizationId)
    const byName = await app.inject({ url: '/api/v2/organizations/coder/templates/x-two', headers: auth(owner.token) })
    t.equal(byName.statusCode, 200, 'the organization by name')
    t.equal(byName.json().name, 'x-two')
    const viaDefault = await app.inject({ url: '/api/v2/organizations/default/templates/box', headers: auth(owner.token) })
    t.equal(viaDefault.json().name, 'box', 'the organization as "default"')
    const missing = await app.inject({ url: '/api/v2/organizations/default/templates/nothing', headers: auth(owner.token) })
    assertError(t, missing, 404, NOT_FOUND)
    const byTemplateId = await app.inject({ url: `/api/v2/templates/${one.json().id}`, headers: auth(owner.token) })
    t.strictSame(byTemplateId.json(), one.json(), 'GET /templates/{id} is the same template')
  })
})

t.test('versions: list, by name, and the active version', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const files = await exampleTemplateFiles()
  const first = await pushTemplate(app, owner.token, 'external', files)
  const other = await pushTemplate(app, owner.token, 'other', files)

  const second = await importVersion(app, owner.token, { ...files, 'extra.tf': 'locals {\n  unused = "v2"\n}\n' }, {
    template_id: first.templateId,
    name: 'v2',
  })
  t.equal(second.statusCode, 201)
  const v2 = second.json()
  t.equal(v2.template_id, first.templateId)
  t.equal(v2.job.metadata.template_name, 'external')

  const duplicate = await importVersion(app, owner.token, files, { template_id: first.templateId, name: 'v2' })
  assertError(t, duplicate, 409, {
    message: 'A template version named "v2" already exists for this template.',
    validations: [{ field: 'name', detail: UNIQUE_DETAIL }],
  })

  const listed = await app.inject({ url: `/api/v2/templates/${first.templateId}/versions`, headers: auth(owner.token) })
  t.equal(listed.statusCode, 200)
  t.strictSame(
    listed.json().map((v: { id: string }) => v.id),
    [first.versionId, v2.id],
    'both versions, oldest first',
  )
  t.ok(
    listed.json().every((v: { template_id: string }) => v.template_id === first.templateId),
    'each names its template',
  )

  const byName = await app.inject({ url: `/api/v2/templates/${first.templateId}/versions/v2`, headers: auth(owner.token) })
  t.equal(byName.statusCode, 200)
  t.equal(byName.json().id, v2.id)
  const firstByName = await app.inject({
    url: `/api/v2/templates/${first.templateId}/versions/${first.version.name}`,
    headers: auth(owner.token),
  })
  t.equal(firstByName.json().id, first.versionId, 'the generated name finds the first version')
  const missing = await app.inject({ url: `/api/v2/templates/${first.templateId}/versions/v9`, headers: auth(owner.token) })
  assertError(t, missing, 404, NOT_FOUND)
  const wrongTemplate = await app.inject({ url: `/api/v2/templates/${other.templateId}/versions/v2`, headers: auth(owner.token) })
  assertError(t, wrongTemplate, 404, NOT_FOUND, 'a name of another template')

  const before = await app.inject({ url: `/api/v2/templates/${first.templateId}`, headers: auth(owner.token) })
  t.equal(before.json().active_version_id, first.versionId, 'a new version does not become active by itself')

  const activate = await app.inject({
    method: 'PATCH',
    url: `/api/v2/templates/${first.templateId}/versions`,
    headers: auth(owner.token),
    payload: { id: v2.id },
  })
  t.equal(activate.statusCode, 200)
  t.strictSame(activate.json(), { message: 'Updated the active template version!' })
  const after = await app.inject({ url: `/api/v2/templates/${first.templateId}`, headers: auth(owner.token) })
  t.equal(after.json().active_version_id, v2.id)

  const foreign = await app.inject({
    method: 'PATCH',
    url: `/api/v2/templates/${first.templateId}/versions`,
    headers: auth(owner.token),
    payload: { id: other.versionId },
  })
  assertError(t, foreign, 400, { message: `Template version "${other.versionId}" does not belong to this template.` })
  const still = await app.inject({ url: `/api/v2/templates/${first.templateId}`, headers: auth(owner.token) })
  t.equal(still.json().active_version_id, v2.id, 'the refused change changed nothing')

  const failed = await importVersion(app, owner.token, { 'main.tf': 'locals {\n  broken = \n}\n' }, {
    template_id: first.templateId,
    name: 'broken',
  })
  t.equal(failed.json().job.status, 'failed')
  const activateFailed = await app.inject({
    method: 'PATCH',
    url: `/api/v2/templates/${first.templateId}/versions`,
    headers: auth(owner.token),
    payload: { id: failed.json().id },
  })
  assertError(t, activateFailed, 400, {
    message: `Template version "${failed.json().id}" did not import successfully.`,
    detail: 'Its import job failed; see its logs.',
  })
})

t.test('template names are unique per organization', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const files = await exampleTemplateFiles()
  await pushTemplate(app, owner.token, 'external', files)
  const version = await importVersion(app, owner.token, files)
  for (const name of ['external', 'EXTERNAL']) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v2/organizations/default/templates',
      headers: auth(owner.token),
      payload: { name, template_version_id: version.json().id },
    })
    assertError(t, res, 409, {
      message: `Template with name "${name}" already exists.`,
      validations: [{ field: 'name', detail: UNIQUE_DETAIL }],
    }, name)
  }
  const listed = await app.inject({ url: '/api/v2/templates', headers: auth(owner.token) })
  t.strictSame(names(listed.json()), ['external'], 'still one template')
  const unattached = await app.inject({ url: `/api/v2/templateversions/${version.json().id}`, headers: auth(owner.token) })
  t.notOk('template_id' in unattached.json(), 'the version was not attached by the refused create')

  const badName = await app.inject({
    method: 'POST',
    url: '/api/v2/organizations/default/templates',
    headers: auth(owner.token),
    payload: { name: 'bad_name', template_version_id: version.json().id },
  })
  assertError(t, badName, 400, {
    message: 'Validation failed.',
    validations: [{ field: 'name', detail: 'must be alphanumeric with hyphens' }],
  })
})

t.test('deleting a template waits until its workspaces are deleted', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const { templateId } = await pushExample(app, owner.token)
  const workspace = await mustCreateWorkspace(app, owner.token, 'dev', templateId)

  const refused = await app.inject({ method: 'DELETE', url: `/api/v2/templates/${templateId}`, headers: auth(owner.token) })
  assertError(t, refused, 400, { message: 'All workspaces must be deleted before a template can be removed.' })
  const still = await app.inject({ url: `/api/v2/templates/${templateId}`, headers: auth(owner.token) })
  t.equal(still.statusCode, 200, 'the template is still there')

  t.equal((await deleteWorkspace(app, owner.token, workspace.id)).statusCode, 201)
  const deleted = await app.inject({ method: 'DELETE', url: `/api/v2/templates/${templateId}`, headers: auth(owner.token) })
  t.equal(deleted.statusCode, 200)
  t.strictSame(deleted.json(), { message: 'Template has been deleted!' })

  assertError(t, await app.inject({ url: `/api/v2/templates/${templateId}`, headers: auth(owner.token) }), 404, NOT_FOUND)
  const listed = await app.inject({ url: '/api/v2/templates', headers: auth(owner.token) })
  t.strictSame(listed.json(), [], 'not listed any more')
  const again = await app.inject({ method: 'DELETE', url: `/api/v2/templates/${templateId}`, headers: auth(owner.token) })
  assertError(t, again, 404, NOT_FOUND, 'deleting again')
  assertError(
    t,
    await createWorkspace(app, owner.token, 'late', templateId),
    404,
    { message: 'Template "external" has been deleted!' },
    'no workspace from a deleted template',
  )

  // The name is free again.
  const reused = await pushExample(app, owner.token)
  t.ok(reused.templateId, 'a new template can take the name')
  t.not(reused.templateId, templateId)
})

t.test('members read templates but do not change them', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const member = await createMember(app, owner)
  const { templateId, versionId, version } = await pushExample(app, owner.token)

  const listed = await app.inject({ url: '/api/v2/templates', headers: auth(member.token) })
  t.equal(listed.statusCode, 200)
  t.strictSame(names(listed.json()), ['external'])
  const template = await app.inject({ url: `/api/v2/templates/${templateId}`, headers: auth(member.token) })
  t.equal(template.statusCode, 200)
  const byName = await app.inject({ url: '/api/v2/organizations/default/templates/external', headers: auth(member.token) })
  t.equal(byName.statusCode, 200)
  const versionRes = await app.inject({ url: `/api/v2/templateversions/${versionId}`, headers: auth(member.token) })
  t.equal(versionRes.statusCode, 200)
  const params = await app.inject({ url: `/api/v2/templateversions/${versionId}/rich-parameters`, headers: auth(member.token) })
  t.equal(params.statusCode, 200)
  t.equal(params.json()[0].name, 'platform')
  const versions = await app.inject({ url: `/api/v2/templates/${templateId}/versions`, headers: auth(member.token) })
  t.equal(versions.statusCode, 200)
  t.equal(versions.json().length, 1)

  const uploaded = await upload(app, member.token, await tarOf(await exampleTemplateFiles()))
  assertError(t, uploaded, 403, FORBIDDEN, 'upload')
  const createVersion = await app.inject({
    method: 'POST',
    url: '/api/v2/organizations/default/templateversions',
    headers: auth(member.token),
    payload: { storage_method: 'file', file_id: version.job.file_id, provisioner: 'terraform' },
  })
  assertError(t, createVersion, 403, FORBIDDEN, 'create a version')
  const unattached = await importVersion(app, owner.token, await exampleTemplateFiles(), { name: 'loose' })
  const createTemplate = await app.inject({
    method: 'POST',
    url: '/api/v2/organizations/default/templates',
    headers: auth(member.token),
    payload: { name: 'mine', template_version_id: unattached.json().id },
  })
  assertError(t, createTemplate, 403, FORBIDDEN, 'create a template')
  const activate = await app.inject({
    method: 'PATCH',
    url: `/api/v2/templates/${templateId}/versions`,
    headers: auth(member.token),
    payload: { id: versionId },
  })
  assertError(t, activate, 403, FORBIDDEN, 'set the active version')
  const remove = await app.inject({ method: 'DELETE', url: `/api/v2/templates/${templateId}`, headers: auth(member.token) })
  assertError(t, remove, 403, FORBIDDEN, 'delete the template')

  const file = await app.inject({ url: `/api/v2/files/${version.job.file_id}`, headers: auth(member.token) })
  assertError(t, file, 404, NOT_FOUND, "a member does not read the owner's file")
  const ownerFile = await app.inject({ url: `/api/v2/files/${version.job.file_id}`, headers: auth(owner.token) })
  t.equal(ownerFile.statusCode, 200, 'the uploader does')

  const after = await app.inject({ url: '/api/v2/templates', headers: auth(owner.token) })
  t.strictSame(names(after.json()), ['external'], 'nothing changed')
})

t.test('uploads: size limit and content type', async (t) => {
  const { app } = await buildTestApp(t, { env: { OUTPOST_MAX_UPLOAD_BYTES: '64KiB' } })
  const owner = await createOwner(app)

  const atLimit = await upload(app, owner.token, Buffer.alloc(64 * 1024, 7))
  t.equal(atLimit.statusCode, 201, 'exactly the limit is accepted')
  const tooLarge = await upload(app, owner.token, Buffer.alloc(64 * 1024 + 1, 7))
  assertError(t, tooLarge, 413, { message: 'Request body is too large.', detail: 'The limit is 65536 bytes.' })
  const big = await upload(app, owner.token, Buffer.alloc(1024 * 1024, 7))
  assertError(t, big, 413, { message: 'Request body is too large.', detail: 'The limit is 65536 bytes.' })

  const zip = await upload(app, owner.token, Buffer.from('PK\u0003\u0004 not really'), 'application/zip')
  t.equal(zip.statusCode, 201, 'application/zip is an accepted upload type')

  for (const type of ['application/json', 'text/plain', 'application/octet-stream', 'application/gzip']) {
    const payload = type === 'application/json' ? '{"a":1}' : 'hello'
    const res = await upload(app, owner.token, payload, type)
    assertError(
      t,
      res,
      400,
      {
        message: 'Unsupported content type header.',
        detail: `allowed values: application/x-tar, application/zip; got ${JSON.stringify(type)}`,
      },
      type,
    )
  }
  const untyped = await app.inject({ method: 'POST', url: '/api/v2/files', headers: auth(owner.token), payload: 'hello' })
  t.equal(untyped.statusCode, 400, 'no content type')
  t.equal(untyped.json().message, 'Unsupported content type header.')

  const unauthenticated = await app.inject({
    method: 'POST',
    url: '/api/v2/files',
    headers: { 'content-type': 'application/x-tar' },
    payload: Buffer.alloc(10),
  })
  t.equal(unauthenticated.statusCode, 401)
})

t.test('a zip archive imports like a tar', async (t) => {
  const { zipSync, strToU8 } = await import('fflate')
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const files = await exampleTemplateFiles()
  const zip = Buffer.from(zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, strToU8(text)]))))
  const upload = await app.inject({
    method: 'POST',
    url: '/api/v2/files',
    headers: { ...auth(owner.token), 'content-type': 'application/zip' },
    payload: zip,
  })
  t.equal(upload.statusCode, 201)
  const version = await app.inject({
    method: 'POST',
    url: '/api/v2/organizations/default/templateversions',
    headers: auth(owner.token),
    payload: { storage_method: 'file', file_id: upload.json().hash, provisioner: 'terraform' },
  })
  t.equal(version.statusCode, 201)
  t.match(version.json(), { job: { status: 'succeeded' }, has_external_agent: true })
})
