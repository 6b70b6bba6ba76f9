/**
 * Output in the shapes Coder's CLI prints (coder/coder:cli/cliui): tables, JSON,
 * durations, timestamps and the few styles it uses. Styles are ANSI only when stdout
 * is a terminal (and NO_COLOR is unset), as Coder's termenv profile decides.
 */

export interface Styles {
  /** Whether ANSI styling is on. */
  readonly color: boolean
  keyword(s: string): string
  code(s: string): string
  error(s: string): string
  warn(s: string): string
  placeholder(s: string): string
  timestamp(s: string): string
  field(s: string): string
  bold(s: string): string
}

const ansi = (open: string) => (s: string) => `\x1b[${open}m${s}\x1b[0m`

export function createStyles(color: boolean): Styles {
  if (!color) {
    const plain = (s: string) => s
    return {
      color,
      keyword: plain,
      code: plain,
      error: plain,
      warn: plain,
      placeholder: plain,
      timestamp: plain,
      field: plain,
      bold: plain,
    }
  }
  return {
    color,
    keyword: ansi('32'),
    // Coder's Code style: padded, pink on dark grey.
    code: (s) => `\x1b[38;2;237;86;122;48;2;44;44;44m ${s} \x1b[0m`,
    error: ansi('31'),
    warn: ansi('33'),
    placeholder: ansi('35'),
    timestamp: ansi('94'),
    field: (s) => `\x1b[38;2;255;255;255;48;2;43;42;42m ${s} \x1b[0m`,
    bold: ansi('1'),
  }
}

/** Whether a stream should get ANSI styling. */
export function wantsColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.TERM === 'dumb') return false
  return stream.isTTY === true
}

/** Visible width of a string: code points, without ANSI escapes. */
export function width(s: string): number {
  // eslint-disable-next-line no-control-regex
  return [...s.replace(/\x1b\[[0-9;]*m/g, '')].length
}

const padEnd = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - width(s)))

/**
 * Coder's `cliui.Table()`: go-pretty with no borders, no header separator, no column
 * separators, no left padding and two spaces of right padding after every cell (so
 * lines end in two spaces), the header upper-cased, cells left-aligned.
 */
export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))))
  const line = (cells: string[]) => cells.map((c, i) => padEnd(c, widths[i] ?? 0) + '  ').join('')
  return [line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].join('\n')
}

export class UsageError extends Error {
  override name = 'UsageError'
}

/** A table format: the columns a type offers, the default set, the default sort column. */
export interface TableSpec<T> {
  columns: Record<string, (row: T) => string>
  defaults: string[]
  sort?: string
}

const normalizeColumn = (c: string) => c.trim().toLowerCase().replace(/_/g, ' ')

/** `-c/--column` values: comma-separated, repeatable, matched as Coder does (case-insensitive, `_` for space). */
export function parseColumns(values: string[] | undefined, available: string[]): string[] | undefined {
  if (!values || values.length === 0) return undefined
  const wanted = values.flatMap((v) => v.split(',')).map(normalizeColumn).filter((c) => c !== '')
  for (const column of wanted) {
    if (!available.includes(column)) {
      throw new UsageError(
        `invalid argument "${column}" for "-c, --column" flag: "${column}" is not one of ${available.map((a) => `"${a}"`).join(', ')}`,
      )
    }
  }
  return wanted
}

/** A table of `rows` in the chosen (or default) columns, sorted by the spec's sort column like go-pretty. */
export function formatTable<T>(spec: TableSpec<T>, rows: T[], columns?: string[]): string {
  const chosen = columns ?? spec.defaults
  let cells = rows.map((row) => ({ row, all: Object.fromEntries(Object.entries(spec.columns).map(([k, f]) => [k, f(row)])) }))
  if (spec.sort) {
    const key = spec.sort
    cells = [...cells].sort((a, b) => {
      const x = a.all[key] ?? ''
      const y = b.all[key] ?? ''
      return x < y ? -1 : x > y ? 1 : 0
    })
  }
  return renderTable(
    chosen,
    cells.map((c) => chosen.map((k) => c.all[k] ?? '')),
  )
}

/**
 * Go's `json.MarshalIndent(v, "", "  ")`: two-space indentation and Go's HTML-safe
 * escaping of `<`, `>`, `&` and the line separators U+2028/U+2029.
 */
export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** The output format flag (`-o`), checked against the formats a command offers. */
export function parseFormat<F extends string>(value: string | undefined, formats: readonly F[]): F {
  const format = (value ?? formats[0]) as F
  if (!formats.includes(format)) {
    throw new UsageError(
      `invalid argument "${value}" for "-o, --output" flag: "${value}" is not one of ${formats.map((f) => `"${f}"`).join(', ')}`,
    )
  }
  return format
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** Go's `time.Duration.String()` for whole seconds and more (e.g. `2h15m0s`, `15m0s`, `0s`). */
export function goDurationString(ms: number): string {
  if (ms === 0) return '0s'
  const sign = ms < 0 ? '-' : ''
  let rest = Math.abs(ms)
  const h = Math.floor(rest / HOUR)
  rest -= h * HOUR
  const m = Math.floor(rest / MINUTE)
  rest -= m * MINUTE
  const s = rest / 1000
  const secs = Number.isInteger(s) ? String(s) : String(Number(s.toFixed(9)))
  if (h > 0) return `${sign}${h}h${m}m${secs}s`
  if (m > 0) return `${sign}${m}m${secs}s`
  return `${sign}${secs}s`
}

/**
 * Coder's `durationDisplay` (cli/util.go): `<1m` under a minute, truncated to the
 * minute (to the hour past a day), days as `Nd`, and empty trailing units dropped:
 * `15m`, `2h`, `2h15m`, `3d`, `3d2h`.
 */
export function durationDisplay(ms: number): string {
  let d = Math.abs(ms)
  if (d === 0) return '0s'
  if (d < MINUTE) return '<1m'
  if (d > DAY) d -= d % HOUR
  if (d > MINUTE) d -= d % MINUTE
  let days = 0
  while (d >= DAY) {
    days++
    d -= DAY
  }
  let out = goDurationString(d)
  if (days > 0) out = `${days}d${out}`
  for (const suffix of ['m0s', 'h0m', 'd0s', 'd0h']) {
    if (out.endsWith(suffix)) out = out.slice(0, -2)
  }
  return out
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const two = (n: number) => String(n).padStart(2, '0')

/** Go's `time.Stamp` layout (`Jan _2 15:04:05`) in local time, as `cliui.Timestamp` prints it. */
export function stamp(date: Date): string {
  const day = String(date.getDate()).padStart(2, ' ')
  return `${MONTHS[date.getMonth()]} ${day} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`
}

function offset(date: Date): string {
  const minutes = -date.getTimezoneOffset()
  if (minutes === 0) return 'Z'
  const sign = minutes > 0 ? '+' : '-'
  const abs = Math.abs(minutes)
  return `${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`
}

/** RFC 3339 in UTC, seconds precision, as Go formats a UTC `time.Time` in tables. */
export function rfc3339(value: string | Date): string {
  const date = typeof value === 'string' ? new Date(value) : value
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** RFC 3339 in local time, as Coder's `timeDisplay`. */
export function rfc3339Local(value: string | Date): string {
  const d = typeof value === 'string' ? new Date(value) : value
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}${offset(d)}`
}

/** `2006-01-02 15:04:05.000Z07:00` in local time: how Coder prefixes provisioner log lines. */
export function logTimestamp(value: string | Date): string {
  const d = typeof value === 'string' ? new Date(value) : value
  const ms = String(d.getMilliseconds()).padStart(3, '0')
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${ms}${offset(d)}`
}

/** Go's `January 2, 2006` layout, as `templates list` shows dates. */
export function longDate(value: string | Date): string {
  const d = typeof value === 'string' ? new Date(value) : value
  const month = new Intl.DateTimeFormat('en-US', { month: 'long' }).format(d)
  return `${month} ${d.getDate()}, ${d.getFullYear()}`
}

/** Word-wraps plain text at `columns`, as Coder's `Wrap` style (80 columns) does. */
export function wrap(text: string, columns = 80): string {
  return text
    .split('\n')
    .map((paragraph) => {
      const lines: string[] = []
      let current = ''
      for (const word of paragraph.split(' ')) {
        if (current !== '' && width(current) + 1 + width(word) > columns) {
          lines.push(current)
          current = word
        } else {
          current = current === '' ? word : `${current} ${word}`
        }
      }
      lines.push(current)
      return lines.join('\n')
    })
    .join('\n')
}

/** Go's `%q` for the plain strings the CLI quotes (names, URLs). */
export const quote = (s: string): string => JSON.stringify(s)
