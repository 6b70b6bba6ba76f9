import { ExpressionError, staticError, TemplateImportError } from './errors.js'
import { checkCalls, collectUses, evaluate, type Reference, type ReferenceResolver } from './evaluator.js'
import { parseHclJson, type Expr, type HclJson, type Step } from './parser.js'
import type { SourcePosition, StoredExpression } from './types.js'
import type { Value } from './values.js'

/** An expression with a name for messages, e.g. `coder_agent.main: os` or `local.os`. */
export interface NamedExpression extends StoredExpression {
  subject: string
}

/** What the scope knows about the template. */
export interface ScopeDeclarations {
  parameterLabels: ReadonlySet<string>
  locals: ReadonlyArray<{ name: string } & StoredExpression>
  variables: ReadonlyArray<{ name: string; hasDefault: boolean; default: HclJson; position: SourcePosition }>
}

/** Gives `data.coder_parameter.<label>.value` (or `.name`); may throw an ExpressionError. */
export type ParameterLookup = (label: string, attribute: 'value' | 'name') => Value

/** What an expression reaches, through locals and variables. */
export interface Uses {
  parameters: Set<string>
  locals: Set<string>
  variables: Set<string>
}

const TERRAFORM_ROOTS = new Set(['count', 'each', 'self', 'path', 'terraform', 'module'])
const WORKSPACE_DATA = new Set([
  'coder_workspace',
  'coder_workspace_owner',
  'coder_provisioner',
  'coder_workspace_tags',
])

/** How an expression is shown in messages: the hcl2json string in quotes. */
export function renderExpression(expression: HclJson): string {
  return typeof expression === 'string' ? `"${expression}"` : JSON.stringify(expression)
}

/** An error about a named expression, at its position. */
export function expressionProblem(named: NamedExpression, problem: string, context = ''): TemplateImportError {
  return new TemplateImportError(named.position.file, named.position.line, `${named.subject}: ${problem}${context}`)
}

/**
 * Checks and evaluates the template's expressions: resolves `local.*`, `var.*` and
 * `data.coder_parameter.*` references, and turns expression problems into positioned
 * `TemplateImportError`s at the innermost named expression (an agent attribute, a
 * local, a variable default).
 */
export class TemplateScope implements ReferenceResolver {
  private readonly locals: Map<string, NamedExpression>
  private readonly variables: Map<string, ScopeDeclarations['variables'][number]>
  private readonly parsed = new Map<string, Expr>()
  private readonly checked = new Map<string, Uses>()
  private readonly checking: string[] = []
  private readonly values = new Map<string, Value>()
  private readonly evaluating: string[] = []

  /** `context` is appended to error details, e.g. ` (with parameter "platform" = "x")`. */
  constructor(
    private readonly declarations: ScopeDeclarations,
    private readonly parameter: ParameterLookup,
    private readonly context = '',
  ) {
    this.locals = new Map(declarations.locals.map((l) => [l.name, { ...l, subject: `local.${l.name}` }]))
    this.variables = new Map(declarations.variables.map((v) => [v.name, v]))
  }

  /**
   * The checks that need no values: the expression parses, calls known functions with
   * the right number of arguments and references only things that can be evaluated,
   * through the locals and variable defaults it uses. Returns what it reaches.
   */
  check(named: NamedExpression): Uses {
    const done = this.checked.get(named.subject)
    if (done) return done
    const uses: Uses = { parameters: new Set(), locals: new Set(), variables: new Set() }
    this.checking.push(named.subject)
    try {
      const expr = this.parse(named)
      this.locate(named, () => checkCalls(expr))
      for (const reference of collectUses(expr).references) {
        const inner = this.locate(named, () => this.checkReference(reference, uses))
        if (inner === undefined) continue
        if (this.checking.includes(inner.subject)) {
          const cycle = [...this.checking.slice(this.checking.indexOf(inner.subject)), inner.subject]
          throw expressionProblem(
            named,
            `cannot evaluate ${renderExpression(named.expression)}: ${cycle.join(' → ')} refer to each other in a cycle`,
          )
        }
        const reached = this.check(inner)
        for (const key of ['parameters', 'locals', 'variables'] as const)
          for (const item of reached[key]) uses[key].add(item)
      }
    } finally {
      this.checking.pop()
    }
    this.checked.set(named.subject, uses)
    return uses
  }

  /** Evaluates a named expression (after `check`), with positioned errors. */
  evaluate(named: NamedExpression): Value {
    const expr = this.parse(named)
    return this.locate(named, () => evaluate(expr, this))
  }

  resolve(root: string, steps: readonly Step[]): { value: Value; consumed: number } {
    const names: string[] = []
    for (const step of steps) {
      if (step.kind !== 'attr') break
      names.push(step.name)
    }
    const inner = this.checkReference(
      { root, names },
      { parameters: new Set(), locals: new Set(), variables: new Set() },
    )
    if (inner !== undefined) return { value: this.valueOf(inner), consumed: 1 }
    const [, label = '', attribute] = names
    return { value: this.parameter(label, attribute === 'name' ? 'name' : 'value'), consumed: 3 }
  }

  /**
   * Validates one reference. A local or variable reference returns the named expression
   * it stands for; a parameter reference records the parameter and returns undefined.
   */
  private checkReference({ root, names }: Reference, uses: Uses): NamedExpression | undefined {
    const [first, second, third] = names
    if (root === 'local') {
      if (first === undefined) throw staticError('"local" must be followed by a local value name (local.NAME)')
      const local = this.locals.get(first)
      if (local === undefined) throw staticError(`unknown local "${first}" (no locals block defines it)`)
      uses.locals.add(first)
      return local
    }
    if (root === 'var') {
      if (first === undefined) throw staticError('"var" must be followed by a variable name (var.NAME)')
      const variable = this.variables.get(first)
      if (variable === undefined) throw staticError(`unknown variable "${first}" (no variable block declares it)`)
      const at = `${variable.position.file}:${variable.position.line}`
      if (!variable.hasDefault) {
        throw staticError(
          `variable "${first}" (declared at ${at}) has no default; Outpost does not run Terraform, so variables need a default`,
        )
      }
      uses.variables.add(first)
      return { subject: `var.${first}: default`, expression: variable.default, position: variable.position }
    }
    if (root === 'data') {
      const reference = ['data', first, second].filter((s) => s !== undefined).join('.')
      if (first === 'coder_parameter') {
        if (second === undefined || !this.declarations.parameterLabels.has(second)) {
          throw staticError(`unknown data source ${reference} (no data "coder_parameter" "${second ?? ''}" block)`)
        }
        if (third !== 'value' && third !== 'name') {
          throw staticError(`only the value and name of ${reference} can be used (${reference}.value)`)
        }
        uses.parameters.add(second)
        return undefined
      }
      if (first !== undefined && WORKSPACE_DATA.has(first)) {
        throw staticError(
          `${reference} is not known when Outpost resolves agents (it does not run Terraform); use a coder_parameter instead`,
        )
      }
      throw staticError(`${reference} cannot be evaluated: the only data sources Outpost evaluates are coder_parameter`)
    }
    if (root === 'coder_agent') {
      throw staticError(
        `cannot use attributes of coder_agent${first ? `.${first}` : ''}: they only exist once Terraform has run`,
      )
    }
    if (TERRAFORM_ROOTS.has(root))
      throw staticError(`"${root}" references cannot be evaluated (Outpost does not run Terraform)`)
    if (root.includes('_') && first !== undefined) {
      throw staticError(`cannot use attributes of resource ${root}.${first}: Outpost does not run Terraform`)
    }
    throw staticError(`unknown name "${root}"`)
  }

  /** The value of a local or variable default, evaluated once. */
  private valueOf(named: NamedExpression): Value {
    const cached = this.values.get(named.subject)
    if (cached !== undefined) return cached
    if (this.evaluating.includes(named.subject)) {
      throw staticError(
        `${[...this.evaluating.slice(this.evaluating.indexOf(named.subject)), named.subject].join(' → ')} refer to each other in a cycle`,
      )
    }
    this.evaluating.push(named.subject)
    try {
      const value = this.evaluate(named)
      this.values.set(named.subject, value)
      return value
    } finally {
      this.evaluating.pop()
    }
  }

  private parse(named: NamedExpression): Expr {
    const key = `${named.subject}\u0000${JSON.stringify(named.expression)}`
    let expr = this.parsed.get(key)
    if (expr === undefined) {
      expr = this.locate(named, () => parseHclJson(named.expression))
      this.parsed.set(key, expr)
    }
    return expr
  }

  /** Runs `fn`, turning an ExpressionError into a TemplateImportError at `named`. */
  private locate<T>(named: NamedExpression, fn: () => T): T {
    try {
      return fn()
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error
      throw expressionProblem(
        named,
        `cannot evaluate ${renderExpression(named.expression)}: ${error.message}`,
        this.context,
      )
    }
  }
}
