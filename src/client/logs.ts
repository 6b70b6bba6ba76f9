/**
 * Following a provisioner job's logs as Coder's SDK does
 * (codersdk/provisionerdaemons.go `provisionerJobLogsAfter`): `GET <path>?follow`
 * upgraded to a WebSocket, compression off, the session in the `coder_session_token`
 * cookie, one JSON `ProvisionerJobLog` per text message, until the server closes
 * the socket once the job is complete. Node only (it needs `ws` to send the cookie).
 */
import WebSocket from 'ws'
import type { ProvisionerJobLog } from '../sdk/provisioner-jobs.js'
import { connectionReason, OutpostApiError, OutpostConnectionError } from './errors.js'
import { SESSION_TOKEN_COOKIE, type OutpostClient } from './index.js'

export interface FollowLogsOptions {
  /** Only logs with a larger id (resuming). */
  after?: number
}

/** The logs of the job behind `path` (e.g. `/api/v2/workspacebuilds/<id>/logs`), as they arrive. */
export async function* followJobLogs(
  client: OutpostClient,
  path: string,
  options: FollowLogsOptions = {},
): AsyncGenerator<ProvisionerJobLog> {
  const url = client.resolve(path)
  url.searchParams.set('follow', '')
  if (options.after) url.searchParams.set('after', String(options.after))
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  // `?follow=` and `?follow` mean the same to the server; send Coder's spelling.
  const target = url.toString().replace(/([?&])follow=(&|$)/, '$1follow$2')
  const httpUrl = target.replace(/^ws/, 'http')

  const queue: ProvisionerJobLog[] = []
  let done = false
  let failure: Error | undefined
  let wake: (() => void) | undefined
  const notify = () => {
    wake?.()
    wake = undefined
  }

  const socket = new WebSocket(target, {
    headers: client.token ? { Cookie: `${SESSION_TOKEN_COOKIE}=${client.token}` } : {},
    perMessageDeflate: false,
  })
  socket.on('message', (data, isBinary) => {
    if (isBinary) return
    try {
      queue.push(JSON.parse(data.toString()) as ProvisionerJobLog)
    } catch {
      failure = new Error(`${path}: a log message is not JSON`)
      socket.terminate()
    }
    notify()
  })
  socket.on('unexpected-response', (req, res) => {
    let text = ''
    res.on('data', (chunk: Buffer) => (text += chunk.toString()))
    res.on('end', () => {
      req.destroy()
      let message = `Unexpected status ${res.statusCode ?? 0} following the logs`
      let detail: string | undefined
      try {
        const body = JSON.parse(text) as { message?: unknown; detail?: unknown }
        if (typeof body.message === 'string') message = body.message
        if (typeof body.detail === 'string' && body.detail) detail = body.detail
      } catch {
        detail = text.slice(0, 512) || undefined
      }
      failure = new OutpostApiError({ status: res.statusCode ?? 0, message, detail, method: 'GET', url: httpUrl })
      done = true
      notify()
    })
  })
  socket.on('error', (err) => {
    failure ??= new OutpostConnectionError('GET', httpUrl, connectionReason(err), { cause: err })
    done = true
    notify()
  })
  socket.on('close', () => {
    done = true
    notify()
  })

  try {
    for (;;) {
      const next = queue.shift()
      if (next) {
        yield next
        continue
      }
      if (failure) throw failure
      if (done) return
      await new Promise<void>((resolve) => (wake = resolve))
    }
  } finally {
    if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.terminate()
  }
}
