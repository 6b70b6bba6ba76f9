import { staticError } from './errors.js'
import { lexJsonTemplate, type Punct, type TemplatePart, type Token } from './lexer.js'

/** The JSON hcl2json produces for an attribute value (and how we store expressions). */
export type HclJson = string | number | boolean | null | HclJson[] | { [key: string]: HclJson }

export type Step = { kind: 'attr'; name: string } | { kind: 'index'; key: Expr }

export type BinaryOp = '||' | '&&' | '==' | '!=' | '<' | '>' | '<=' | '>=' | '+' | '-' | '*' | '/' | '%'

export type Expr =
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'template'; parts: Array<string | Expr> }
  /** A bare name (`local`, `var`, `data`, `coder_agent`, ...) that starts a reference. */
  | { kind: 'root'; name: string }
  | { kind: 'traverse'; base: Expr; steps: Step[] }
  | { kind: 'call'; name: string; args: Expr[] }
  | { kind: 'tuple'; items: Expr[] }
  | { kind: 'object'; entries: Array<{ key: Expr; value: Expr }> }
  | { kind: 'conditional'; condition: Expr; then: Expr; else: Expr }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr }
  | { kind: 'unary'; op: '!' | '-'; operand: Expr }

/** Precedence levels, loosest first (HCL's order). */
const BINARY_LEVELS: ReadonlyArray<readonly BinaryOp[]> = [
  ['||'],
  ['&&'],
  ['==', '!='],
  ['<', '>', '<=', '>='],
  ['+', '-'],
  ['*', '/', '%'],
]

/**
 * Turns an hcl2json value into an expression: strings are JSON-syntax templates,
 * arrays and objects become tuple and object constructors (object keys are templates too).
 */
export function parseHclJson(value: HclJson): Expr {
  if (typeof value === 'string') return templateExpr(lexJsonTemplate(value))
  if (value === null || typeof value !== 'object') return { kind: 'literal', value }
  if (Array.isArray(value)) return { kind: 'tuple', items: value.map(parseHclJson) }
  return {
    kind: 'object',
    entries: Object.entries(value).map(([key, item]) => ({ key: parseHclJson(key), value: parseHclJson(item) })),
  }
}

/** A template of one bare interpolation yields that value unconverted, as in HCL. */
function templateExpr(parts: readonly TemplatePart[]): Expr {
  const pieces: Array<string | Expr> = []
  parts.forEach((part, i) => {
    if (part.kind === 'interpolation') {
      pieces.push(new Parser(part.tokens).parseAll())
      return
    }
    let text = part.text
    const before = parts[i - 1]
    const after = parts[i + 1]
    if (before?.kind === 'interpolation' && before.stripAfter) text = text.replace(/^\s+/, '')
    if (after?.kind === 'interpolation' && after.stripBefore) text = text.replace(/\s+$/, '')
    if (text) pieces.push(text)
  })
  if (pieces.length === 0) return { kind: 'literal', value: '' }
  const [only] = pieces
  if (pieces.length === 1 && only !== undefined) {
    return typeof only === 'string' ? { kind: 'literal', value: only } : only
  }
  return { kind: 'template', parts: pieces }
}

class Parser {
  private i = 0
  constructor(private readonly tokens: readonly Token[]) {}

  parseAll(): Expr {
    if (this.peek().kind === 'eof') throw staticError('empty interpolation')
    const expr = this.expression()
    if (this.peek().kind !== 'eof') throw this.unexpected()
    return expr
  }

  private expression(): Expr {
    const condition = this.binary(0)
    if (!this.accept('?')) return condition
    const then = this.expression()
    this.expect(':')
    return { kind: 'conditional', condition, then, else: this.expression() }
  }

  private binary(level: number): Expr {
    const ops = BINARY_LEVELS[level]
    if (ops === undefined) return this.unary()
    let left = this.binary(level + 1)
    for (;;) {
      const token = this.peek()
      const op = token.kind === 'punct' ? ops.find((o) => o === token.text) : undefined
      if (op === undefined) return left
      this.i++
      left = { kind: 'binary', op, left, right: this.binary(level + 1) }
    }
  }

  private unary(): Expr {
    if (this.accept('!')) return { kind: 'unary', op: '!', operand: this.unary() }
    if (this.accept('-')) return { kind: 'unary', op: '-', operand: this.unary() }
    return this.postfix(this.primary())
  }

  private postfix(base: Expr): Expr {
    const steps: Step[] = []
    for (;;) {
      if (this.accept('.')) {
        const token = this.next()
        if (token.kind === 'ident') steps.push({ kind: 'attr', name: token.name })
        else if (token.kind === 'number') steps.push({ kind: 'index', key: { kind: 'literal', value: token.value } })
        else if (token.kind === 'punct' && token.text === '*')
          throw staticError('splat expressions (.*) are not supported')
        else throw staticError(`expected an attribute name after "."`)
      } else if (this.accept('[')) {
        if (this.isPunct('*')) throw staticError('splat expressions ([*]) are not supported')
        steps.push({ kind: 'index', key: this.expression() })
        this.expect(']')
      } else {
        return steps.length === 0 ? base : { kind: 'traverse', base, steps }
      }
    }
  }

  private primary(): Expr {
    const token = this.next()
    switch (token.kind) {
      case 'number':
        return { kind: 'literal', value: token.value }
      case 'template':
        return templateExpr(token.parts)
      case 'ident':
        if (token.name === 'true' || token.name === 'false') return { kind: 'literal', value: token.name === 'true' }
        if (token.name === 'null') return { kind: 'literal', value: null }
        if (this.accept('(')) return { kind: 'call', name: token.name, args: this.callArgs() }
        return { kind: 'root', name: token.name }
      case 'punct':
        if (token.text === '(') {
          const inner = this.expression()
          this.expect(')')
          return inner
        }
        if (token.text === '[') return this.tuple()
        if (token.text === '{') return this.object()
        break
      case 'eof':
        break
    }
    throw this.unexpected(token)
  }

  private callArgs(): Expr[] {
    const args: Expr[] = []
    while (!this.accept(')')) {
      args.push(this.expression())
      if (this.accept('...')) throw staticError('argument expansion (...) is not supported')
      if (!this.accept(',')) {
        this.expect(')')
        break
      }
    }
    return args
  }

  private tuple(): Expr {
    this.rejectFor()
    const items: Expr[] = []
    while (!this.accept(']')) {
      items.push(this.expression())
      if (!this.accept(',')) {
        this.expect(']')
        break
      }
    }
    return { kind: 'tuple', items }
  }

  /** `{ key = value, ... }`; hcl2json keeps newlines out of our tokens, so commas are optional. */
  private object(): Expr {
    this.rejectFor()
    const entries: Array<{ key: Expr; value: Expr }> = []
    while (!this.accept('}')) {
      const token = this.peek()
      const key: Expr =
        token.kind === 'ident' && this.isPunctAt(this.i + 1, '=', ':')
          ? (this.i++, { kind: 'literal', value: token.name })
          : this.expression()
      if (!this.accept('=') && !this.accept(':')) throw this.unexpected()
      entries.push({ key, value: this.expression() })
      this.accept(',')
    }
    return { kind: 'object', entries }
  }

  private rejectFor(): void {
    const token = this.peek()
    if (token.kind === 'ident' && token.name === 'for') throw staticError('for expressions are not supported')
  }

  private peek(): Token {
    return this.tokens[this.i] ?? { kind: 'eof' }
  }

  private next(): Token {
    const token = this.peek()
    if (token.kind !== 'eof') this.i++
    return token
  }

  private isPunct(text: Punct): boolean {
    return this.isPunctAt(this.i, text)
  }

  private isPunctAt(index: number, ...texts: Punct[]): boolean {
    const token = this.tokens[index]
    return token?.kind === 'punct' && texts.includes(token.text)
  }

  private accept(text: Punct): boolean {
    if (!this.isPunct(text)) return false
    this.i++
    return true
  }

  private expect(text: Punct): void {
    if (!this.accept(text)) throw this.unexpected()
  }

  private unexpected(token: Token = this.peek()): Error {
    return staticError(token.kind === 'eof' ? 'unexpected end of expression' : `unexpected ${describe(token)}`)
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'number':
      return `number ${token.value}`
    case 'ident':
      return `name "${token.name}"`
    case 'template':
      return 'string'
    case 'punct':
      return `"${token.text}"`
    case 'eof':
      return 'end of expression'
  }
}
