import type { Db } from '../db/client.js'
import type { WorkspaceAgentRow } from '../db/schema.js'
import type { EnrollmentReport } from '../sdk/workspaces.js'
import { updateAgentLifecycle } from '../store/agents.js'
import { recordEnrollmentStage } from '../store/resources.js'
import type { AuthenticatedAgent } from '../store/workspaces.js'
import type { Clock } from './clock.js'

export interface AgentManifest {
  agent_id: string
  agent_name: string
  workspace_id: string
  workspace_name: string
  owner_id: string
  owner_name: string
  operating_system: string
  architecture: string
  access_url: string
}

/** What agents and bootstrap scripts call with their agent token. */
export function createAgentApi({
  db,
  clock,
  accessUrl,
  onChange,
}: {
  db: Db
  clock: Clock
  accessUrl: string
  /** Told after the agent's recorded state changed. */
  onChange: (workspaceId: string) => void
}) {
  return {
    async manifest(agent: AuthenticatedAgent): Promise<AgentManifest> {
      return {
        agent_id: agent.agent.id,
        agent_name: agent.agent.name,
        workspace_id: agent.workspace.id,
        workspace_name: agent.workspace.name,
        owner_id: agent.workspace.ownerId,
        owner_name: agent.ownerName,
        operating_system: agent.agent.operatingSystem,
        architecture: agent.agent.architecture,
        access_url: `${accessUrl}/`,
      }
    },

    async reportLifecycle(
      agent: AuthenticatedAgent,
      report: { state: WorkspaceAgentRow['lifecycleState']; changed_at?: string | undefined },
    ): Promise<void> {
      const at = report.changed_at ? new Date(report.changed_at) : clock.now()
      await updateAgentLifecycle(db, agent.agent.id, report.state, Number.isNaN(at.getTime()) ? clock.now() : at)
      onChange(agent.workspace.id)
    },

    /** What a bootstrap script reports about its progress; it never fails the script. */
    async recordEnrollment(agent: AuthenticatedAgent, report: EnrollmentReport): Promise<void> {
      const error = report.stage === 'failed' ? (report.error ?? 'failed without a reason') : ''
      await recordEnrollmentStage(db, agent.agent.id, { stage: report.stage, error, at: clock.now() })
      onChange(agent.workspace.id)
    },
  }
}

export type AgentApi = ReturnType<typeof createAgentApi>
