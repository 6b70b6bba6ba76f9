import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import WebSocket from 'ws'
import { expectSchema } from '../helpers/swagger.js'

/**
 * What the stock `coder` CLI puts on the wire, for the replay tests in this directory
 * (this file is their helper, not a test).
 *
 * Every request carries the session token in the `Coder-Session-Token` header
 * (coder/coder:codersdk/client.go), JSON bodies are sent with
 * `Content-Type: application/json`, and the provisioner-job log streams are real
 * WebSockets that carry the token as the `coder_session_token` cookie instead
 * (codersdk/provisionerdaemons.go `provisionerJobLogsAfter`), with compression off.
 */
export class Cli {
  constructor(
    readonly app: FastifyInstance,
    readonly token: string,
  ) {}

  private headers(body: boolean, extra: Record<string, string> = {}): Record<string, string> {
    return {
      'Coder-Session-Token': this.token,
      'User-Agent': 'Coder v2.26.0',
      ...(body ? { 'Content-Type': 'application/json' } : {}),
      ...extra,
    }
  }

  get(url: string): Promise<LightMyRequestResponse> {
    return this.app.inject({ method: 'GET', url, headers: this.headers(false) })
  }

  /** Go's json.Marshal of the request struct: the body as the CLI builds it, nil UUIDs and nulls included. */
  post(url: string, body: unknown): Promise<LightMyRequestResponse> {
    return this.app.inject({ method: 'POST', url, headers: this.headers(true), payload: JSON.stringify(body) })
  }

  patch(url: string, body: unknown): Promise<LightMyRequestResponse> {
    return this.app.inject({ method: 'PATCH', url, headers: this.headers(true), payload: JSON.stringify(body) })
  }

  /** `client.Upload(ctx, codersdk.ContentTypeTar, reader)`. */
  upload(data: Buffer, contentType = 'application/x-tar'): Promise<LightMyRequestResponse> {
    return this.app.inject({
      method: 'POST',
      url: '/api/v2/files',
      headers: this.headers(false, { 'Content-Type': contentType }),
      payload: data,
    })
  }
}

/** Go's uuid.Nil, which the CLI sends for every unset `uuid.UUID` field with `omitempty`. */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000'

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * The status the CLI requires and Coder's JSON content type; returns the parsed body.
 * A wrong status fails with the body in the message, so a replay shows why.
 */
export function expectJson(t: Test, res: LightMyRequestResponse, status: number, what: string): any {
  t.equal(res.statusCode, status, `${what}: status ${status}${res.statusCode === status ? '' : ` (body ${res.body})`}`)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8', `${what}: JSON content type`)
  try {
    return JSON.parse(res.body)
  } catch {
    t.fail(`${what}: body is not JSON: ${res.body}`)
    return undefined
  }
}

/** Starts the app on a free loopback port (closed by buildTestApp's teardown); its base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ port: 0, host: '127.0.0.1' })
}

export interface FollowedLogs {
  /** Every message, in order, with whether it was a text frame. */
  messages: { text: string; binary: boolean }[]
  closeCode: number
  closeReason: string
}

export interface RefusedUpgrade {
  status: number
  contentType: string | undefined
  body: string
}

/**
 * Follows a job's logs as the CLI does: `GET <path>?follow` upgraded to a WebSocket,
 * with the session token only in the `coder_session_token` cookie. Resolves once the
 * server closes the socket; rejects if it answers the upgrade with an HTTP error or
 * keeps the socket open longer than `timeoutMs`.
 */
export function followLogs(baseUrl: string, path: string, token: string, timeoutMs = 5000): Promise<FollowedLogs> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${path}?follow`, {
      headers: { Cookie: `coder_session_token=${token}` },
      perMessageDeflate: false,
    })
    const messages: FollowedLogs['messages'] = []
    const timer = setTimeout(() => {
      socket.terminate()
      reject(new Error(`${path}: the server did not close the log stream within ${timeoutMs} ms`))
    }, timeoutMs)
    socket.on('message', (data, binary) => messages.push({ text: data.toString(), binary }))
    socket.on('unexpected-response', (_req, res) => {
      clearTimeout(timer)
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () => {
        _req.destroy()
        reject(new Error(`${path}: upgrade refused with ${res.statusCode}: ${body}`))
      })
    })
    socket.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    socket.on('close', (code, reason) => {
      clearTimeout(timer)
      resolve({ messages, closeCode: code, closeReason: reason.toString() })
    })
  })
}

/** A WebSocket upgrade the server must refuse: its HTTP status and body. */
export function refusedUpgrade(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<RefusedUpgrade> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${path}?follow`, { headers, perMessageDeflate: false })
    socket.on('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () => {
        _req.destroy()
        resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body })
      })
    })
    socket.on('open', () => {
      socket.terminate()
      reject(new Error(`${path}: the upgrade was accepted`))
    })
    socket.on('error', (err) => reject(err))
  })
}

/** The fields the CLI's log printer reads from every `ProvisionerJobLog`. */
const LOG_FIELDS = ['id', 'created_at', 'log_source', 'log_level', 'stage', 'output']

/**
 * Follows a job's log WebSocket and checks what the CLI relies on: one JSON
 * `codersdk.ProvisionerJobLog` per text message, and a normal close by the server
 * once the (finished) job's logs are sent. Returns the parsed logs.
 */
export async function expectLogStream(t: Test, baseUrl: string, path: string, token: string): Promise<any[]> {
  const followed = await followLogs(baseUrl, path, token)
  t.equal(followed.closeCode, 1000, `${path}: the server closes the stream normally`)
  const logs = followed.messages.map((m, i) => {
    t.equal(m.binary, false, `${path}: message ${i} is a text frame`)
    let log: any
    try {
      log = JSON.parse(m.text)
    } catch {
      t.fail(`${path}: message ${i} is not JSON: ${m.text}`)
      return undefined
    }
    expectSchema(t, log, 'codersdk.ProvisionerJobLog', `${path} message ${i}`)
    for (const field of LOG_FIELDS) t.ok(field in log && log[field] !== null, `${path}: message ${i} has ${field}`)
    return log
  })
  const ids = logs.map((l) => l?.id)
  t.strictSame(ids, [...ids].sort((a, b) => a - b), `${path}: logs arrive in id order`)
  return logs
}

/**
 * `POST /api/v2/users/me/workspaces` with the body `coder external-workspaces create`
 * marshals: Go's uuid.Nil for the unset `template_id` and `template_version_preset_id`,
 * the `--automatic-updates` default `never`, and the parameter values. Returns the response.
 */
export function createWorkspaceAsCli(
  cli: Cli,
  name: string,
  templateVersionId: string,
  parameters: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return cli.post('/api/v2/users/me/workspaces', {
    template_id: NIL_UUID,
    template_version_id: templateVersionId,
    name,
    rich_parameter_values: Object.entries(parameters).map(([n, value]) => ({ name: n, value })),
    automatic_updates: 'never',
    template_version_preset_id: NIL_UUID,
  })
}

/** Go's `%q` of a plain ASCII string, as the credentials command quotes the URL and token. */
export const goQuote = (s: string): string => JSON.stringify(s)

/** The exact command Coder's credentials endpoint builds for an agent's platform. */
export function expectedCommand(accessUrl: string, os: string, arch: string, token: string): string {
  const url = `${accessUrl}/api/v2/init-script/${os}/${arch}`
  return os === 'windows'
    ? `$env:CODER_AGENT_TOKEN=${goQuote(token)}; iwr -useb ${goQuote(url)} | iex`
    : `curl -fsSL ${goQuote(url)} | CODER_AGENT_TOKEN=${goQuote(token)} sh`
}
