/**
 * Static analysis of Coder Terraform templates (design §1.1): parameters, agents and
 * external agents, and the os/arch of each agent for a build, without running Terraform.
 */
export { analyzeTemplate } from './analysis.js'
export { TemplateImportError } from './errors.js'
export { markdownToPlaintext, valueProblem } from './parameters.js'
export { isSupportedPlatform, resolveAgentPlatforms, SUPPORTED_PLATFORMS } from './platforms.js'
export type {
  AgentDeclaration,
  ExternalAgentDeclaration,
  HclJson,
  ParameterOption,
  ParameterType,
  SourcePosition,
  StoredExpression,
  TemplateAnalysis,
  TemplateInternals,
  TemplateParameter,
} from './types.js'
