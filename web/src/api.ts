// The dashboard talks to Outpost only through the public, Coder-compatible API, with the
// same typed client the CLI uses (src/client). The session is the HttpOnly
// `coder_session_token` cookie that POST /users/login sets: same-origin requests carry
// it, and the page never sees the token.
import { OutpostApiError, OutpostClient, type ExternalAgentCredentials, type Workspace } from '../../src/client/index.js'

export { OutpostApiError }
export type {
  ExternalAgentCredentials,
  ProvisionerJobLog,
  Template,
  TemplateVersion,
  TemplateVersionParameter,
  User,
  Workspace,
  WorkspaceAgent,
} from '../../src/client/index.js'

let onSignedOut: () => void = () => {}

/** Called when any request answers 401 (the session ended or expired). */
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler
}

export const api = new OutpostClient({
  url: location.origin,
  fetch: async (input, init) => {
    const res = await fetch(input, { ...init, credentials: 'same-origin' })
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    if (res.status === 401 && !/\/api\/v2\/users\/(login|first)$/.test(new URL(url).pathname)) onSignedOut()
    return res
  },
})

/** POST …/credentials/rotate: a new agent token; the old one works `graceSeconds` longer. */
export function rotateCredentials(workspaceId: string, agentName: string, graceSeconds: number): Promise<ExternalAgentCredentials> {
  return api.request(
    'POST',
    `/api/v2/workspaces/${encodeURIComponent(workspaceId)}/external-agent/${encodeURIComponent(agentName)}/credentials/rotate`,
    { body: { grace_period_seconds: graceSeconds }, expect: [200] },
  )
}

/** A human sentence for anything thrown by a call. */
export function errorText(err: unknown): string {
  if (err instanceof OutpostApiError) return err.detail ? `${err.message} ${err.detail}` : err.message
  if (err instanceof Error) return err.message
  return String(err)
}

export interface WatchHandlers {
  onData: (workspace: Workspace) => void
  /** True while the WebSocket is open; false while updates come from polling. */
  onLive?: (live: boolean) => void
  onError?: (err: unknown) => void
}

const POLL_MS = 5000

/**
 * Live updates for one workspace from GET /workspaces/{id}/watch-ws: Coder's
 * `{type: "data", data: Workspace}` messages, sent at once, after every change and
 * periodically. While the socket is down the workspace is polled every 5 s and the
 * socket redialled with a doubling delay. Returns the function that stops it all.
 */
export function watchWorkspace(id: string, handlers: WatchHandlers): () => void {
  let stopped = false
  let socket: WebSocket | undefined
  let pollTimer: ReturnType<typeof setInterval> | undefined
  let redialTimer: ReturnType<typeof setTimeout> | undefined
  let failures = 0

  const poll = async () => {
    try {
      const workspace = await api.workspace(id, { includeDeleted: true })
      if (!stopped) handlers.onData(workspace)
    } catch (err) {
      if (!stopped) handlers.onError?.(err)
    }
  }
  const startPolling = () => {
    if (pollTimer === undefined) pollTimer = setInterval(() => void poll(), POLL_MS)
  }
  const stopPolling = () => {
    if (pollTimer !== undefined) clearInterval(pollTimer)
    pollTimer = undefined
  }
  const open = () => {
    const url = new URL(`/api/v2/workspaces/${encodeURIComponent(id)}/watch-ws`, location.href)
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
    const ws = new WebSocket(url)
    socket = ws
    ws.addEventListener('open', () => {
      failures = 0
      stopPolling()
      handlers.onLive?.(true)
    })
    ws.addEventListener('message', (event) => {
      let message: { type?: string; data?: unknown }
      try {
        message = JSON.parse(String(event.data)) as typeof message
      } catch {
        return
      }
      if (message.type === 'data') handlers.onData(message.data as Workspace)
      else if (message.type === 'error') {
        const text = (message.data as { message?: string } | undefined)?.message ?? 'The live view ended.'
        handlers.onError?.(new Error(text))
      }
    })
    ws.addEventListener('close', () => {
      if (stopped || socket !== ws) return
      handlers.onLive?.(false)
      void poll()
      startPolling()
      failures += 1
      redialTimer = setTimeout(open, Math.min(30_000, 1000 * 2 ** Math.min(failures, 5)))
    })
  }
  open()
  return () => {
    stopped = true
    stopPolling()
    if (redialTimer !== undefined) clearTimeout(redialTimer)
    socket?.close()
  }
}
