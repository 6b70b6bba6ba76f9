import type { WorkspaceAgentRow } from '../db/schema.js'
import type { WorkspaceAgent } from '../sdk/workspaces.js'
import type { AgentStatusClock } from '../store/workspaces.js'

export type { AgentStatusClock }

/** Coder's AgentInactiveDisconnectTimeout: twice the connection ping interval, at least 2 s. */
export function inactiveTimeoutSeconds(pingIntervalMs: number): number {
  return Math.max(2, (2 * pingIntervalMs) / 1000)
}

export type AgentStatus = 'connecting' | 'connected' | 'disconnected' | 'timeout'

/** Coder's `WorkspaceAgent.Status` rule, with the disconnect time it implies. */
export function agentStatus(
  agent: Pick<WorkspaceAgentRow, 'firstConnectedAt' | 'lastConnectedAt' | 'disconnectedAt' | 'createdAt' | 'connectionTimeoutSeconds'>,
  at: AgentStatusClock,
): { status: AgentStatus; disconnectedAt: Date | null } {
  const now = at.now
  if (!agent.firstConnectedAt) {
    const waited = now.getTime() - agent.createdAt.getTime()
    const timedOut = agent.connectionTimeoutSeconds > 0 && waited > agent.connectionTimeoutSeconds * 1000
    return { status: timedOut ? 'timeout' : 'connecting', disconnectedAt: agent.disconnectedAt }
  }
  const last = agent.lastConnectedAt
  if (agent.disconnectedAt && (!last || agent.disconnectedAt.getTime() >= last.getTime())) {
    return { status: 'disconnected', disconnectedAt: agent.disconnectedAt }
  }
  if (!last || now.getTime() - last.getTime() > at.inactiveTimeoutSeconds * 1000) {
    return { status: 'disconnected', disconnectedAt: last }
  }
  return { status: 'connected', disconnectedAt: agent.disconnectedAt }
}

/** Coder's health reasons, first match wins. */
export function agentHealth(status: AgentStatus, lifecycle: WorkspaceAgentRow['lifecycleState']): { healthy: boolean; reason?: string } {
  if (status !== 'connected' && lifecycle === 'off') return { healthy: false, reason: 'agent is not running' }
  if (status === 'connecting') return { healthy: false, reason: 'agent has not yet connected' }
  if (status === 'timeout') return { healthy: false, reason: 'agent is taking too long to connect' }
  if (status === 'disconnected') return { healthy: false, reason: 'agent has lost connection' }
  if (lifecycle === 'start_error') return { healthy: false, reason: 'agent startup script exited with an error' }
  if (lifecycle === 'shutting_down' || lifecycle === 'shutdown_timeout' || lifecycle === 'shutdown_error') {
    return { healthy: false, reason: 'agent is shutting down' }
  }
  return { healthy: true }
}

/** `{key: ISO time}` when the time is set; Coder omits these fields otherwise. */
function timeField<K extends string>(key: K, date: Date | null): Partial<Record<K, string>> {
  return date ? ({ [key]: date.toISOString() } as Record<K, string>) : {}
}

export function toWorkspaceAgent(row: WorkspaceAgentRow, at: AgentStatusClock): WorkspaceAgent {
  const { status, disconnectedAt } = agentStatus(row, at)
  return {
    id: row.id,
    parent_id: null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    ...timeField('first_connected_at', row.firstConnectedAt),
    ...timeField('last_connected_at', row.lastConnectedAt),
    ...timeField('disconnected_at', disconnectedAt),
    ...timeField('started_at', row.startedAt),
    ...timeField('ready_at', row.readyAt),
    ...(row.directory ? { directory: row.directory } : {}),
    status,
    lifecycle_state: row.lifecycleState,
    name: row.name,
    resource_id: row.resourceId,
    architecture: row.architecture,
    environment_variables: {},
    operating_system: row.operatingSystem,
    logs_length: 0,
    logs_overflowed: false,
    version: row.version,
    api_version: row.apiVersion,
    apps: [],
    connection_timeout_seconds: row.connectionTimeoutSeconds,
    troubleshooting_url: row.troubleshootingUrl,
    subsystems: [],
    health: agentHealth(status, row.lifecycleState),
    display_apps: [],
    log_sources: [],
    scripts: [],
    startup_script_behavior: 'non-blocking',
    ...(row.enrollmentStage && row.enrollmentStageAt
      ? {
          enrollment: {
            stage: row.enrollmentStage,
            at: row.enrollmentStageAt.toISOString(),
            ...(row.enrollmentError ? { error: row.enrollmentError } : {}),
          },
        }
      : {}),
  }
}

/** The attach command, byte for byte as Coder prints it (Go's %q quoting). */
export function attachCommand(accessUrl: string, os: string, arch: string, token: string): string {
  const url = `${accessUrl}/api/v2/init-script/${os}/${arch}`
  const q = goQuote
  return os === 'windows'
    ? `$env:CODER_AGENT_TOKEN=${q(token)}; iwr -useb ${q(url)} | iex`
    : `curl -fsSL ${q(url)} | CODER_AGENT_TOKEN=${q(token)} sh`
}

/** Go's %q for the strings we quote (URLs and UUIDs): JSON string escaping matches it for printable ASCII. */
function goQuote(value: string): string {
  return JSON.stringify(value)
}
