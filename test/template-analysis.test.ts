import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import t, { type Test } from 'tap'
import {
  analyzeTemplate,
  resolveAgentPlatforms,
  TemplateImportError,
  type TemplateAnalysis,
} from '../src/domain/template-analysis/index.js'
import { ExpressionError } from '../src/domain/template-analysis/errors.js'
import { evaluate } from '../src/domain/template-analysis/evaluator.js'
import { parseHclJson } from '../src/domain/template-analysis/parser.js'
import { isMap, isUnknown, type Value } from '../src/domain/template-analysis/values.js'

const EXAMPLE_DIR = new URL('../examples/templates/externally-managed-workspace/', import.meta.url).pathname
const FIXTURES = new URL('./fixtures/templates/', import.meta.url).pathname

/** Source text whose first line follows the opening backtick's newline, so line numbers read naturally. */
const hcl = (strings: TemplateStringsArray, ...values: unknown[]) =>
  strings.reduce((out, text, i) => out + text + (i < values.length ? String(values[i]) : ''), '').replace(/^\n/, '')

async function readTemplateDir(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>()
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    files.set(relative(dir, path), await readFile(path, 'utf8'))
  }
  return files
}

const analyze = (source: string, file = 'main.tf') => analyzeTemplate(new Map([[file, source]]))

/** As the analysis comes back from a database column. */
const stored = (analysis: TemplateAnalysis): TemplateAnalysis =>
  JSON.parse(JSON.stringify(analysis)) as TemplateAnalysis

async function platformsOf(source: string, values: Record<string, string> = {}) {
  return Object.fromEntries(resolveAgentPlatforms(stored(await analyze(source)), values))
}

/** A template with one agent, "main", whose os is the given HCL expression. */
const osTemplate = (os: string, extra = '') => hcl`
data "coder_parameter" "platform" {
  name    = "platform"
  default = "linux-amd64"
}
resource "coder_agent" "main" {
  os   = ${os}
  arch = "amd64"
}
${extra}`

async function osOf(os: string, values: Record<string, string> = {}, extra = ''): Promise<string | undefined> {
  return (await platformsOf(osTemplate(os, extra), values)).main?.os
}

/** Rejects with a TemplateImportError at exactly file:line with the given message. */
async function importError(
  t: Test,
  files: string | Map<string, string>,
  expected: { file: string; line: number; message: string | RegExp },
): Promise<TemplateImportError | undefined> {
  const input = typeof files === 'string' ? new Map([['main.tf', files]]) : files
  const error: unknown = await analyzeTemplate(input).then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof TemplateImportError)) {
    t.fail(`expected a TemplateImportError, got ${String(error)}`)
    return undefined
  }
  t.equal(error.file, expected.file, 'file')
  t.equal(error.line, expected.line, 'line')
  if (typeof expected.message === 'string') t.equal(error.message, expected.message, 'message')
  else t.match(error.message, expected.message, 'message')
  t.equal(error.message, expected.line > 0 ? `${error.file}:${error.line}: ${error.detail}` : error.detail)
  return error
}

/** Plain JSON of an evaluator value, for comparisons. */
function plain(value: Value): unknown {
  if (isUnknown(value)) return '<unknown>'
  if (Array.isArray(value)) return value.map(plain)
  if (isMap(value)) return Object.fromEntries([...value].map(([k, v]) => [k, plain(v)]))
  return value
}

const NO_REFERENCES = {
  resolve(root: string): never {
    throw new Error(`unexpected reference to ${root}`)
  },
}

/** Evaluates an expression given as HCL source, as hcl2json hands it over (`${...}`). */
const evalHcl = (source: string) => plain(evaluate(parseHclJson(`\${${source}}`), NO_REFERENCES))

t.test('the example template', async (t) => {
  const analysis = await analyzeTemplate(await readTemplateDir(EXAMPLE_DIR))
  t.same(
    analysis.parameters.map((p) => p.name),
    ['platform'],
  )
  const [platform] = analysis.parameters
  t.match(platform, {
    name: 'platform',
    display_name: 'Platform',
    type: 'string',
    mutable: false,
    default_value: 'linux-amd64',
    required: false,
    ephemeral: false,
    order: 0,
    form_type: '',
  })
  t.same(
    platform?.options.map((o) => [o.name, o.value]),
    [
      ['Linux (amd64)', 'linux-amd64'],
      ['Linux (arm64)', 'linux-arm64'],
      ['Linux (armv7)', 'linux-armv7'],
      ['macOS (amd64)', 'darwin-amd64'],
      ['macOS (arm64)', 'darwin-arm64'],
      ['Windows (amd64)', 'windows-amd64'],
      ['Windows (arm64)', 'windows-arm64'],
    ],
  )
  t.same(analysis.agents, [{ name: 'main', position: { file: 'main.tf', line: 59 } }])
  t.same(analysis.externalAgents, [{ name: 'main', agentName: 'main', position: { file: 'main.tf', line: 64 } }])
  t.equal(analysis.hasExternalAgent, true)
  t.same(analysis.log, [
    'Parsed 1 Terraform file: main.tf',
    'Found 1 parameter: platform',
    'Found coder_agent.main (main.tf:59): os/arch linux/amd64 with the parameter defaults',
    'Found coder_external_agent.main for coder_agent.main',
  ])

  const fromDatabase = stored(analysis)
  t.same(fromDatabase, analysis, 'survives a JSON round trip unchanged')
  for (const value of platform?.options.map((o) => o.value) ?? []) {
    const [os, arch] = value.split('-')
    t.same(Object.fromEntries(resolveAgentPlatforms(fromDatabase, { platform: value })), { main: { os, arch } }, value)
  }
  t.same(
    Object.fromEntries(resolveAgentPlatforms(fromDatabase, {})),
    { main: { os: 'linux', arch: 'amd64' } },
    'missing values take the default',
  )
})

t.test('literal os and arch, lower-cased', async (t) => {
  t.same(await platformsOf('resource "coder_agent" "main" {\n  os = "Darwin"\n  arch = "ARM64"\n}\n'), {
    main: { os: 'darwin', arch: 'arm64' },
  })
})

t.test(
  'several files: locals across blocks and files, variable defaults, two agents, the older .token agent_id',
  async (t) => {
    const files = await readTemplateDir(join(FIXTURES, 'multi-file'))
    const analysis = await analyzeTemplate(files)
    t.same(analysis.agents, [
      { name: 'dev', position: { file: 'main.tf', line: 9 } },
      { name: 'build', position: { file: 'main.tf', line: 14 } },
    ])
    t.same(analysis.externalAgents, [
      { name: 'dev', agentName: 'dev', position: { file: 'main.tf', line: 20 } },
      { name: 'build', agentName: 'build', position: { file: 'main.tf', line: 24 } },
    ])
    t.equal(analysis.hasExternalAgent, true)
    t.same(analysis.log, [
      'Parsed 3 Terraform files: locals.tf, main.tf, variables.tf',
      'Found 1 parameter: family',
      'Found coder_agent.dev (main.tf:9): os/arch linux/arm64 with the parameter defaults',
      'Found coder_agent.build (main.tf:14): os/arch windows/amd64 with the parameter defaults',
      'Found coder_external_agent.dev for coder_agent.dev',
      'Found coder_external_agent.build for coder_agent.build',
    ])
    t.same(
      analysis.internal.locals.map((l) => l.name),
      ['family', 'dev_os', 'dev_arch', 'os_by_family'],
      'keeps only the locals the agents reach, in declaration order',
    )
    t.same(
      analysis.internal.variables.map((v) => v.name),
      ['dev_arch', 'build_arch'],
      'and the variables',
    )
    t.same(analysis.internal.locals[1]?.position, { file: 'locals.tf', line: 6 })

    const fromDatabase = stored(analysis)
    t.same(Object.fromEntries(resolveAgentPlatforms(fromDatabase, { family: 'macOS' })), {
      dev: { os: 'darwin', arch: 'arm64' },
      build: { os: 'windows', arch: 'amd64' },
    })
    const error = t.throws(() => resolveAgentPlatforms(fromDatabase, { family: 'Arch' }))
    t.ok(error instanceof TemplateImportError)
    t.equal(
      (error as Error).message,
      'locals.tf:6: local.dev_os: cannot evaluate "${local.os_by_family[local.family]}": key "arch" not found',
    )
  },
)

t.test('files: hidden directories, .terraform, non-.tf files and ./ prefixes', async (t) => {
  const analysis = await analyzeTemplate(
    new Map([
      ['./main.tf', 'resource "coder_agent" "main" {\n  os = "linux"\n  arch = "amd64"\n}\n'],
      ['.terraform/modules/x/main.tf', 'this is { not HCL'],
      ['.hidden.tf', 'neither {'],
      ['extra.tf.json', '{"resource": {}}'],
      ['README.md', '# readme'],
    ]),
  )
  t.same(analysis.agents, [{ name: 'main', position: { file: 'main.tf', line: 1 } }])
  t.equal(analysis.log[0], 'Parsed 1 Terraform file: main.tf')
})

t.test('modules: subdirectories are parsed but not evaluated; module blocks are logged', async (t) => {
  const analysis = await analyzeTemplate(
    new Map([
      [
        'main.tf',
        'module "tools" {\n  source = "./modules/tools"\n}\nresource "coder_agent" "main" {\n  os = "linux"\n  arch = "amd64"\n}\n',
      ],
      ['modules/tools/main.tf', 'variable "x" {}\n'],
    ]),
  )
  t.same(analysis.log.slice(0, 3), [
    'Parsed 1 Terraform file: main.tf',
    'Not evaluated (module directories): modules/tools/main.tf',
    'Module "tools" is not evaluated (Outpost does not download modules): parameters it declares are not offered',
  ])
  await importError(
    t,
    new Map([
      ['main.tf', 'resource "coder_agent" "main" {\n  os = "linux"\n  arch = "amd64"\n}\n'],
      ['modules/agent/main.tf', '\nresource "coder_agent" "inner" {\n  os = "linux"\n  arch = "amd64"\n}\n'],
    ]),
    {
      file: 'modules/agent/main.tf',
      line: 2,
      message:
        "modules/agent/main.tf:2: coder_agent.inner is in a module directory; Outpost reads only the template's root directory",
    },
  )
})

t.test('positions survive comments, heredocs, braces in strings, bare labels and CRLF', async (t) => {
  const source = hcl`
/* resource "coder_agent" "fake" { os = "x" } */
locals {
  script = <<-EOT
    resource "coder_agent" "fake" {
      os = "}"
    }
  EOT
  braces = "{ \${lookup({ a = "}" }, "a")} }" # a comment with { braces
  families = {
    debian = "linux"
    macos  = local.darwin
  }
  darwin = "darwin"
}
data "coder_workspace" "me" {}
resource   coder_agent   main   {   # bare labels are valid HCL
  arch = "amd64"
  // os comes last, over several lines
  os = lookup(
    local.families,
    "macos"
  )
}
resource "coder_agent" "broken" {
  os   = "linux"
  arch = local.braces == "x" ? "amd64" : local.missing
}
`
  const withoutBroken = source.slice(0, source.indexOf('resource "coder_agent" "broken"'))
  for (const [name, text] of [
    ['LF', withoutBroken],
    ['CRLF', withoutBroken.replaceAll('\n', '\r\n')],
  ] as const) {
    const analysis = await analyze(text)
    t.same(analysis.agents, [{ name: 'main', position: { file: 'main.tf', line: 16 } }], name)
    t.same(analysis.internal.agents[0]?.os.position, { file: 'main.tf', line: 19 }, name)
    t.same(
      Object.fromEntries(resolveAgentPlatforms(stored(analysis), {})),
      { main: { os: 'darwin', arch: 'amd64' } },
      name,
    )
  }
  await importError(t, source, {
    file: 'main.tf',
    line: 26,
    message:
      'main.tf:26: coder_agent.broken: arch: cannot evaluate "${local.braces == "x" ? "amd64" : local.missing}": unknown local "missing" (no locals block defines it)',
  })
})

t.test('no coder_external_agent: still imports', async (t) => {
  const analysis = await analyze('resource "coder_agent" "main" {\n  os = "linux"\n  arch = "amd64"\n}\n')
  t.equal(analysis.hasExternalAgent, false)
  t.same(analysis.externalAgents, [])
  t.equal(analysis.log.at(-1), 'Found no coder_external_agent: has_external_agent is false')

  const empty = await analyze('terraform {}\n')
  t.same([empty.agents, empty.parameters, empty.hasExternalAgent], [[], [], false])
})

t.test('parameters: every field, types, options, validation, order', async (t) => {
  const analysis = await analyzeTemplate(await readTemplateDir(join(FIXTURES, 'parameters')))
  t.same(
    analysis.parameters.map((p) => p.name),
    ['gpu', 'tags', 'cpus', 'hostname', 'region'],
    'sorted by order, then declaration',
  )
  const byName = Object.fromEntries(analysis.parameters.map((p) => [p.name, p]))
  t.strictSame(byName.region, {
    name: 'region',
    display_name: 'Region',
    description: 'Where the **machine** runs. See [the docs](https://example.com/regions).',
    description_plaintext: 'Where the machine runs. See the docs.',
    type: 'string',
    form_type: '',
    mutable: true,
    default_value: 'eu-west',
    icon: '/emojis/1f30e.png',
    options: [
      { name: 'Europe (West)', description: 'Dublin', value: 'eu-west', icon: '/emojis/1f1ee-1f1ea.png' },
      { name: 'US (East)', description: '', value: 'us-east', icon: '' },
    ],
    validation_error: '',
    validation_regex: '',
    required: false,
    ephemeral: false,
    order: 10,
  })
  t.strictSame(byName.cpus, {
    name: 'cpus',
    display_name: '',
    description: '',
    description_plaintext: '',
    type: 'number',
    form_type: '',
    mutable: false,
    default_value: '4',
    icon: '',
    options: [],
    validation_error: 'Between 1 and 64 CPUs',
    validation_regex: '',
    required: false,
    ephemeral: false,
    order: 1,
    validation_min: 1,
    validation_max: 64,
    validation_monotonic: 'increasing',
  })
  t.match(byName.hostname, {
    type: 'string',
    form_type: 'input',
    default_value: '',
    required: true,
    validation_regex: '^[a-z][a-z0-9-]*$',
    validation_error: 'Lower-case letters, digits and dashes',
  })
  t.notOk('validation_min' in (byName.hostname ?? {}), 'no min/max/monotonic when not set')
  t.match(byName.gpu, {
    type: 'bool',
    default_value: 'false',
    mutable: true,
    ephemeral: true,
    required: false,
    order: 0,
  })
  t.match(byName.tags, { type: 'list(string)', default_value: '["dev","eu"]', required: false })
})

t.test('parameter values in expressions: number, bool and list(string) parameters', async (t) => {
  const source = hcl`
data "coder_parameter" "arm" {
  name    = "arm"
  type    = "bool"
  default = false
}
data "coder_parameter" "generation" {
  name    = "generation"
  type    = "number"
  default = 7
}
data "coder_parameter" "systems" {
  name    = "systems"
  type    = "list(string)"
  default = jsonencode(["linux", "darwin"])
}
resource "coder_agent" "main" {
  os   = jsondecode(data.coder_parameter.systems.value)[0]
  arch = data.coder_parameter.arm.value ? (data.coder_parameter.generation.value >= 8 ? "arm64" : "armv7") : "amd64"
}
`
  t.same(await platformsOf(source), { main: { os: 'linux', arch: 'amd64' } })
  t.same(await platformsOf(source, { arm: 'true', generation: '7', systems: '["darwin"]' }), {
    main: { os: 'darwin', arch: 'armv7' },
  })
  t.same(await platformsOf(source, { arm: 'true', generation: '8' }), { main: { os: 'linux', arch: 'arm64' } })
})

t.test('conditionals and comparisons', async (t) => {
  const os =
    'data.coder_parameter.platform.value == "windows-amd64" ? "windows" : (data.coder_parameter.platform.value != "" && !false ? "linux" : "darwin")'
  t.equal(await osOf(os), 'linux')
  t.equal(await osOf(os, { platform: 'windows-amd64' }), 'windows')
  t.equal(await osOf(os, { platform: '' }), 'darwin')
  t.equal(
    await osOf(
      'length(data.coder_parameter.platform.value) > 20 || startswith(data.coder_parameter.platform.value, "mac") ? "darwin" : "linux"',
      { platform: 'mac-arm64' },
    ),
    'darwin',
  )
})

t.test('lookup maps', async (t) => {
  const extra = hcl`
locals {
  families = {
    ubuntu = { os = "linux", arch = "amd64" }
    "macOS" = { os = "darwin", arch = "arm64" }
  }
}
`
  t.equal(
    await osOf(
      'lookup(local.families, data.coder_parameter.platform.value, { os = "windows" }).os',
      { platform: 'macOS' },
      extra,
    ),
    'darwin',
  )
  t.equal(
    await osOf(
      'lookup(local.families, data.coder_parameter.platform.value, { os = "windows" }).os',
      { platform: 'plan9' },
      extra,
    ),
    'windows',
  )
  t.equal(await osOf('local.families["ubuntu"].os', {}, extra), 'linux')
  t.equal(await osOf('local.families.macOS["os"]', {}, extra), 'darwin')
})

t.test('functions', async (t) => {
  const cases: Array<[string, unknown]> = [
    ['split("-", "linux-amd64")', ['linux', 'amd64']],
    ['split("-", "linux-amd64")[1]', 'amd64'],
    ['split("", "ab")', ['a', 'b']],
    ['lower("LiNuX")', 'linux'],
    ['upper("linux")', 'LINUX'],
    ['replace("linux_amd64", "_", "-")', 'linux-amd64'],
    ['replace("a.b.c", ".", "")', 'abc'],
    ['replace("linux-x86_64", "/x86_(64)/", "amd$1")', 'linux-amd64'],
    ['replace("arm64", "/(?P<n>[0-9]+)/", "v$${n}")', 'armv64'],
    ['join("-", ["linux", "amd64"])', 'linux-amd64'],
    ['join(",", ["a"], ["b", 1])', 'a,b,1'],
    ['element(["linux", "darwin"], 1)', 'darwin'],
    ['element(["linux", "darwin"], 3)', 'darwin'],
    ['lookup({ a = "x" }, "a")', 'x'],
    ['lookup({ a = "x" }, "b", "fallback")', 'fallback'],
    ['coalesce("", null, "linux")', 'linux'],
    ['try(split("-", "linux")[1], "amd64")', 'amd64'],
    ['try("linux", "other")', 'linux'],
    ['can(split("-", "linux")[1])', false],
    ['trimspace("  linux \\n")', 'linux'],
    ['trimprefix("os-linux", "os-")', 'linux'],
    ['trimsuffix("linux.exe", ".exe")', 'linux'],
    ['endswith("linux", "ux")', true],
    ['substr("windows", 0, 3)', 'win'],
    ['format("%s-%d (%%)", "linux", 64)', 'linux-64 (%)'],
    ['length("linux")', 5],
    ['length(["a", "b"])', 2],
    ['length({ a = 1 })', 1],
    ['contains(["linux", "darwin"], "darwin")', true],
    ['contains(["linux", "darwin"], "windows")', false],
    ['concat(["a"], ["b"])', ['a', 'b']],
    ['tostring(64)', '64'],
    ['tostring(true)', 'true'],
    ['tonumber("8") + 1', 9],
    ['tobool("true") && true', true],
    ['jsonencode({ os = "linux", n = [1] })', '{"os":"linux","n":[1]}'],
    ['jsondecode("[\\"a\\"]")[0]', 'a'],
  ]
  for (const [source, expected] of cases) t.same(evalHcl(source), expected, source)

  t.equal(
    await osOf('upper(element(split("-", data.coder_parameter.platform.value), 2))', { platform: 'x-y-Darwin' }),
    'darwin',
    'end to end',
  )
})

t.test('expression syntax', async (t) => {
  const cases: Array<[string, unknown]> = [
    ['"a-${"b"}-${1 + 1}"', 'a-b-2'],
    ['"quote \\" and \\\\ and \\u00e9 and $${literal}"', 'quote " and \\ and é and ${literal}'],
    ['"${lookup({ k = "}" }, "k")}!"', '}!'],
    ['"  ${~ "x" ~}  "', 'x'],
    ['[1, "two", true, null]', [1, 'two', true, null]],
    ['{ a = 1, "b c" = 2, d: 3 }', { a: 1, 'b c': 2, d: 3 }],
    ['{\n  a = "x"\n  b = ["y",\n "z"] # comment\n}', { a: 'x', b: ['y', 'z'] }],
    ['-2 * 3 + 7 % 4 - 10 / 4', -5.5],
    ['1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 4 == false', true],
    ['"5" == 5', false],
    ['[1, [2]] == [1, [2]]', true],
    ['true ? "yes" : "no"', 'yes'],
    ['!true || false', false],
  ]
  for (const [source, expected] of cases) t.same(evalHcl(source), expected, source)
  t.same(plain(evaluate(parseHclJson('$${not an interpolation}'), NO_REFERENCES)), '${not an interpolation}')
  t.same(plain(evaluate(parseHclJson({ '${"k"}': ['${1 + 1}'] }), NO_REFERENCES)), { k: [2] })
})

t.test('expression errors', async (t) => {
  const cases: Array<[string, string, 'static' | 'dynamic']> = [
    ['split("-", "linux")[1]', 'index 1 is out of range for a list of 1 element', 'dynamic'],
    ['lookup({ a = 1 }, "b")', 'lookup: key "b" not found (and no default given)', 'dynamic'],
    ['coalesce("", null)', 'coalesce: no non-null, non-empty-string arguments', 'dynamic'],
    [
      'try(split("-", "x")[1], [][0])',
      'try: no expression succeeded (last error: index 0 is out of range for a list of 0 elements)',
      'dynamic',
    ],
    ['element([], 0)', 'element: cannot use element function with an empty list', 'dynamic'],
    ['format("%s")', 'format: not enough arguments for "%s"', 'dynamic'],
    ['format("%x", 1)', 'format: unsupported verb %x (only %s, %v, %d and %% are supported)', 'dynamic'],
    ['tonumber("eight")', 'tonumber argument must be a number, got "eight"', 'dynamic'],
    ['"a" + 1', 'left operand of "+" must be a number, got "a"', 'dynamic'],
    ['"x${null}"', 'cannot include a null value in a string template', 'dynamic'],
    ['{ a = 1 }.b', 'object has no attribute "b"', 'dynamic'],
    ['1 / 0', 'division by zero', 'dynamic'],
    ['[for s in ["a"] : s]', 'for expressions are not supported', 'static'],
    ['["a"][*]', 'splat expressions ([*]) are not supported', 'static'],
    ['"%{ if true }x%{ endif }"', 'template directives (%{ ... }) are not supported', 'static'],
    ['nope(1)', 'unknown function "nope"', 'static'],
  ]
  for (const [source, message, kind] of cases) {
    const error = t.throws(() => evalHcl(source), source)
    t.ok(error instanceof ExpressionError, source)
    t.equal((error as ExpressionError).message, message, source)
    t.equal((error as ExpressionError).kind, kind, source)
  }
})

t.test('parameters without a default', async (t) => {
  const source = hcl`
data "coder_parameter" "os" {
  name = "os"
}
data "coder_parameter" "arch" {
  name = "arch"
  option {
    name  = "x86"
    value = "amd64"
  }
  option {
    name  = "ARM"
    value = "arm64"
  }
}
resource "coder_agent" "main" {
  os   = data.coder_parameter.os.value
  arch = data.coder_parameter.arch.value
}
`
  const analysis = await analyze(source)
  t.same(analysis.log.slice(2), [
    'Found coder_agent.main (main.tf:15): os/arch depend on parameters without a default (with parameter "arch" = "amd64"); depend on parameters without a default (with parameter "arch" = "arm64")',
    'Found no coder_external_agent: has_external_agent is false',
  ])
  t.same(Object.fromEntries(resolveAgentPlatforms(stored(analysis), { os: 'linux', arch: 'arm64' })), {
    main: { os: 'linux', arch: 'arm64' },
  })
  const error = t.throws(() => resolveAgentPlatforms(stored(analysis), { arch: 'arm64' }))
  t.equal(
    (error as Error).message,
    'main.tf:16: coder_agent.main: os: cannot evaluate "${data.coder_parameter.os.value}": parameter "os" has no value and no default',
  )

  await importError(
    t,
    hcl`
data "coder_parameter" "arch" {
  name = "arch"
  option {
    name  = "amd64"
    value = "amd64"
  }
  option {
    name  = "broken"
    value = "nothing"
  }
}
locals {
  arch_by_option = { amd64 = "amd64" }
}
resource "coder_agent" "main" {
  os   = "linux"
  arch = local.arch_by_option[data.coder_parameter.arch.value]
}
`,
    {
      file: 'main.tf',
      line: 17,
      message:
        'main.tf:17: coder_agent.main: arch: cannot evaluate "${local.arch_by_option[data.coder_parameter.arch.value]}": key "nothing" not found (with parameter "arch" = "nothing")',
    },
  )
})

t.test('import errors name the file and line', async (t) => {
  await t.test('no .tf files', async (t) => {
    await importError(t, new Map([['README.md', '# nothing']]), {
      file: '',
      line: 0,
      message: 'the template has no Terraform files (*.tf)',
    })
    await importError(t, new Map(), { file: '', line: 0, message: 'the template has no Terraform files (*.tf)' })
  })

  await t.test('HCL syntax error, in the second file', async (t) => {
    const files = new Map([
      ['a.tf', 'resource "coder_agent" "main" {\n  os = "linux"\n  arch = "amd64"\n}\n'],
      ['b.tf', 'locals {\n  fine = 1\n  broken = \n}\n'],
    ])
    await importError(t, files, {
      file: 'b.tf',
      line: 3,
      message: /^b\.tf:3: syntax error at column 12: Invalid expression; Expected the start of an expression/,
    })
    await importError(t, 'resource "coder_agent" "main" {\n  os = "linux"\n', {
      file: 'main.tf',
      line: 1,
      message: /^main\.tf:1: syntax error at column 31: Unclosed configuration block; /,
    })
  })

  await t.test('unknown function', async (t) => {
    await importError(t, osTemplate('foo(bar)'), {
      file: 'main.tf',
      line: 6,
      message: 'main.tf:6: coder_agent.main: os: cannot evaluate "${foo(bar)}": unknown function "foo"',
    })
    await importError(t, osTemplate('split("-")'), {
      file: 'main.tf',
      line: 6,
      message:
        'main.tf:6: coder_agent.main: os: cannot evaluate "${split("-")}": function "split" takes 2 arguments, got 1',
    })
  })

  await t.test('unknown local, and errors inside a local point at the local', async (t) => {
    await importError(t, osTemplate('local.nope'), {
      file: 'main.tf',
      line: 6,
      message:
        'main.tf:6: coder_agent.main: os: cannot evaluate "${local.nope}": unknown local "nope" (no locals block defines it)',
    })
    await importError(t, osTemplate('local.os', 'locals {\n  os = lower(local.missing)\n}\n'), {
      file: 'main.tf',
      line: 10,
      message:
        'main.tf:10: local.os: cannot evaluate "${lower(local.missing)}": unknown local "missing" (no locals block defines it)',
    })
    await importError(t, osTemplate('local.a', 'locals {\n  a = local.b\n  b = "${local.a}-x"\n}\n'), {
      file: 'main.tf',
      line: 11,
      message:
        'main.tf:11: local.b: cannot evaluate "${local.a}-x": local.a → local.b → local.a refer to each other in a cycle',
    })
  })

  await t.test('variable without default, and unknown variable', async (t) => {
    await importError(t, osTemplate('var.os', 'variable "os" {\n  type = string\n}\n'), {
      file: 'main.tf',
      line: 6,
      message:
        'main.tf:6: coder_agent.main: os: cannot evaluate "${var.os}": variable "os" (declared at main.tf:9) has no default; Outpost does not run Terraform, so variables need a default',
    })
    await importError(t, osTemplate('var.nope'), {
      file: 'main.tf',
      line: 6,
      message:
        'main.tf:6: coder_agent.main: os: cannot evaluate "${var.nope}": unknown variable "nope" (no variable block declares it)',
    })
  })

  await t.test('references that cannot be evaluated', async (t) => {
    const cases: Array<[string, string]> = [
      [
        'data.coder_parameter.nope.value',
        'unknown data source data.coder_parameter.nope (no data "coder_parameter" "nope" block)',
      ],
      [
        'data.coder_parameter.platform.default',
        'only the value and name of data.coder_parameter.platform can be used (data.coder_parameter.platform.value)',
      ],
      [
        'data.coder_workspace.me.name',
        'data.coder_workspace.me is not known when Outpost resolves agents (it does not run Terraform); use a coder_parameter instead',
      ],
      [
        'data.aws_ami.ubuntu.architecture',
        'data.aws_ami.ubuntu cannot be evaluated: the only data sources Outpost evaluates are coder_parameter',
      ],
      ['coder_agent.main.id', 'cannot use attributes of coder_agent.main: they only exist once Terraform has run'],
      ['aws_instance.dev.arch', 'cannot use attributes of resource aws_instance.dev: Outpost does not run Terraform'],
      ['count.index', '"count" references cannot be evaluated (Outpost does not run Terraform)'],
      ['linux', 'unknown name "linux"'],
    ]
    for (const [os, reason] of cases) {
      await importError(t, osTemplate(os), {
        file: 'main.tf',
        line: 6,
        message: `main.tf:6: coder_agent.main: os: cannot evaluate "\${${os}}": ${reason}`,
      })
    }
    // Checked even in a branch the defaults do not take.
    await importError(t, osTemplate('true ? "linux" : local.nope'), {
      file: 'main.tf',
      line: 6,
      message:
        'main.tf:6: coder_agent.main: os: cannot evaluate "${true ? "linux" : local.nope}": unknown local "nope" (no locals block defines it)',
    })
  })

  await t.test('missing os or arch', async (t) => {
    await importError(t, '\nresource "coder_agent" "main" {\n  arch = "amd64"\n}\n', {
      file: 'main.tf',
      line: 2,
      message: 'main.tf:2: coder_agent.main: os is required (the coder provider requires both os and arch)',
    })
    await importError(t, 'resource "coder_agent" "main" {\n  os = "linux"\n}\n', {
      file: 'main.tf',
      line: 1,
      message: 'main.tf:1: coder_agent.main: arch is required (the coder provider requires both os and arch)',
    })
  })

  await t.test('a result that is not a string', async (t) => {
    await importError(t, osTemplate('length(data.coder_parameter.platform.value)'), {
      file: 'main.tf',
      line: 6,
      message:
        'main.tf:6: coder_agent.main: os: "${length(data.coder_parameter.platform.value)}" must evaluate to a string, got number 11',
    })
    await importError(t, osTemplate('split("-", data.coder_parameter.platform.value)'), {
      file: 'main.tf',
      line: 6,
      message:
        'main.tf:6: coder_agent.main: os: "${split("-", data.coder_parameter.platform.value)}" must evaluate to a string, got list',
    })
    await importError(t, osTemplate('null'), {
      file: 'main.tf',
      line: 6,
      message: 'main.tf:6: coder_agent.main: os: null must evaluate to a string, got null',
    })
  })

  await t.test('external agents', async (t) => {
    await importError(
      t,
      hcl`
resource "coder_agent" "main" {
  os   = "linux"
  arch = "amd64"
}

resource "coder_external_agent" "main" {
  agent_id = coder_agent.other.id
}
`,
      {
        file: 'main.tf',
        line: 7,
        message:
          'main.tf:7: coder_external_agent.main: agent_id: "${coder_agent.other.id}" references coder_agent.other, which is not declared',
      },
    )
    await importError(t, 'resource "coder_external_agent" "main" {\n  agent_id = "abc"\n}\n', {
      file: 'main.tf',
      line: 2,
      message:
        'main.tf:2: coder_external_agent.main: agent_id: "abc" must reference a coder_agent (coder_agent.NAME.id)',
    })
    await importError(t, 'resource "coder_external_agent" "main" {\n}\n', {
      file: 'main.tf',
      line: 1,
      message: 'main.tf:1: coder_external_agent.main: agent_id is required',
    })
  })

  await t.test('duplicates', async (t) => {
    const agent = 'resource "coder_agent" "main" {\n  os = "linux"\n  arch = "amd64"\n}\n'
    await importError(
      t,
      new Map([
        ['a.tf', agent],
        ['b.tf', `\n${agent}`],
      ]),
      {
        file: 'b.tf',
        line: 2,
        message: 'b.tf:2: coder_agent.main is declared twice (also at a.tf:1)',
      },
    )
    await importError(t, 'locals {\n  a = 1\n}\nlocals {\n  a = 2\n}\n', {
      file: 'main.tf',
      line: 5,
      message: 'main.tf:5: local.a is declared twice (also at main.tf:2)',
    })
    await importError(
      t,
      'data "coder_parameter" "a" {\n  name = "x"\n}\ndata "coder_parameter" "b" {\n  name = "x"\n}\n',
      {
        file: 'main.tf',
        line: 5,
        message:
          'main.tf:5: data.coder_parameter.b: name: the parameter name "x" is already used by data.coder_parameter.a (main.tf:1)',
      },
    )
  })

  await t.test('parameters the coder provider would reject', async (t) => {
    const cases: Array<[string, number, string]> = [
      [
        '  name = "p"\n  type = "map"\n',
        3,
        'data.coder_parameter.p: type: must be one of "string", "number", "bool", "list(string)", got "map"',
      ],
      ['  display_name = "P"\n', 1, 'data.coder_parameter.p: name: a parameter needs a name'],
      [
        '  name = "p"\n  type = "number"\n  default = "many"\n',
        4,
        'data.coder_parameter.p: default: "many" is not a number',
      ],
      [
        '  name = "p"\n  type = "bool"\n  default = "yes"\n',
        4,
        'data.coder_parameter.p: default: "yes" is not a bool (true or false)',
      ],
      [
        '  name = "p"\n  type = "list(string)"\n  default = "a,b"\n',
        4,
        'data.coder_parameter.p: default: "a,b" is not a JSON-encoded list of strings (use jsonencode([...]))',
      ],
      [
        '  name = "p"\n  default = "c"\n  option {\n    name = "A"\n    value = "a"\n  }\n',
        3,
        'data.coder_parameter.p: default: default "c" must be one of the option values',
      ],
      ['  name = "p"\n  option {\n    name = "A"\n  }\n', 3, 'data.coder_parameter.p: value: an option needs a value'],
      [
        '  name = "p"\n  ephemeral = true\n  default = "x"\n',
        3,
        'data.coder_parameter.p: ephemeral: an ephemeral parameter must be mutable',
      ],
      ['  name = "p"\n  count = 1\n', 3, 'data.coder_parameter.p: count: count is not supported on coder_parameter'],
      [
        '  name = "p"\n  validation {\n    monotonic = "up"\n  }\n',
        4,
        'data.coder_parameter.p: monotonic: must be "increasing" or "decreasing"',
      ],
      [
        '  name = "p"\n  default = data.coder_parameter.p.value\n',
        3,
        'data.coder_parameter.p: default: "${data.coder_parameter.p.value}" must be known at import: it cannot depend on parameter values',
      ],
      ['  name = "p"\n  order = 1.5\n', 3, 'data.coder_parameter.p: order: value must be a whole number, got 1.5'],
    ]
    for (const [body, line, detail] of cases) {
      await importError(t, `data "coder_parameter" "p" {\n${body}}\n`, {
        file: 'main.tf',
        line,
        message: `main.tf:${line}: ${detail}`,
      })
    }
  })
})
