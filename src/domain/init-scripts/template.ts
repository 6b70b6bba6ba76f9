/**
 * A tag for script templates written as they will run: the text is taken raw (a
 * backslash stays a backslash), except that `\${` and `` \` `` stand for `${` and a
 * backtick, so shell and PowerShell syntax needs no other escaping. `${value}` inserts
 * a value, which the caller has already quoted for the target language.
 */
export function script(strings: TemplateStringsArray, ...values: string[]): string {
  let out = ''
  strings.raw.forEach((raw, i) => {
    out += raw.replace(/\\(\$\{|`)/g, '$1')
    if (i < values.length) out += values[i]
  })
  return out
}

/** A POSIX shell single-quoted word: nothing inside is expanded; `'` becomes `'\''`. */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}

/**
 * A PowerShell single-quoted (verbatim) string. PowerShell also ends such a string at
 * the typographic quotes U+2018–U+201B, so each of those is doubled like `'`.
 */
export function psQuote(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201A\u201B]/g, (q) => q + q)}'`
}

/** Comments get values too (the URL, for the reader): keep them on one line. */
export function oneLine(value: string): string {
  return value.replace(/[\r\n\u2028\u2029]+/g, ' ')
}
