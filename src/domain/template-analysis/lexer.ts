import { staticError } from './errors.js'

/**
 * Tokenizer for the HCL expression subset.
 *
 * Input comes from hcl2json, which renders each attribute as a string in Terraform's
 * JSON syntax: the literal parts are already unescaped (only `$${` and `%%{` remain
 * escaped) and every `${...}` holds the expression's HCL source verbatim. So the top
 * level is lexed in "JSON" mode (no backslash escapes), while quoted strings inside
 * an interpolation are native HCL strings with `\n`, `\"`, `\uNNNN` and so on.
 */

export type Token =
  | { kind: 'number'; value: number }
  | { kind: 'ident'; name: string }
  | { kind: 'template'; parts: TemplatePart[] }
  | { kind: 'punct'; text: Punct }
  | { kind: 'eof' }

export type TemplatePart =
  | { kind: 'literal'; text: string }
  | { kind: 'interpolation'; tokens: Token[]; stripBefore: boolean; stripAfter: boolean }

/** Longest first, so that `==` wins over `=`. */
const PUNCTS = [
  '...',
  '=>',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  '.',
  ':',
  '?',
  '=',
  '<',
  '>',
  '!',
  '+',
  '-',
  '*',
  '/',
  '%',
] as const
export type Punct = (typeof PUNCTS)[number]
const NUMBER = /[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y
const IDENT_START = /[\p{L}_]/u
const IDENT = /[\p{L}_][\p{L}\p{N}_-]*/uy
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' }

/** Lexes a whole hcl2json string (JSON-syntax template) into its parts. */
export function lexJsonTemplate(source: string): TemplatePart[] {
  return new Lexer(source).template(false)
}

class Lexer {
  private pos = 0
  constructor(private readonly src: string) {}

  /** A template body: up to the end of input (JSON mode) or the closing quote (native). */
  template(native: boolean): TemplatePart[] {
    const parts: TemplatePart[] = []
    let literal = ''
    for (;;) {
      if (this.pos >= this.src.length) {
        if (native) throw staticError('unterminated string')
        break
      }
      const c = this.src.charAt(this.pos)
      if (native && c === '"') {
        this.pos++
        break
      }
      if (native && c === '\n') throw staticError('unterminated string')
      if (native && c === '\\') {
        literal += this.escape()
        continue
      }
      if (this.src.startsWith('$${', this.pos) || this.src.startsWith('%%{', this.pos)) {
        literal += `${c}{`
        this.pos += 3
        continue
      }
      if (this.src.startsWith('%{', this.pos)) {
        throw staticError('template directives (%{ ... }) are not supported')
      }
      if (this.src.startsWith('${', this.pos)) {
        this.pos += 2
        const stripBefore = this.src.charAt(this.pos) === '~'
        if (stripBefore) this.pos++
        if (literal) parts.push({ kind: 'literal', text: literal })
        literal = ''
        const { tokens, stripAfter } = this.interpolation()
        parts.push({ kind: 'interpolation', tokens, stripBefore, stripAfter })
        continue
      }
      literal += c
      this.pos++
    }
    if (literal) parts.push({ kind: 'literal', text: literal })
    return parts
  }

  private escape(): string {
    const kind = this.src.charAt(this.pos + 1)
    const simple = SIMPLE_ESCAPES[kind]
    if (simple !== undefined) {
      this.pos += 2
      return simple
    }
    const digits = kind === 'u' ? 4 : kind === 'U' ? 8 : 0
    const hex = this.src.slice(this.pos + 2, this.pos + 2 + digits)
    if (digits === 0 || !/^[0-9a-fA-F]+$/.test(hex) || hex.length !== digits) {
      throw staticError(`invalid escape sequence "\\${kind}"`)
    }
    const code = Number.parseInt(hex, 16)
    if (code > 0x10ffff) throw staticError(`invalid escape sequence "\\${kind}${hex}"`)
    this.pos += 2 + digits
    return String.fromCodePoint(code)
  }

  /** The tokens of one `${ ... }`, up to and including its closing brace. */
  private interpolation(): { tokens: Token[]; stripAfter: boolean } {
    const tokens: Token[] = []
    let depth = 0
    for (;;) {
      this.skipSpaceAndComments()
      if (this.pos >= this.src.length) throw staticError('unterminated interpolation: missing "}"')
      if (depth === 0 && this.src.startsWith('~}', this.pos)) {
        this.pos += 2
        return { tokens: [...tokens, { kind: 'eof' }], stripAfter: true }
      }
      if (depth === 0 && this.src.charAt(this.pos) === '}') {
        this.pos++
        return { tokens: [...tokens, { kind: 'eof' }], stripAfter: false }
      }
      const token = this.token()
      if (token.kind === 'punct' && token.text === '{') depth++
      if (token.kind === 'punct' && token.text === '}') depth--
      tokens.push(token)
    }
  }

  private token(): Token {
    const c = this.src.charAt(this.pos)
    if (c >= '0' && c <= '9') {
      NUMBER.lastIndex = this.pos
      const text = NUMBER.exec(this.src)?.[0] ?? c
      this.pos += text.length
      return { kind: 'number', value: Number(text) }
    }
    if (IDENT_START.test(c)) {
      IDENT.lastIndex = this.pos
      const name = IDENT.exec(this.src)?.[0] ?? c
      this.pos += name.length
      return { kind: 'ident', name }
    }
    if (c === '"') {
      this.pos++
      return { kind: 'template', parts: this.template(true) }
    }
    if (this.src.startsWith('<<', this.pos)) throw staticError('heredoc strings inside expressions are not supported')
    const punct = PUNCTS.find((p) => this.src.startsWith(p, this.pos))
    if (punct === undefined) throw staticError(`unexpected character ${JSON.stringify(c)}`)
    this.pos += punct.length
    return { kind: 'punct', text: punct }
  }

  private skipSpaceAndComments(): void {
    for (;;) {
      const c = this.src.charAt(this.pos)
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
        this.pos++
      } else if (c === '#' || this.src.startsWith('//', this.pos)) {
        const end = this.src.indexOf('\n', this.pos)
        this.pos = end < 0 ? this.src.length : end
      } else if (this.src.startsWith('/*', this.pos)) {
        const end = this.src.indexOf('*/', this.pos + 2)
        if (end < 0) throw staticError('unterminated comment')
        this.pos = end + 2
      } else {
        return
      }
    }
  }
}
