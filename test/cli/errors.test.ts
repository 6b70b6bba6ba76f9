/**
 * The CLI's error paths, run as a child process: an unreachable URL, a bad token (401,
 * with Coder's login suggestion), an unknown template, a template without an external
 * agent, unknown workspaces, refused confirmations without a terminal, a failed
 * template import, bad flags. Every failure exits 1 with the message on stderr.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { auth, createOwner } from '../helpers/fixtures.js'
import { pushExample, mustCreateWorkspace, NO_EXTERNAL_AGENT_FILES } from '../helpers/workspaces.js'
import { pushTemplate } from '../helpers/templates.js'
import { cliHome, freePort, startServer } from './run.js'

const TEMPLATE = 'externally-managed-workspace'
const NOT_FOUND = 'Resource not found or you do not have access to this resource'

t.test('outpost: errors', async (t) => {
  const server = await startServer(t)
  const owner = await createOwner(server.app)
  const example = await pushExample(server.app, owner.token, TEMPLATE)
  const plain = await pushTemplate(server.app, owner.token, 'no-external', NO_EXTERNAL_AGENT_FILES)
  await mustCreateWorkspace(server.app, owner.token, 'taken', example.templateId)
  const cli = await cliHome(t)
  const env = { OUTPOST_URL: server.url, OUTPOST_SESSION_TOKEN: owner.token }
  const run = (args: string[]) => cli.run(args, { env })
  const closedPort = await freePort()
  const closed = `http://127.0.0.1:${closedPort}`

  const [unreachable, loginUnreachable, badToken, notLoggedIn] = await Promise.all([
    cli.run(['whoami', '--url', closed, '--token', owner.token]),
    cli.run(['login', closed, '--token', owner.token]),
    cli.run(['whoami', '--url', server.url, '--token', '0123456789-abcdefghijklmnopqrstuv']),
    cli.run(['whoami']),
  ])
  t.equal(unreachable.code, 1, 'an unreachable server exits 1')
  t.equal(unreachable.stdout, '')
  t.equal(
    unreachable.stderr,
    `error: could not reach Outpost at ${closed}: connect ECONNREFUSED 127.0.0.1:${closedPort}; is the URL right and the server running?\n`,
    'one clear line',
  )
  t.equal(loginUnreachable.code, 1)
  t.equal(
    loginUnreachable.stderr,
    `error: Failed to check server "${closed}" for first user, is the URL correct and is Outpost accessible from your browser? Error - has initial user: connect ECONNREFUSED 127.0.0.1:${closedPort}\n`,
    "login says it as Coder's login does",
  )
  t.equal(badToken.code, 1, 'a 401 exits 1')
  t.equal(
    badToken.stderr,
    'error: You are signed out or your session has expired. Please sign in again to continue.\n' +
      'API key is invalid.\n' +
      "Suggestion: Try logging in using 'outpost login <url>'.\n",
    "the server's message and detail, then Coder's suggestion",
  )
  t.equal(notLoggedIn.code, 1)
  t.equal(notLoggedIn.stderr, "error: You are not logged in. Try logging in using 'outpost login <url>'.\n")

  const [unknownTemplate, noExternal, missingTemplate, unknownParameter] = await Promise.all([
    run(['external-workspaces', 'create', 'w1', '--template', 'nope', '-y']),
    run(['external-workspaces', 'create', 'w2', '--template', 'no-external', '-y']),
    run(['external-workspaces', 'create', 'w3', '-y']),
    run(['external-workspaces', 'create', 'w4', '-t', TEMPLATE, '--parameter', 'nope=1', '-y']),
  ])
  t.equal(unknownTemplate.code, 1)
  t.equal(unknownTemplate.stderr, 'error: no template found with the name "nope"\n')
  t.equal(noExternal.code, 1)
  t.equal(
    noExternal.stderr,
    `error: before create: template version "${plain.versionId}" does not have an external agent. Only templates with external agents can be used for external workspace creation\n`,
    "Coder's refusal",
  )
  t.equal(missingTemplate.code, 1)
  t.equal(missingTemplate.stderr, 'error: Missing values for the required flags: template\n')
  t.equal(unknownParameter.code, 1)
  t.equal(unknownParameter.stderr, 'error: parameter "nope" is not present in the template\n')
  for (const name of ['w1', 'w2', 'w3', 'w4']) {
    const res = await server.app.inject({ url: `/api/v2/users/me/workspace/${name}`, headers: auth(owner.token) })
    t.equal(res.statusCode, 404, `${name} was not created`)
  }

  const [unknownInstructions, unknownDelete, unknownAgent, noConfirm] = await Promise.all([
    run(['external-workspaces', 'agent-instructions', 'nope']),
    run(['delete', 'nope', '-y']),
    run(['external-workspaces', 'agent-instructions', 'taken.other']),
    run(['delete', 'taken']),
  ])
  t.equal(unknownInstructions.code, 1)
  t.equal(unknownInstructions.stderr, `error: find workspace and agent: ${NOT_FOUND}\n`)
  t.equal(unknownDelete.code, 1)
  t.equal(unknownDelete.stderr, `error: ${NOT_FOUND}\n`)
  t.equal(unknownAgent.code, 1)
  t.equal(unknownAgent.stderr, 'error: find workspace and agent: agent not found by name "other"\n')
  t.equal(noConfirm.code, 1, 'a confirmation without a terminal is refused')
  t.match(noConfirm.stderr, 'error: refusing to prompt "Confirm delete workspace?" without a terminal: pass -y (--yes) to confirm\n')
  const still = await server.app.inject({ url: '/api/v2/users/me/workspace/taken', headers: auth(owner.token) })
  t.equal(still.statusCode, 200, 'the workspace was not deleted')

  const broken = path.join(cli.home, 'broken')
  await mkdir(broken)
  await writeFile(path.join(broken, 'main.tf'), 'resource "coder_agent" "main" {\n  os = \n')
  const [taken, badName, failedImport, badOutput] = await Promise.all([
    run(['external-workspaces', 'create', 'taken', '-t', TEMPLATE, '-y']),
    run(['external-workspaces', 'create', 'Bad_Name', '-t', TEMPLATE, '-y']),
    run(['templates', 'push', 'broken', '-d', broken, '-y']),
    run(['external-workspaces', 'list', '-o', 'xml']),
  ])
  t.equal(taken.code, 1)
  t.equal(taken.stderr, 'error: a workspace already exists named "taken"\n')
  t.equal(badName.code, 1)
  t.equal(badName.stderr, 'error: workspace name "Bad_Name" is invalid: must be alphanumeric with hyphens\n')
  t.equal(failedImport.code, 1, 'a failed import exits 1')
  t.match(failedImport.stdout, /\n=== ✘ [^\n]+ \[\d+ms\]\n$/, 'the failed stage')
  t.match(failedImport.stderr, /^error: main\.tf:2: /, "the job's error")
  const templates = await server.app.inject({ url: '/api/v2/templates', headers: auth(owner.token) })
  t.notOk(
    templates.json().some((tpl: { name: string }) => tpl.name === 'broken'),
    'no template was created from the failed import',
  )
  t.equal(badOutput.code, 1)
  t.equal(badOutput.stderr, 'error: invalid argument "xml" for "-o, --output" flag: "xml" is not one of "table", "json"\n')
})
