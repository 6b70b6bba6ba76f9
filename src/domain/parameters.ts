import { errors, type Validation } from '../errors.js'
import type { TemplateParameter } from './template-analysis/index.js'

export interface ParameterValue {
  name: string
  value: string
}

function typeProblem(parameter: TemplateParameter, value: string): string | undefined {
  switch (parameter.type) {
    case 'number':
      return value.trim() !== '' && Number.isFinite(Number(value)) ? undefined : `must be a number, got ${JSON.stringify(value)}`
    case 'bool':
      return value === 'true' || value === 'false' ? undefined : `must be true or false, got ${JSON.stringify(value)}`
    case 'list(string)': {
      try {
        const list: unknown = JSON.parse(value)
        if (Array.isArray(list) && list.every((item) => typeof item === 'string')) return undefined
      } catch {
        // fall through to the message
      }
      return 'must be a JSON array of strings, such as ["a","b"]'
    }
    default:
      return undefined
  }
}

function ruleProblem(parameter: TemplateParameter, value: string): string | undefined {
  const custom = (fallback: string) => parameter.validation_error || fallback
  if (parameter.options.length > 0) {
    const allowed = parameter.options.map((o) => o.value)
    const chosen = parameter.type === 'list(string)' ? (JSON.parse(value) as string[]) : [value]
    const bad = chosen.find((v) => !allowed.includes(v))
    if (bad !== undefined) return `${JSON.stringify(bad)} is not one of the options: ${allowed.join(', ')}`
  }
  if (parameter.type === 'string' && parameter.validation_regex) {
    let pattern: RegExp | undefined
    try {
      pattern = new RegExp(parameter.validation_regex)
    } catch {
      pattern = undefined
    }
    if (pattern && !pattern.test(value)) return custom(`must match ${parameter.validation_regex}`)
  }
  if (parameter.type === 'number') {
    const n = Number(value)
    if (parameter.validation_min !== undefined && n < parameter.validation_min) {
      return custom(`must be at least ${parameter.validation_min}`)
    }
    if (parameter.validation_max !== undefined && n > parameter.validation_max) {
      return custom(`must be at most ${parameter.validation_max}`)
    }
  }
  return undefined
}

/**
 * Checks build parameter values against the template's parameters and returns the
 * complete set (defaults filled in). Every problem becomes one validation, by name.
 */
export function resolveParameterValues(
  parameters: readonly TemplateParameter[],
  given: readonly ParameterValue[],
): ParameterValue[] {
  const problems: Validation[] = []
  const byName = new Map<string, string>()
  for (const { name, value } of given) {
    if (!parameters.some((p) => p.name === name)) {
      problems.push({ field: name, detail: `Parameter ${JSON.stringify(name)} is not defined in the template version.` })
    } else if (byName.has(name)) {
      problems.push({ field: name, detail: 'Parameter given more than once.' })
    }
    byName.set(name, value)
  }
  const resolved: ParameterValue[] = []
  for (const parameter of parameters) {
    const value = byName.get(parameter.name) ?? (parameter.required ? undefined : parameter.default_value)
    if (value === undefined) {
      problems.push({ field: parameter.name, detail: `Parameter ${JSON.stringify(parameter.name)} is required but no value was given.` })
      continue
    }
    const problem = typeProblem(parameter, value) ?? ruleProblem(parameter, value)
    if (problem) problems.push({ field: parameter.name, detail: problem })
    else resolved.push({ name: parameter.name, value })
  }
  if (problems.length > 0) throw errors.invalidParameters(problems)
  return resolved
}
