import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { readFileSync } from 'node:fs'
import t, { type Test } from 'tap'
import { JSON_BODY_LIMIT } from '../../src/app.js'
import type { Database } from '../../src/db/client.js'
import { workspaceWithAgent } from '../helpers/agents.js'
import { buildTestApp } from '../helpers/app.js'
import { auth, createMember, createOwner, createToken, login, type TestUser } from '../helpers/fixtures.js'
import {
  changedTables,
  coderErrorProblems,
  NO_RATE_LIMITS,
  publicTables,
  tableStates,
  type TableState,
} from '../helpers/security.js'
import { exampleTemplateFiles, pushTemplate } from '../helpers/templates.js'

/**
 * Every operation of the OpenAPI document, driven with generated hostile input: wrong
 * types, missing fields, huge strings, unicode, control characters and NUL, bad UUIDs,
 * bad tokens (header, cookie, query), wrong content types, bodies over the limit.
 *
 * For every answer: no 5xx; every error in Coder's shape `{message, detail?, validations?}`
 * as `application/json; charset=utf-8`; and a rejected (4xx) request changed no table
 * (count and content digest of every public table). The audit log is the exception, as
 * failed requests are audited by design: it only grows, by exactly one entry per answer
 * on the operations the issue lists as audited (see AUDITED), by at most one elsewhere.
 *
 * Part of the runs carry the owner's valid session (or, on /workspaceagents/me/*, a
 * valid agent token), so the checks behind authentication are reached too. A run that
 * succeeds may change state (that is its job); the fixtures it may have destroyed (the
 * owner's session and API key, the workspace, its agent token, the template) are
 * restored before the next run. A failure prints the shrunk request and its answer;
 * FUZZ_SEED replays a run, FUZZ_BUDGET_MS and FUZZ_RUNS make it longer. WebSocket endpoints are driven as plain HTTP requests (their refusal
 * without an upgrade is part of the contract); upgrades are exercised in secrets.test.ts.
 */

/** The whole file's time budget for the per-operation properties. */
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 45_000)
const RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 60)
const MIN_RUNS = 10
/** The upload limit for this app, kept small so over-limit uploads are cheap to generate. */
const UPLOAD_LIMIT = 256 * 1024
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED)

// ---------------------------------------------------------------------------------------
// The document.

type Schema = Record<string, any>
interface Operation {
  method: string
  /** The document's path, `{param}` style. */
  path: string
  operationId: string
  pathParams: string[]
  query: Record<string, Schema>
  body: Schema | undefined
  agent: boolean
}

function operationsOf(doc: Schema): Operation[] {
  const out: Operation[] = []
  for (const [path, item] of Object.entries<Schema>(doc.paths)) {
    for (const [method, op] of Object.entries<Schema>(item)) {
      const params: Schema[] = op.parameters ?? []
      out.push({
        method: method.toUpperCase(),
        path,
        operationId: op.operationId,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: Object.fromEntries(params.filter((p) => p.in === 'query').map((p) => [p.name, p.schema ?? {}])),
        body: op.requestBody?.content?.['application/json']?.schema,
        agent: path.startsWith('/api/v2/workspaceagents/me/'),
      })
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------
// The fixtures runs point at, restored after a run that changed them.

interface Fixtures {
  app: FastifyInstance
  database: Database
  owner: TestUser & { organizationId: string }
  member: TestUser
  templateId: string
  templateName: string
  versionId: string
  versionName: string
  fileId: string
  dryRunJobId: string
  workspaceId: string
  workspaceName: string
  buildId: string
  agentId: string
  agentToken: string
  apiKey: string
  tokenName: string
}

let workspaceCounter = 0

async function restoreFixtures(f: Fixtures): Promise<void> {
  const { app } = f
  // A key's first use writes its last_used: new credentials are used once here, so that
  // the next run (perhaps a rejected one) starts from a settled state.
  const me = await app.inject({ url: '/api/v2/users/me', headers: auth(f.owner.token) })
  if (me.statusCode === 401) {
    f.owner.token = await login(app, f.owner.email, f.owner.password)
    await app.inject({ url: '/api/v2/users/me', headers: auth(f.owner.token) })
  }
  const key = await app.inject({ url: '/api/v2/users/me', headers: auth(f.apiKey) })
  if (key.statusCode === 401) {
    f.tokenName = `fuzz-${++workspaceCounter}`
    f.apiKey = await createToken(app, f.owner.token, { token_name: f.tokenName })
    await app.inject({ url: '/api/v2/users/me', headers: auth(f.apiKey) })
  }
  const template = await app.inject({ url: `/api/v2/templates/${f.templateId}`, headers: auth(f.owner.token) })
  if (template.statusCode !== 200) {
    f.templateName = `fuzz-${++workspaceCounter}`
    const pushed = await pushTemplate(app, f.owner.token, f.templateName, await exampleTemplateFiles())
    f.templateId = pushed.templateId
    f.versionId = pushed.versionId
    f.versionName = pushed.version.name
  }
  const ws = await app.inject({ url: `/api/v2/workspaces/${f.workspaceId}`, headers: auth(f.owner.token) })
  if (ws.statusCode !== 200) {
    f.workspaceName = `fuzzed-${++workspaceCounter}`
    const created = await workspaceWithAgent(app, f.owner.token, f.workspaceName, f.templateId)
    f.workspaceId = created.workspaceId
    f.agentId = created.agentId
    f.agentToken = created.agentToken
    const builds = await app.inject({ url: `/api/v2/workspaces/${f.workspaceId}/builds`, headers: auth(f.owner.token) })
    f.buildId = builds.json()[0].id
  }
  const manifest = await app.inject({ url: '/api/v2/workspaceagents/me/manifest', headers: auth(f.agentToken) })
  if (manifest.statusCode !== 200) {
    const credentials = await app.inject({
      url: `/api/v2/workspaces/${f.workspaceId}/external-agent/main/credentials`,
      headers: auth(f.owner.token),
    })
    f.agentToken = credentials.json().agent_token
  }
}

/** Values of path parameters that name real resources, so runs get past the lookups. */
function realValues(f: Fixtures, name: string): string[] {
  const sessionKeyId = f.owner.token.split('-')[0]!
  const table: Record<string, string[]> = {
    user: ['me', f.owner.username, f.owner.id, f.member.id, f.member.username],
    organization: ['default', f.owner.organizationId],
    workspace: [f.workspaceId],
    agent: ['main'],
    template: [f.templateId],
    templatename: [f.templateName],
    templateversion: [f.versionId],
    templateversionname: [f.versionName],
    workspacebuild: [f.buildId],
    jobID: [f.dryRunJobId],
    fileID: [f.fileId],
    keyid: [f.apiKey.split('-')[0]!, sessionKeyId],
    keyname: [f.tokenName],
    workspacename: [f.workspaceName],
    workspaceagent: [f.agentId],
    name: ['coder-linux-amd64', 'coder-windows-amd64.exe'],
    os: ['linux', 'darwin', 'windows'],
    arch: ['amd64', 'arm64', 'armv7'],
  }
  return table[name] ?? ['x']
}

// ---------------------------------------------------------------------------------------
// Hostile values.

const HEADER_CHARS = fc.string({
  unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((c) => String.fromCharCode(c)),
  maxLength: 120,
})

const NASTY = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u0001\u0002\u001f\u007f',
  '\r\n\r\n',
  '\u202e\u200b\ufeff',
  '\ud800',
  '\udfff\ud800',
  '😀😀😀',
  'é'.normalize('NFD'),
  '../../../../etc/passwd',
  "'; DROP TABLE users; --",
  '" OR 1=1 --',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '%00',
  '%',
  'null',
  'true',
  '-1',
  '1e309',
  'NaN',
  'me',
  '00000000-0000-0000-0000-000000000000',
]

const hugeString = fc
  .tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.constantFrom('x', 'é', '😀', '\u0000', '\u001f', 'a\u0000', '\ud800'))
  .map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length)))

const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), maxLength: 20 }) },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: fc.integer({ min: 255, max: 1100 }).map((n) => 'a'.repeat(n)) },
)

const badUuid: fc.Arbitrary<string> = fc.oneof(
  fc.uuid().map((u) => u.slice(0, 35)),
  fc.uuid().map((u) => `${u}0`),
  fc.uuid().map((u) => u.replace(/-/g, '')),
  fc.uuid().map((u) => `{${u}}`),
  fc.uuid().map((u) => `g${u.slice(1)}`),
  fc.uuid().map((u) => ` ${u}`),
  fc.uuid().map((u) => `${u}\u0000`),
  fc.constantFrom('', 'null', '0', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz'),
)

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: badUuid },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.constantFrom(-1, 0, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e308, 0.5, -0) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 300 }).map((n) => Array.from({ length: n }, () => ({ name: 'p', value: 'v' }))) },
)

// ---------------------------------------------------------------------------------------
// Values that follow the schema, to get past validation into the handlers.

function fromSchema(schema: Schema, f: Fixtures, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return fc.constant(undefined)
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s: Schema) => fromSchema(s, f, depth + 1)))
  if (schema.enum) return fc.constantFrom(...schema.enum)
  const nullable = (arb: fc.Arbitrary<unknown>) => (schema.nullable ? fc.oneof(arb, fc.constant(null)) : arb)
  switch (schema.type) {
    case 'string': {
      if (schema.format === 'uuid') {
        const real = [f.templateId, f.versionId, f.fileId, f.workspaceId, f.owner.organizationId, f.owner.id, f.member.id]
        return nullable(fc.oneof(fc.constantFrom(...real), fc.uuid()))
      }
      if (schema.format === 'email') return nullable(fc.oneof(fc.emailAddress(), fc.constantFrom(f.owner.email, f.member.email)))
      if (schema.format === 'date-time') return nullable(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()))
      const max = Math.min(schema.maxLength ?? 24, 24)
      return nullable(
        fc.oneof(
          fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).map((s) => s.slice(0, max)),
          fc.string({ maxLength: max }),
          fc.constantFrom('file', 'terraform', 'delete', 'start', 'stop', 'main', 'platform', 'linux-amd64', 'password', 'none', 'all'),
        ),
      )
    }
    case 'integer':
      return nullable(fc.integer({ min: schema.minimum ?? -5, max: Math.min(schema.maximum ?? 100_000, 2 ** 31) }))
    case 'number':
      return nullable(fc.double({ noNaN: true, noDefaultInfinity: true }))
    case 'boolean':
      return nullable(fc.boolean())
    case 'array':
      return nullable(fc.array(fromSchema(schema.items ?? {}, f, depth + 1), { maxLength: 3 }))
    case 'object': {
      const properties: Record<string, Schema> = schema.properties ?? {}
      const keys = Object.keys(properties)
      if (keys.length === 0) return nullable(fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 3 }))
      const arbs = Object.fromEntries(keys.map((k) => [k, fromSchema(properties[k]!, f, depth + 1)]))
      return nullable(fc.record(arbs, { requiredKeys: (schema.required ?? []).filter((k: string) => keys.includes(k)) }))
    }
    default:
      return fc.jsonValue({ maxDepth: 2 })
  }
}

/** A body for `op`: schema-shaped with hostile parts, or not the right thing at all. */
function bodyArbitrary(op: Operation, f: Fixtures): fc.Arbitrary<{ payload: string | Buffer | undefined; json: boolean; label: string }> {
  const asJson = (label: string) => (value: unknown) => ({ payload: JSON.stringify(value), json: true, label })
  const schema = op.body
  const shaped = schema ? fromSchema(schema, f) : fc.constant({})
  const keys = Object.keys(schema?.properties ?? {})
  const required: string[] = schema?.required ?? []
  const variants: fc.Arbitrary<{ payload: string | Buffer | undefined; json: boolean; label: string }>[] = [
    // Well-formed per the schema: reaches the handler's own checks.
    shaped.map(asJson('schema-shaped')),
    // One field replaced by a hostile value of any type.
    fc
      .tuple(shaped, fc.constantFrom(...(keys.length > 0 ? keys : ['x'])), hostileValue)
      .map(([value, key, bad]) => ({ ...(value as object), [key]: bad }))
      .map(asJson('one hostile field')),
    // Every field hostile.
    fc.record(Object.fromEntries((keys.length > 0 ? keys : ['x']).map((k) => [k, hostileValue]))).map(asJson('all hostile fields')),
    // A required field missing.
    fc
      .tuple(shaped, fc.constantFrom(...(required.length > 0 ? required : ['x'])))
      .map(([value, key]) => {
        const copy = { ...(value as object) } as Record<string, unknown>
        delete copy[key]
        return copy
      })
      .map(asJson('required field missing')),
    // Not an object.
    fc.oneof(fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }), fc.integer(), fc.string(), fc.constant(null), fc.boolean()).map(asJson('not an object')),
    // Not JSON.
    fc
      .oneof(fc.constantFrom('{', '{"a":', '[1,]', "{'a':1}", 'undefined', '\u0000', '{"a":"\u0000"}', '{"__proto__":{"x":1}}', '{"a":1,"a":2}'), fc.string({ maxLength: 60 }))
      .map((payload) => ({ payload, json: true, label: 'not JSON' })),
    // Deeply nested.
    fc.integer({ min: 100, max: 5000 }).map((n) => ({ payload: '['.repeat(n) + ']'.repeat(n), json: true, label: 'deep nesting' })),
    // Empty.
    fc.constant({ payload: undefined, json: true, label: 'empty' }),
    // Raw bytes.
    fc.uint8Array({ maxLength: 2000 }).map((bytes) => ({ payload: Buffer.from(bytes), json: false, label: 'raw bytes' })),
  ]
  return fc.oneof(...variants)
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json; charset=latin1',
  'application/json, text/plain',
  'text/plain',
  'text/html',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/x-tar',
  'application/zip',
  'application/octet-stream',
  '*/*',
  ';;;',
  'application/',
  '',
]

type AuthChoice =
  | { kind: 'none' }
  | { kind: 'owner'; where: 'header' | 'cookie' | 'query' }
  | { kind: 'agent'; where: 'header' | 'cookie' | 'query' }
  | { kind: 'junk'; where: 'header' | 'cookie' | 'query'; token: string }

const where = fc.constantFrom<'header' | 'cookie' | 'query'>('header', 'cookie', 'query')
const alnum = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'), minLength: n, maxLength: n })

function authArbitrary(op: Operation, f: Fixtures): fc.Arbitrary<AuthChoice> {
  const junkToken = fc.oneof(
    HEADER_CHARS,
    fc.tuple(alnum(10), alnum(22)).map(([a, b]) => `${a}-${b}`),
    // The real key id with a wrong secret: gets as far as the secret comparison.
    alnum(22).map((secret) => `${f.apiKey.split('-')[0]}-${secret}`),
    fc.uuid(),
    badUuid.filter((s) => !s.includes('\u0000')),
    fc.integer({ min: 1000, max: 7000 }).map((n) => 'A'.repeat(n)),
  )
  const junk = fc.record({ kind: fc.constant('junk' as const), where, token: junkToken })
  const valid = op.agent
    ? fc.record({ kind: fc.constant('agent' as const), where })
    : fc.record({ kind: fc.constant('owner' as const), where })
  const crossed = op.agent
    ? fc.record({ kind: fc.constant('owner' as const), where })
    : fc.record({ kind: fc.constant('agent' as const), where })
  return fc.oneof(
    { weight: 5, arbitrary: valid as fc.Arbitrary<AuthChoice> },
    { weight: 3, arbitrary: junk as fc.Arbitrary<AuthChoice> },
    { weight: 1, arbitrary: crossed as fc.Arbitrary<AuthChoice> },
    { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  )
}

function pathValueArbitrary(name: string, f: Fixtures): fc.Arbitrary<{ value: string; raw: boolean }> {
  const encoded = (arb: fc.Arbitrary<string>) => arb.map((value) => ({ value, raw: false }))
  return fc.oneof(
    { weight: 5, arbitrary: encoded(fc.constantFrom(...realValues(f, name))) },
    { weight: 2, arbitrary: encoded(fc.uuid()) },
    { weight: 2, arbitrary: encoded(badUuid) },
    { weight: 3, arbitrary: encoded(hostileString.map((s) => (s.length > 3000 ? s.slice(0, 3000) : s))) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('%', '%zz', '%E0%A4%A', '%00', '%2F', '%2e%2e', '..', '.', '%C0%AE', '%FF', '%u0041', 'a%20b', '%25')
        .map((value) => ({ value, raw: true })),
    },
  )
}

function queryArbitrary(op: Operation, f: Fixtures): fc.Arbitrary<Record<string, string | string[]>> {
  const known = Object.keys(op.query)
  const value = fc.oneof(
    fc.constantFrom('0', '1', '-1', '1000', '1001', '2147483648', '1.5', '1e3', 'true', 'false', '', 'owner:me', 'name:x status:running', 'id:not-a-uuid', 'q:"'),
    hostileString.map((s) => s.slice(0, 5000)),
    badUuid,
    fc.constantFrom(f.owner.id, f.templateId),
  )
  const oneOrMany = fc.oneof(value, fc.array(value, { minLength: 2, maxLength: 3 }))
  const keys = fc.oneof(fc.constantFrom(...(known.length > 0 ? known : ['q'])), fc.string({ maxLength: 10 }).filter((k) => k !== 'coder_session_token'))
  return fc.dictionary(keys, oneOrMany, { maxKeys: 4 })
}

interface Generated {
  pathValues: { value: string; raw: boolean }[]
  query: Record<string, string | string[]>
  auth: AuthChoice
  body: { payload: string | Buffer | undefined; json: boolean; label: string }
  contentType: string | undefined
  extraHeaders: Record<string, string>
}

function requestArbitrary(op: Operation, f: Fixtures): fc.Arbitrary<Generated> {
  const hasBody = op.method !== 'GET' && op.method !== 'DELETE'
  return fc.record({
    pathValues: fc.tuple(...op.pathParams.map((name) => pathValueArbitrary(name, f))),
    query: queryArbitrary(op, f),
    auth: authArbitrary(op, f),
    body: hasBody ? bodyArbitrary(op, f) : fc.oneof(fc.constant({ payload: undefined, json: false, label: 'none' }), bodyArbitrary(op, f)),
    contentType: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) }, { weight: 1, arbitrary: HEADER_CHARS }),
    extraHeaders: fc.dictionary(
      fc.constantFrom('range', 'if-none-match', 'if-range', 'accept-encoding', 'accept', 'user-agent', 'x-forwarded-for', 'origin', 'content-encoding', 'transfer-encoding-x'),
      HEADER_CHARS,
      { maxKeys: 3 },
    ),
  })
}

// ---------------------------------------------------------------------------------------
// Sending, and checking one answer.

interface Sent {
  method: string
  url: string
  headers: Record<string, string>
  payload: string | Buffer | undefined
}

function buildRequest(op: Operation, g: Generated, f: Fixtures): Sent {
  let url = op.path
  op.pathParams.forEach((name, i) => {
    const { value, raw } = g.pathValues[i]!
    let encoded: string
    try {
      encoded = raw ? value : encodeURIComponent(value)
    } catch {
      encoded = encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '?'))
    }
    url = url.replace(`{${name}}`, encoded)
  })
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(g.query)) for (const item of [v].flat()) params.append(k, item.replace(/[\ud800-\udfff]/g, '?'))
  const headers: Record<string, string> = { ...g.extraHeaders }
  const token =
    g.auth.kind === 'owner' ? f.owner.token : g.auth.kind === 'agent' ? f.agentToken : g.auth.kind === 'junk' ? g.auth.token : undefined
  if (token !== undefined && g.auth.kind !== 'none') {
    const { where: place } = g.auth
    if (place === 'header') headers['coder-session-token'] = token
    else if (place === 'cookie') headers.cookie = `coder_session_token=${token}`
    else params.append('coder_session_token', token)
  }
  if (g.contentType !== undefined) headers['content-type'] = g.contentType
  else if (g.body.payload !== undefined) headers['content-type'] = g.body.json ? 'application/json' : 'application/octet-stream'
  const search = params.toString()
  return { method: op.method, url: search ? `${url}?${search}` : url, headers, payload: g.body.payload }
}

function describe(sent: Sent, status: number, body: string): string {
  const payload =
    sent.payload === undefined ? '(none)' : typeof sent.payload === 'string' ? sent.payload : `<${sent.payload.length} bytes>`
  const cut = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s)
  return `${sent.method} ${cut(sent.url)}\n  headers: ${cut(JSON.stringify(sent.headers))}\n  body: ${cut(JSON.stringify(payload))}\n  -> ${status} ${cut(body)}`
}

/**
 * The operations the audit log must record on every answer, success or failure (the
 * issue's list): login, logout, API key create and delete, user create, file upload,
 * template and version create, workspace create and delete (builds), credentials read,
 * token rotation. Other operations may add at most one entry.
 */
const AUDITED = new Set([
  'log-in-user',
  'log-out-user',
  'create-token-api-key',
  'delete-api-key',
  'create-initial-user',
  'create-new-user',
  'upload-file',
  'create-template-version-by-organization',
  'create-template-by-organization',
  'create-user-workspace',
  'create-user-workspace-by-organization',
  'create-workspace-build',
  'get-workspace-external-agent-credentials',
  'rotateExternalAgentCredentials',
])

/** Refusals by the router, before any route (and so any audit hook) is chosen. */
function refusedByRouter(res: { statusCode: number; body: string }): boolean {
  if (res.statusCode !== 400 && res.statusCode !== 404) return false
  const message = (JSON.parse(res.body) as { message?: string }).message
  return ['Route not found.', 'A path parameter is too long.', 'The request path is not a valid URL.'].includes(message ?? '')
}

interface Checker {
  send(sent: Sent, audited?: boolean): Promise<{ statusCode: number; body: string; headers: Record<string, unknown> }>
  stats: Map<number, number>
}

/** Sends one request and throws, with the request, when an invariant does not hold. */
function makeChecker(f: Fixtures, tables: string[], state: { last: Record<string, TableState> }): Checker {
  const stats = new Map<number, number>()
  return {
    stats,
    async send(sent, audited = false) {
      const res = await f.app.inject({ method: sent.method as 'GET', url: sent.url, headers: sent.headers, ...(sent.payload === undefined ? {} : { payload: sent.payload }) })
      stats.set(res.statusCode, (stats.get(res.statusCode) ?? 0) + 1)
      const problems: string[] = []
      if (res.statusCode >= 500) problems.push(`answered ${res.statusCode}`)
      if (res.statusCode >= 400 && sent.method !== 'HEAD') problems.push(...coderErrorProblems(res))
      const now = await tableStates(f.database, tables)
      if (res.statusCode >= 400) {
        const changed = changedTables(state.last, now).filter((name) => !name.startsWith('audit_logs '))
        if (changed.length > 0) problems.push(`a rejected request changed: ${changed.join(', ')}`)
        const audit = { before: state.last.audit_logs, after: now.audit_logs }
        if (audit.before && audit.after && audit.after.rows < audit.before.rows) problems.push('audit rows disappeared')
        if (audit.before && audit.after && audit.after.rows === audit.before.rows && audit.after.digest !== audit.before.digest) {
          problems.push('an audit row was changed')
        }
      }
      const auditRows = (now.audit_logs?.rows ?? 0) - (state.last.audit_logs?.rows ?? 0)
      if (problems.length === 0) {
        const expected = audited && !refusedByRouter(res) ? [1] : [0, 1]
        if (!expected.includes(auditRows)) problems.push(`${auditRows} audit entries written, expected ${expected.join(' or ')}`)
      }
      state.last = now
      if (problems.length > 0) throw new Error(`${problems.join('; ')}\n${describe(sent, res.statusCode, res.body)}`)
      if (res.statusCode < 400 && sent.method !== 'GET') {
        await restoreFixtures(f)
        state.last = await tableStates(f.database, tables)
      }
      return res
    },
  }
}

/** Passes with the number of runs, or fails with the shrunk request and what was wrong with its answer. */
function report<T>(t: Test, details: fc.RunDetails<T>): void {
  if (!details.failed) {
    t.pass(`${details.numRuns} runs`)
    return
  }
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)
  t.fail(`${error}\n(seed ${details.seed}, path ${details.counterexamplePath}; rerun with FUZZ_SEED=${details.seed})`)
}

// ---------------------------------------------------------------------------------------

t.test('fuzzing every operation of the OpenAPI document', async (t) => {
  const { app, database } = await buildTestApp(t, { env: { ...NO_RATE_LIMITS, OUTPOST_MAX_UPLOAD_BYTES: String(UPLOAD_LIMIT) } })
  const owner = await createOwner(app)
  const member = await createMember(app, owner)
  const pushed = await pushTemplate(app, owner.token, 'fuzz', await exampleTemplateFiles())
  const ws = await workspaceWithAgent(app, owner.token, 'fuzzed', pushed.templateId)
  const builds = await app.inject({ url: `/api/v2/workspaces/${ws.workspaceId}/builds`, headers: auth(owner.token) })
  const dryRun = await app.inject({
    method: 'POST',
    url: `/api/v2/templateversions/${pushed.versionId}/dry-run`,
    headers: auth(owner.token),
    payload: { workspace_name: 'dry', rich_parameter_values: [] },
  })
  t.equal(dryRun.statusCode, 201, 'a dry run to point at')
  const tokenName = 'fuzz-key'
  const f: Fixtures = {
    app,
    database,
    owner,
    member,
    templateId: pushed.templateId,
    templateName: 'fuzz',
    versionId: pushed.versionId,
    versionName: pushed.version.name,
    fileId: pushed.version.job.file_id,
    dryRunJobId: dryRun.json().id,
    workspaceId: ws.workspaceId,
    workspaceName: 'fuzzed',
    buildId: builds.json()[0].id,
    agentId: ws.agentId,
    agentToken: ws.agentToken,
    apiKey: await createToken(app, owner.token, { token_name: tokenName }),
    tokenName,
  }
  t.match(f.fileId, /^[0-9a-f-]{36}$/, 'the uploaded file to point at')
  t.equal((await app.inject({ url: '/api/v2/users/me', headers: auth(f.apiKey) })).statusCode, 200, 'the API key works (and its first use is behind us)')

  const doc = app.swagger() as Schema
  const operations = operationsOf(doc)
  // The committed document (which `npm run openapi` writes) names no operation the app lacks.
  const committed = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')) as Schema
  for (const op of operationsOf(committed)) {
    t.ok(
      operations.some((o) => o.method === op.method && o.path === op.path),
      `${op.method} ${op.path} from openapi/openapi.json is served`,
    )
  }
  t.ok(operations.length >= 60, `${operations.length} operations to fuzz`)

  const tables = await publicTables(database)
  t.ok(tables.includes('audit_logs') && tables.includes('workspace_agent_tokens'), `${tables.length} tables watched`)
  const state = { last: await tableStates(database, tables) }
  const checker = makeChecker(f, tables, state)
  const started = Date.now()
  const deadline = started + BUDGET_MS
  let runs = 0

  // Runs per operation: as many as the budget left allows at the pace so far, between MIN_RUNS and RUNS_PER_OPERATION.
  let spentMs = 0
  for (const [i, op] of operations.entries()) {
    await t.test(`${op.method} ${op.path}`, async (t) => {
      const pace = runs === 0 ? 20 : spentMs / runs
      const share = (deadline - Date.now()) / (operations.length - i)
      const numRuns = Math.max(MIN_RUNS, Math.min(RUNS_PER_OPERATION, Math.floor(share / pace)))
      const before = Date.now()
      const details = await fc.check(
        fc.asyncProperty(requestArbitrary(op, f), async (g) => {
          runs++
          await checker.send(buildRequest(op, g, f), AUDITED.has(op.operationId))
        }),
        { numRuns, ...(SEED === undefined ? {} : { seed: SEED }) },
      )
      spentMs += Date.now() - before
      report(t, details)
    })
  }

  await t.test('bodies over the limit are refused with 413 before anything is stored', async (t) => {
    const withBody = operations.filter((op) => op.method === 'POST' || op.method === 'PATCH')
    const details = await fc.check(
      fc.asyncProperty(
        fc.constantFrom(...withBody),
        fc.integer({ min: 1, max: 64 * 1024 }),
        fc.constantFrom<'header' | 'cookie' | 'query'>('header', 'cookie', 'query'),
        async (op, extra, place) => {
          runs++
          const upload = op.path === '/api/v2/files'
          const limit = upload ? UPLOAD_LIMIT : JSON_BODY_LIMIT
          const payload = upload ? Buffer.alloc(limit + extra, 0x61) : JSON.stringify({ name: 'x'.repeat(limit + extra) })
          const g: Generated = {
            pathValues: op.pathParams.map((name) => ({ value: realValues(f, name)[0]!, raw: false })),
            query: {},
            auth: op.agent ? { kind: 'agent', where: place } : { kind: 'owner', where: place },
            body: { payload, json: !upload, label: 'over the limit' },
            contentType: upload ? 'application/x-tar' : 'application/json',
            extraHeaders: {},
          }
          const sent = buildRequest(op, g, f)
          const res = await checker.send(sent, AUDITED.has(op.operationId))
          if (res.statusCode !== 413) throw new Error(`expected 413\n${describe(sent, res.statusCode, res.body)}`)
          const expected = { message: 'Request body is too large.', detail: `The limit is ${limit} bytes.` }
          if (res.body !== JSON.stringify(expected)) throw new Error(`413 body\n${describe(sent, res.statusCode, res.body)}`)
        },
      ),
      { numRuns: 40, ...(SEED === undefined ? {} : { seed: SEED }) },
    )
    report(t, details)
  })

  await t.test('methods and paths the document does not have', async (t) => {
    const details = await fc.check(
      fc.asyncProperty(
        fc.constantFrom(...operations),
        fc.constantFrom('PUT', 'PATCH', 'DELETE', 'POST', 'OPTIONS', 'HEAD', 'GET'),
        fc.oneof(fc.constant(''), fc.constantFrom('/x', '/..', '/%2e%2e', '//', '/%00', '?%', '#x'), hostileString.map((s) => `/${encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?').slice(0, 600))}`)),
        async (op, method, suffix) => {
          runs++
          const g: Generated = {
            pathValues: op.pathParams.map((name) => ({ value: realValues(f, name)[0]!, raw: false })),
            query: {},
            auth: op.agent ? { kind: 'agent', where: 'header' } : { kind: 'owner', where: 'header' },
            body: { payload: undefined, json: false, label: 'none' },
            contentType: undefined,
            extraHeaders: {},
          }
          const sent = buildRequest(op, g, f)
          const documented = operations.some((o) => o.method === method && o.path === op.path)
          // A documented operation with a suffix is another path; the bare documented ones were fuzzed above.
          if (documented && suffix === '') return
          await checker.send({ ...sent, method, url: `${sent.url}${suffix}` })
        },
      ),
      { numRuns: 150, ...(SEED === undefined ? {} : { seed: SEED }) },
    )
    report(t, details)
  })

  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  const byStatus = [...checker.stats.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')
  t.comment(`${runs} requests in ${seconds} s: ${byStatus}`)
  t.ok([...checker.stats.keys()].some((s) => s < 300), 'some runs got through to a success')
  t.ok(checker.stats.has(400) && checker.stats.has(401) && checker.stats.has(404) && checker.stats.has(413), 'validation, auth, lookup and size errors were all reached')
})
