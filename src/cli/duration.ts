const UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
}

/** Go's `time.ParseDuration` (`720h`, `1h30m`, `1.5h`, `90s`): the duration in nanoseconds. */
export function parseGoDuration(input: string): number {
  const invalid = () => new Error(`time: invalid duration ${JSON.stringify(input)}`)
  let s = input.trim()
  let sign = 1
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1
    s = s.slice(1)
  }
  if (s === '0') return 0
  if (s === '') throw invalid()
  let total = 0
  const part = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/
  while (s !== '') {
    const match = part.exec(s)
    if (!match) throw invalid()
    const [whole, value = '', unit = ''] = match
    total += Number(value) * (UNITS[unit] ?? Number.NaN)
    s = s.slice(whole.length)
  }
  if (!Number.isFinite(total)) throw invalid()
  return sign * Math.round(total)
}
