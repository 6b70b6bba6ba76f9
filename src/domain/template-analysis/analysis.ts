import { ExpressionError, TemplateImportError } from './errors.js'
import { attributeLine, collectDeclarations, type Declared, type TemplateDeclarations } from './declarations.js'
import { parseFile, selectTerraformFiles, type ParsedFile } from './hcl.js'
import { extractParameters, type StoredParameter } from './parameters.js'
import { parseHclJson } from './parser.js'
import { agentAttribute, evaluatePlatformAttribute, isSupportedPlatform, scopeFor } from './platforms.js'
import { renderExpression, TemplateScope } from './scope.js'
import type { AgentDeclaration, ExternalAgentDeclaration, TemplateAnalysis, TemplateInternals } from './types.js'
import { UNKNOWN } from './values.js'

/** Beyond this many combinations of option values, each parameter is varied alone. */
const MAX_COMBINATIONS = 64

/**
 * Analyzes a Terraform template without running Terraform: parses every `*.tf` file
 * (paths relative to the template root), reads the coder_parameter data sources,
 * coder_agent and coder_external_agent resources, and checks that every agent's os
 * and arch can be evaluated. Anything that makes the template unimportable is a
 * TemplateImportError naming file and line.
 */
export async function analyzeTemplate(files: ReadonlyMap<string, string>): Promise<TemplateAnalysis> {
  const selected = selectTerraformFiles(files)
  if (selected.length === 0) throw new TemplateImportError('', 0, 'the template has no Terraform files (*.tf)')
  const parsed: ParsedFile[] = []
  for (const file of selected) parsed.push(await parseFile(file))

  const log: string[] = []
  const rootFiles = parsed.filter((f) => f.root).map((f) => f.path)
  log.push(
    `Parsed ${rootFiles.length} Terraform file${rootFiles.length === 1 ? '' : 's'}: ${rootFiles.join(', ') || '(none in the root directory)'}`,
  )
  const moduleFiles = parsed.filter((f) => !f.root).map((f) => f.path)
  if (moduleFiles.length > 0) log.push(`Not evaluated (module directories): ${moduleFiles.join(', ')}`)

  const declarations = collectDeclarations(parsed)
  for (const module of declarations.modules) {
    log.push(
      `Module "${module.labels[0] ?? ''}" is not evaluated (Outpost does not download modules): parameters it declares are not offered`,
    )
  }

  const staticScope = new TemplateScope(
    {
      parameterLabels: new Set(declarations.parameters.map((p) => p.labels[0] ?? '')),
      locals: declarations.locals,
      variables: declarations.variables,
    },
    () => UNKNOWN,
  )
  const { parameters, stored } = extractParameters(declarations.parameters, staticScope)
  log.push(
    parameters.length === 0
      ? 'Found no parameters'
      : `Found ${parameters.length} parameter${parameters.length === 1 ? '' : 's'}: ${parameters.map((p) => p.name).join(', ')}`,
  )

  const agentsInternal = declarations.agents.map(readAgent)
  const agents: AgentDeclaration[] = declarations.agents.map((a) => ({ name: a.labels[0] ?? '', position: a.position }))
  const options = new Map(stored.map((p, i) => [p.label, parameters[i]?.options.map((o) => o.value) ?? []]))
  const internal = checkAgents(declarations, stored, options, agentsInternal, staticScope, log)

  const externalAgents = declarations.externalAgents.map((decl) =>
    readExternalAgent(decl, new Set(agents.map((a) => a.name))),
  )
  for (const external of externalAgents)
    log.push(`Found coder_external_agent.${external.name} for coder_agent.${external.agentName}`)
  if (externalAgents.length === 0) log.push('Found no coder_external_agent: has_external_agent is false')

  return { parameters, agents, externalAgents, hasExternalAgent: externalAgents.length > 0, log, internal }
}

function readAgent(decl: Declared): TemplateInternals['agents'][number] {
  const name = decl.labels[0] ?? ''
  for (const meta of ['count', 'for_each'] as const) {
    if (Object.hasOwn(decl.body, meta)) {
      throw new TemplateImportError(
        decl.position.file,
        attributeLine(decl, meta),
        `coder_agent.${name}: ${meta} is not supported on coder_agent`,
      )
    }
  }
  const attribute = (key: 'os' | 'arch') => {
    const expression = decl.body[key]
    if (expression === undefined) {
      throw new TemplateImportError(
        decl.position.file,
        decl.position.line,
        `coder_agent.${name}: ${key} is required (the coder provider requires both os and arch)`,
      )
    }
    return { expression, position: { file: decl.position.file, line: attributeLine(decl, key) } }
  }
  return { name, os: attribute('os'), arch: attribute('arch') }
}

/**
 * Checks each agent's os/arch: statically, then evaluated with the parameter defaults
 * (and each option value of parameters that have options but no default).
 */
function checkAgents(
  declarations: TemplateDeclarations,
  parameters: readonly StoredParameter[],
  options: ReadonlyMap<string, string[]>,
  agents: TemplateInternals['agents'],
  staticScope: TemplateScope,
  log: string[],
): TemplateInternals {
  const byLabel = new Map(parameters.map((p) => [p.label, p]))
  const reachedLocals = new Set<string>()
  const reachedVariables = new Set<string>()
  // Evaluated against every local and variable; only the reached ones are kept.
  const all: TemplateInternals = {
    version: 1,
    parameters: [...parameters],
    agents,
    locals: declarations.locals,
    variables: declarations.variables,
  }

  for (const agent of agents) {
    const reachedParameters = new Set<string>()
    for (const key of ['os', 'arch'] as const) {
      const uses = staticScope.check(agentAttribute(agent, key))
      uses.parameters.forEach((p) => reachedParameters.add(p))
      uses.locals.forEach((l) => reachedLocals.add(l))
      uses.variables.forEach((v) => reachedVariables.add(v))
    }
    const varying = [...reachedParameters]
      .map((label) => ({ label, values: byLabel.get(label)?.default === null ? (options.get(label) ?? []) : [] }))
      .filter((v) => v.values.length > 0)
    const results: string[] = []
    const warnings: string[] = []
    for (const scenario of scenarios(varying)) {
      const context =
        scenario.size === 0
          ? ''
          : ` (with ${[...scenario].map(([label, value]) => `parameter "${byLabel.get(label)?.name ?? label}" = "${value}"`).join(', ')})`
      const scope = scopeFor(
        all,
        (label, attribute) => {
          const parameter = byLabel.get(label)
          if (attribute === 'name') return parameter?.name ?? UNKNOWN
          return scenario.get(label) ?? parameter?.default ?? UNKNOWN
        },
        context,
      )
      const os = evaluatePlatformAttribute(scope, agentAttribute(agent, 'os'), context)
      const arch = evaluatePlatformAttribute(scope, agentAttribute(agent, 'arch'), context)
      if (typeof os !== 'string' || typeof arch !== 'string') {
        results.push(`depend on parameters without a default${context}`)
        continue
      }
      results.push(`${os}/${arch}${context || ' with the parameter defaults'}`)
      if (!isSupportedPlatform(os, arch))
        warnings.push(`Warning: coder_agent.${agent.name}: ${os}/${arch}${context} is not a supported platform`)
    }
    const block = declarations.agents.find((a) => a.labels[0] === agent.name)?.position ?? agent.os.position
    log.push(
      `Found coder_agent.${agent.name} (${block.file}:${block.line}): os/arch ${results.join('; ')}`,
      ...warnings,
    )
  }

  return {
    ...all,
    locals: declarations.locals.filter((l) => reachedLocals.has(l.name)),
    variables: declarations.variables.filter((v) => reachedVariables.has(v.name)),
  }
}

/** Every combination of the varying values, or one parameter at a time when too many. */
function scenarios(varying: ReadonlyArray<{ label: string; values: string[] }>): Array<Map<string, string>> {
  const count = varying.reduce((n, v) => n * v.values.length, 1)
  if (count > MAX_COMBINATIONS) {
    return varying.flatMap(({ label, values }) => values.map((value) => new Map([[label, value]])))
  }
  let combos: Array<Map<string, string>> = [new Map()]
  for (const { label, values } of varying) {
    combos = combos.flatMap((combo) => values.map((value) => new Map([...combo, [label, value]])))
  }
  return combos
}

function readExternalAgent(decl: Declared, agentNames: ReadonlySet<string>): ExternalAgentDeclaration {
  const name = decl.labels[0] ?? ''
  const expression = decl.body.agent_id
  const line = attributeLine(decl, 'agent_id')
  const fail = (detail: string) =>
    new TemplateImportError(decl.position.file, line, `coder_external_agent.${name}: agent_id: ${detail}`)
  if (expression === undefined) {
    throw new TemplateImportError(
      decl.position.file,
      decl.position.line,
      `coder_external_agent.${name}: agent_id is required`,
    )
  }
  let agentName: string | undefined
  try {
    const expr = parseHclJson(expression)
    if (
      expr.kind === 'traverse' &&
      expr.base.kind === 'root' &&
      expr.base.name === 'coder_agent' &&
      expr.steps.length === 2
    ) {
      const [target, attribute] = expr.steps
      if (
        target?.kind === 'attr' &&
        attribute?.kind === 'attr' &&
        (attribute.name === 'id' || attribute.name === 'token')
      ) {
        agentName = target.name
      }
    }
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error
  }
  if (agentName === undefined) {
    throw fail(`${renderExpression(expression)} must reference a coder_agent (coder_agent.NAME.id)`)
  }
  if (!agentNames.has(agentName)) {
    throw fail(`${renderExpression(expression)} references coder_agent.${agentName}, which is not declared`)
  }
  return { name, agentName, position: decl.position }
}
