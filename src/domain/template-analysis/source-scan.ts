/**
 * Finds where blocks and attributes are in an HCL file, for error positions (hcl2json
 * gives none). It walks the body structure only: block headers (`type "label" ... {`)
 * and attribute names (`name =`), skipping expressions, quoted strings with their
 * interpolations, heredocs and comments. The file has already parsed with hcl2json,
 * so it can assume valid syntax; on anything odd it moves on rather than failing.
 */

export interface ScannedBlock {
  type: string
  labels: string[]
  line: number
  /** Attribute name → line. */
  attributes: Map<string, number>
  blocks: ScannedBlock[]
}

export function scanBlocks(source: string): ScannedBlock[] {
  return new Scanner(source).body(false).blocks
}

const IDENT = /[\p{L}_][\p{L}\p{N}_-]*/uy

class Scanner {
  private pos = 0
  private readonly lineStarts: number[] = [0]

  constructor(private readonly src: string) {
    for (let i = 0; i < src.length; i++) if (src.charAt(i) === '\n') this.lineStarts.push(i + 1)
  }

  body(closed: boolean): { attributes: Map<string, number>; blocks: ScannedBlock[] } {
    const attributes = new Map<string, number>()
    const blocks: ScannedBlock[] = []
    for (;;) {
      this.skipTrivia(true)
      if (this.pos >= this.src.length) break
      if (this.src.charAt(this.pos) === '}') {
        this.pos++
        if (closed) break
        continue
      }
      const line = this.lineAt(this.pos)
      const name = this.ident()
      if (name === undefined) {
        this.pos++
        continue
      }
      this.skipTrivia(false)
      if (this.src.charAt(this.pos) === '=' && this.src.charAt(this.pos + 1) !== '=') {
        this.pos++
        if (!attributes.has(name)) attributes.set(name, line)
        this.skipExpression()
        continue
      }
      const labels: string[] = []
      for (;;) {
        this.skipTrivia(false)
        const c = this.src.charAt(this.pos)
        if (c === '{') {
          this.pos++
          const inner = this.body(true)
          blocks.push({ type: name, labels, line, ...inner })
          break
        }
        if (c === '"') {
          labels.push(this.label())
          continue
        }
        const label = this.ident()
        if (label === undefined) break
        labels.push(label)
      }
    }
    return { attributes, blocks }
  }

  private lineAt(offset: number): number {
    let lo = 0
    let hi = this.lineStarts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if ((this.lineStarts[mid] ?? 0) <= offset) lo = mid
      else hi = mid - 1
    }
    return lo + 1
  }

  private ident(): string | undefined {
    IDENT.lastIndex = this.pos
    const name = IDENT.exec(this.src)?.[0]
    if (name !== undefined) this.pos += name.length
    return name
  }

  /** A quoted block label; labels cannot hold interpolations. */
  private label(): string {
    const start = this.pos
    this.skipQuoted()
    const raw = this.src.slice(start, this.pos)
    try {
      const decoded: unknown = JSON.parse(raw)
      return typeof decoded === 'string' ? decoded : raw.slice(1, -1)
    } catch {
      return raw.slice(1, -1)
    }
  }

  /** Whitespace and comments; newlines too when `newlines`. */
  private skipTrivia(newlines: boolean): void {
    for (;;) {
      const c = this.src.charAt(this.pos)
      if (c === ' ' || c === '\t' || c === '\r' || (newlines && c === '\n')) {
        this.pos++
      } else if (c === '#' || this.src.startsWith('//', this.pos)) {
        this.skipToEndOfLine()
      } else if (this.src.startsWith('/*', this.pos)) {
        const end = this.src.indexOf('*/', this.pos + 2)
        this.pos = end < 0 ? this.src.length : end + 2
      } else {
        return
      }
    }
  }

  private skipToEndOfLine(): void {
    const end = this.src.indexOf('\n', this.pos)
    this.pos = end < 0 ? this.src.length : end
  }

  /**
   * An attribute's expression: ends at a newline outside brackets or at the `}` closing
   * a one-line block. Inside `${ }` (`inTemplate`) newlines do not end it and the
   * closing brace is consumed.
   */
  private skipExpression(inTemplate = false): void {
    let depth = 0
    while (this.pos < this.src.length) {
      const c = this.src.charAt(this.pos)
      if (c === '\n' && depth === 0 && !inTemplate) return
      if (c === '}' && depth === 0) {
        if (inTemplate) this.pos++
        return
      }
      if (c === '"') {
        this.skipQuoted()
      } else if (this.src.startsWith('<<', this.pos)) {
        this.skipHeredoc()
      } else if (c === '#' || this.src.startsWith('//', this.pos) || this.src.startsWith('/*', this.pos)) {
        this.skipTrivia(false)
      } else {
        if (c === '(' || c === '[' || c === '{') depth++
        if (c === ')' || c === ']' || c === '}') depth--
        this.pos++
      }
    }
  }

  private skipQuoted(): void {
    this.pos++
    while (this.pos < this.src.length) {
      const c = this.src.charAt(this.pos)
      if (c === '\\') {
        this.pos += 2
      } else if (c === '"') {
        this.pos++
        return
      } else if (c === '\n') {
        return
      } else if (this.src.startsWith('$${', this.pos) || this.src.startsWith('%%{', this.pos)) {
        this.pos += 3
      } else if (this.src.startsWith('${', this.pos) || this.src.startsWith('%{', this.pos)) {
        this.pos += 2
        this.skipExpression(true)
      } else {
        this.pos++
      }
    }
  }

  /** `<<EOT` or `<<-EOT` up to the line holding only the marker. */
  private skipHeredoc(): void {
    const header = /<<-?([\p{L}_][\p{L}\p{N}_-]*)/uy
    header.lastIndex = this.pos
    const marker = header.exec(this.src)?.[1]
    if (marker === undefined) {
      this.pos += 2
      return
    }
    this.skipToEndOfLine()
    while (this.pos < this.src.length) {
      this.pos++
      const end = this.src.indexOf('\n', this.pos)
      const line = this.src.slice(this.pos, end < 0 ? this.src.length : end)
      this.pos = end < 0 ? this.src.length : end
      if (line.trim() === marker) return
    }
  }
}
