import type { ProvisionerJobLogRow, ProvisionerJobRow } from '../db/schema.js'
import type { ProvisionerJob, ProvisionerJobLog } from '../sdk/provisioner-jobs.js'

export const NIL_UUID = '00000000-0000-0000-0000-000000000000'

export interface JobMetadata {
  template_version_name: string
  template_id: string
  template_name: string
  template_display_name: string
  template_icon: string
  workspace_id?: string
  workspace_name?: string
}

/** Collects a job's log lines while it runs; they are written with the job, in its transaction. */
export class JobLog {
  readonly rows: ProvisionerJobLogRow[] = []
  constructor(
    private readonly jobId: string,
    private readonly now: () => Date,
  ) {}

  add(stage: string, output: string, level: ProvisionerJobLogRow['level'] = 'info'): void {
    this.rows.push({
      jobId: this.jobId,
      seq: this.rows.length + 1,
      createdAt: this.now(),
      source: 'provisioner',
      level,
      stage,
      output,
    })
  }
}

export function toProvisionerJob(job: ProvisionerJobRow, metadata: JobMetadata): ProvisionerJob {
  return {
    id: job.id,
    created_at: job.createdAt.toISOString(),
    ...(job.startedAt ? { started_at: job.startedAt.toISOString() } : {}),
    ...(job.completedAt ? { completed_at: job.completedAt.toISOString() } : {}),
    ...(job.canceledAt ? { canceled_at: job.canceledAt.toISOString() } : {}),
    ...(job.error ? { error: job.error } : {}),
    ...(job.errorCode ? { error_code: job.errorCode } : {}),
    status: job.status,
    file_id: job.fileId ?? NIL_UUID,
    tags: { scope: 'organization', owner: '' },
    queue_position: 0,
    queue_size: 0,
    organization_id: job.organizationId,
    initiator_id: job.initiatorId,
    input: {
      ...(job.input.template_version_id ? { template_version_id: job.input.template_version_id } : {}),
      ...(job.input.workspace_build_id ? { workspace_build_id: job.input.workspace_build_id } : {}),
    },
    type: job.type,
    metadata,
    logs_overflowed: false,
  }
}

export function toJobLog(row: ProvisionerJobLogRow): ProvisionerJobLog {
  return {
    id: row.seq,
    created_at: row.createdAt.toISOString(),
    log_source: row.source,
    log_level: row.level,
    stage: row.stage,
    output: row.output,
  }
}
