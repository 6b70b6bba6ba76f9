/**
 * Runs the real `outpost` command (`node bin/outpost.js`) as a child process against a
 * listening test app (this file is the CLI tests' helper, not a test).
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildTestApp } from '../helpers/app.js'

interface Teardown {
  teardown(fn: () => unknown): void
}

const BIN = path.resolve('bin/outpost.js')

/** A port nothing listens on (closed again before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export interface Server {
  app: FastifyInstance
  /** The base URL, also the app's access URL: `http://127.0.0.1:<port>`. */
  url: string
  port: number
}

/** The app on a fresh database, listening on a free loopback port that is also its access URL. */
export async function startServer(t: Teardown): Promise<Server> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const { app } = await buildTestApp(t, { env: { OUTPOST_ACCESS_URL: url } })
  await app.listen({ port, host: '127.0.0.1' })
  return { app, url, port }
}

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface CliHome {
  /** A fresh HOME for the runs; the config lives in `<home>/config` (OUTPOST_CONFIG_DIR). */
  home: string
  configDir: string
  /** Runs `outpost <args>` with a clean environment (only PATH, TMPDIR, HOME, TZ, OUTPOST_CONFIG_DIR, plus `env`). */
  run(args: string[], options?: { env?: Record<string, string | undefined>; input?: string }): Promise<CliResult>
}

export async function cliHome(t: Teardown): Promise<CliHome> {
  const home = await mkdtemp(path.join(tmpdir(), 'outpost-cli-'))
  t.teardown(() => rm(home, { recursive: true, force: true }))
  const configDir = path.join(home, 'config')
  return {
    home,
    configDir,
    run(args, options = {}) {
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        HOME: home,
        TZ: 'UTC',
        OUTPOST_CONFIG_DIR: configDir,
      }
      if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR
      for (const [key, value] of Object.entries(options.env ?? {})) {
        if (value === undefined) delete env[key]
        else env[key] = value
      }
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] })
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
        child.on('error', reject)
        child.on('close', (code) => resolve({ code, stdout, stderr }))
        child.stdin.end(options.input ?? '')
      })
    },
  }
}

/** Coder's `time.Stamp` (`Jan _2 15:04:05`), as the created/deleted lines print it. */
export const STAMP = '[A-Z][a-z]{2} [ \\d]\\d \\d{2}:\\d{2}:\\d{2}'
