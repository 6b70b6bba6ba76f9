// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by
// where the code lives (node internals, a package, src/). Used for the notes on targets
// that are not met, and by hand: `node --import=tsx bench/lib/profile.ts <file>`.
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

function where(url: string): string {
  if (url === '') return '(native/VM)'
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0]
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg) return pkg[1]!
  const src = /\/(src|bench|test)\/(.+)$/.exec(url)
  return src ? `${src[1]}/${src[2]}` : url
}

export function summarise(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const total = profile.endTime - profile.startTime
  const byNode = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    byNode.set(profile.samples[i]!, (byNode.get(profile.samples[i]!) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const byFunction = new Map<string, number>()
  const byPlace = new Map<string, number>()
  for (const node of profile.nodes) {
    const time = byNode.get(node.id) ?? 0
    if (time === 0) continue
    const { functionName, url, lineNumber } = node.callFrame
    const place = where(url)
    const fn = `${functionName || '(anonymous)'} ${place}${url ? `:${lineNumber + 1}` : ''}`
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + time)
    byPlace.set(place, (byPlace.get(place) ?? 0) + time)
  }
  // Inclusive time: a node's own samples plus its descendants'.
  const nodeById = new Map(profile.nodes.map((n) => [n.id, n]))
  const inclusive = new Map<number, number>()
  const visit = (id: number): number => {
    const node = nodeById.get(id)!
    let t = byNode.get(id) ?? 0
    for (const child of node.children ?? []) t += visit(child)
    inclusive.set(id, t)
    return t
  }
  visit(profile.nodes[0]!.id)
  const byFunctionTotal = new Map<string, number>()
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame
    if (!/\/src\/|node_modules\/(fastify|@fastify|drizzle-orm|pg|pg-protocol|pino)\//.test(url)) continue
    const fn = `${functionName || '(anonymous)'} ${where(url)}:${lineNumber + 1}`
    byFunctionTotal.set(fn, (byFunctionTotal.get(fn) ?? 0) + (inclusive.get(node.id) ?? 0))
  }
  const pct = (t: number) => `${((t / total) * 100).toFixed(1)}%`
  const rows = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, t]) => `${pct(t).padStart(6)}  ${k}`)
  return [
    `profile: ${(total / 1e6).toFixed(1)} s sampled`,
    'self time by place:',
    ...rows(byPlace),
    '',
    'self time by function:',
    ...rows(byFunction),
    '',
    'total time (with callees) of src/ and fastify functions (recursion counted twice):',
    ...rows(byFunctionTotal),
  ].join('\n')
}

if (process.argv[1]?.endsWith('profile.ts') && process.argv[2]) {
  process.stdout.write(summarise(process.argv[2], Number(process.argv[3] ?? 30)) + '\n')
}
