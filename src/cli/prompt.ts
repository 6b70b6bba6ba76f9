/**
 * Questions on a terminal (node:readline), in Coder's `cliui.Prompt` style:
 * `> Question? (yes/no) `. Secret answers are not echoed. Without a terminal the CLI
 * refuses to ask, unless `--force-tty` says stdin is interactive (answers are then
 * read line by line from stdin, which is how the tests drive the prompts).
 */
import readline from 'node:readline'
import { Writable } from 'node:stream'
import { CliError } from './errors.js'
import type { Styles } from './output.js'

export interface PromptIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown }
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
}

export interface AskOptions {
  default?: string
  /** Show the default after the question (on by default). */
  showDefault?: boolean
  secret?: boolean
  /** Returns an error message for a bad answer; the question is asked again. */
  validate?: (answer: string) => string | undefined
}

export class Prompter {
  private rl: readline.Interface | undefined
  private readonly lines: string[] = []
  private waiting: ((line: string | undefined) => void) | undefined
  private closed = false
  private muted = false

  constructor(
    private readonly io: PromptIo,
    readonly interactive: boolean,
    private readonly styles: Styles,
  ) {}

  private reader(): void {
    if (this.rl || this.closed) return
    const terminal = this.io.stdin.isTTY === true && this.io.stdout.isTTY === true
    const out = this.io.stdout
    const echo = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        if (!this.muted) out.write(chunk)
        done()
      },
    })
    this.rl = readline.createInterface({ input: this.io.stdin, output: echo, terminal })
    this.rl.on('line', (line) => {
      const waiting = this.waiting
      this.waiting = undefined
      if (waiting) waiting(line)
      else this.lines.push(line)
    })
    this.rl.on('close', () => {
      this.closed = true
      const waiting = this.waiting
      this.waiting = undefined
      waiting?.(undefined)
    })
    this.rl.on('SIGINT', () => {
      out.write('\n')
      process.exit(130)
    })
  }

  private nextLine(): Promise<string | undefined> {
    this.reader()
    const line = this.lines.shift()
    if (line !== undefined) return Promise.resolve(line)
    if (this.closed) return Promise.resolve(undefined)
    return new Promise((resolve) => (this.waiting = resolve))
  }

  private requireInteractive(text: string, hint: string): void {
    if (!this.interactive) {
      throw new CliError(`refusing to prompt ${JSON.stringify(text)} without a terminal: ${hint}`)
    }
  }

  /** Asks a question and returns the (validated) answer, or the default for an empty one. */
  async ask(text: string, options: AskOptions = {}, hint = 'pass the value as a flag'): Promise<string> {
    this.requireInteractive(text, hint)
    for (;;) {
      const suffix = options.default && options.showDefault !== false ? ` ${this.styles.placeholder(`(${options.default})`)}` : ''
      this.io.stdout.write(`> ${text}${suffix} `)
      this.muted = options.secret === true
      const line = await this.nextLine()
      this.muted = false
      if (options.secret) this.io.stdout.write('\n')
      if (line === undefined) {
        this.io.stdout.write('\n')
        throw new CliError(`no answer to ${JSON.stringify(text)}: the input ended`)
      }
      const answer = line.trim() === '' && options.default !== undefined ? options.default : options.secret ? line : line.trim()
      const problem = options.validate?.(answer)
      if (problem === undefined) return answer
      this.io.stdout.write(`${this.styles.error(problem)}\n`)
    }
  }

  /**
   * Coder's confirmation (`IsConfirm`): `yes` goes on, anything else stops with
   * "canceled". `-y/--yes` skips it; without a terminal it is refused.
   */
  async confirm(text: string, skip: boolean, defaultYes = false): Promise<void> {
    if (skip) return
    this.requireInteractive(text, 'pass -y (--yes) to confirm')
    const answer = await this.ask(`${text} ${this.styles.placeholder('(yes/no)')}`, {
      default: defaultYes ? 'yes' : 'no',
      showDefault: false,
      validate: (a) => (/^(y|yes|n|no)$/i.test(a) ? undefined : "Please answer 'yes' or 'no'."),
    })
    if (!/^y(es)?$/i.test(answer)) throw new CliError('canceled')
  }

  close(): void {
    this.rl?.close()
    this.rl = undefined
    this.closed = true
  }
}
