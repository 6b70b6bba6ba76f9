/**
 * `outpost templates push` and `outpost templates list`, after coder/coder:cli/templatepush.go
 * and templatelist.go.
 */
import { homedir } from 'node:os'
import path from 'node:path'
import type { Template } from '../../client/index.js'
import type { Context } from '../context.js'
import { CliError, isStatus, step } from '../errors.js'
import { watchJob } from '../job.js'
import {
  formatJson,
  formatTable,
  goDurationString,
  longDate,
  parseColumns,
  parseFormat,
  quote,
  stamp,
  wrap,
  type TableSpec,
} from '../output.js'
import { currentOrganization } from '../organizations.js'
import { renderResources } from '../resources.js'
import { tarDirectory } from '../tar.js'

export interface PushOptions {
  directory: string
  message?: string
  name?: string
  activate: boolean
  yes?: boolean
  org?: string
  ignoreLockfile?: boolean
}

function prettyDirectory(dir: string): string {
  const absolute = path.resolve(dir)
  const home = homedir()
  return home && (absolute === home || absolute.startsWith(home + path.sep)) ? `~${absolute.slice(home.length)}` : absolute
}

export async function push(ctx: Context, nameArg: string | undefined, opts: PushOptions): Promise<void> {
  const { styles } = ctx
  const client = await ctx.client()
  const organization = await currentOrganization(client, opts.org)
  const name = nameArg ?? path.basename(path.resolve(opts.directory))

  let existing: Template | undefined
  try {
    existing = await client.templateByName(organization.id, name)
  } catch (err) {
    if (!isStatus(err, 404)) throw err
  }

  const message = opts.message ?? 'Uploaded from the CLI'
  const title = message.split('\n')[0] ?? ''
  if (title.length > 72) ctx.out(`${styles.warn('WARN: Template message is longer than 72 characters, it will be displayed as truncated.')}\n`)
  if (title !== message) ctx.out(`${styles.warn('WARN: Template message contains newlines, only the first line will be displayed.')}\n`)

  await ctx.prompter.confirm(`Upload ${quote(prettyDirectory(opts.directory))}?`, opts.yes === true, true)
  if (ctx.tty) ctx.out(`${styles.keyword('Uploading directory...')}\n`)
  const archive = await step('tar directory', () => tarDirectory(opts.directory))
  const uploaded = await step('upload', () => client.upload(archive))

  const version = await client.createTemplateVersion(organization.id, {
    ...(opts.name ? { name: opts.name } : {}),
    message,
    ...(existing ? { template_id: existing.id } : {}),
    storage_method: 'file',
    file_id: uploaded.hash,
    provisioner: 'terraform',
    tags: {},
  })
  await watchJob(client, ctx.io.stdout, styles, {
    fetch: async () => (await client.templateVersion(version.id)).job,
    logsPath: `/api/v2/templateversions/${version.id}/logs`,
  })
  const resources = await step('get resources', () => client.templateVersionResources(version.id))
  ctx.out(`${renderResources(resources, 'Template Preview', styles)}\n`)

  if (!existing) {
    await client.createTemplate(organization.id, { name, template_version_id: version.id })
    ctx.out(
      `\n${wrap(`The ${name} template has been created at ${stamp(new Date())}! Developers can provision a workspace with this template using:`)
        .replace(name, styles.keyword(name))}\n\n`,
    )
    ctx.out(`  ${styles.code(`outpost external-workspaces create --template=${quote(name)} [workspace name]`)}\n\n`)
  } else if (opts.activate) {
    await client.updateActiveTemplateVersion(existing.id, version.id)
  }
  ctx.out(`Updated version ${styles.keyword(version.name)} at ${styles.timestamp(stamp(new Date()))}!\n`)
}

const activeDevelopers = (n: number) => `${n < 0 ? '-' : n} ${n === 1 ? 'developer' : 'developers'}`

const TEMPLATE_TABLE: TableSpec<Template> = {
  columns: {
    name: (t) => t.name,
    'created at': (t) => longDate(t.created_at),
    'last updated': (t) => longDate(t.updated_at),
    'organization id': (t) => t.organization_id,
    'organization name': (t) => t.organization_name,
    provisioner: (t) => t.provisioner,
    'active version id': (t) => t.active_version_id,
    'used by': (t) => activeDevelopers(t.active_user_count),
    'default ttl': (t) => goDurationString(t.default_ttl_ms),
  },
  defaults: ['name', 'organization name', 'last updated', 'used by'],
  sort: 'name',
}

export async function listTemplates(ctx: Context, opts: { output?: string; column?: string[]; org?: string }): Promise<void> {
  const format = parseFormat(opts.output, ['table', 'json'] as const)
  const columns = parseColumns(opts.column, Object.keys(TEMPLATE_TABLE.columns))
  const client = await ctx.client()
  let templates = await client.templates()
  if (opts.org) {
    const organization = await currentOrganization(client, opts.org)
    templates = templates.filter((t) => t.organization_id === organization.id)
  }
  if (format === 'json') {
    // Coder's row type holds the template in an untagged `Template` field.
    ctx.out(`${formatJson(templates.map((t) => ({ Template: t })))}\n`)
    return
  }
  if (templates.length === 0) {
    ctx.err(`> No templates found! Create one:\n\n  ${ctx.styles.code('outpost templates push <name> -d <directory>')}\n\n`)
    return
  }
  ctx.out(`${formatTable(TEMPLATE_TABLE, templates, columns)}\n`)
}
