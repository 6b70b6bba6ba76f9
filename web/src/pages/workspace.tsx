import { useEffect, useState } from 'preact/hooks'
import {
  api,
  errorText,
  rotateCredentials,
  watchWorkspace,
  type ExternalAgentCredentials,
  type Workspace,
  type WorkspaceAgent,
} from '../api'
import {
  agentsOf,
  AgentStatusBadge,
  Badge,
  ConfirmDialog,
  ErrorNotice,
  HealthBadge,
  isDeleted,
  PageTitle,
  RelativeTime,
} from '../components'
import { agentStatusTone, lifecycleTone, words } from '../format'
import { navigate } from '../router'

const NO_CONTROL = 'Outpost does not control external machines'

export function WorkspacePage({ id }: { id: string }) {
  const [workspace, setWorkspace] = useState<Workspace>()
  const [error, setError] = useState<unknown>()
  const [live, setLive] = useState<boolean | undefined>()
  const [confirmDelete, setConfirmDelete] = useState(false)
  const [deleting, setDeleting] = useState(false)
  const [deleteError, setDeleteError] = useState<unknown>()

  useEffect(() => {
    let current = true
    api.workspace(id).then(
      (w) => current && setWorkspace(w),
      (err: unknown) => current && setError(err),
    )
    const stop = watchWorkspace(id, {
      onData: (w) => setWorkspace(w),
      onLive: setLive,
    })
    return () => {
      current = false
      stop()
    }
  }, [id])

  if (error) {
    return (
      <>
        <PageTitle title="Workspace">Workspace</PageTitle>
        <ErrorNotice error={error} />
        <p>
          <a href="/workspaces">Back to the workspaces</a>
        </p>
      </>
    )
  }
  if (!workspace) return <p class="loading" role="status">Loading…</p>

  const deleted = isDeleted(workspace)
  const agents = agentsOf(workspace)

  async function remove() {
    if (!workspace) return
    setDeleting(true)
    setDeleteError(undefined)
    try {
      await api.createWorkspaceBuild(workspace.id, { transition: 'delete' })
      setConfirmDelete(false)
      navigate('/workspaces', { state: { flash: `Workspace ${workspace.name} was deleted and its agent token revoked.` } })
    } catch (err) {
      setDeleteError(err)
    } finally {
      setDeleting(false)
    }
  }

  return (
    <>
      <p class="breadcrumb">
        <a href="/workspaces">Workspaces</a> <span aria-hidden="true">/</span> {workspace.owner_name}
      </p>
      <div class="page-head">
        <PageTitle title={workspace.name}>
          {workspace.name} {workspace.latest_build.has_external_agent && <span class="tag">external</span>}
        </PageTitle>
        <p class="live muted small" role="status">
          {live === undefined ? '' : live ? 'Live' : 'Live updates interrupted: refreshing every 5 seconds'}
        </p>
      </div>
      {deleted && (
        <p class="notice notice-warn" role="status">
          This workspace was deleted. Its agent token no longer works.
        </p>
      )}
      <dl class="facts">
        <div>
          <dt>Status</dt>
          <dd data-testid="workspace-status">
            <AgentStatusBadge workspace={workspace} />
          </dd>
        </div>
        <div>
          <dt>Health</dt>
          <dd>
            <HealthBadge workspace={workspace} testId="workspace-health" />
          </dd>
        </div>
        <div>
          <dt>Owner</dt>
          <dd>{workspace.owner_name}</dd>
        </div>
        <div>
          <dt>Template</dt>
          <dd>
            {workspace.template_display_name || workspace.template_name}{' '}
            <span class="muted small">{workspace.latest_build.template_version_name}</span>
          </dd>
        </div>
        <div>
          <dt>Last built</dt>
          <dd>
            <RelativeTime iso={workspace.latest_build.created_at} /> by {workspace.latest_build.initiator_name}
          </dd>
        </div>
      </dl>

      {!deleted && (
        <section class="actions-bar" aria-label="Workspace actions">
          <div class="actions">
            {['Start', 'Stop', 'Restart'].map((label) => (
              <button key={label} type="button" class="button" disabled aria-describedby="no-control" title={NO_CONTROL}>
                {label}
              </button>
            ))}
            <button type="button" class="button button-danger" onClick={() => setConfirmDelete(true)}>
              Delete…
            </button>
          </div>
          <p id="no-control" class="hint">
            Start, Stop and Restart are unavailable: {NO_CONTROL}. Start or stop the machine itself; the status here follows
            its agent.
          </p>
        </section>
      )}

      <h2>Agents</h2>
      {agents.length === 0 && <p class="muted">This workspace has no agent.</p>}
      {agents.map((agent) => (
        <AgentPanel key={agent.id} workspace={workspace} agent={agent} deleted={deleted} />
      ))}

      <ConfirmDialog
        open={confirmDelete}
        title={`Delete workspace ${workspace.name}?`}
        confirmLabel="Delete workspace"
        danger
        busy={deleting}
        onConfirm={() => void remove()}
        onCancel={() => setConfirmDelete(false)}
      >
        <p>
          <strong>The machine is not touched:</strong> Outpost does not stop, erase or uninstall anything on it.
        </p>
        <p>
          The agent token is revoked at once: an agent running on the machine is disconnected and cannot reconnect. To
          attach the machine again, create a new workspace and run its command.
        </p>
        <ErrorNotice error={deleteError} />
      </ConfirmDialog>
    </>
  )
}

function AgentPanel({ workspace, agent, deleted }: { workspace: Workspace; agent: WorkspaceAgent; deleted: boolean }) {
  const headingId = `agent-${agent.id}`
  const enrollment = agent.enrollment
  const lastError = enrollment?.stage === 'failed' ? enrollment.error ?? 'The bootstrap script failed.' : undefined
  return (
    <article class="panel" aria-labelledby={headingId} data-agent={agent.name}>
      <h3 id={headingId}>
        Agent <code>{agent.name}</code>
      </h3>
      <dl class="facts">
        <div>
          <dt>Platform</dt>
          <dd>
            {agent.operating_system}/{agent.architecture}
          </dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd data-testid={`agent-status-${agent.name}`}>
            <Badge tone={agentStatusTone(agent.status)}>{words(agent.status)}</Badge>
            {agent.status !== 'connected' && agent.last_connected_at && (
              <span class="muted small">
                {' '}
                last connected <RelativeTime iso={agent.last_connected_at} />
              </span>
            )}
          </dd>
        </div>
        <div>
          <dt>Lifecycle</dt>
          <dd data-testid={`agent-lifecycle-${agent.name}`}>
            <Badge tone={lifecycleTone(agent.lifecycle_state)}>{words(agent.lifecycle_state)}</Badge>
          </dd>
        </div>
        <div>
          <dt>Enrollment</dt>
          <dd data-testid={`agent-enrollment-${agent.name}`}>
            {enrollment ? (
              <>
                {words(enrollment.stage)} <span class="muted small"><RelativeTime iso={enrollment.at} /></span>
              </>
            ) : (
              <span class="muted">The bootstrap script has not reported yet</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Last error</dt>
          <dd data-testid={`agent-error-${agent.name}`}>
            {lastError ? <span class="text-bad">{lastError}</span> : !agent.health.healthy && agent.health.reason ? agent.health.reason : <span class="muted">none</span>}
          </dd>
        </div>
        {agent.version && (
          <div>
            <dt>Agent version</dt>
            <dd>{agent.version}</dd>
          </div>
        )}
      </dl>
      {!deleted && workspace.latest_build.has_external_agent && <Connection workspace={workspace} agent={agent} />}
    </article>
  )
}

const GRACE_CHOICES: Array<[number, string]> = [
  [0, 'Now: the running agent is disconnected'],
  [300, 'In 5 minutes'],
  [3600, 'In 1 hour'],
  [86400, 'In 24 hours'],
]

/**
 * The command to run on the machine. Reading it is audited, so it is fetched only when
 * asked for (Show or Copy), and its token stays masked until Show.
 */
function Connection({ workspace, agent }: { workspace: Workspace; agent: WorkspaceAgent }) {
  const [credentials, setCredentials] = useState<ExternalAgentCredentials>()
  const [revealed, setRevealed] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>()
  const [note, setNote] = useState('')
  const [rotating, setRotating] = useState(false)
  const [grace, setGrace] = useState(0)
  const windows = agent.operating_system === 'windows'
  const commandId = `command-${agent.name}`

  async function load(): Promise<ExternalAgentCredentials | undefined> {
    if (credentials) return credentials
    setBusy(true)
    setError(undefined)
    try {
      const fetched = await api.workspaceExternalAgentCredentials(workspace.id, agent.name)
      setCredentials(fetched)
      return fetched
    } catch (err) {
      setError(err)
      return undefined
    } finally {
      setBusy(false)
    }
  }

  async function show() {
    if (revealed) return setRevealed(false)
    if (await load()) setRevealed(true)
  }

  async function copy() {
    const fetched = await load()
    if (!fetched) return
    try {
      await copyText(fetched.command)
      setNote('Command copied to the clipboard.')
    } catch (err) {
      setNote(`Could not copy (${errorText(err)}): select the command and copy it.`)
      setRevealed(true)
    }
  }

  async function rotate() {
    setBusy(true)
    setError(undefined)
    try {
      const fresh = await rotateCredentials(workspace.id, agent.name, grace)
      setCredentials(fresh)
      setRevealed(false)
      setNote(
        grace === 0
          ? 'New token issued; the old one stopped working. Run the new command on the machine.'
          : `New token issued; the old one keeps working for ${GRACE_CHOICES.find(([s]) => s === grace)?.[1].toLowerCase().replace(/^in /, '')}. Run the new command on the machine before then.`,
      )
      setRotating(false)
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  const masked = credentials ? credentials.command.split(credentials.agent_token).join('••••••••••••') : undefined
  return (
    <section class="connection" aria-labelledby={`${commandId}-title`}>
      <h4 id={`${commandId}-title`}>Connect the machine</h4>
      <p>
        Run this command {windows ? 'in PowerShell' : 'with sh'} on the {agent.operating_system}/{agent.architecture} machine.
        It downloads the agent from Outpost, checks it and starts it with this workspace's token.
      </p>
      <div class="command-box">
        <pre id={commandId} aria-label={`Command for agent ${agent.name}`} aria-live="polite">
          {credentials ? (revealed ? credentials.command : masked) : 'The command includes a secret token: choose Show or Copy to read it.'}
        </pre>
      </div>
      <div class="actions">
        <button type="button" class="button" onClick={() => void show()} disabled={busy} aria-controls={commandId} aria-expanded={revealed}>
          {revealed ? 'Hide token' : 'Show'}
        </button>
        <button type="button" class="button" onClick={() => void copy()} disabled={busy}>
          Copy command
        </button>
        <button type="button" class="button" onClick={() => setRotating(true)} disabled={busy}>
          Rotate token…
        </button>
      </div>
      <p class="hint">Reading the command is recorded in the audit log.</p>
      {note && (
        <p class="notice notice-good" role="status">
          {note}
        </p>
      )}
      <ErrorNotice error={error} />
      <ConfirmDialog
        open={rotating}
        title={`Rotate the token of agent ${agent.name}?`}
        confirmLabel="Rotate token"
        busy={busy}
        onConfirm={() => void rotate()}
        onCancel={() => setRotating(false)}
      >
        <p>A new token is issued. The machine must run the new command to keep connecting.</p>
        <label for={`${commandId}-grace`}>The old token stops working</label>
        <select id={`${commandId}-grace`} value={String(grace)} onChange={(e) => setGrace(Number(e.currentTarget.value))}>
          {GRACE_CHOICES.map(([seconds, label]) => (
            <option key={seconds} value={String(seconds)}>
              {label}
            </option>
          ))}
        </select>
      </ConfirmDialog>
    </section>
  )
}

/** The Clipboard API where the page may use it (https or localhost), else a selection copy. */
async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text)
    return
  }
  const area = document.createElement('textarea')
  area.value = text
  area.setAttribute('readonly', '')
  area.className = 'offscreen'
  document.body.appendChild(area)
  area.select()
  const ok = document.execCommand('copy')
  area.remove()
  if (!ok) throw new Error('the browser refused')
}
