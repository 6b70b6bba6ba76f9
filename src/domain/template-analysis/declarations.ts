import { TemplateImportError } from './errors.js'
import type { ParsedFile } from './hcl.js'
import type { HclJson } from './parser.js'
import { scanBlocks, type ScannedBlock } from './source-scan.js'
import type { SourcePosition, StoredExpression } from './types.js'

export type HclBody = { readonly [key: string]: HclJson }

/** A block found in the template: hcl2json's body plus where it is written. */
export interface Declared {
  labels: string[]
  body: HclBody
  position: SourcePosition
  /** The scanned block, for the lines of attributes and nested blocks. */
  scanned: ScannedBlock | undefined
}

/** The blocks of the root module that the analysis reads, in declaration order. */
export interface TemplateDeclarations {
  parameters: Declared[]
  agents: Declared[]
  externalAgents: Declared[]
  modules: Declared[]
  locals: Array<{ name: string } & StoredExpression>
  variables: Array<{ name: string; hasDefault: boolean; default: HclJson; position: SourcePosition }>
}

/** The line of an attribute of a block, or of the block itself. */
export function attributeLine(decl: Declared, name: string): number {
  return decl.scanned?.attributes.get(name) ?? decl.position.line
}

/** The nested blocks of one type (`option`, `validation`), with their positions. */
export function nestedBlocks(decl: Declared, type: string): Declared[] {
  const raw = decl.body[type]
  const bodies = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]
  const scanned = decl.scanned?.blocks.filter((b) => b.type === type) ?? []
  return bodies.map((body, i) => {
    const block = scanned[i]
    return {
      labels: [],
      body: isBody(body) ? body : {},
      position: { file: decl.position.file, line: block?.line ?? decl.position.line },
      scanned: block,
    }
  })
}

const COLLECTED_DATA = new Set(['coder_parameter'])
const COLLECTED_RESOURCES = new Set(['coder_agent', 'coder_external_agent'])

export function collectDeclarations(files: readonly ParsedFile[]): TemplateDeclarations {
  const out: TemplateDeclarations = {
    parameters: [],
    agents: [],
    externalAgents: [],
    modules: [],
    locals: [],
    variables: [],
  }
  const seen = new Map<string, SourcePosition>()
  const unique = (key: string, position: SourcePosition): void => {
    const earlier = seen.get(key)
    if (earlier) {
      throw new TemplateImportError(
        position.file,
        position.line,
        `${key} is declared twice (also at ${earlier.file}:${earlier.line})`,
      )
    }
    seen.set(key, position)
  }

  for (const file of files) {
    const scanned = scanBlocks(file.source)
    const blocks = declaredBlocks(file, scanned)
    for (const decl of blocks) {
      const [kind, type = '', name = ''] = decl.labels
      const collected =
        (kind === 'data' && COLLECTED_DATA.has(type)) || (kind === 'resource' && COLLECTED_RESOURCES.has(type))
      if (!file.root) {
        if (collected) {
          throw new TemplateImportError(
            decl.position.file,
            decl.position.line,
            `${kind === 'data' ? 'data.' : ''}${type}.${name} is in a module directory; Outpost reads only the template's root directory`,
          )
        }
        continue
      }
      if (collected) {
        unique(`${kind === 'data' ? 'data.' : ''}${type}.${name}`, decl.position)
        const list =
          type === 'coder_parameter' ? out.parameters : type === 'coder_agent' ? out.agents : out.externalAgents
        list.push({ ...decl, labels: [name] })
      } else if (kind === 'module') {
        out.modules.push({ ...decl, labels: [type] })
      } else if (kind === 'variable') {
        unique(`var.${type}`, decl.position)
        const hasDefault = Object.hasOwn(decl.body, 'default')
        out.variables.push({
          name: type,
          hasDefault,
          default: hasDefault ? (decl.body.default ?? null) : null,
          position: decl.position,
        })
      } else if (kind === 'locals') {
        const locals = Object.entries(decl.body).map(([localName, expression]) => ({
          name: localName,
          expression,
          position: { file: file.path, line: decl.scanned?.attributes.get(localName) ?? decl.position.line },
        }))
        for (const local of locals.sort((a, b) => a.position.line - b.position.line)) {
          unique(`local.${local.name}`, local.position)
          out.locals.push(local)
        }
      }
    }
  }
  return out
}

/**
 * Pairs hcl2json's bodies with the scanned blocks of the same kind and labels, in
 * order of appearance. `labels` here is [kind, ...block labels].
 */
function declaredBlocks(file: ParsedFile, scanned: readonly ScannedBlock[]): Declared[] {
  const found: Declared[] = []
  const add = (labels: string[], bodies: HclJson | undefined): void => {
    if (!Array.isArray(bodies)) return
    const matches = scanned.filter((b) => b.type === labels[0] && sameLabels(b.labels, labels.slice(1)))
    bodies.forEach((body, i) => {
      const block = matches[i]
      found.push({
        labels,
        body: isBody(body) ? body : {},
        position: { file: file.path, line: block?.line ?? 1 },
        scanned: block,
      })
    })
  }
  for (const kind of ['data', 'resource'] as const) {
    for (const [type, byName] of entries(file.json[kind])) {
      for (const [name, bodies] of entries(byName)) add([kind, type, name], bodies)
    }
  }
  for (const kind of ['variable', 'module'] as const) {
    for (const [name, bodies] of entries(file.json[kind])) add([kind, name], bodies)
  }
  add(['locals'], file.json.locals)
  return found.sort((a, b) => a.position.line - b.position.line)
}

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((label, i) => label === b[i])
}

function isBody(value: HclJson | undefined): value is { [key: string]: HclJson } {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function entries(value: HclJson | undefined): Array<[string, HclJson]> {
  return isBody(value) ? Object.entries(value) : []
}
