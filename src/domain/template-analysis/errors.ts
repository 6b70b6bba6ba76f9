/**
 * Thrown for anything that makes a template unimportable (or, later, a build's agent
 * platforms unresolvable). `message` is complete: `main.tf:12: coder_agent.main: os: ...`.
 * `line` is 0 (and `file` may be '') when the problem has no position, such as a
 * template without any .tf file.
 */
export class TemplateImportError extends Error {
  override name = 'TemplateImportError'
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${detail}` : file ? `${file}: ${detail}` : detail)
  }
}

/**
 * A problem inside one expression, raised by the lexer, parser or evaluator and turned
 * into a positioned `TemplateImportError` by whoever knows where the expression lives.
 * `static` problems (syntax, unknown names) are found without evaluating and are never
 * caught by `try()`; `dynamic` ones (wrong type, missing key) depend on values.
 */
export class ExpressionError extends Error {
  override name = 'ExpressionError'
  constructor(
    message: string,
    readonly kind: 'static' | 'dynamic',
  ) {
    super(message)
  }
}

export const staticError = (message: string) => new ExpressionError(message, 'static')
export const dynamicError = (message: string) => new ExpressionError(message, 'dynamic')
