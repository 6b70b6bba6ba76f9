import { isSupportedPlatform, SUPPORTED_PLATFORMS } from '../platforms.js'
import { staticError } from './errors.js'
import {
  expressionProblem,
  renderExpression,
  TemplateScope,
  type NamedExpression,
  type ParameterLookup,
} from './scope.js'
import type { TemplateAnalysis, TemplateInternals } from './types.js'
import { describeValue, isUnknown, typeName, UNKNOWN, type Value } from './values.js'

export { isSupportedPlatform, SUPPORTED_PLATFORMS }

type StoredAgent = TemplateInternals['agents'][number]

export function agentAttribute(agent: StoredAgent, attribute: 'os' | 'arch'): NamedExpression {
  return { subject: `coder_agent.${agent.name}: ${attribute}`, ...agent[attribute] }
}

export function scopeFor(internal: TemplateInternals, lookup: ParameterLookup, context = ''): TemplateScope {
  const declarations = {
    parameterLabels: new Set(internal.parameters.map((p) => p.label)),
    locals: internal.locals,
    variables: internal.variables,
  }
  return new TemplateScope(declarations, lookup, context)
}

/**
 * Evaluates an agent's os or arch: a lower-cased string, or unknown when it depends on
 * a parameter without a value. Anything else is a positioned TemplateImportError.
 */
export function evaluatePlatformAttribute(
  scope: TemplateScope,
  named: NamedExpression,
  context = '',
): string | typeof UNKNOWN {
  scope.check(named)
  const value: Value = scope.evaluate(named)
  if (isUnknown(value)) return UNKNOWN
  if (typeof value !== 'string') {
    const got =
      value === null || typeof value === 'object' ? typeName(value) : `${typeName(value)} ${describeValue(value)}`
    throw expressionProblem(
      named,
      `${renderExpression(named.expression)} must evaluate to a string, got ${got}`,
      context,
    )
  }
  return value.toLowerCase()
}

/**
 * The os/arch of each coder_agent for a build, from the build's parameter values
 * (name → value; missing ones take the parameter default). Returns agent name →
 * {os, arch}, lower-cased, in declaration order. Throws TemplateImportError (with
 * position) when an expression cannot be evaluated or a needed value is missing.
 */
export function resolveAgentPlatforms(
  analysis: TemplateAnalysis,
  values: Readonly<Record<string, string>>,
): Map<string, { os: string; arch: string }> {
  const internal = analysis.internal
  if (internal?.version !== 1)
    throw new Error('template analysis has no usable internal data (analyzed by an older version?)')
  const byLabel = new Map(internal.parameters.map((p) => [p.label, p]))
  const scope = scopeFor(internal, (label, attribute) => {
    const parameter = byLabel.get(label)
    if (parameter === undefined) throw staticError(`unknown data source data.coder_parameter.${label}`)
    if (attribute === 'name') return parameter.name
    if (Object.hasOwn(values, parameter.name)) return values[parameter.name] ?? ''
    if (parameter.default !== null) return parameter.default
    throw staticError(`parameter "${parameter.name}" has no value and no default`)
  })
  const platforms = new Map<string, { os: string; arch: string }>()
  for (const agent of internal.agents) {
    const os = evaluatePlatformAttribute(scope, agentAttribute(agent, 'os'))
    const arch = evaluatePlatformAttribute(scope, agentAttribute(agent, 'arch'))
    if (typeof os !== 'string' || typeof arch !== 'string') {
      throw new Error(`coder_agent.${agent.name}: os/arch unknown with every parameter value given`)
    }
    platforms.set(agent.name, { os, arch })
  }
  return platforms
}
