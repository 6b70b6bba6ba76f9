import type { HclJson } from './parser.js'

export type { HclJson }

export interface ParameterOption {
  name: string
  description: string
  value: string
  icon: string
}

export type ParameterType = 'string' | 'number' | 'bool' | 'list(string)'

/** A `coder_parameter`, with the fields of Coder's `codersdk.TemplateVersionParameter`. */
export interface TemplateParameter {
  name: string
  display_name: string
  description: string
  description_plaintext: string
  type: ParameterType
  /** `coder_parameter.form_type`, or '' when not set. */
  form_type: string
  mutable: boolean
  default_value: string
  icon: string
  options: ParameterOption[]
  validation_error: string
  validation_regex: string
  validation_min?: number
  validation_max?: number
  validation_monotonic?: 'increasing' | 'decreasing'
  /** True when no default is given. */
  required: boolean
  ephemeral: boolean
  /** `coder_parameter.order`, or 0. The list is sorted by order, then declaration. */
  order: number
}

export interface SourcePosition {
  file: string
  line: number
}

export interface AgentDeclaration {
  /** The coder_agent resource name, e.g. "main". */
  name: string
  position: SourcePosition
}

export interface ExternalAgentDeclaration {
  /** The coder_external_agent resource name. */
  name: string
  /** The coder_agent its agent_id points at (`coder_agent.X.id`, or the older `.token`). */
  agentName: string
  position: SourcePosition
}

/** An expression as hcl2json rendered it, and where it is written. */
export interface StoredExpression {
  expression: HclJson
  position: SourcePosition
}

/**
 * What `resolveAgentPlatforms` needs, kept with the analysis. Plain JSON (it is stored
 * in a database column with the rest): treat it as opaque outside this module.
 * Only the locals and variables that agents' os/arch reach are kept.
 */
export interface TemplateInternals {
  version: 1
  parameters: Array<{
    /** The data source's label: `data.coder_parameter.<label>.value`. */
    label: string
    /** The parameter's name, the key of build parameter values. */
    name: string
    type: ParameterType
    /** null when the parameter has no default. */
    default: string | null
    position: SourcePosition
  }>
  agents: Array<{ name: string; os: StoredExpression; arch: StoredExpression }>
  locals: Array<{ name: string } & StoredExpression>
  variables: Array<{ name: string; hasDefault: boolean; default: HclJson; position: SourcePosition }>
}

export interface TemplateAnalysis {
  parameters: TemplateParameter[]
  agents: AgentDeclaration[]
  externalAgents: ExternalAgentDeclaration[]
  hasExternalAgent: boolean
  /** Human-readable lines for the import job's log (what was found). */
  log: string[]
  /** See `TemplateInternals`. */
  internal: TemplateInternals
}
