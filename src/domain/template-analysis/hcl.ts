import { createRequire } from 'node:module'
import { TemplateImportError } from './errors.js'
import type { HclJson } from './parser.js'

/** One parsed `.tf` file: hcl2json's JSON of it. */
export interface ParsedFile {
  path: string
  source: string
  /** In the template's root directory (not a module subdirectory). */
  root: boolean
  json: Record<string, HclJson>
}

interface Hcl2Json {
  parse(filename: string, contents: string): Promise<unknown>
}

let hcl2json: Hcl2Json | undefined

/**
 * Loaded on first use (it starts a Go WASM runtime), and through `require` so that its
 * type declarations, which pull in the DOM library, stay out of our compilation.
 */
function parser(): Hcl2Json {
  hcl2json ??= createRequire(import.meta.url)('@cdktf/hcl2json') as Hcl2Json
  return hcl2json
}

/**
 * The template's Terraform files, in lexical order as Terraform loads them: `*.tf`
 * (not `*.tf.json`), skipping hidden files and directories such as `.terraform/`.
 */
export function selectTerraformFiles(
  files: ReadonlyMap<string, string>,
): Array<{ path: string; source: string; root: boolean }> {
  const selected: Array<{ path: string; source: string; root: boolean }> = []
  for (const [rawPath, source] of files) {
    const path = rawPath
      .replaceAll('\\', '/')
      .replace(/^(?:\.\/)+/, '')
      .replace(/^\/+/, '')
    const segments = path.split('/')
    if (!path.endsWith('.tf') || segments.some((s) => s.startsWith('.') || s === '')) continue
    selected.push({ path, source, root: segments.length === 1 })
  }
  return selected.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

export async function parseFile(file: { path: string; source: string; root: boolean }): Promise<ParsedFile> {
  let json: unknown
  try {
    json = await parser().parse(file.path, file.source)
  } catch (error) {
    throw syntaxError(file.path, error instanceof Error ? error.message : String(error))
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new TemplateImportError(file.path, 0, 'hcl2json returned an unexpected document')
  }
  return { ...file, json: json as Record<string, HclJson> }
}

/**
 * hcl2json reports `parse config: [main.tf:2,7-3,1: Summary; Detail. main.tf:...]`:
 * the first diagnostic becomes the error, with its line and column.
 */
export function syntaxError(path: string, message: string): TemplateImportError {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const diagnostic = new RegExp(`${escaped}:(\\d+),(\\d+)(?:-(?:\\d+,)?\\d+)?: `, 'g')
  const first = diagnostic.exec(message)
  if (first === null) return new TemplateImportError(path, 0, `cannot parse: ${message}`)
  const start = first.index + first[0].length
  const next = diagnostic.exec(message)
  let text = message.slice(start, next === null ? undefined : next.index).trim()
  if (next === null) text = text.replace(/\]$/, '')
  return new TemplateImportError(path, Number(first[1]), `syntax error at column ${first[2]}: ${text}`)
}
