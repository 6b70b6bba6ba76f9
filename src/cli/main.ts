/**
 * The `outpost` command: Coder's CLI commands for external workspaces, against
 * Outpost's HTTP API. `bin/outpost.js` runs this file through tsx.
 */
import { Command, CommanderError, Option } from 'commander'
import { agentInstructions, createExternalWorkspace, deleteWorkspace, listExternalWorkspaces } from './commands/external-workspaces.js'
import { login, logout, whoami } from './commands/auth.js'
import { listTemplates, push } from './commands/templates.js'
import { createToken, createUser, listTokens, listUsers, removeToken } from './commands/tokens-users.js'
import { collect, Context, VERSION, type GlobalOptions, type Io } from './context.js'
import { formatError } from './errors.js'
import { createStyles, wantsColor } from './output.js'

type Handler = (ctx: Context) => Promise<void>

/** The full command name (`external-workspaces create`) for messages and the User-Agent. */
function fullName(command: Command): string {
  const names: string[] = []
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name())
  return names.join(' ')
}

const bool = (value: string | undefined): boolean => {
  if (value === undefined || value === '' || /^(true|t|1|yes)$/i.test(value)) return true
  if (/^(false|f|0|no)$/i.test(value)) return false
  throw new Error(`invalid boolean ${JSON.stringify(value)}`)
}

export function buildProgram(io: Io): Command {
  const run = (command: Command, handler: Handler) => {
    const ctx = new Context(io, command.optsWithGlobals<GlobalOptions>(), fullName(command))
    return handler(ctx).finally(() => ctx.prompter.close())
  }
  const output = (formats: string[], fallback: string) =>
    new Option('-o, --output <format>', `Output format. Available formats: ${formats.join(', ')}.`).default(fallback)
  const columns = (defaults: string) =>
    new Option('-c, --column <columns>', `Columns to display in table output (default: ${defaults}).`).argParser(collect)
  const yes = () => new Option('-y, --yes', 'Bypass confirmation prompts.')
  const org = () => new Option('-O, --org <organization>', 'Select which organization (uuid or name) to use.').env('CODER_ORGANIZATION')

  const program = new Command('outpost')
    .description("Coder's external-workspaces commands, for an Outpost deployment.")
    .version(VERSION, '-v, --version', 'Print the version.')
    .option('--url <url>', 'URL of the deployment (env: OUTPOST_URL, CODER_URL).')
    .option('--token <token>', 'The session token (env: OUTPOST_SESSION_TOKEN, CODER_SESSION_TOKEN).')
    .option('--force-tty', 'Treat stdin as a terminal: ask questions and read the answers from it.')
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride()

  program
    .command('login')
    .argument('[url]', 'The deployment URL (default: the one in OUTPOST_URL or the config file).')
    .description('Authenticate with an Outpost deployment')
    .addOption(new Option('--first-user-email <email>', 'Email address of the first user, if creating it.').env('CODER_FIRST_USER_EMAIL'))
    .addOption(new Option('--first-user-username <username>', 'Username of the first user, if creating it.').env('CODER_FIRST_USER_USERNAME'))
    .addOption(new Option('--first-user-full-name <name>', 'Human-readable name of the first user.').env('CODER_FIRST_USER_FULL_NAME'))
    .addOption(new Option('--first-user-password <password>', 'Password of the first user, if creating it.').env('CODER_FIRST_USER_PASSWORD'))
    .addOption(new Option('--first-user-trial', 'Accepted for Coder compatibility; Outpost has no licenses.').env('CODER_FIRST_USER_TRIAL'))
    .option('--use-token-as-session', 'Use the given token as the session (always the case in Outpost).')
    .action((url: string | undefined, opts, command: Command) => run(command, (ctx) => login(ctx, url, opts)))

  program
    .command('logout')
    .description('Unauthenticate your local session')
    .addOption(yes())
    .action((opts, command: Command) => run(command, (ctx) => logout(ctx, opts)))

  program
    .command('whoami')
    .description('Fetch authenticated user info for the deployment')
    .addOption(output(['text', 'json', 'table'], 'text'))
    .addOption(columns('url,username,id'))
    .action((opts, command: Command) => run(command, (ctx) => whoami(ctx, opts)))

  const templates = program.command('templates').alias('template').description('Manage templates')
  templates
    .command('push')
    .argument('[template]', 'Template name (default: the directory name).')
    .description('Push a new template version from the current directory or as specified by flag')
    .option('-d, --directory <dir>', 'Specify the directory to create from.', '.')
    .option('-m, --message <message>', 'Specify a message describing the changes in this version of the template.')
    .option('--name <name>', 'Specify a name for the new template version. It will be automatically generated if not provided.')
    .option('--activate [bool]', 'Whether the new template will be marked active.', bool, true)
    .option('--ignore-lockfile', 'Accepted for Coder compatibility; Outpost runs no Terraform, so no lockfile is needed.')
    .addOption(yes())
    .addOption(org())
    .action((name: string | undefined, opts, command: Command) => run(command, (ctx) => push(ctx, name, opts)))
  templates
    .command('list')
    .alias('ls')
    .description('List all the templates available for the organization')
    .addOption(output(['table', 'json'], 'table'))
    .addOption(columns('name,organization name,last updated,used by'))
    .addOption(org())
    .action((opts, command: Command) => run(command, (ctx) => listTemplates(ctx, opts)))

  const external = program.command('external-workspaces').description('Create or manage external workspaces')
  external
    .command('create')
    .argument('<workspace>', 'The workspace name, or <owner>/<name>.')
    .description('Create a new external workspace')
    .addOption(new Option('-t, --template <name>', 'Specify a template name.').env('CODER_TEMPLATE_NAME'))
    .addOption(new Option('--template-version <name>', 'Specify a template version name.').env('CODER_TEMPLATE_VERSION'))
    .addOption(new Option('--preset <name>', "Specify the name of a template version preset. Use 'none' to explicitly indicate that no preset should be used."))
    .addOption(
      new Option('--automatic-updates <setting>', "Specify automatic updates setting for the workspace (accepts 'always' or 'never').")
        .default('never')
        .env('CODER_WORKSPACE_AUTOMATIC_UPDATES'),
    )
    .addOption(new Option('--stop-after <duration>', 'Specify a duration after which the workspace should shut down (e.g. 8h).'))
    .option('--parameter <name=value>', 'Rich parameter value in the format "name=value".', collect, [])
    .option('--parameter-default <name=value>', 'Rich parameter default values in the format "name=value".', collect, [])
    .option('--use-parameter-defaults', 'Automatically accept parameter defaults when no value is provided.')
    .addOption(yes())
    .addOption(org())
    .action((workspace: string, opts, command: Command) => run(command, (ctx) => createExternalWorkspace(ctx, workspace, opts)))
  external
    .command('list')
    .alias('ls')
    .description('List external workspaces')
    .option('-a, --all', 'Specifies whether all workspaces will be listed or not.')
    .option('--search <query>', 'Search for a workspace with a query.', 'owner:me')
    .addOption(output(['table', 'json'], 'table'))
    .addOption(columns('workspace,template,status,healthy,last built,current version,outdated'))
    .action((opts, command: Command) => run(command, (ctx) => listExternalWorkspaces(ctx, opts)))
  external
    .command('agent-instructions')
    .argument('<workspace>', '[user/]workspace[.agent], or a workspace ID.')
    .description('Get the instructions for an external agent')
    .addOption(output(['text', 'json'], 'text'))
    .action((workspace: string, opts, command: Command) => run(command, (ctx) => agentInstructions(ctx, workspace, opts)))

  program
    .command('delete')
    .alias('rm')
    .argument('<workspace>', 'The workspace name, <owner>/<name> or ID.')
    .description('Delete a workspace')
    .option('--orphan', 'Delete a workspace without deleting its resources.')
    .addOption(yes())
    .action((workspace: string, opts, command: Command) => run(command, (ctx) => deleteWorkspace(ctx, workspace, opts)))

  const tokens = program.command('tokens').alias('token').description('Manage personal access tokens')
  tokens
    .command('create')
    .description('Create a token')
    .addOption(new Option('-n, --name <name>', 'Specify a human-readable name.').env('CODER_TOKEN_NAME'))
    .addOption(new Option('--lifetime <duration>', 'Specify a duration for the lifetime of the token.').default('720h').env('CODER_TOKEN_LIFETIME'))
    .addOption(new Option('-u, --user <user>', 'Specify the user to create the token for (Only works if logged in user is admin).').env('CODER_TOKEN_USER'))
    .action((opts, command: Command) => run(command, (ctx) => createToken(ctx, opts)))
  tokens
    .command('list')
    .alias('ls')
    .description('List tokens')
    .option('-a, --all', "Specifies whether all users' tokens will be listed or not (must have Owner role to see all tokens).")
    .addOption(output(['table', 'json'], 'table'))
    .addOption(columns('id,name,last used,expires at,created at'))
    .action((opts, command: Command) => run(command, (ctx) => listTokens(ctx, opts)))
  tokens
    .command('remove')
    .aliases(['delete', 'rm'])
    .argument('<name|id>', 'The token name or ID.')
    .description('Delete a token')
    .action((name: string, _opts, command: Command) => run(command, (ctx) => removeToken(ctx, name)))

  const users = program.command('users').alias('user').description('Manage users')
  users
    .command('create')
    .description('Create a user')
    .option('-e, --email <email>', 'Specifies an email address for the new user.')
    .option('-u, --username <username>', 'Specifies a username for the new user.')
    .option('-n, --full-name <name>', 'Specifies an optional human-readable name for the new user.')
    .option('-p, --password <password>', 'Specifies a password for the new user.')
    .option('--login-type <type>', "Optionally specify the login type for the user. Valid values are: password, none.")
    .addOption(org())
    .action((opts, command: Command) => run(command, (ctx) => createUser(ctx, opts)))
  users
    .command('list')
    .alias('ls')
    .description('Prints the list of users.')
    .addOption(output(['table', 'json'], 'table'))
    .addOption(columns('username,email,created at,status'))
    .action((opts, command: Command) => run(command, (ctx) => listUsers(ctx, opts)))

  return program
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  const program = buildProgram(io)
  try {
    await program.parseAsync(argv, { from: 'user' })
    return 0
  } catch (err) {
    // Help shown for a command group run without a subcommand is not an error (as in Coder).
    if (err instanceof CommanderError) return err.code === 'commander.help' ? 0 : err.exitCode
    io.stderr.write(`${formatError(err, createStyles(wantsColor(io.stderr, io.env)))}\n`)
    return 1
  }
}

const flush = (stream: NodeJS.WritableStream) => new Promise<void>((resolve) => stream.write('', () => resolve()))

const code = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
})
await Promise.all([flush(process.stdout), flush(process.stderr)])
process.exit(code)
