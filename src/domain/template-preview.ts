import type { TemplateParameter } from './template-analysis/index.js'

const hclString = (value: string | undefined) => ({ value: value ?? '', valid: value !== undefined })

/** Form types Coder picks by default for a parameter's type and options. */
function defaultFormType(p: TemplateParameter): string {
  if (p.form_type) return p.form_type
  if (p.options.length > 0) return p.type === 'list(string)' ? 'multi-select' : 'radio'
  if (p.type === 'bool') return 'checkbox'
  if (p.type === 'list(string)') return 'tag-select'
  return 'input'
}

/**
 * Coder's dynamic-parameters preview (`codersdk.PreviewParameter`) for our statically
 * analysed parameters, with each value taken from `inputs` or the default.
 */
export function toPreviewParameters(parameters: readonly TemplateParameter[], inputs: Readonly<Record<string, string>>) {
  return parameters.map((p, order) => {
    const validation = {
      ...(p.validation_error ? { validation_error: p.validation_error } : {}),
      ...(p.validation_regex ? { validation_regex: p.validation_regex } : {}),
      ...(p.validation_min !== undefined ? { validation_min: p.validation_min } : {}),
      ...(p.validation_max !== undefined ? { validation_max: p.validation_max } : {}),
      ...(p.validation_monotonic ? { validation_monotonic: p.validation_monotonic } : {}),
    }
    return {
      name: p.name,
      display_name: p.display_name,
      description: p.description,
      type: p.type,
      form_type: defaultFormType(p),
      styling: {},
      mutable: p.mutable,
      default_value: hclString(p.required ? undefined : p.default_value),
      icon: p.icon,
      options: p.options.map((o) => ({ name: o.name, description: o.description, value: hclString(o.value), icon: o.icon })),
      validations: Object.keys(validation).length > 0 ? [validation] : [],
      required: p.required,
      order: p.order ?? order,
      ephemeral: p.ephemeral,
      value: hclString(inputs[p.name] ?? (p.required ? undefined : p.default_value)),
      diagnostics: [],
    }
  })
}
