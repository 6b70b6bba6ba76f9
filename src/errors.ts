/** A field-level problem, as Coder's `codersdk.ValidationError`. */
export interface Validation {
  field: string
  detail: string
}

/**
 * An error with its HTTP status, rendered once by the error handler in Coder's shape
 * `{message, detail?, validations?}`. Throw these from anywhere below the routes.
 */
export class ApiError extends Error {
  override name = 'ApiError'
  constructor(
    readonly statusCode: number,
    message: string,
    readonly detail?: string,
    readonly validations?: Validation[],
    readonly headers?: Record<string, string>,
  ) {
    super(message)
  }
}

export const SIGNED_OUT_MESSAGE =
  'You are signed out or your session has expired. Please sign in again to continue.'
export const NOT_FOUND_MESSAGE = 'Resource not found or you do not have access to this resource'
const FORBIDDEN_DETAIL =
  "You don't have permission to view this content. If you believe this is a mistake, please contact your administrator or try signing in with different credentials."
export const UNIQUE_DETAIL = 'This value is already in use and should be unique.'

/** Go's `time.Duration` text for whole seconds (`1m0s`, `30s`, `1h0m0s`), as Coder's messages print it. */
export function goDuration(ms: number): string {
  const total = Math.round(ms / 1000)
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  if (h > 0) return `${h}h${m}m${s}s`
  if (m > 0) return `${m}m${s}s`
  return `${s}s`
}

/** The catalogue: every error the API answers with, in one place. */
export const errors = {
  /** Missing, or not visible to the caller: the two are deliberately indistinguishable. */
  notFound: () => new ApiError(404, NOT_FOUND_MESSAGE),
  routeNotFound: () => new ApiError(404, 'Route not found.'),
  forbidden: () => new ApiError(403, 'Forbidden.', FORBIDDEN_DETAIL),
  signedOut: (detail: string) => new ApiError(401, SIGNED_OUT_MESSAGE, detail),
  validation: (validations: Validation[]) => new ApiError(400, 'Validation failed.', undefined, validations),
  /** A path parameter that is not a UUID; `param` is its name, as Coder's message has it. */
  invalidUuid: (param: string, reason: string) => new ApiError(400, `Invalid UUID ${JSON.stringify(param)}.`, reason),
  invalidJson: (detail: string) => new ApiError(400, 'Request body must be valid JSON.', detail),
  badSearch: (message: string, validations: Validation[]) => new ApiError(400, message, undefined, validations),
  invalidQuery: (validations: Validation[]) =>
    new ApiError(400, 'Query parameters have invalid values.', undefined, validations),
  unsupportedMediaType: (type: string) =>
    new ApiError(415, `Unsupported Content-Type: ${JSON.stringify(type)}.`, 'Send application/json.'),
  bodyTooLarge: (limit: number) =>
    new ApiError(413, 'Request body is too large.', `The limit is ${limit} bytes.`),
  internal: () => new ApiError(500, 'An internal server error occurred.'),
  pathParamTooLong: (limit: number) =>
    new ApiError(400, 'A path parameter is too long.', `Path parameters are at most ${limit} characters.`),
  badUrl: () => new ApiError(400, 'The request path is not a valid URL.', 'It has malformed percent-encoding.'),
  headersTooLarge: (limit: number) =>
    new ApiError(431, 'Request header fields are too large.', `The request line and headers together are limited to ${limit} bytes.`),
  badRequest: () => new ApiError(400, 'The request could not be parsed as HTTP.'),
  clientTimeout: () => new ApiError(408, 'The request was not received in time.'),
  unavailable: (detail: string) => new ApiError(503, 'The service is not ready.', detail),

  // Users and sessions.
  firstUserMissing: () => new ApiError(404, 'The initial user has not been created!'),
  firstUserExists: () => new ApiError(409, 'The initial user has already been created.'),
  badCredentials: () => new ApiError(401, 'Incorrect email or password.'),
  accountInactive: (status: string) =>
    new ApiError(401, `Your account is ${status}. Contact an admin to reactivate your account.`),
  userInactive: (status: string) =>
    new ApiError(
      401,
      SIGNED_OUT_MESSAGE,
      `User is not active (status = ${JSON.stringify(status)}). Contact an admin to reactivate your account.`,
    ),
  weakPassword: (detail: string) =>
    new ApiError(400, 'Password not strong enough!', undefined, [{ field: 'password', detail }]),
  passwordNotAllowed: (loginType: string) =>
    new ApiError(400, `Password cannot be set for non-password (${JSON.stringify(loginType)}) authentication.`),
  userExists: () => new ApiError(409, 'User already exists.'),
  unknownUser: (query: string) =>
    new ApiError(400, '"user" must be an existing uuid or username.', `queried user=${JSON.stringify(query)}`),
  meWithoutSession: () => new ApiError(400, 'Cannot use "me" without a valid session.'),
  noOrganization: () =>
    new ApiError(
      400,
      'No organization specified to place the user as a member of. It is required to specify at least one organization id to place the user in.',
      "required at least 1 value for the array 'organization_ids'",
      [{ field: 'organization_ids', detail: 'Missing values, this cannot be empty' }],
    ),
  unknownOrganization: (id: string) =>
    new ApiError(404, `Organization does not exist with the provided id ${JSON.stringify(id)}.`),

  invalidParameters: (validations: Validation[]) =>
    new ApiError(400, 'Invalid rich parameter values.', undefined, validations),

  unresolvablePlatform: (detail: string) =>
    new ApiError(400, "The template's agent platform cannot be evaluated with these parameter values.", detail),
  unsupportedPlatform: (validations: Validation[]) =>
    new ApiError(400, 'An agent resolves to an unsupported platform.', undefined, validations),

  // Files, templates and versions.
  unsupportedUpload: (type: string) =>
    new ApiError(400, 'Unsupported content type header.', `allowed values: application/x-tar, application/zip; got ${JSON.stringify(type)}`),
  fileNotFound: (id: string) => new ApiError(404, `File ${JSON.stringify(id)} not found.`),
  unsupportedStorage: (method: string) =>
    new ApiError(400, `Unsupported storage method ${JSON.stringify(method)}.`, 'Only "file" is supported.'),
  unsupportedProvisioner: (provisioner: string) =>
    new ApiError(400, `Unsupported provisioner ${JSON.stringify(provisioner)}.`, 'Only "terraform" templates can be imported.'),
  templateNotFound: (id: string) => new ApiError(404, `Template ${JSON.stringify(id)} does not exist.`),
  templateNameTaken: (name: string) =>
    new ApiError(409, `Template with name ${JSON.stringify(name)} already exists.`, undefined, [
      { field: 'name', detail: UNIQUE_DETAIL },
    ]),
  templateInUse: () => new ApiError(400, 'All workspaces must be deleted before a template can be removed.'),
  versionNotFound: (id: string) => new ApiError(404, `Template version ${JSON.stringify(id)} does not exist.`),
  versionNameTaken: (name: string) =>
    new ApiError(409, `A template version named ${JSON.stringify(name)} already exists for this template.`, undefined, [
      { field: 'name', detail: UNIQUE_DETAIL },
    ]),
  versionAlreadyUsed: (id: string) =>
    new ApiError(400, `Template version ${JSON.stringify(id)} already belongs to a template.`),
  versionNotInTemplate: (id: string) =>
    new ApiError(400, `Template version ${JSON.stringify(id)} does not belong to this template.`),
  versionNotImported: (id: string) =>
    new ApiError(400, `Template version ${JSON.stringify(id)} did not import successfully.`, 'Its import job failed; see its logs.'),

  // Workspaces.
  forbiddenCreate: () => new ApiError(403, 'Unauthorized to create workspace.'),
  cannotUseTemplate: (name: string) => new ApiError(403, `Unauthorized access to use the template ${JSON.stringify(name)}.`),
  templateAndVersion: () =>
    new ApiError(400, 'You cannot specify both a Template ID and a Template Version ID.', undefined, [
      { field: 'template_id', detail: 'Give either template_id or template_version_id.' },
    ]),
  templateOrVersionRequired: () =>
    new ApiError(400, 'A template_id or template_version_id is required.', undefined, [
      { field: 'template_id', detail: 'Give either template_id or template_version_id.' },
    ]),
  unknownVersion: (id: string) => new ApiError(400, `Template version ${JSON.stringify(id)} doesn't exist.`),
  unknownTemplate: (id: string) => new ApiError(400, `Template ${JSON.stringify(id)} doesn't exist.`),
  versionWithoutTemplate: (id: string) =>
    new ApiError(400, `Template version ${JSON.stringify(id)} is not part of a template.`, 'Create a template from it first.'),
  templateDeleted: (name: string) => new ApiError(404, `Template ${JSON.stringify(name)} has been deleted!`),
  templateDeprecated: (name: string) =>
    new ApiError(400, `Template ${JSON.stringify(name)} has been deprecated, and cannot be used to create a new workspace.`),
  noExternalAgent: (versionId: string) =>
    new ApiError(
      400,
      `Template version ${JSON.stringify(versionId)} does not have an external agent. Only templates with external agents can be used for external workspace creation.`,
      'Outpost manages external workspaces only: add a coder_external_agent resource to the template.',
    ),
  invalidAutomaticUpdates: (value: string) =>
    new ApiError(400, 'Invalid Workspace Automatic Updates setting.', undefined, [
      { field: 'automatic_updates', detail: `must be "always" or "never", got ${JSON.stringify(value)}` },
    ]),
  noAutostart: () =>
    new ApiError(400, 'Invalid Autostart Schedule.', undefined, [
      { field: 'schedule', detail: 'Outpost does not start external machines, so workspaces take no autostart schedule.' },
    ]),
  noAutostop: () =>
    new ApiError(400, 'Invalid Workspace Time to Shutdown.', undefined, [
      { field: 'ttl_ms', detail: 'Outpost does not stop external machines, so workspaces take no time to shutdown.' },
    ]),
  workspaceNameTaken: (name: string) =>
    new ApiError(409, `Workspace ${JSON.stringify(name)} already exists.`, undefined, [
      { field: 'name', detail: UNIQUE_DETAIL },
    ]),
  workspaceGone: (id: string) =>
    new ApiError(
      410,
      `Workspace ${JSON.stringify(id)} was deleted, you can view this workspace by specifying '?include_deleted=true' and trying again.`,
    ),
  externalLifecycle: (transition: string, name: string) =>
    new ApiError(
      409,
      `Cannot ${transition} external workspace ${JSON.stringify(name)}: Outpost does not control external machines.`,
      `Outpost only records the agent of a machine it does not own; ${transition === 'start' ? 'start' : 'stop'} the machine or its agent where it runs. Deleting the workspace is allowed.`,
    ),
  invalidTransition: (transition: string) =>
    new ApiError(400, 'Validation failed.', undefined, [
      { field: 'transition', detail: `must be one of start, stop, delete; got ${JSON.stringify(transition)}` },
    ]),
  tokenUnreadable: () =>
    new ApiError(
      500,
      'The agent token cannot be decrypted with the configured keys.',
      'OUTPOST_SECRET_KEY changed: give the old key in OUTPOST_PREVIOUS_SECRET_KEYS, or rotate this agent token.',
    ),
  noExternalAgentInWorkspace: () => new ApiError(404, 'Workspace does not have an external agent.'),
  externalAgentNotFound: (name: string) => new ApiError(404, `External agent '${name}' not found in workspace.`),

  // Init scripts and agent binaries.
  unknownPlatform: (os: string, arch: string) => new ApiError(400, `Unknown os/arch: ${os}/${arch}`),
  agentBinaryMissing: (name: string, file: string) =>
    new ApiError(404, `Agent binary ${name} is not installed on this Outpost: put it at ${file}`),
  unknownAgentBinary: (name: string, known: readonly string[]) =>
    new ApiError(404, `Unknown agent binary ${JSON.stringify(name)}.`, `Outpost serves ${known.join(', ')}.`),
  rangeNotSatisfiable: (size: number) =>
    new ApiError(416, 'Range Not Satisfiable.', `The file has ${size} bytes.`, undefined, { 'content-range': `bytes */${size}` }),

  // Rate limits, with Retry-After in seconds. The first is Coder's own message.
  rateLimited: (max: number, windowMs: number, retryAfterSeconds: number, detail: string) =>
    new ApiError(
      429,
      `You've been rate limited for sending more than ${max} requests in ${goDuration(windowMs)}.`,
      `${detail} Retry in ${retryAfterSeconds} ${retryAfterSeconds === 1 ? 'second' : 'seconds'}.`,
      undefined,
      { 'retry-after': String(retryAfterSeconds) },
    ),
  tooManyAuthFailures: (max: number, windowMs: number, retryAfterSeconds: number) =>
    new ApiError(
      429,
      `Too many failed authentication attempts: more than ${max} in ${goDuration(windowMs)} from your address.`,
      `Requests that need a session or agent token are refused until the window ends. Retry in ${retryAfterSeconds} ${retryAfterSeconds === 1 ? 'second' : 'seconds'}.`,
      undefined,
      { 'retry-after': String(retryAfterSeconds) },
    ),

  // API keys.
  invalidTokenRequest: (detail: string) => new ApiError(400, 'Failed to validate create API key request.', detail),
  tokenNameTaken: (name: string) =>
    new ApiError(409, `A token with name ${JSON.stringify(name)} already exists.`, undefined, [
      { field: 'name', detail: UNIQUE_DETAIL },
    ]),
} as const
