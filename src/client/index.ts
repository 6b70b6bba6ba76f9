/**
 * A small typed client for Outpost's HTTP API (Coder's `/api/v2` for external
 * workspaces): one method per endpoint, wire types from `src/sdk`. It uses only
 * `fetch`, so the CLI, the tests and a browser dashboard can share it; following a
 * job's log stream needs a WebSocket with a cookie and lives in `./logs.ts`.
 *
 * Every request carries the session token in the `Coder-Session-Token` header, as
 * Coder's SDK sends it. Non-2xx answers (and 2xx answers with a status the call does
 * not expect) become an `OutpostApiError`; failures to reach the server an
 * `OutpostConnectionError`.
 */
import type { Static } from 'typebox'
import type { APIKey, CreateTokenRequest, GenerateAPIKeyResponseSchema } from '../sdk/api-keys.js'
import type { BuildInfoResponse } from '../sdk/buildinfo.js'
import type { Response } from '../sdk/common.js'
import type { Organization } from '../sdk/organizations.js'
import type { MatchedProvisionersSchema, ProvisionerJob, ProvisionerJobLog } from '../sdk/provisioner-jobs.js'
import type {
  CreateTemplateRequest,
  CreateTemplateVersionRequest,
  DryRunRequest,
  Template,
  TemplateVersion,
  TemplateVersionParameterSchema,
  UploadResponseSchema,
} from '../sdk/templates.js'
import type {
  CreateFirstUserRequest,
  CreateFirstUserResponseSchema,
  CreateUserRequest,
  LoginWithPasswordResponseSchema,
  User,
} from '../sdk/users.js'
import type {
  CreateWorkspaceBuildRequest,
  CreateWorkspaceRequest,
  ExternalAgentCredentials,
  Workspace,
  WorkspaceAgent,
  WorkspaceBuild,
  WorkspaceResource,
} from '../sdk/workspaces.js'
import { connectionReason, OutpostApiError, OutpostConnectionError, type ValidationError } from './errors.js'

export { OutpostApiError, OutpostConnectionError } from './errors.js'
export type { ValidationError } from './errors.js'

export type CreateFirstUserResponse = Static<typeof CreateFirstUserResponseSchema>
export type LoginWithPasswordResponse = Static<typeof LoginWithPasswordResponseSchema>
export type GenerateAPIKeyResponse = Static<typeof GenerateAPIKeyResponseSchema>
export type UploadResponse = Static<typeof UploadResponseSchema>
export type TemplateVersionParameter = Static<typeof TemplateVersionParameterSchema>
export type MatchedProvisioners = Static<typeof MatchedProvisionersSchema>
export interface WorkspacesResponse {
  workspaces: Workspace[]
  count: number
}
export interface UsersResponse {
  users: User[]
  count: number
}
export interface WorkspaceBuildParameter {
  name: string
  value: string
}
export type {
  APIKey,
  BuildInfoResponse,
  CreateFirstUserRequest,
  CreateTemplateRequest,
  CreateTemplateVersionRequest,
  CreateTokenRequest,
  CreateUserRequest,
  CreateWorkspaceBuildRequest,
  CreateWorkspaceRequest,
  DryRunRequest,
  ExternalAgentCredentials,
  Organization,
  ProvisionerJob,
  ProvisionerJobLog,
  Response,
  Template,
  TemplateVersion,
  User,
  Workspace,
  WorkspaceAgent,
  WorkspaceBuild,
  WorkspaceResource,
}

/** The session header Coder's SDK sends on every request. */
export const SESSION_TOKEN_HEADER = 'Coder-Session-Token'
/** The cookie Coder's SDK sends the session in on WebSockets. */
export const SESSION_TOKEN_COOKIE = 'coder_session_token'

export interface ClientOptions {
  /** The deployment's base URL, e.g. `http://127.0.0.1:3000` (a path prefix is kept). */
  url: string | URL
  token?: string | undefined
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch
  /** Extra headers on every request (a User-Agent, for example). */
  headers?: Record<string, string>
  /** Per-request timeout in milliseconds; none by default. */
  timeoutMs?: number
}

interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined> | undefined
  body?: unknown
  /** A raw body with its content type (file uploads). */
  raw?: { data: Uint8Array; contentType: string } | undefined
  /** The statuses that count as success; any 2xx when absent. */
  expect?: number[]
}

const seg = encodeURIComponent

export class OutpostClient {
  readonly url: URL
  token: string | undefined
  private readonly fetchImpl: typeof fetch
  private readonly headers: Record<string, string>
  private readonly timeoutMs: number | undefined

  constructor(options: ClientOptions) {
    const url = new URL(options.url)
    if (!url.pathname.endsWith('/')) url.pathname += '/'
    this.url = url
    this.token = options.token
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis)
    this.headers = options.headers ?? {}
    this.timeoutMs = options.timeoutMs
  }

  /** The absolute URL of an API path such as `/api/v2/buildinfo`. */
  resolve(path: string, query?: RequestOptions['query']): URL {
    const url = new URL(path.replace(/^\//, ''), this.url)
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value))
    }
    return url
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = this.resolve(path, options.query)
    const headers: Record<string, string> = { Accept: 'application/json', ...this.headers }
    if (this.token) headers[SESSION_TOKEN_HEADER] = this.token
    let body: RequestInit['body']
    if (options.raw) {
      headers['Content-Type'] = options.raw.contentType
      body = options.raw.data as RequestInit['body']
    } else if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json'
      body = JSON.stringify(options.body)
    }
    let res: globalThis.Response
    try {
      res = await this.fetchImpl(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(this.timeoutMs ? { signal: AbortSignal.timeout(this.timeoutMs) } : {}),
      })
    } catch (err) {
      throw new OutpostConnectionError(method, url.toString(), connectionReason(err), { cause: err })
    }
    const ok = options.expect ? options.expect.includes(res.status) : res.ok
    if (!ok) throw await readError(res, method, url.toString())
    if (res.status === 204) return undefined as T
    const text = await res.text()
    if (text === '') return undefined as T
    try {
      return JSON.parse(text) as T
    } catch {
      throw new OutpostApiError({
        status: res.status,
        message: `Unexpected non-JSON response "${res.headers.get('content-type') ?? ''}"`,
        detail: text.slice(0, 512),
        method,
        url: url.toString(),
      })
    }
  }

  // Deployment and authentication.

  buildInfo(): Promise<BuildInfoResponse> {
    return this.request('GET', '/api/v2/buildinfo')
  }

  /** Whether the deployment's first user exists (`GET /users/first`: 200 yes, 404 no). */
  async hasFirstUser(): Promise<boolean> {
    try {
      await this.request<Response>('GET', '/api/v2/users/first', { expect: [200] })
      return true
    } catch (err) {
      if (err instanceof OutpostApiError && err.status === 404) return false
      throw err
    }
  }

  createFirstUser(req: CreateFirstUserRequest): Promise<CreateFirstUserResponse> {
    return this.request('POST', '/api/v2/users/first', { body: req, expect: [201] })
  }

  loginWithPassword(req: { email: string; password: string }): Promise<LoginWithPasswordResponse> {
    return this.request('POST', '/api/v2/users/login', { body: req, expect: [201] })
  }

  logout(): Promise<Response> {
    return this.request('POST', '/api/v2/users/logout', { expect: [200] })
  }

  // Users.

  user(user = 'me'): Promise<User> {
    return this.request('GET', `/api/v2/users/${seg(user)}`)
  }

  users(query: { q?: string; limit?: number; offset?: number } = {}): Promise<UsersResponse> {
    return this.request('GET', '/api/v2/users', { query })
  }

  createUser(req: CreateUserRequest): Promise<User> {
    return this.request('POST', '/api/v2/users', { body: req, expect: [201] })
  }

  organizationsByUser(user = 'me'): Promise<Organization[]> {
    return this.request('GET', `/api/v2/users/${seg(user)}/organizations`)
  }

  // API tokens.

  createToken(user: string, req: CreateTokenRequest): Promise<GenerateAPIKeyResponse> {
    return this.request('POST', `/api/v2/users/${seg(user)}/keys/tokens`, { body: req, expect: [201] })
  }

  tokens(user = 'me', filter: { includeAll?: boolean } = {}): Promise<APIKey[]> {
    return this.request('GET', `/api/v2/users/${seg(user)}/keys/tokens`, {
      query: { include_all: filter.includeAll ? true : undefined },
    })
  }

  apiKeyByName(user: string, name: string): Promise<APIKey> {
    return this.request('GET', `/api/v2/users/${seg(user)}/keys/tokens/${seg(name)}`)
  }

  apiKeyById(user: string, id: string): Promise<APIKey> {
    return this.request('GET', `/api/v2/users/${seg(user)}/keys/${seg(id)}`)
  }

  deleteAPIKey(user: string, id: string): Promise<void> {
    return this.request('DELETE', `/api/v2/users/${seg(user)}/keys/${seg(id)}`, { expect: [204] })
  }

  // Organizations.

  organizations(): Promise<Organization[]> {
    return this.request('GET', '/api/v2/organizations')
  }

  organization(ref: string): Promise<Organization> {
    return this.request('GET', `/api/v2/organizations/${seg(ref)}`)
  }

  // Files and templates.

  /** Uploads a template archive; 201 for new bytes, 200 with the same id for known ones. */
  upload(data: Uint8Array, contentType = 'application/x-tar'): Promise<UploadResponse> {
    return this.request('POST', '/api/v2/files', { raw: { data, contentType }, expect: [200, 201] })
  }

  templates(q?: string): Promise<Template[]> {
    return this.request('GET', '/api/v2/templates', { query: { q } })
  }

  templatesByOrganization(organization: string, q?: string): Promise<Template[]> {
    return this.request('GET', `/api/v2/organizations/${seg(organization)}/templates`, { query: { q } })
  }

  templateByName(organization: string, name: string): Promise<Template> {
    return this.request('GET', `/api/v2/organizations/${seg(organization)}/templates/${seg(name)}`)
  }

  template(id: string): Promise<Template> {
    return this.request('GET', `/api/v2/templates/${seg(id)}`)
  }

  createTemplate(organization: string, req: CreateTemplateRequest): Promise<Template> {
    return this.request('POST', `/api/v2/organizations/${seg(organization)}/templates`, { body: req, expect: [201] })
  }

  updateActiveTemplateVersion(template: string, versionId: string): Promise<Response> {
    return this.request('PATCH', `/api/v2/templates/${seg(template)}/versions`, { body: { id: versionId }, expect: [200] })
  }

  templateVersions(template: string): Promise<TemplateVersion[]> {
    return this.request('GET', `/api/v2/templates/${seg(template)}/versions`)
  }

  templateVersionByName(template: string, name: string): Promise<TemplateVersion> {
    return this.request('GET', `/api/v2/templates/${seg(template)}/versions/${seg(name)}`)
  }

  createTemplateVersion(organization: string, req: CreateTemplateVersionRequest): Promise<TemplateVersion> {
    return this.request('POST', `/api/v2/organizations/${seg(organization)}/templateversions`, { body: req, expect: [201] })
  }

  templateVersion(id: string): Promise<TemplateVersion> {
    return this.request('GET', `/api/v2/templateversions/${seg(id)}`)
  }

  templateVersionResources(id: string): Promise<WorkspaceResource[]> {
    return this.request('GET', `/api/v2/templateversions/${seg(id)}/resources`)
  }

  templateVersionRichParameters(id: string): Promise<TemplateVersionParameter[]> {
    return this.request('GET', `/api/v2/templateversions/${seg(id)}/rich-parameters`)
  }

  templateVersionPresets(id: string): Promise<unknown[]> {
    return this.request('GET', `/api/v2/templateversions/${seg(id)}/presets`)
  }

  templateVersionExternalAuth(id: string): Promise<unknown[]> {
    return this.request('GET', `/api/v2/templateversions/${seg(id)}/external-auth`)
  }

  templateVersionLogs(id: string): Promise<ProvisionerJobLog[]> {
    return this.request('GET', `/api/v2/templateversions/${seg(id)}/logs`)
  }

  createTemplateVersionDryRun(version: string, req: DryRunRequest): Promise<ProvisionerJob> {
    return this.request('POST', `/api/v2/templateversions/${seg(version)}/dry-run`, { body: req, expect: [201] })
  }

  templateVersionDryRun(version: string, job: string): Promise<ProvisionerJob> {
    return this.request('GET', `/api/v2/templateversions/${seg(version)}/dry-run/${seg(job)}`)
  }

  templateVersionDryRunResources(version: string, job: string): Promise<WorkspaceResource[]> {
    return this.request('GET', `/api/v2/templateversions/${seg(version)}/dry-run/${seg(job)}/resources`)
  }

  templateVersionDryRunMatchedProvisioners(version: string, job: string): Promise<MatchedProvisioners> {
    return this.request('GET', `/api/v2/templateversions/${seg(version)}/dry-run/${seg(job)}/matched-provisioners`)
  }

  // Workspaces.

  workspaces(filter: { q?: string; limit?: number; offset?: number } = {}): Promise<WorkspacesResponse> {
    return this.request('GET', '/api/v2/workspaces', {
      query: { q: filter.q || undefined, limit: filter.limit || undefined, offset: filter.offset || undefined },
    })
  }

  workspace(id: string, options: { includeDeleted?: boolean } = {}): Promise<Workspace> {
    return this.request('GET', `/api/v2/workspaces/${seg(id)}`, {
      query: { include_deleted: options.includeDeleted ? true : undefined },
    })
  }

  workspaceByOwnerAndName(owner: string, name: string, options: { includeDeleted?: boolean } = {}): Promise<Workspace> {
    return this.request('GET', `/api/v2/users/${seg(owner)}/workspace/${seg(name)}`, {
      query: { include_deleted: options.includeDeleted ?? false },
    })
  }

  createUserWorkspace(owner: string, req: CreateWorkspaceRequest): Promise<Workspace> {
    return this.request('POST', `/api/v2/users/${seg(owner)}/workspaces`, { body: req, expect: [201] })
  }

  createWorkspaceBuild(workspace: string, req: CreateWorkspaceBuildRequest): Promise<WorkspaceBuild> {
    return this.request('POST', `/api/v2/workspaces/${seg(workspace)}/builds`, { body: req, expect: [201] })
  }

  workspaceBuilds(workspace: string): Promise<WorkspaceBuild[]> {
    return this.request('GET', `/api/v2/workspaces/${seg(workspace)}/builds`)
  }

  workspaceBuild(id: string): Promise<WorkspaceBuild> {
    return this.request('GET', `/api/v2/workspacebuilds/${seg(id)}`)
  }

  workspaceBuildLogs(id: string): Promise<ProvisionerJobLog[]> {
    return this.request('GET', `/api/v2/workspacebuilds/${seg(id)}/logs`)
  }

  workspaceBuildParameters(id: string): Promise<WorkspaceBuildParameter[]> {
    return this.request('GET', `/api/v2/workspacebuilds/${seg(id)}/parameters`)
  }

  workspaceExternalAgentCredentials(workspaceId: string, agentName: string): Promise<ExternalAgentCredentials> {
    return this.request('GET', `/api/v2/workspaces/${seg(workspaceId)}/external-agent/${seg(agentName)}/credentials`)
  }
}

/** Coder's `ReadBodyAsError`: the JSON error body, or a clear message when the body is not JSON. */
async function readError(res: globalThis.Response, method: string, url: string): Promise<OutpostApiError> {
  const text = await res.text().catch(() => '')
  const contentType = res.headers.get('content-type') ?? ''
  if (contentType.includes('json')) {
    try {
      const body = JSON.parse(text) as { message?: unknown; detail?: unknown; validations?: unknown }
      if (typeof body.message === 'string') {
        return new OutpostApiError({
          status: res.status,
          message: body.message,
          detail: typeof body.detail === 'string' && body.detail !== '' ? body.detail : undefined,
          validations: Array.isArray(body.validations) ? (body.validations as ValidationError[]) : undefined,
          method,
          url,
        })
      }
    } catch {
      // fall through to the generic message
    }
  }
  return new OutpostApiError({
    status: res.status,
    message: contentType.includes('json') ? `${res.status} ${res.statusText}` : `Unexpected non-JSON response "${contentType}"`,
    detail: text.slice(0, 512) || undefined,
    method,
    url,
  })
}
