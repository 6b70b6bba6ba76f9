import { ExpressionError, TemplateImportError } from './errors.js'
import { attributeLine, nestedBlocks, type Declared } from './declarations.js'
import { expressionProblem, renderExpression, type NamedExpression, type TemplateScope } from './scope.js'
import type { ParameterOption, ParameterType, TemplateInternals, TemplateParameter } from './types.js'
import { asBool, asInteger, asNumber, asString, hasUnknown, isList, toJson, type Value } from './values.js'

const TYPES: readonly ParameterType[] = ['string', 'number', 'bool', 'list(string)']
const UNSUPPORTED_META = ['count', 'for_each', 'dynamic'] as const

export type StoredParameter = TemplateInternals['parameters'][number]

/**
 * Reads every `coder_parameter` into Coder's TemplateVersionParameter shape, checking
 * what the coder provider would reject. Attribute values may be expressions over
 * locals and variables; anything that depends on a parameter value is an error here.
 * The result is sorted by `order`, then declaration order.
 */
export function extractParameters(
  declared: readonly Declared[],
  scope: TemplateScope,
): { parameters: TemplateParameter[]; stored: StoredParameter[] } {
  const byName = new Map<string, Declared>()
  const read = declared.map((decl, index) => {
    const { parameter, stored } = readParameter(decl, scope)
    const earlier = byName.get(parameter.name)
    if (earlier) {
      const other = `data.coder_parameter.${earlier.labels[0]} (${earlier.position.file}:${earlier.position.line})`
      const detail = `the parameter name "${parameter.name}" is already used by ${other}`
      throw new TemplateImportError(
        decl.position.file,
        attributeLine(decl, 'name'),
        `data.coder_parameter.${decl.labels[0]}: name: ${detail}`,
      )
    }
    byName.set(parameter.name, decl)
    return { parameter, stored, index }
  })
  read.sort((a, b) => a.parameter.order - b.parameter.order || a.index - b.index)
  return { parameters: read.map((r) => r.parameter), stored: read.map((r) => r.stored) }
}

function readParameter(
  decl: Declared,
  scope: TemplateScope,
): { parameter: TemplateParameter; stored: StoredParameter } {
  const label = decl.labels[0] ?? ''
  const subject = `data.coder_parameter.${label}`
  const fail = (attribute: string, problem: string, block: Declared = decl): never => {
    throw new TemplateImportError(
      block.position.file,
      attributeLine(block, attribute),
      `${subject}: ${attribute}: ${problem}`,
    )
  }
  for (const meta of UNSUPPORTED_META) {
    if (Object.hasOwn(decl.body, meta)) fail(meta, `${meta} is not supported on coder_parameter`)
  }
  const field = new FieldReader(decl, subject, scope)

  const name = field.string('name')
  if (!name) fail('name', 'a parameter needs a name')
  const type = (field.string('type') ?? 'string') as ParameterType
  if (!TYPES.includes(type)) fail('type', `must be one of ${TYPES.map((t) => `"${t}"`).join(', ')}, got "${type}"`)

  const defaultValue = field.string('default')
  if (defaultValue !== undefined) {
    const problem = valueProblem(type, defaultValue)
    if (problem) fail('default', problem)
  }

  const options: ParameterOption[] = nestedBlocks(decl, 'option').map((block, i) => {
    const option = new FieldReader(block, `${subject}: option[${i}]`, scope)
    const optionName = option.string('name')
    const value = option.string('value')
    if (!optionName) fail('name', 'an option needs a name', block)
    if (value === undefined) fail('value', 'an option needs a value', block)
    return {
      name: optionName ?? '',
      description: option.string('description') ?? '',
      value: value ?? '',
      icon: option.string('icon') ?? '',
    }
  })
  options.forEach((option, i) => {
    if (options.findIndex((o) => o.value === option.value) !== i)
      fail('option', `option value "${option.value}" is used twice`)
    if (options.findIndex((o) => o.name === option.name) !== i)
      fail('option', `option name "${option.name}" is used twice`)
  })
  if (
    defaultValue !== undefined &&
    options.length > 0 &&
    type !== 'list(string)' &&
    !options.some((o) => o.value === defaultValue)
  ) {
    fail('default', `default "${defaultValue}" must be one of the option values`)
  }

  const validations = nestedBlocks(decl, 'validation')
  if (validations.length > 1) fail('validation', 'at most one validation block is allowed')
  const validation = validations[0] && new FieldReader(validations[0], `${subject}: validation`, scope)
  const monotonic = validation?.string('monotonic')
  if (monotonic !== undefined && monotonic !== 'increasing' && monotonic !== 'decreasing' && validations[0]) {
    fail('monotonic', 'must be "increasing" or "decreasing"', validations[0])
  }

  const mutable = field.bool('mutable') ?? false
  const ephemeral = field.bool('ephemeral') ?? false
  if (ephemeral && !mutable) fail('ephemeral', 'an ephemeral parameter must be mutable')
  if (ephemeral && defaultValue === undefined) fail('ephemeral', 'an ephemeral parameter needs a default')

  const description = field.string('description') ?? ''
  const parameter: TemplateParameter = {
    name: name ?? '',
    display_name: field.string('display_name') ?? '',
    description,
    description_plaintext: markdownToPlaintext(description),
    type,
    form_type: field.string('form_type') ?? '',
    mutable,
    default_value: defaultValue ?? '',
    icon: field.string('icon') ?? '',
    options,
    validation_error: validation?.string('error') ?? '',
    validation_regex: validation?.string('regex') ?? '',
    required: defaultValue === undefined,
    ephemeral,
    order: field.integer('order') ?? 0,
  }
  const min = validation?.integer('min')
  const max = validation?.integer('max')
  if (min !== undefined) parameter.validation_min = min
  if (max !== undefined) parameter.validation_max = max
  if (monotonic === 'increasing' || monotonic === 'decreasing') parameter.validation_monotonic = monotonic
  const stored: StoredParameter = {
    label,
    name: parameter.name,
    type,
    default: defaultValue ?? null,
    position: decl.position,
  }
  return { parameter, stored }
}

/** Whether a value (default or build value) fits the parameter type; undefined when it does. */
export function valueProblem(type: ParameterType, value: string): string | undefined {
  switch (type) {
    case 'number':
      try {
        asNumber(value, 'value')
        return undefined
      } catch {
        return `"${value}" is not a number`
      }
    case 'bool':
      return value === 'true' || value === 'false' ? undefined : `"${value}" is not a bool (true or false)`
    case 'list(string)': {
      let parsed: unknown
      try {
        parsed = JSON.parse(value)
      } catch {
        parsed = undefined
      }
      return Array.isArray(parsed) && parsed.every((v) => typeof v === 'string')
        ? undefined
        : `"${value}" is not a JSON-encoded list of strings (use jsonencode([...]))`
    }
    case 'string':
      return undefined
  }
}

/** Reads the attributes of one block through the scope; values must be known at import. */
class FieldReader {
  constructor(
    private readonly block: Declared,
    private readonly subject: string,
    private readonly scope: TemplateScope,
  ) {}

  /** Strings, numbers and bools convert to a string (as for a string attribute); null is "not set". */
  string(attribute: string): string | undefined {
    return this.read(attribute, (value) => {
      if (isList(value)) return JSON.stringify(toJson(value))
      return asString(value, 'value')
    })
  }

  bool(attribute: string): boolean | undefined {
    return this.read(attribute, (value) => asBool(value, 'value'))
  }

  integer(attribute: string): number | undefined {
    return this.read(attribute, (value) => asInteger(value, 'value'))
  }

  private read<T>(attribute: string, convert: (value: Value) => T): T | undefined {
    if (!Object.hasOwn(this.block.body, attribute)) return undefined
    const named: NamedExpression = {
      subject: `${this.subject}: ${attribute}`,
      expression: this.block.body[attribute] ?? null,
      position: { file: this.block.position.file, line: attributeLine(this.block, attribute) },
    }
    this.scope.check(named)
    const value = this.scope.evaluate(named)
    if (value === null) return undefined
    if (hasUnknown(value)) {
      throw expressionProblem(
        named,
        `${renderExpression(named.expression)} must be known at import: it cannot depend on parameter values`,
      )
    }
    try {
      return convert(value)
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error
      throw expressionProblem(named, error.message)
    }
  }
}

/**
 * A plain-text rendering of a markdown description, close to Coder's: links and
 * images keep their text, emphasis, code and heading markers are dropped.
 */
export function markdownToPlaintext(markdown: string): string {
  return markdown
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^#{1,6}\s+/gm, '')
    .replace(/^>\s?/gm, '')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|[^*\w])\*(?!\s)(.+?)\*(?!\w)/g, '$1$2')
    .replace(/`([^`]*)`/g, '$1')
    .trim()
}
