import type { Queryable } from './client.js'

/**
 * A statement built once per database (or transaction) instead of on every call, and
 * sent by name so Postgres parses and plans it once per connection. For the statements
 * every request of a hot path runs: building a query with drizzle costs several times
 * its round trip in CPU (bench/RESULTS.md, create). `name` must be unique in the app.
 */
export function prepared<P>(build: (q: Queryable) => P): (q: Queryable) => P {
  const built = new WeakMap<Queryable, P>()
  return (q) => {
    let statement = built.get(q)
    if (statement === undefined) {
      statement = build(q)
      built.set(q, statement)
    }
    return statement
  }
}
