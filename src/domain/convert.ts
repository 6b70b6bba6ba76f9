import type {
  ApiKeyRow,
  OrganizationRow,
  ProvisionerJobRow,
  TemplateRow,
  TemplateVersionRow,
  UserRow,
  WorkspaceBuildRow,
  WorkspaceRow,
} from '../db/schema.js'
import type { APIKey } from '../sdk/api-keys.js'
import type { Organization } from '../sdk/organizations.js'
import type { Template, TemplateVersion } from '../sdk/templates.js'
import type { SlimRole, User } from '../sdk/users.js'
import type { Workspace, WorkspaceBuild, WorkspaceResource } from '../sdk/workspaces.js'
import type { ResourceWithAgents } from '../store/resources.js'
import type { TemplateView } from '../store/templates.js'
import type { AgentStatusClock, BuildView, WorkspaceView } from '../store/workspaces.js'
import { toWorkspaceAgent } from './agents.js'
import { NIL_UUID, toProvisionerJob, type JobMetadata } from './jobs.js'

/** Go's zero time, which Coder sends for timestamps that never happened. */
const ZERO_TIME = '0001-01-01T00:00:00Z'

const ROLE_DISPLAY_NAMES: Record<string, string> = { owner: 'Owner', member: 'Member' }

function slimRole(name: string): SlimRole {
  return { name, display_name: ROLE_DISPLAY_NAMES[name] ?? name }
}

export function toUser(row: UserRow, organizationIds: readonly string[]): User {
  return {
    id: row.id,
    username: row.username,
    name: row.name,
    email: row.email,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    last_seen_at: row.lastSeenAt?.toISOString() ?? ZERO_TIME,
    status: row.status,
    login_type: row.loginType,
    theme_preference: '',
    organization_ids: [...organizationIds],
    roles: row.rbacRoles.map(slimRole),
    avatar_url: row.avatarUrl,
  }
}

export function toOrganization(row: OrganizationRow): Organization {
  return {
    id: row.id,
    name: row.name,
    display_name: row.displayName,
    description: row.description,
    icon: row.icon,
    is_default: row.isDefault,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  }
}

export function toApiKey(row: ApiKeyRow & { username: string }): APIKey {
  return {
    id: row.id,
    user_id: row.userId,
    username: row.username,
    token_name: row.tokenName,
    login_type: row.loginType,
    scope: row.scope,
    scopes: [row.scope === 'all' ? 'coder:all' : row.scope],
    lifetime_seconds: row.lifetimeSeconds,
    expires_at: row.expiresAt.toISOString(),
    last_used: row.lastUsed.toISOString(),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  }
}

export function toTemplate(view: TemplateView): Template {
  const { template: t, organization: org } = view
  return {
    id: t.id,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
    organization_id: org.id,
    organization_name: org.name,
    organization_display_name: org.displayName,
    organization_icon: org.icon,
    name: t.name,
    display_name: t.displayName,
    provisioner: 'terraform',
    active_version_id: t.activeVersionId,
    active_user_count: 0,
    build_time_stats: {
      start: { p50: null, p95: null },
      stop: { p50: null, p95: null },
      delete: { p50: null, p95: null },
    },
    description: t.description,
    deprecated: t.deprecationMessage !== '',
    deprecation_message: t.deprecationMessage,
    icon: t.icon,
    default_ttl_ms: 0,
    activity_bump_ms: 0,
    autostop_requirement: { days_of_week: [], weeks: 1 },
    autostart_requirement: { days_of_week: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] },
    created_by_id: t.createdBy,
    created_by_name: view.createdByName,
    allow_user_autostart: false,
    allow_user_autostop: false,
    allow_user_cancel_workspace_jobs: t.allowUserCancelWorkspaceJobs,
    failure_ttl_ms: 0,
    time_til_dormant_ms: 0,
    time_til_dormant_autodelete_ms: 0,
    require_active_version: t.requireActiveVersion,
    max_port_share_level: 'owner',
    cors_behavior: 'simple',
    use_classic_parameter_flow: t.useClassicParameterFlow,
  }
}

export function jobMetadata(
  version: TemplateVersionRow,
  template: TemplateRow | undefined,
  workspace?: { id: string; name: string },
): JobMetadata {
  return {
    template_version_name: version.name,
    template_id: template?.id ?? NIL_UUID,
    template_name: template?.name ?? '',
    template_display_name: template?.displayName ?? '',
    template_icon: template?.icon ?? '',
    ...(workspace ? { workspace_id: workspace.id, workspace_name: workspace.name } : {}),
  }
}

export function toTemplateVersion(
  version: TemplateVersionRow,
  job: ProvisionerJobRow,
  createdBy: UserRow,
  template: TemplateRow | undefined,
): TemplateVersion {
  return {
    id: version.id,
    ...(version.templateId ? { template_id: version.templateId } : {}),
    organization_id: version.organizationId,
    created_at: version.createdAt.toISOString(),
    updated_at: version.updatedAt.toISOString(),
    name: version.name,
    message: version.message,
    job: toProvisionerJob(job, jobMetadata(version, template)),
    readme: version.readme,
    created_by: { id: createdBy.id, username: createdBy.username, name: createdBy.name, avatar_url: createdBy.avatarUrl },
    archived: version.archived,
    warnings: [],
    has_external_agent: version.hasExternalAgent,
  }
}

export function toWorkspaceResource(entry: ResourceWithAgents, at: AgentStatusClock): WorkspaceResource {
  const { resource, agents } = entry
  return {
    id: resource.id,
    created_at: resource.createdAt.toISOString(),
    job_id: resource.jobId,
    workspace_transition: resource.transition,
    type: resource.type,
    name: resource.name,
    hide: resource.hide,
    icon: resource.icon,
    ...(agents.length > 0 ? { agents: agents.map((a) => toWorkspaceAgent(a, at)) } : {}),
    daily_cost: 0,
  }
}

/** Coder's build status: the job's status read through the transition. */
export function buildStatus(jobStatus: ProvisionerJobRow['status'], transition: WorkspaceBuildRow['transition']): string {
  const by = (start: string, stop: string, del: string) => (transition === 'start' ? start : transition === 'stop' ? stop : del)
  if (jobStatus === 'running') return by('starting', 'stopping', 'deleting')
  if (jobStatus === 'succeeded') return by('running', 'stopped', 'deleted')
  return jobStatus
}

export function toWorkspaceBuild(
  view: BuildView,
  workspace: { row: WorkspaceRow; owner: UserRow; template: TemplateRow },
  at: AgentStatusClock,
): WorkspaceBuild {
  const { build, job, version, initiator } = view
  return {
    id: build.id,
    created_at: build.createdAt.toISOString(),
    updated_at: build.updatedAt.toISOString(),
    workspace_id: workspace.row.id,
    workspace_name: workspace.row.name,
    workspace_owner_id: workspace.owner.id,
    workspace_owner_name: workspace.owner.username,
    ...(workspace.owner.avatarUrl ? { workspace_owner_avatar_url: workspace.owner.avatarUrl } : {}),
    template_version_id: version.id,
    template_version_name: version.name,
    build_number: build.buildNumber,
    transition: build.transition,
    initiator_id: initiator.id,
    initiator_name: initiator.username,
    job: toProvisionerJob(job, jobMetadata(version, workspace.template, { id: workspace.row.id, name: workspace.row.name })),
    reason: build.reason,
    resources: view.resources.map((r) => toWorkspaceResource(r, at)),
    deadline: null,
    max_deadline: null,
    status: buildStatus(job.status, build.transition),
    daily_cost: 0,
    template_version_preset_id: null,
    has_external_agent: build.hasExternalAgent,
  }
}

export function toWorkspace(view: WorkspaceView, at: AgentStatusClock): Workspace {
  const { workspace: w, owner, organization, template, latest } = view
  const latestBuild = toWorkspaceBuild(latest, { row: w, owner, template }, at)
  const failing = (latestBuild.resources ?? [])
    .flatMap((r) => r.agents ?? [])
    .filter((a) => !a.health.healthy)
    .map((a) => a.id)
  return {
    id: w.id,
    created_at: w.createdAt.toISOString(),
    updated_at: w.updatedAt.toISOString(),
    owner_id: owner.id,
    owner_name: owner.username,
    owner_avatar_url: owner.avatarUrl,
    organization_id: organization.id,
    organization_name: organization.name,
    template_id: template.id,
    template_name: template.name,
    template_display_name: template.displayName,
    template_icon: template.icon,
    template_allow_user_cancel_workspace_jobs: template.allowUserCancelWorkspaceJobs,
    template_active_version_id: template.activeVersionId,
    template_require_active_version: template.requireActiveVersion,
    template_use_classic_parameter_flow: template.useClassicParameterFlow,
    latest_build: latestBuild,
    latest_app_status: null,
    outdated: latest.version.id !== template.activeVersionId,
    name: w.name,
    ...(w.autostartSchedule ? { autostart_schedule: w.autostartSchedule } : {}),
    ...(w.ttlMs ? { ttl_ms: w.ttlMs } : {}),
    last_used_at: w.lastUsedAt.toISOString(),
    deleting_at: null,
    dormant_at: null,
    health: { healthy: failing.length === 0, failing_agents: failing },
    automatic_updates: w.automaticUpdates,
    allow_renames: false,
    favorite: false,
    next_start_at: null,
    is_prebuild: false,
    task_id: null,
  }
}
