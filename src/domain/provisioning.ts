import { randomUUID } from 'node:crypto'
import type { WorkspaceAgentTokenRow, WorkspaceResourceRow } from '../db/schema.js'
import { errors } from '../errors.js'
import type { NewAgentRow } from '../store/resources.js'
import { isSupportedPlatform, SUPPORTED_PLATFORM_LIST } from './platforms.js'
import { encryptSecret, sha256Hex } from './secrets.js'
import {
  resolveAgentPlatforms,
  TemplateImportError,
  type TemplateAnalysis,
} from './template-analysis/index.js'
import type { ParameterValue } from './parameters.js'

export interface PlannedAgent {
  name: string
  os: string
  arch: string
}

export interface PlannedResource {
  type: string
  name: string
  agents: PlannedAgent[]
}

/**
 * What a build of the template "produces": one `coder_external_agent` resource per
 * external agent, holding the agent it points at. Agents no external agent points at
 * are listed under their own `coder_agent` resource. Nothing is created anywhere else.
 */
export function planResources(
  analysis: TemplateAnalysis,
  platforms: ReadonlyMap<string, { os: string; arch: string }>,
): PlannedResource[] {
  const agent = (name: string): PlannedAgent => ({ name, os: platforms.get(name)?.os ?? '', arch: platforms.get(name)?.arch ?? '' })
  const attached = new Set(analysis.externalAgents.map((e) => e.agentName))
  return [
    ...analysis.externalAgents.map((e) => ({ type: 'coder_external_agent', name: e.name, agents: [agent(e.agentName)] })),
    ...analysis.agents
      .filter((a) => !attached.has(a.name))
      .map((a) => ({ type: 'coder_agent', name: a.name, agents: [agent(a.name)] })),
  ]
}

/**
 * The agents' platforms for these parameter values, each one of the supported pairs,
 * or a 400 naming the agent (and the parameter values that led there).
 */
export function resolveSupportedPlatforms(
  analysis: TemplateAnalysis,
  values: readonly ParameterValue[],
): Map<string, { os: string; arch: string }> {
  let platforms: Map<string, { os: string; arch: string }>
  try {
    platforms = resolveAgentPlatforms(analysis, Object.fromEntries(values.map((v) => [v.name, v.value])))
  } catch (err) {
    if (err instanceof TemplateImportError) throw errors.unresolvablePlatform(err.message)
    throw err
  }
  const bad = [...platforms].filter(([, p]) => !isSupportedPlatform(p.os, p.arch))
  if (bad.length > 0) {
    throw errors.unsupportedPlatform(
      bad.map(([name, p]) => ({
        field: 'rich_parameter_values',
        detail: `coder_agent.${name} resolves to ${p.os}/${p.arch}; supported: ${SUPPORTED_PLATFORM_LIST}`,
      })),
    )
  }
  return platforms
}

/** A fresh agent token: a UUID, as Coder's agents expect, kept only as a hash and a ciphertext. */
export function issueAgentToken(agentId: string, secretKey: Buffer, now: Date): { token: string; row: WorkspaceAgentTokenRow } {
  const token = randomUUID()
  return {
    token,
    row: {
      id: randomUUID(),
      agentId,
      tokenHash: sha256Hex(token),
      tokenCiphertext: encryptSecret(secretKey, token),
      createdAt: now,
      expiresAt: null,
    },
  }
}

/** Rows for a job's resources and agents; with `secretKey`, each agent also gets a token. */
export function materialiseResources(
  plan: readonly PlannedResource[],
  job: { id: string; transition: WorkspaceResourceRow['transition'] },
  now: Date,
  secretKey?: Buffer,
): { resources: WorkspaceResourceRow[]; agents: NewAgentRow[]; tokens: WorkspaceAgentTokenRow[] } {
  const resources: WorkspaceResourceRow[] = []
  const agents: NewAgentRow[] = []
  const tokens: WorkspaceAgentTokenRow[] = []
  for (const planned of plan) {
    const resource: WorkspaceResourceRow = {
      id: randomUUID(),
      jobId: job.id,
      transition: job.transition,
      type: planned.type,
      name: planned.name,
      hide: false,
      icon: '',
      createdAt: now,
    }
    resources.push(resource)
    for (const agent of planned.agents) {
      const id = randomUUID()
      agents.push({
        id,
        resourceId: resource.id,
        name: agent.name,
        operatingSystem: agent.os,
        architecture: agent.arch,
        createdAt: now,
        updatedAt: now,
      })
      if (secretKey) tokens.push(issueAgentToken(id, secretKey, now).row)
    }
  }
  return { resources, agents, tokens }
}
