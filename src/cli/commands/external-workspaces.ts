/**
 * `outpost external-workspaces create|list|agent-instructions` and `outpost delete`,
 * after coder/coder:enterprise/cli/externalworkspaces.go, cli/create.go, cli/list.go
 * and cli/delete.go (request sequences in docs/coder-compat.md §1 and §6.1).
 */
import type {
  ExternalAgentCredentials,
  OutpostClient,
  Template,
  TemplateVersionParameter,
  Workspace,
  WorkspaceAgent,
  WorkspaceBuildParameter,
} from '../../client/index.js'
import type { Context } from '../context.js'
import { parseGoDuration } from '../duration.js'
import { CliError, step } from '../errors.js'
import { watchJob } from '../job.js'
import {
  durationDisplay,
  formatJson,
  formatTable,
  parseColumns,
  parseFormat,
  quote,
  rfc3339Local,
  stamp,
  type Styles,
  type TableSpec,
} from '../output.js'
import { renderResources } from '../resources.js'
import { isUuid, namedWorkspace, nameProblem, splitNamedWorkspace } from '../workspace-names.js'

/** What `agent-instructions -o json` prints (the enterprise CLI's `externalAgent`). */
export interface ExternalAgent {
  workspace_name: string
  agent_name: string
  auth_type: 'token'
  auth_token: string
  init_script: string
}

/** Coder's `formatExternalAgent`: the sentence, then each agent's command (named when there are several). */
export function formatExternalAgent(workspaceName: string, agents: ExternalAgent[], styles: Styles): string {
  let out = `\nPlease run the following command to attach external agent to the workspace ${styles.keyword(workspaceName)}:\n\n`
  agents.forEach((agent, i) => {
    if (agents.length > 1) out += `For agent ${styles.keyword(agent.agent_name)}:\n`
    out += `${styles.code(agent.init_script)}\n`
    if (i < agents.length - 1) out += '\n'
  })
  return out
}

const toAgent = (workspaceName: string, agentName: string, credentials: ExternalAgentCredentials): ExternalAgent => ({
  workspace_name: workspaceName,
  agent_name: agentName,
  auth_type: 'token',
  auth_token: credentials.agent_token,
  init_script: credentials.command,
})

// external-workspaces create

export interface CreateOptions {
  template?: string
  templateVersion?: string
  preset?: string
  parameter: string[]
  parameterDefault: string[]
  useParameterDefaults?: boolean
  automaticUpdates: string
  stopAfter?: string
  yes?: boolean
  org?: string
}

function parseKeyValues(values: string[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const value of values) {
    const eq = value.indexOf('=')
    if (eq <= 0) throw new CliError(`can't parse given parameter values: format key=value expected, but got ${value}`)
    out.set(value.slice(0, eq), value.slice(eq + 1))
  }
  return out
}

async function findTemplate(client: OutpostClient, name: string, org: string | undefined): Promise<Template> {
  let templates = await step('get template by name', () => client.templates(`exact_name:${quote(name)}`))
  if (org) templates = templates.filter((t) => t.organization_name === org || t.organization_id === org)
  const [only, ...others] = templates
  if (!only) throw new CliError(`no template found with the name ${quote(name)}`)
  if (others.length > 0) {
    throw new CliError(
      `multiple templates found with the name ${quote(name)}, use --org=<organization_name> to specify which template by that name to use. Organizations available: ${templates.map((t) => t.organization_name).join(', ')}`,
    )
  }
  return only
}

async function resolveParameters(
  ctx: Context,
  parameters: TemplateVersionParameter[],
  given: Map<string, string>,
  defaults: Map<string, string>,
  opts: CreateOptions,
): Promise<WorkspaceBuildParameter[]> {
  for (const name of given.keys()) {
    if (!parameters.some((p) => p.name === name)) throw new CliError(`parameter ${quote(name)} is not present in the template`)
  }
  const values: WorkspaceBuildParameter[] = []
  for (const parameter of parameters) {
    if (parameter.ephemeral) continue
    const explicit = given.get(parameter.name)
    if (explicit !== undefined) {
      values.push({ name: parameter.name, value: explicit })
      continue
    }
    const fallback = defaults.get(parameter.name) ?? parameter.default_value
    const hasDefault = !parameter.required || fallback !== ''
    const prompt = ctx.prompter.interactive && opts.yes !== true && opts.useParameterDefaults !== true
    if (!prompt) {
      if (!hasDefault) {
        throw new CliError(`parameter ${quote(parameter.name)} is required: pass --parameter ${parameter.name}=<value>`)
      }
      values.push({ name: parameter.name, value: fallback })
      continue
    }
    const label = parameter.display_name || parameter.name
    if (parameter.description_plaintext) ctx.out(`${parameter.description_plaintext}\n`)
    const options = parameter.options.map((o) => o.value)
    if (options.length > 0) ctx.out(`  Options: ${parameter.options.map((o) => `${o.value}${o.name && o.name !== o.value ? ` (${o.name})` : ''}`).join(', ')}\n`)
    const answer = await ctx.prompter.ask(`${ctx.styles.bold(label)}${label !== parameter.name ? ` (${parameter.name})` : ''}:`, {
      ...(fallback !== '' ? { default: fallback } : {}),
      validate: (a) =>
        options.length > 0 && !options.includes(a)
          ? `Choose one of: ${options.join(', ')}`
          : parameter.required && a === ''
            ? 'Must be provided!'
            : undefined,
    })
    values.push({ name: parameter.name, value: answer })
  }
  return values
}

export async function createExternalWorkspace(ctx: Context, identifier: string, opts: CreateOptions): Promise<void> {
  const { styles } = ctx
  if (!opts.template) throw new CliError('Missing values for the required flags: template')
  if (opts.automaticUpdates !== 'always' && opts.automaticUpdates !== 'never') {
    throw new CliError(`invalid automatic updates setting ${quote(opts.automaticUpdates)}: accepts 'always' or 'never'`)
  }
  const ttlMs = opts.stopAfter ? Math.round(parseGoDuration(opts.stopAfter) / 1e6) : 0
  const given = parseKeyValues(opts.parameter)
  const defaults = parseKeyValues(opts.parameterDefault)
  const { owner, name } = splitNamedWorkspace(identifier)
  const problem = nameProblem(name)
  if (problem) throw new CliError(`workspace name ${quote(name)} is invalid: ${problem}`)

  const client = await ctx.client()

  // 1. The name must be free: any error (a 404) means it is.
  const taken = await client.workspaceByOwnerAndName(owner, name).then(
    () => true,
    () => false,
  )
  if (taken) throw new CliError(`a workspace already exists named ${quote(name)}`)

  // 3-4. The template, and the version to build.
  const template = await findTemplate(client, opts.template, opts.org)
  let versionId = template.active_version_id
  if (opts.templateVersion) {
    const named = await step('get template version by name', () => client.templateVersionByName(template.id, opts.templateVersion ?? ''))
    versionId = named.id
  }

  // 5. Presets: Outpost templates have none.
  const presets = await step('get presets', () => client.templateVersionPresets(versionId))
  if (opts.preset && opts.preset !== 'none') throw new CliError(`preset ${quote(opts.preset)} not found`)
  if (presets.length === 0 || opts.preset === 'none') ctx.out('No preset applied.\n')

  // 6. BeforeCreate: only the version's has_external_agent counts.
  const version = await step('before create', () => client.templateVersion(versionId))
  if (!version.has_external_agent) {
    throw new CliError(
      `before create: template version ${quote(versionId)} does not have an external agent. Only templates with external agents can be used for external workspace creation`,
    )
  }

  // 7. prepWorkspaceBuild: parameters, external auth, a dry run and its preview.
  const parameters = await step('get template version rich parameters', () => client.templateVersionRichParameters(versionId))
  const values = await resolveParameters(ctx, parameters, given, defaults, opts)
  await step('template version external auth', () => client.templateVersionExternalAuth(versionId))
  const dryRun = await step('begin workspace dry-run', () =>
    client.createTemplateVersionDryRun(versionId, { workspace_name: name, rich_parameter_values: values }),
  )
  const matched = await client.templateVersionDryRunMatchedProvisioners(versionId, dryRun.id).catch(() => undefined)
  if (matched && matched.count === 0) ctx.out(`${styles.warn('WARN: No provisioners are available to handle the job.')}\n`)
  ctx.out('Planning workspace...\n')
  await step('dry-run workspace', () =>
    watchJob(client, ctx.io.stdout, styles, {
      fetch: () => client.templateVersionDryRun(versionId, dryRun.id),
      logsPath: `/api/v2/templateversions/${versionId}/dry-run/${dryRun.id}/logs`,
      silent: true,
    }),
  )
  const preview = await step('get workspace dry-run resources', () => client.templateVersionDryRunResources(versionId, dryRun.id))
  ctx.out(`${renderResources(preview, 'Workspace Preview', styles)}\n`)

  // 8-9. Confirm, create.
  await ctx.prompter.confirm('Confirm create?', opts.yes === true)
  const created = await step('create workspace', () =>
    client.createUserWorkspace(owner, {
      template_version_id: versionId,
      name,
      rich_parameter_values: values,
      automatic_updates: opts.automaticUpdates,
      ...(ttlMs > 0 ? { ttl_ms: ttlMs } : {}),
    }),
  )

  // 11-12. Watch the build.
  await step('watch build', () =>
    watchJob(client, ctx.io.stdout, styles, {
      fetch: async () => (await client.workspaceBuild(created.latest_build.id)).job,
      logsPath: `/api/v2/workspacebuilds/${created.latest_build.id}/logs`,
    }),
  )
  ctx.out(`\nThe ${styles.keyword(created.name)} workspace has been created at ${styles.timestamp(stamp(new Date()))}!\n`)

  // 13. AfterCreate: the credentials of each coder_external_agent resource's first agent.
  const workspace = await step('get workspace by name', () => client.workspaceByOwnerAndName('me', created.name))
  const agents = await step('fetch external agents', () => fetchExternalAgents(client, workspace))
  ctx.out(`${formatExternalAgent(workspace.name, agents, styles)}\n`)
}

async function fetchExternalAgents(client: OutpostClient, workspace: Workspace): Promise<ExternalAgent[]> {
  const resources = workspace.latest_build.resources
  if (resources.length === 0) throw new CliError('no resources found for workspace')
  const agents: ExternalAgent[] = []
  for (const resource of resources) {
    const agent = resource.agents?.[0]
    if (resource.type !== 'coder_external_agent' || !agent) continue
    const credentials = await step(`get external agent token for agent ${quote(agent.name)}`, () =>
      client.workspaceExternalAgentCredentials(workspace.id, agent.name),
    )
    agents.push(toAgent('', agent.name, credentials))
  }
  return agents
}

// external-workspaces list

export const DISPLAY_STATUS: Record<string, Record<string, string>> = {
  succeeded: { start: 'Started', stop: 'Stopped', delete: 'Deleted' },
  running: { start: 'Starting', stop: 'Stopping', delete: 'Deleting' },
  failed: { start: 'Failed to start', stop: 'Failed to stop', delete: 'Failed to delete' },
}

/** Coder's `codersdk.WorkspaceDisplayStatus`. */
export function displayStatus(jobStatus: string, transition: string): string {
  switch (jobStatus) {
    case 'succeeded':
    case 'running':
      return DISPLAY_STATUS[jobStatus]?.[transition] ?? 'Unknown'
    case 'failed':
      return DISPLAY_STATUS.failed?.[transition] ?? 'Failed'
    case 'pending':
      return 'Queued'
    case 'canceling':
      return 'Canceling'
    case 'canceled':
      return 'Canceled'
    default:
      return 'Unknown'
  }
}

/** Coder's `WorkspaceListRow` columns (cli/list.go), computed at `now`. */
export function workspaceTable(now: Date): TableSpec<Workspace> {
  const status = (w: Workspace) => displayStatus(w.latest_build.job.status, w.latest_build.transition)
  return {
    columns: {
      favorite: (w) => String(w.favorite),
      workspace: (w) => `${w.favorite ? '★' : ' '} ${w.owner_name}/${w.name}`,
      'organization id': (w) => w.organization_id,
      'organization name': (w) => w.organization_name,
      template: (w) => w.template_name,
      status,
      healthy: (w) => (['Starting', 'Started'].includes(status(w)) ? String(w.health.healthy) : ''),
      'last built': (w) => {
        const elapsed = now.getTime() - new Date(w.latest_build.job.created_at).getTime()
        return durationDisplay(Math.trunc(elapsed / 1000) * 1000)
      },
      'current version': (w) => w.latest_build.template_version_name,
      outdated: (w) => String(w.outdated),
      'starts at': (w) => w.autostart_schedule ?? '',
      'starts next': (w) => (w.autostart_schedule && w.next_start_at ? rfc3339Local(w.next_start_at) : ''),
      'stops after': (w) => (w.ttl_ms ? durationDisplay(w.ttl_ms) : ''),
      'stops next': (w) =>
        w.ttl_ms && w.latest_build.deadline && w.latest_build.transition === 'start' ? rfc3339Local(w.latest_build.deadline) : '',
      'daily cost': (w) => String(w.latest_build.daily_cost),
    },
    defaults: ['workspace', 'template', 'status', 'healthy', 'last built', 'current version', 'outdated'],
    sort: 'workspace',
  }
}

export async function listExternalWorkspaces(
  ctx: Context,
  opts: { all?: boolean; search: string; output?: string; column?: string[] },
): Promise<void> {
  const format = parseFormat(opts.output, ['table', 'json'] as const)
  const spec = workspaceTable(new Date())
  const columns = parseColumns(opts.column, Object.keys(spec.columns))
  const client = await ctx.client()
  // cliui.WorkspaceFilter: --all drops the default owner:me (not an explicit --search).
  const base = opts.all && opts.search === 'owner:me' ? '' : opts.search
  const q = base === '' ? 'has_external_agent:true' : `${base} has_external_agent:true`
  const { workspaces } = await step('query workspaces', () => client.workspaces({ q }))
  if (format === 'json') {
    ctx.out(`${formatJson(workspaces)}\n`)
    return
  }
  if (workspaces.length === 0) {
    ctx.err(`  No workspaces found! Create one:\n\n  ${ctx.styles.code('outpost external-workspaces create <name>')}\n\n`)
    return
  }
  ctx.out(`${formatTable(spec, workspaces, columns)}\n`)
}

// external-workspaces agent-instructions

/** Coder's `getWorkspaceAndAgent` without autostart: `[owner/]workspace[.agent]` or a workspace UUID. */
async function workspaceAndAgent(
  ctx: Context,
  client: OutpostClient,
  identifier: string,
): Promise<{ workspace: Workspace; agent: WorkspaceAgent }> {
  const dotted = identifier.split('.')
  if (dotted.length > 2) throw new CliError(`invalid workspace name: ${quote(identifier)}`)
  const [target = '', agentName] = dotted
  let workspace = isUuid(target) ? await client.workspace(target) : await namedWorkspace(client, target)
  if (workspace.latest_build.transition === 'delete') throw new CliError(`workspace ${quote(workspace.name)} is being deleted`)
  if (workspace.latest_build.transition !== 'start') throw new CliError('workspace must be started')
  if (!workspace.latest_build.job.completed_at) {
    const buildId = workspace.latest_build.id
    await watchJob(client, ctx.io.stderr, ctx.styles, {
      fetch: async () => (await client.workspaceBuild(buildId)).job,
      logsPath: `/api/v2/workspacebuilds/${buildId}/logs`,
    })
    workspace = { ...workspace, latest_build: await client.workspaceBuild(buildId) }
  }
  const agents = workspace.latest_build.resources.flatMap((r) => r.agents ?? [])
  if (agents.length === 0) throw new CliError(`workspace ${quote(workspace.name)} has no agents`)
  if (agentName !== undefined) {
    const agent = agents.find((a) => a.name === agentName)
    if (!agent) throw new CliError(`agent not found by name ${quote(agentName)}`)
    return { workspace, agent }
  }
  const [only, ...others] = agents
  if (!only) throw new CliError(`workspace ${quote(workspace.name)} has no agents`)
  if (others.length > 0) {
    throw new CliError(`multiple agents found, please specify the agent name: ${agents.map((a) => `${workspace.name}.${a.name}`).join(', ')}`)
  }
  return { workspace, agent: only }
}

export async function agentInstructions(ctx: Context, identifier: string, opts: { output?: string }): Promise<void> {
  const format = parseFormat(opts.output, ['text', 'json'] as const)
  const client = await ctx.client()
  const { workspace, agent } = await step('find workspace and agent', () => workspaceAndAgent(ctx, client, identifier))
  const credentials = await step(`get external agent token for agent ${quote(agent.name)}`, () =>
    client.workspaceExternalAgentCredentials(workspace.id, agent.name),
  )
  const info = toAgent(workspace.name, agent.name, credentials)
  ctx.out(format === 'json' ? `${formatJson(info)}\n` : `${formatExternalAgent(workspace.name, [info], ctx.styles)}\n`)
}

// delete

export async function deleteWorkspace(ctx: Context, identifier: string, opts: { yes?: boolean; orphan?: boolean }): Promise<void> {
  const { styles } = ctx
  const client = await ctx.client()
  const workspace = await namedWorkspace(client, identifier)
  const fullName = `${workspace.owner_name}/${workspace.name}`
  const days = (Date.now() - new Date(workspace.last_used_at).getTime()) / 86_400_000
  ctx.err(`${fullName} was last used ${Math.round(days)} days ago\n`)
  await ctx.prompter.confirm('Confirm delete workspace?', opts.yes === true)
  const build = await client.createWorkspaceBuild(workspace.id, {
    transition: 'delete',
    ...(opts.orphan ? { orphan: true } : {}),
  })
  await watchJob(client, ctx.io.stdout, styles, {
    fetch: async () => (await client.workspaceBuild(build.id)).job,
    logsPath: `/api/v2/workspacebuilds/${build.id}/logs`,
  })
  ctx.out(`\n${styles.keyword(fullName)} has been deleted at ${styles.timestamp(stamp(new Date()))}!\n`)
}

