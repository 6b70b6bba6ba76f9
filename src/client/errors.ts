/** A field-level problem in an error answer, as Coder's `codersdk.ValidationError`. */
export interface ValidationError {
  field: string
  detail: string
}

/**
 * A non-2xx answer (or a 2xx with a status the call does not accept), decoded from
 * Coder's error shape `{message, detail?, validations?}`.
 */
export class OutpostApiError extends Error {
  override name = 'OutpostApiError'
  readonly status: number
  readonly detail: string | undefined
  readonly validations: ValidationError[]
  readonly method: string
  readonly url: string

  constructor(init: {
    status: number
    message: string
    detail?: string | undefined
    validations?: ValidationError[] | undefined
    method: string
    url: string
  }) {
    super(init.message)
    this.status = init.status
    this.detail = init.detail
    this.validations = init.validations ?? []
    this.method = init.method
    this.url = init.url
  }
}

/** The server could not be reached at all (bad host, refused connection, TLS failure, timeout). */
export class OutpostConnectionError extends Error {
  override name = 'OutpostConnectionError'
  constructor(
    readonly method: string,
    readonly url: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${method} ${url}: ${reason}`, options)
  }
}

/** The most specific reason a fetch failed: Node puts the system error (ECONNREFUSED, ENOTFOUND) in `cause`. */
export function connectionReason(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'the request timed out'
  let reason = err instanceof Error ? err.message : String(err)
  let current = err instanceof Error ? err.cause : undefined
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const nested: unknown[] = current instanceof AggregateError ? current.errors : []
    if (current.message) reason = current.message
    else if (nested[0] instanceof Error && nested[0].message) reason = nested[0].message
    current = current.cause
  }
  return reason
}
