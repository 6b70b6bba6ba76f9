// The statements a server sent to Postgres, read back from the Postgres server log:
// `ALTER DATABASE … SET log_statement = 'all'` makes every new session of that database
// log its statements (and their parameters); this reads the lines of one database that
// were appended after a given offset. Used to EXPLAIN exactly what a request ran.
import { open, stat } from 'node:fs/promises'
import { adminQuery, PG_URL } from './proc.js'

export interface LoggedStatement {
  pid: number
  text: string
  params: (string | null)[]
}

export async function logFile(): Promise<string> {
  const [row] = await adminQuery<{ path: string | null }>(PG_URL, 'select pg_current_logfile() as path')
  if (row?.path) {
    const [dir] = await adminQuery<{ setting: string }>(PG_URL, "select setting from pg_settings where name = 'data_directory'")
    return row.path.startsWith('/') ? row.path : `${dir!.setting}/${row.path}`
  }
  // No logging collector (Debian's default): the cluster's stderr goes to this file.
  const [version] = await adminQuery<{ v: string }>(PG_URL, "select current_setting('server_version_num') as v")
  return `/var/log/postgresql/postgresql-${Math.floor(Number(version!.v) / 10000)}-main.log`
}

export async function logOffset(file: string): Promise<number> {
  return (await stat(file)).size
}

async function readFrom(file: string, offset: number): Promise<string> {
  const handle = await open(file, 'r')
  try {
    const size = (await handle.stat()).size
    const buffer = Buffer.alloc(Math.max(0, size - offset))
    await handle.read(buffer, 0, buffer.length, offset)
    return buffer.toString('utf8')
  } finally {
    await handle.close()
  }
}

/** `$1 = 'a', $2 = NULL` → ['a', null]. */
export function parseParameters(detail: string): (string | null)[] {
  const params: (string | null)[] = []
  const re = /\$(\d+) = (NULL|'((?:[^']|'')*)')(?:, |$)/gy
  let match: RegExpExecArray | null
  while ((match = re.exec(detail))) params[Number(match[1]) - 1] = match[2] === 'NULL' ? null : match[3]!.replace(/''/g, "'")
  return params
}

const LINE_START = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] (\S*)@(\S*) (LOG|DETAIL|ERROR|STATEMENT|HINT|CONTEXT|WARNING|FATAL):  ([\s\S]*)$/

/** The statements of `database` logged after `offset`, in order, with their parameters. */
export async function statementsSince(file: string, offset: number, database: string): Promise<LoggedStatement[]> {
  const text = await readFrom(file, offset)
  const entries: { pid: number; db: string; kind: string; body: string }[] = []
  for (const line of text.split('\n')) {
    const match = LINE_START.exec(line)
    if (match) entries.push({ pid: Number(match[1]), db: match[3]!, kind: match[4]!, body: match[5]! })
    else if (entries.length > 0) entries[entries.length - 1]!.body += '\n' + line
  }
  const out: LoggedStatement[] = []
  for (const [i, entry] of entries.entries()) {
    if (entry.db !== database || entry.kind !== 'LOG') continue
    const statement = /^(?:execute [^:]*|statement): ([\s\S]*)$/.exec(entry.body)
    if (!statement) continue
    const next = entries.slice(i + 1).find((e) => e.pid === entry.pid)
    const params = next?.kind === 'DETAIL' && next.body.startsWith('parameters: ') ? parseParameters(next.body.slice('parameters: '.length).trim()) : []
    out.push({ pid: entry.pid, text: statement[1]!.trim(), params })
  }
  return out
}
