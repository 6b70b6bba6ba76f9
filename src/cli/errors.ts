import { OutpostApiError, OutpostConnectionError } from '../client/errors.js'
import type { Styles } from './output.js'

/** An error the CLI reports as is (after `error: `) and exits 1 with. */
export class CliError extends Error {
  override name = 'CliError'
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message)
  }
}

/** Coder's suggestion for a 401, and the message when no deployment URL is known. */
export const LOGIN_HINT = "Try logging in using 'outpost login <url>'."
export const NOT_LOGGED_IN = `You are not logged in. ${LOGIN_HINT}`

/**
 * How an error is printed on stderr, after Coder's `cliHumanFormatError`: the
 * server's message, its validation errors, its detail and, on a 401, the login
 * suggestion; an unreachable server in one line; anything else as its message.
 * A `context` prefix says which step failed ("create workspace: ...").
 */
export function formatError(err: unknown, styles: Styles): string {
  const { context, inner } = unwrap(err)
  const prefix = context ? `${context}: ` : ''
  if (inner instanceof OutpostApiError) {
    const lines = [`${styles.error('error:')} ${prefix}${inner.message}`]
    if (inner.validations.length > 0) {
      lines.push(`${inner.validations.length} validation error(s) found`)
      for (const v of inner.validations) lines.push(`\t${v.field}: ${v.detail}`)
    }
    if (inner.detail) lines.push(inner.detail)
    if (inner.status === 401) lines.push(`Suggestion: ${LOGIN_HINT}`)
    return lines.join('\n')
  }
  if (inner instanceof OutpostConnectionError) {
    const origin = safeOrigin(inner.url)
    return `${styles.error('error:')} ${prefix}could not reach Outpost at ${origin}: ${inner.reason}; is the URL right and the server running?`
  }
  const message = inner instanceof Error ? inner.message : String(inner)
  return `${styles.error('error:')} ${prefix}${message}`
}

/** An error with the step it happened in, like Go's `xerrors.Errorf("step: %w", err)`. */
export class StepError extends Error {
  override name = 'StepError'
  constructor(
    readonly step: string,
    readonly inner: unknown,
  ) {
    super(`${step}: ${inner instanceof Error ? inner.message : String(inner)}`, { cause: inner })
  }
}

/** Runs `fn`, labelling any failure with `step` (API and connection errors keep their shape). */
export async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    throw new StepError(name, err)
  }
}

function unwrap(err: unknown): { context: string; inner: unknown } {
  const steps: string[] = []
  let current = err
  while (current instanceof StepError) {
    steps.push(current.step)
    current = current.inner
  }
  return { context: steps.join(': '), inner: current }
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return url
  }
}

/** Whether an error is an API answer with this status. */
export function isStatus(err: unknown, status: number): boolean {
  const { inner } = unwrap(err)
  return inner instanceof OutpostApiError && inner.status === status
}
