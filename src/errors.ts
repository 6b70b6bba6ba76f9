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

/** The catalogue: every error the API answers with, in one place. */
export const errors = {
  /** Missing, or not visible to the caller: the two are deliberately indistinguishable. */
  notFound: () => new ApiError(404, NOT_FOUND_MESSAGE),
  routeNotFound: () => new ApiError(404, 'Route not found.'),
  forbidden: () => new ApiError(403, 'Forbidden.', FORBIDDEN_DETAIL),
  signedOut: (detail: string) => new ApiError(401, SIGNED_OUT_MESSAGE, detail),
  validation: (validations: Validation[]) => new ApiError(400, 'Validation failed.', undefined, validations),
  invalidJson: (detail: string) => new ApiError(400, 'Request body must be valid JSON.', detail),
  invalidQuery: (validations: Validation[]) =>
    new ApiError(400, 'Query parameters have invalid values.', undefined, validations),
  unsupportedMediaType: (type: string) =>
    new ApiError(415, `Unsupported Content-Type: ${JSON.stringify(type)}.`, 'Send application/json.'),
  bodyTooLarge: (limit: number) =>
    new ApiError(413, 'Request body is too large.', `The limit is ${limit} bytes.`),
  internal: () => new ApiError(500, 'An internal server error occurred.'),
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

  // API keys.
  invalidTokenRequest: (detail: string) => new ApiError(400, 'Failed to validate create API key request.', detail),
  tokenNameTaken: (name: string) =>
    new ApiError(409, `A token with name ${JSON.stringify(name)} already exists.`, undefined, [
      { field: 'name', detail: UNIQUE_DETAIL },
    ]),
} as const
