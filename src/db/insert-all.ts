import { getTableColumns, getTableName, sql, type SQL } from 'drizzle-orm'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'
import type { Queryable } from './client.js'

/** Rows for one table, and the order (SQL over its columns) to return them in. */
export interface TableRows<T extends PgTable = PgTable> {
  table: T
  rows: readonly T['$inferInsert'][]
  orderBy?: string
}

type Inserted<P extends readonly TableRows[]> = { [K in keyof P]: P[K] extends TableRows<infer T> ? T['$inferSelect'][] : never }

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`

/**
 * Inserts rows into several tables in ONE statement (a data-modifying CTE per table) and
 * returns them as stored, defaults included. A single statement is atomic, and foreign
 * keys between the new rows are checked when it ends, so this replaces a transaction of
 * one INSERT per table with one round trip (the create path's cost was its round trips).
 * Each table's rows travel as one jsonb parameter (so no binary columns); columns a row
 * leaves undefined take their database default, so every row of a table must set the
 * same columns.
 */
export async function insertAll<const P extends readonly TableRows[]>(q: Queryable, plan: P): Promise<Inserted<P>> {
  const ctes: SQL[] = []
  const results: SQL[] = []
  plan.forEach(({ table, rows, orderBy }, i) => {
    const { name, columns } = describe(table)
    const alias = `t${i}`
    const first = rows[0] as Record<string, unknown> | undefined
    const set = first === undefined ? [] : columns.filter(([key]) => first[key] !== undefined)
    const records = rows.map((row: Record<string, unknown>) => {
      const record: Record<string, unknown> = {}
      let given = 0
      for (const key in row) if (row[key] !== undefined) given++
      for (const [key, column] of set) {
        const value = row[key]
        if (value === undefined) given = -1
        // JSON has no bytes: a Buffer would be stored as its JSON form, not its contents.
        if (value instanceof Uint8Array) throw new Error(`insertAll: ${getTableName(table)}.${column.name} is binary; insert it another way`)
        record[column.name] = value
      }
      if (given !== set.length) throw new Error(`insertAll: every ${getTableName(table)} row must set the same columns`)
      return record
    })
    const names = set.map(([, column]) => quote(column.name)).join(', ')
    ctes.push(
      rows.length === 0
        ? sql.raw(`${alias} as (select * from ${name} where false)`)
        : sql`${sql.raw(`${alias} as (insert into ${name} (${names}) select ${names} from jsonb_populate_recordset(null::${name}, `)}${JSON.stringify(records)}${sql.raw(`::jsonb) returning *)`)}`,
    )
    results.push(sql.raw(`(select coalesce(json_agg(${alias}${orderBy ? ` order by ${orderBy}` : ''}), '[]') from ${alias}) as ${alias}`))
  })
  const statement = sql`with ${sql.join(ctes, sql`, `)} select ${sql.join(results, sql`, `)}`
  const result = (await q.execute(statement)) as unknown as { rows: Record<string, unknown>[] }
  const row = result.rows[0]!
  return plan.map(({ table }, i) => {
    const { columns } = describe(table)
    const value = row[`t${i}`]
    const stored = (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>[]
    return stored.map((json) => {
      const out: Record<string, unknown> = {}
      for (const [key, column] of columns) {
        const v = json[column.name]
        out[key] = v === null || v === undefined ? null : column.mapFromDriverValue(v)
      }
      return out
    })
  }) as Inserted<P>
}

const described = new WeakMap<PgTable, { name: string; columns: [string, PgColumn][] }>()

/** The table's quoted name and its columns as [property, column] pairs, worked out once. */
function describe(table: PgTable): { name: string; columns: [string, PgColumn][] } {
  let found = described.get(table)
  if (!found) {
    found = { name: quote(getTableName(table)), columns: Object.entries(getTableColumns(table)) }
    described.set(table, found)
  }
  return found
}
