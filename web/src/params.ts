// Checks a template's parameter values in the browser before they are sent, with the
// same rules the server applies (src/domain/parameters.ts), so most mistakes are shown
// next to their field at once. The server checks again; its answer wins.

/** The fields of Coder's TemplateVersionParameter that the form uses. */
export interface ParameterSpec {
  name: string
  display_name?: string
  type: string
  required: boolean
  default_value: string
  options: ReadonlyArray<{ name: string; value: string }>
  validation_error?: string | undefined
  validation_regex?: string | undefined
  validation_min?: number | undefined
  validation_max?: number | undefined
}

/** The problem with `value` for `parameter`, or undefined when it is acceptable. */
export function parameterProblem(parameter: ParameterSpec, value: string): string | undefined {
  if (value === '' && parameter.type !== 'string') {
    return parameter.required ? 'A value is required.' : undefined
  }
  if (value === '' && parameter.required) return 'A value is required.'
  const custom = (fallback: string) => parameter.validation_error || fallback
  switch (parameter.type) {
    case 'number':
      if (value.trim() === '' || !Number.isFinite(Number(value))) return `Must be a number, not "${value}".`
      break
    case 'bool':
      if (value !== 'true' && value !== 'false') return 'Must be true or false.'
      break
    case 'list(string)': {
      let list: unknown
      try {
        list = JSON.parse(value)
      } catch {
        list = undefined
      }
      if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) return 'Must be a list of strings.'
      break
    }
  }
  if (parameter.options.length > 0) {
    const allowed = parameter.options.map((o) => o.value)
    const chosen = parameter.type === 'list(string)' ? (JSON.parse(value) as string[]) : [value]
    const bad = chosen.find((v) => !allowed.includes(v))
    if (bad !== undefined) return `"${bad}" is not one of the options.`
  }
  if (parameter.type === 'string' && parameter.validation_regex) {
    let pattern: RegExp | undefined
    try {
      pattern = new RegExp(parameter.validation_regex)
    } catch {
      pattern = undefined // a Go-only pattern: the server decides
    }
    if (pattern && !pattern.test(value)) return custom(`Must match ${parameter.validation_regex}.`)
  }
  if (parameter.type === 'number') {
    const n = Number(value)
    if (parameter.validation_min !== undefined && n < parameter.validation_min) return custom(`Must be at least ${parameter.validation_min}.`)
    if (parameter.validation_max !== undefined && n > parameter.validation_max) return custom(`Must be at most ${parameter.validation_max}.`)
  }
  return undefined
}

const NAME_PATTERN = /^[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*$/

/** Coder's rule for workspace and template names (src/domain/names.ts). */
export function nameProblem(name: string): string | undefined {
  if (name.length < 1) return 'A name is required.'
  if (name.length > 32) return 'At most 32 characters.'
  if (name === 'new' || name === 'create') return `"${name}" is reserved.`
  if (!NAME_PATTERN.test(name)) return 'Letters, digits and single hyphens only, not at the start or end.'
  return undefined
}

/** A name derived from a file name: `My Template.tf` → `my-template`. */
export function nameFromFile(fileName: string): string {
  const base = fileName.replace(/\.(tf|tar|zip)$/i, '')
  return base
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
    .replace(/-+$/, '')
}

/** A failed import's `job.error` split into file, line and message (`main.tf:7: …`). */
export function importErrorLocation(error: string): { file: string; line: number; message: string } | undefined {
  const match = /^([^:\s][^:]*?):(\d+): ([\s\S]*)$/.exec(error)
  if (!match) return undefined
  return { file: match[1]!, line: Number(match[2]), message: match[3]! }
}
