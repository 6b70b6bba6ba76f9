/**
 * Replays `coder external-workspaces list` (alias `ls`): one `GET /api/v2/workspaces?q=…`
 * with the `--search` default `owner:me` plus ` has_external_agent:true` (or, with `--all`,
 * `has_external_agent:true` alone), no limit or offset (docs/coder-compat.md §1.3); and
 * the older CLI's `has-external-agent:true` spelling. Checks every field the table
 * (and `--output=json`, an array of full Workspaces) reads.
 */
import t, { type Test } from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { createMember, createOwner } from '../helpers/fixtures.js'
import { expectSchema } from '../helpers/swagger.js'
import { exampleTemplateFiles, pushTemplate, tarOf } from '../helpers/templates.js'
import { Cli, createWorkspaceAsCli, expectJson } from './cli.js'

const TEMPLATE = 'externally-managed-workspace'
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

/** Go's url.Values encoding of these queries (space as +, ':' as %3A). */
const MINE = '/api/v2/workspaces?q=owner%3Ame+has_external_agent%3Atrue'
const MINE_OLD_SPELLING = '/api/v2/workspaces?q=owner%3Ame+has-external-agent%3Atrue'
const ALL = '/api/v2/workspaces?q=has_external_agent%3Atrue'
const ALL_OLD_SPELLING = '/api/v2/workspaces?q=has-external-agent%3Atrue'

/** codersdk.WorkspaceDisplayStatus, as the STATUS column computes it. */
function displayStatus(jobStatus: string, transition: string): string {
  const by = (start: string, stop: string, del: string) => (transition === 'start' ? start : transition === 'stop' ? stop : del)
  switch (jobStatus) {
    case 'succeeded':
      return by('Started', 'Stopped', 'Deleted')
    case 'running':
      return by('Starting', 'Stopping', 'Deleting')
    case 'pending':
      return 'Queued'
    case 'canceling':
      return 'Canceling'
    case 'canceled':
      return 'Canceled'
    case 'failed':
      return by('Failed to start', 'Failed to stop', 'Failed to delete')
    default:
      return 'Unknown'
  }
}

async function list(t: Test, cli: Cli, url: string, what: string): Promise<{ workspaces: any[]; count: number }> {
  const body = expectJson(t, await cli.get(url), 200, what)
  expectSchema(t, body, 'codersdk.WorkspacesResponse', what)
  t.ok(Array.isArray(body?.workspaces), `${what}: workspaces is an array`)
  t.type(body?.count, 'number', `${what}: count is a number`)
  return body
}

t.test('coder external-workspaces list', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const member = await createMember(app, owner)
  const loner = await createMember(app, owner)
  const asOwner = new Cli(app, owner.token)
  const asMember = new Cli(app, member.token)
  const asLoner = new Cli(app, loner.token)
  const files = await exampleTemplateFiles()
  const pushed = await pushTemplate(app, owner.token, TEMPLATE, files)

  for (const [cli, name, platform] of [
    [asOwner, 'hello-world', 'linux-amd64'],
    [asOwner, 'win-box', 'windows-amd64'],
    [asMember, 'members-box', 'darwin-arm64'],
  ] as const) {
    const res = await createWorkspaceAsCli(cli, name, pushed.versionId, { platform })
    t.equal(res.statusCode, 201, `create ${name}: ${res.body}`)
  }

  // The default: owner:me has_external_agent:true.
  const mine = await list(t, asOwner, MINE, 'GET /workspaces?q=owner:me has_external_agent:true')
  t.equal(mine.count, 2)
  t.strictSame(mine.workspaces.map((w) => w.name).sort(), ['hello-world', 'win-box'])
  for (const w of mine.workspaces) {
    // The table's cells, from exactly these fields.
    t.equal(w.owner_name, owner.username, `${w.name}: owner_name (WORKSPACE column)`)
    t.equal(w.template_name, TEMPLATE, `${w.name}: template_name (TEMPLATE)`)
    t.equal(w.latest_build.job.status, 'succeeded', `${w.name}: latest_build.job.status`)
    t.equal(w.latest_build.transition, 'start', `${w.name}: latest_build.transition`)
    t.equal(displayStatus(w.latest_build.job.status, w.latest_build.transition), 'Started', `${w.name}: STATUS Started`)
    t.type(w.health?.healthy, 'boolean', `${w.name}: health.healthy (HEALTHY, shown when Started)`)
    t.equal(w.health.healthy, false, `${w.name}: unhealthy until the agent connects`)
    t.match(w.latest_build.job.created_at, ISO_TIME, `${w.name}: latest_build.job.created_at (LAST BUILT)`)
    t.equal(w.latest_build.template_version_name, pushed.version.name, `${w.name}: latest_build.template_version_name (CURRENT VERSION)`)
    t.equal(w.outdated, false, `${w.name}: outdated (OUTDATED)`)
    t.equal(w.latest_build.has_external_agent, true)
  }

  // The older CLI's hyphen.
  const mineOld = await list(t, asOwner, MINE_OLD_SPELLING, 'GET /workspaces?q=owner:me has-external-agent:true')
  t.strictSame(mineOld, mine, 'the same answer for has-external-agent')

  // --all: the owner sees everyone's.
  const all = await list(t, asOwner, ALL, 'GET /workspaces?q=has_external_agent:true')
  t.equal(all.count, 3)
  t.strictSame(all.workspaces.map((w) => `${w.owner_name}/${w.name}`).sort(), [
    `${member.username}/members-box`,
    `${owner.username}/hello-world`,
    `${owner.username}/win-box`,
  ])
  const allOld = await list(t, asOwner, ALL_OLD_SPELLING, 'GET /workspaces?q=has-external-agent:true')
  t.equal(allOld.count, 3)

  // A member sees their own, with or without --all.
  for (const url of [MINE, ALL]) {
    const theirs = await list(t, asMember, url, `member: ${url}`)
    t.equal(theirs.count, 1)
    t.equal(theirs.workspaces[0]?.name, 'members-box')
    t.equal(theirs.workspaces[0]?.owner_name, member.username)
  }

  // Nothing to list: an empty array, not null (the CLI prints "No workspaces found!").
  for (const url of [MINE, ALL]) {
    const none = expectJson(t, await asLoner.get(url), 200, `no workspaces: ${url}`)
    expectSchema(t, none, 'codersdk.WorkspacesResponse')
    t.strictSame(none, { workspaces: [], count: 0 })
  }

  // has_external_agent:false matches nothing: every Outpost workspace is external.
  const internal = await list(t, asOwner, '/api/v2/workspaces?q=has_external_agent%3Afalse', 'has_external_agent:false')
  t.strictSame(internal, { workspaces: [], count: 0 })

  // A new active version makes the workspaces OUTDATED.
  const upload = await asOwner.upload(await tarOf({ ...files, 'README.md': 'v2\n' }))
  t.equal(upload.statusCode, 201)
  const v2 = expectJson(
    t,
    await asOwner.post(`/api/v2/organizations/${owner.organizationId}/templateversions`, {
      template_id: pushed.templateId,
      storage_method: 'file',
      file_id: upload.json().hash,
      provisioner: 'terraform',
      tags: {},
    }),
    201,
    'import v2',
  )
  expectJson(t, await asOwner.patch(`/api/v2/templates/${pushed.templateId}/versions`, { id: v2.id }), 200, 'activate v2')
  const outdated = await list(t, asOwner, MINE, 'after a new active version')
  for (const w of outdated.workspaces) {
    t.equal(w.outdated, true, `${w.name}: outdated`)
    t.equal(w.latest_build.template_version_name, pushed.version.name, `${w.name}: still built from the old version`)
    t.equal(w.template_active_version_id, v2.id)
  }
})
