import type { ComponentChildren, JSX } from 'preact'
import { useEffect, useId, useRef } from 'preact/hooks'
import { OutpostApiError, type Workspace, type WorkspaceAgent } from './api'
import { ago, agentStatusTone, fullDate, words, type Tone } from './format'

export function Badge({ tone = 'neutral', children, label }: { tone?: Tone; children: ComponentChildren; label?: string }) {
  return (
    <span class={`badge badge-${tone}`} {...(label ? { 'aria-label': label } : {})}>
      {children}
    </span>
  )
}

/**
 * A tooltip that works with a mouse, a keyboard and a screen reader: the trigger is
 * focusable and described by the tip, which shows on hover and on focus.
 */
export function Tip({ tip, children, testId }: { tip: string; children: ComponentChildren; testId?: string }) {
  const id = useId()
  return (
    <span class="tip" tabIndex={0} aria-describedby={id} data-testid={testId}>
      {children}
      <span role="tooltip" id={id} class="tip-text">
        {tip}
      </span>
    </span>
  )
}

export function RelativeTime({ iso }: { iso: string | undefined | null }) {
  if (!iso) return <span class="muted">never</span>
  return (
    <time dateTime={iso} title={fullDate(iso)}>
      {ago(iso)}
    </time>
  )
}

/** An error from the API (or anything thrown) as an alert: message, detail, field problems. */
export function ErrorNotice({ error, title }: { error: unknown; title?: string }) {
  if (error === undefined || error === null) return null
  const apiError = error instanceof OutpostApiError ? error : undefined
  const message = apiError ? apiError.message : error instanceof Error ? error.message : String(error)
  return (
    <div class="notice notice-bad" role="alert">
      {title && <strong class="notice-title">{title}</strong>}
      <p>{message}</p>
      {apiError?.detail && <p class="muted">{apiError.detail}</p>}
      {apiError && apiError.validations.length > 0 && (
        <ul>
          {apiError.validations.map((v) => (
            <li key={v.field + v.detail}>
              <code>{v.field}</code>: {v.detail}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

/** The page's heading; focused after each navigation so screen readers announce the new page. */
export function PageTitle({ children, title }: { children: ComponentChildren; title: string }) {
  const ref = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    document.title = `${title} · Outpost`
    if (document.activeElement === document.body || document.activeElement?.closest('nav, .skip-link, form')) {
      ref.current?.focus({ preventScroll: true })
    }
  }, [title])
  return (
    <h1 tabIndex={-1} ref={ref}>
      {children}
    </h1>
  )
}

/**
 * A modal confirmation on the native `<dialog>`: focus moves into it and stays there,
 * Escape cancels, and focus returns to what opened it.
 */
export function ConfirmDialog(props: {
  open: boolean
  title: string
  children: ComponentChildren
  confirmLabel: string
  danger?: boolean
  busy?: boolean
  onConfirm: () => void
  onCancel: () => void
}) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  useEffect(() => {
    const dialog = ref.current
    if (!dialog) return
    if (props.open && !dialog.open) dialog.showModal()
    if (!props.open && dialog.open) dialog.close()
  }, [props.open])
  return (
    <dialog ref={ref} aria-labelledby={titleId} onCancel={(e) => { e.preventDefault(); props.onCancel() }} class="dialog">
      <h2 id={titleId}>{props.title}</h2>
      <div class="dialog-body">{props.children}</div>
      <div class="actions">
        <button type="button" class="button" onClick={props.onCancel} autoFocus>
          Cancel
        </button>
        <button
          type="button"
          class={props.danger ? 'button button-danger' : 'button button-primary'}
          onClick={props.onConfirm}
          disabled={props.busy}
        >
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  )
}

/** A labelled form field with its hint and its error, wired with aria-describedby. */
export function Field(props: {
  id: string
  label: ComponentChildren
  hint?: ComponentChildren
  error?: string | undefined
  required?: boolean
  children: (described: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean; required?: boolean }) => JSX.Element
}) {
  const hintId = `${props.id}-hint`
  const errorId = `${props.id}-error`
  const describedBy = [props.hint ? hintId : '', props.error ? errorId : ''].filter(Boolean).join(' ')
  return (
    <div class={props.error ? 'field field-invalid' : 'field'}>
      <label for={props.id}>
        {props.label}
        {props.required && <span class="required" aria-hidden="true"> *</span>}
      </label>
      {props.hint && (
        <p class="hint" id={hintId}>
          {props.hint}
        </p>
      )}
      {props.children({
        id: props.id,
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
        ...(props.error ? { 'aria-invalid': true } : {}),
        ...(props.required ? { required: true } : {}),
      })}
      {props.error && (
        <p class="field-error" id={errorId}>
          {props.error}
        </p>
      )}
    </div>
  )
}

export function agentsOf(workspace: Workspace): WorkspaceAgent[] {
  return workspace.latest_build.resources.flatMap((r) => r.agents ?? [])
}

export function isDeleted(workspace: Workspace): boolean {
  return workspace.latest_build.transition === 'delete'
}

/** The agents' statuses as one badge: the worst of them wins. */
export function AgentStatusBadge({ workspace }: { workspace: Workspace }) {
  const agents = agentsOf(workspace)
  if (isDeleted(workspace)) return <Badge tone="neutral">Deleted</Badge>
  if (agents.length === 0) return <Badge tone="neutral">No agent</Badge>
  const order = ['timeout', 'disconnected', 'connecting', 'connected']
  const worst = [...agents].sort((a, b) => order.indexOf(a.status) - order.indexOf(b.status))[0]!
  return (
    <Badge tone={agentStatusTone(worst.status)} label={`Agent ${words(worst.status).toLowerCase()}`}>
      {words(worst.status)}
    </Badge>
  )
}

/** Healthy or unhealthy, with the failing agents' reasons in a tooltip. */
export function HealthBadge({ workspace, testId }: { workspace: Workspace; testId?: string }) {
  if (isDeleted(workspace)) return <span class="muted">—</span>
  const agents = agentsOf(workspace)
  if (workspace.health.healthy) {
    const tip = agents.length === 0 ? 'This workspace has no agent.' : 'Every agent is connected and healthy.'
    return (
      <Tip tip={tip} {...(testId ? { testId } : {})}>
        <Badge tone="good">Healthy</Badge>
      </Tip>
    )
  }
  const reasons = agents
    .filter((a) => workspace.health.failing_agents.includes(a.id) || !a.health.healthy)
    .map((a) => `${a.name}: ${a.health.reason ?? 'unhealthy'}`)
  return (
    <Tip tip={reasons.join('; ') || 'An agent is unhealthy.'} {...(testId ? { testId } : {})}>
      <Badge tone="warn">Unhealthy</Badge>
    </Tip>
  )
}
