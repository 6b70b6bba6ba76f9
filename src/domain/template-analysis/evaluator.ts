import { dynamicError, ExpressionError, staticError } from './errors.js'
import { arity, FUNCTIONS, isKnownFunction } from './functions.js'
import type { BinaryOp, Expr, Step } from './parser.js'
import {
  asBool,
  asInteger,
  asNumber,
  asString,
  describeValue,
  hasUnknown,
  isList,
  isMap,
  isUnknown,
  typeName,
  UNKNOWN,
  valuesEqual,
  type Value,
} from './values.js'

/**
 * Resolves references such as `local.os` or `data.coder_parameter.platform.value`:
 * given the root name and the steps after it, returns the value and how many of the
 * leading steps it used (the rest are applied to that value as ordinary attribute
 * and index accesses).
 */
export interface ReferenceResolver {
  resolve(root: string, steps: readonly Step[]): { value: Value; consumed: number }
}

/** A reference as written: its root and the attribute names that directly follow it. */
export interface Reference {
  root: string
  names: string[]
}

/** Every reference and function call in an expression, for checks that need no values. */
export function collectUses(expr: Expr): { references: Reference[]; calls: Array<{ name: string; argc: number }> } {
  const references: Reference[] = []
  const calls: Array<{ name: string; argc: number }> = []
  const visit = (e: Expr): void => {
    switch (e.kind) {
      case 'literal':
        return
      case 'template':
        for (const part of e.parts) if (typeof part !== 'string') visit(part)
        return
      case 'root':
        references.push({ root: e.name, names: [] })
        return
      case 'traverse': {
        if (e.base.kind === 'root') {
          const names: string[] = []
          for (const step of e.steps) {
            if (step.kind !== 'attr') break
            names.push(step.name)
          }
          references.push({ root: e.base.name, names })
        } else {
          visit(e.base)
        }
        for (const step of e.steps) if (step.kind === 'index') visit(step.key)
        return
      }
      case 'call':
        calls.push({ name: e.name, argc: e.args.length })
        e.args.forEach(visit)
        return
      case 'tuple':
        e.items.forEach(visit)
        return
      case 'object':
        for (const entry of e.entries) {
          visit(entry.key)
          visit(entry.value)
        }
        return
      case 'conditional':
        visit(e.condition)
        visit(e.then)
        visit(e.else)
        return
      case 'binary':
        visit(e.left)
        visit(e.right)
        return
      case 'unary':
        visit(e.operand)
        return
    }
  }
  visit(expr)
  return { references, calls }
}

/** Checks the function calls of an expression: known names, right number of arguments. */
export function checkCalls(expr: Expr): void {
  for (const { name, argc } of collectUses(expr).calls) {
    if (!isKnownFunction(name)) throw staticError(`unknown function "${name}"`)
    const { min, max } = arity(name)
    if (argc < min || argc > max) {
      const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`
      throw staticError(`function "${name}" takes ${expected} argument${expected === '1' ? '' : 's'}, got ${argc}`)
    }
  }
}

/** Evaluates an expression. Unknown inputs make unknown results, as in Terraform. */
export function evaluate(expr: Expr, resolver: ReferenceResolver): Value {
  return new Evaluator(resolver).eval(expr)
}

class Evaluator {
  constructor(private readonly resolver: ReferenceResolver) {}

  eval(e: Expr): Value {
    switch (e.kind) {
      case 'literal':
        return e.value
      case 'template':
        return this.template(e.parts)
      case 'root':
        return this.resolver.resolve(e.name, []).value
      case 'traverse':
        return this.traverse(e.base, e.steps)
      case 'call':
        return this.call(e.name, e.args)
      case 'tuple':
        return e.items.map((item) => this.eval(item))
      case 'object':
        return this.object(e.entries)
      case 'conditional':
        return this.conditional(e.condition, e.then, e.else)
      case 'binary':
        return this.binary(e.op, e.left, e.right)
      case 'unary': {
        const operand = this.eval(e.operand)
        if (isUnknown(operand)) return UNKNOWN
        return e.op === '!' ? !asBool(operand, 'operand of "!"') : -asNumber(operand, 'operand of "-"')
      }
    }
  }

  private template(parts: ReadonlyArray<string | Expr>): Value {
    let out = ''
    let unknown = false
    for (const part of parts) {
      if (typeof part === 'string') {
        out += part
        continue
      }
      const value = this.eval(part)
      if (hasUnknown(value)) unknown = true
      else if (value === null) throw dynamicError('cannot include a null value in a string template')
      else out += asString(value, 'interpolated value')
    }
    return unknown ? UNKNOWN : out
  }

  private traverse(base: Expr, steps: readonly Step[]): Value {
    let value: Value
    let rest: readonly Step[] = steps
    if (base.kind === 'root') {
      const resolved = this.resolver.resolve(base.name, steps)
      value = resolved.value
      rest = steps.slice(resolved.consumed)
    } else {
      value = this.eval(base)
    }
    for (const step of rest) value = this.step(value, step)
    return value
  }

  private step(value: Value, step: Step): Value {
    if (step.kind === 'attr') {
      if (isUnknown(value)) return UNKNOWN
      if (!isMap(value)) throw dynamicError(`cannot access attribute "${step.name}" of a ${typeName(value)}`)
      const found = value.get(step.name)
      if (found === undefined) throw dynamicError(`object has no attribute "${step.name}"`)
      return found
    }
    const key = this.eval(step.key)
    if (isUnknown(value) || isUnknown(key)) return UNKNOWN
    if (isList(value)) {
      const index = asInteger(key, 'list index')
      const found = value[index]
      if (index < 0 || found === undefined) {
        throw dynamicError(
          `index ${index} is out of range for a list of ${value.length} element${value.length === 1 ? '' : 's'}`,
        )
      }
      return found
    }
    if (isMap(value)) {
      const name = asString(key, 'map key')
      const found = value.get(name)
      if (found === undefined) throw dynamicError(`key ${JSON.stringify(name)} not found`)
      return found
    }
    throw dynamicError(`cannot index a ${typeName(value)} with ${describeValue(key)}`)
  }

  private call(name: string, args: readonly Expr[]): Value {
    if (name === 'try') return this.tryCall(args)
    if (name === 'can') return this.canCall(args)
    const fn = FUNCTIONS.get(name)
    if (fn === undefined) throw staticError(`unknown function "${name}"`)
    const values = args.map((a) => this.eval(a))
    if (values.length < fn.minArgs || values.length > fn.maxArgs) {
      throw staticError(`wrong number of arguments for function "${name}"`)
    }
    if (values.some(hasUnknown)) return UNKNOWN
    return fn.call(values)
  }

  /** `try(a, b, ...)`: the first argument that evaluates without a dynamic error. */
  private tryCall(args: readonly Expr[]): Value {
    let last: ExpressionError | undefined
    for (const arg of args) {
      try {
        const value = this.eval(arg)
        return hasUnknown(value) ? UNKNOWN : value
      } catch (error) {
        if (!(error instanceof ExpressionError) || error.kind !== 'dynamic') throw error
        last = error
      }
    }
    throw dynamicError(`try: no expression succeeded${last ? ` (last error: ${last.message})` : ''}`)
  }

  private canCall(args: readonly Expr[]): Value {
    const [arg] = args
    if (arg === undefined || args.length !== 1) throw staticError('function "can" takes 1 argument')
    try {
      return hasUnknown(this.eval(arg)) ? UNKNOWN : true
    } catch (error) {
      if (error instanceof ExpressionError && error.kind === 'dynamic') return false
      throw error
    }
  }

  private object(entries: ReadonlyArray<{ key: Expr; value: Expr }>): Value {
    const out = new Map<string, Value>()
    let unknown = false
    for (const entry of entries) {
      const key = this.eval(entry.key)
      const value = this.eval(entry.value)
      if (isUnknown(key)) {
        unknown = true
        continue
      }
      if (key === null) throw dynamicError('object keys must not be null')
      const name = asString(key, 'object key')
      if (out.has(name)) throw dynamicError(`duplicate object key ${JSON.stringify(name)}`)
      out.set(name, value)
    }
    return unknown ? UNKNOWN : out
  }

  private conditional(condition: Expr, then: Expr, otherwise: Expr): Value {
    const test = this.eval(condition)
    if (isUnknown(test)) {
      this.eval(then)
      this.eval(otherwise)
      return UNKNOWN
    }
    return asBool(test, 'condition') ? this.eval(then) : this.eval(otherwise)
  }

  private binary(op: BinaryOp, leftExpr: Expr, rightExpr: Expr): Value {
    const left = this.eval(leftExpr)
    if (op === '&&' || op === '||') {
      // Short-circuits on a known left side; otherwise HCL's logic with unknowns.
      if (!isUnknown(left) && asBool(left, `left operand of "${op}"`) === (op === '||')) return op === '||'
      const right = this.eval(rightExpr)
      if (isUnknown(left) || isUnknown(right)) return UNKNOWN
      return asBool(right, `right operand of "${op}"`)
    }
    const right = this.eval(rightExpr)
    if (hasUnknown(left) || hasUnknown(right)) return UNKNOWN
    if (op === '==') return valuesEqual(left, right)
    if (op === '!=') return !valuesEqual(left, right)
    const a = asNumber(left, `left operand of "${op}"`)
    const b = asNumber(right, `right operand of "${op}"`)
    switch (op) {
      case '<':
        return a < b
      case '>':
        return a > b
      case '<=':
        return a <= b
      case '>=':
        return a >= b
      case '+':
        return a + b
      case '-':
        return a - b
      case '*':
        return a * b
      case '/':
        if (b === 0) throw dynamicError('division by zero')
        return a / b
      case '%':
        if (b === 0) throw dynamicError('division by zero')
        return a % b
    }
  }
}
