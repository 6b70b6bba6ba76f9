import type { Organization, OutpostClient } from '../client/index.js'
import { CliError, step } from './errors.js'
import { quote } from './output.js'

/** Coder's `CurrentOrganization`: `-O/--org` (name or ID), else the default organization, else the only one. */
export async function currentOrganization(client: OutpostClient, selected: string | undefined): Promise<Organization> {
  const orgs = await step('get organizations', () => client.organizationsByUser('me'))
  if (selected) {
    const match = orgs.find((o) => o.id === selected || o.name === selected)
    if (!match) {
      throw new CliError(
        `organization ${quote(selected)} not found; are you sure you are a member of this organization? Your organizations: ${orgs.map((o) => o.name).join(', ')}`,
      )
    }
    return match
  }
  const chosen = orgs.find((o) => o.is_default) ?? (orgs.length === 1 ? orgs[0] : undefined)
  if (!chosen) {
    throw new CliError(`you are a member of several organizations; choose one with -O/--org: ${orgs.map((o) => o.name).join(', ')}`)
  }
  return chosen
}
