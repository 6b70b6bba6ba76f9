import type { WorkspaceResource } from '../client/index.js'
import { width, type Styles } from './output.js'

/**
 * Coder's `cliui.WorkspaceResources` as `templates push` ("Template Preview") and
 * `create` ("Workspace Preview") print it: a light-boxed go-pretty table of resources
 * sorted by type, each followed by its agents as a tree, with the agent state and
 * access columns hidden (Outpost has no `ssh`).
 */
export function renderResources(resources: WorkspaceResource[], title: string, styles: Styles): string {
  const rows: string[][] = []
  const sorted = [...resources].filter((r) => r.type !== 'random_string').sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))
  for (const resource of sorted) {
    const lines = [styles.bold(`${resource.type}.${resource.name}`)]
    const agents = [...(resource.agents ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    agents.forEach((agent, i) => {
      const pipe = i === agents.length - 1 ? '└' : '├'
      lines.push(`${pipe}─ ${agent.name} (${agent.operating_system}, ${agent.architecture})`)
    })
    rows.push(lines)
  }
  const header = 'RESOURCE'
  const w = Math.max(width(title), width(header), ...rows.flat().map(width))
  const pad = (s: string) => s + ' '.repeat(w - width(s))
  const rule = (left: string, right: string) => `${left}${'─'.repeat(w + 2)}${right}`
  const line = (s: string) => `│ ${pad(s)} │`
  const out = [rule('┌', '┐')]
  if (title) out.push(line(title), rule('├', '┤'))
  out.push(line(header), rule('├', '┤'))
  rows.forEach((lines, i) => {
    for (const l of lines) out.push(line(l))
    if (i < rows.length - 1) out.push(rule('├', '┤'))
  })
  out.push(rule('└', '┘'))
  return out.join('\n')
}
