import type { OutpostClient, Workspace } from '../client/index.js'
import { CliError } from './errors.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const NAME = /^[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*$/

/** Coder's `codersdk.NameValid`, with its reasons. */
export function nameProblem(name: string): string | undefined {
  if (name.length > 32) return 'must be <= 32 characters'
  if (!NAME.test(name)) return 'must be alphanumeric with hyphens'
  return undefined
}

/** `[owner/]name`, as Coder's `splitNamedWorkspace`: the owner defaults to `me`. */
export function splitNamedWorkspace(identifier: string): { owner: string; name: string } {
  const parts = identifier.split('/')
  if (parts.length === 1) return { owner: 'me', name: parts[0] ?? '' }
  if (parts.length === 2 && parts[0] && parts[1]) return { owner: parts[0], name: parts[1] }
  throw new CliError(`invalid workspace name: ${JSON.stringify(identifier)}`)
}

/** Coder's `namedWorkspace`: a workspace by UUID, or by `[owner/]name`. */
export async function namedWorkspace(client: OutpostClient, identifier: string): Promise<Workspace> {
  if (UUID.test(identifier)) return client.workspace(identifier)
  const { owner, name } = splitNamedWorkspace(identifier)
  return client.workspaceByOwnerAndName(owner, name)
}

export const isUuid = (s: string) => UUID.test(s)
