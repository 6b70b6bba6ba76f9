interface PgErrorLike {
  code?: string
  constraint?: string
  cause?: unknown
}

function pgError(err: unknown): PgErrorLike | undefined {
  // drizzle wraps driver errors (DrizzleQueryError); pg and PGlite both carry `code`.
  for (let e = err as PgErrorLike | undefined, depth = 0; e && depth < 4; e = e.cause as PgErrorLike, depth++) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e
  }
  return undefined
}

/** True when `err` is Postgres' unique_violation, optionally on one named constraint or index. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = pgError(err)
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint)
}
