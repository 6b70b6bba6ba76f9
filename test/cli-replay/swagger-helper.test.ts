/**
 * The swagger validator the replay tests rely on is not vacuous: it knows Coder's
 * definitions, rejects wrong types, formats and enum values, accepts null only where
 * swagger does not list the property as required, and reports readable errors.
 */
import t from 'tap'
import { definitionNames, schemaErrors } from '../helpers/swagger.js'

const ID = '6f0b8f0e-1d2c-4c3b-9a8d-7e6f5a4b3c2d'

t.test('the definitions the replays use exist', async (t) => {
  const names = definitionNames()
  for (const name of [
    'codersdk.Workspace',
    'codersdk.WorkspaceBuild',
    'codersdk.WorkspaceResource',
    'codersdk.WorkspaceAgent',
    'codersdk.WorkspacesResponse',
    'codersdk.Template',
    'codersdk.TemplateVersion',
    'codersdk.TemplateVersionParameter',
    'codersdk.ProvisionerJob',
    'codersdk.ProvisionerJobLog',
    'codersdk.ExternalAgentCredentials',
    'codersdk.UploadResponse',
    'codersdk.DynamicParametersResponse',
    'codersdk.MatchedProvisioners',
    'codersdk.Response',
  ]) {
    t.ok(names.includes(name), name)
  }
  t.throws(() => schemaErrors({}, 'codersdk.NoSuchThing'), /no definition codersdk\.NoSuchThing/)
})

t.test('wrong bodies are caught, with readable errors', async (t) => {
  t.strictSame(schemaErrors({ id: ID, name: 'x', latest_build: { transition: 'start' } }, 'codersdk.Workspace'), [])
  t.match(schemaErrors({ id: 'not-a-uuid' }, 'codersdk.Workspace'), [/^\/id must match format "uuid", got "not-a-uuid"/])
  t.match(schemaErrors({ created_at: 'yesterday' }, 'codersdk.Workspace'), [/^\/created_at must match format "date-time"/])
  t.match(schemaErrors({ latest_build: { transition: 'restart' } }, 'codersdk.Workspace'), [
    /^\/latest_build\/transition must be equal to one of the allowed values \["start","stop","delete"\], got "restart"/,
  ])
  t.match(schemaErrors({ latest_build: { resources: [{ agents: [{ status: 'online' }] }] } }, 'codersdk.Workspace'), [
    /^\/latest_build\/resources\/0\/agents\/0\/status must be equal to one of the allowed values/,
  ])
  t.match(schemaErrors({ count: '1', workspaces: [] }, 'codersdk.WorkspacesResponse'), [/^\/count must be integer/])
  t.match(schemaErrors([], 'codersdk.Workspace'), [/^\(body\) must be object/])
  t.match(schemaErrors({ id: 1, log_level: 'loud' }, 'codersdk.ProvisionerJobLog'), [/^\/log_level must be equal to one of/])
})

t.test('null where Go sends null, and not where swagger requires the field', async (t) => {
  t.strictSame(
    schemaErrors({ id: ID, deleting_at: null, dormant_at: null, next_start_at: null, latest_build: { deadline: null } }, 'codersdk.Workspace'),
    [],
    'optional times may be null',
  )
  t.strictSame(schemaErrors({ parent_id: null }, 'codersdk.WorkspaceAgent'), [], 'NullUUID: null')
  t.strictSame(schemaErrors({ parent_id: ID }, 'codersdk.WorkspaceAgent'), [], 'NullUUID: a UUID string, as google/uuid marshals it')
  t.match(schemaErrors({ parent_id: 'x' }, 'codersdk.WorkspaceAgent'), [/parent_id/])
  t.match(schemaErrors({ id: null, username: 'u' }, 'codersdk.MinimalUser'), [/^\/id must be string/], 'required: no null')
  t.strictSame(schemaErrors({ id: ID, username: 'u', avatar_url: '' }, 'codersdk.MinimalUser'), [], 'an unset avatar URL is ""')
  t.match(schemaErrors({ id: ID, username: 'u', avatar_url: 'not a uri' }, 'codersdk.MinimalUser'), [/avatar_url/])
})
