// Display helpers shared by the pages.

const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
]
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' })

/** "3 minutes ago", "yesterday", "now". */
export function ago(iso: string, now = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000)
  if (Math.abs(seconds) < 10) return 'just now'
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit)
  }
  return 'just now'
}

export function fullDate(iso: string): string {
  return new Date(iso).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'medium' })
}

/** `agent_starting` → `Agent starting`. */
export function words(value: string): string {
  const text = value.replace(/[_-]+/g, ' ').trim()
  return text.charAt(0).toUpperCase() + text.slice(1)
}

export type Tone = 'good' | 'bad' | 'warn' | 'info' | 'neutral'

export function agentStatusTone(status: string): Tone {
  switch (status) {
    case 'connected':
      return 'good'
    case 'connecting':
      return 'info'
    case 'disconnected':
    case 'timeout':
      return 'bad'
    default:
      return 'neutral'
  }
}

export function lifecycleTone(state: string): Tone {
  if (state === 'ready') return 'good'
  if (state.endsWith('error') || state.endsWith('timeout')) return 'bad'
  if (state === 'starting' || state === 'created') return 'info'
  return 'neutral'
}
