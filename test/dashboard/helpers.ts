// Shared by the dashboard's browser tests: the built SPA, a real server on a free port,
// headless Chromium driven by playwright-core, screenshots, and the stand-in agent.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { build } from 'esbuild'
import type { FastifyInstance } from 'fastify'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import type { Test } from 'tap'
import { buildTestApp } from '../helpers/app.js'

export const CHROMIUM = process.env.OUTPOST_TEST_CHROMIUM ?? '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]
/** Screenshots of each page, kept as test artifacts (gitignored). */
export const SCREENSHOT_DIR = path.resolve('.tap/screenshots')
/** The README's two pictures; rewritten when OUTPOST_README_SCREENSHOTS=1. */
export const README_SCREENSHOT_DIR = path.resolve('docs/screenshots')

/** Builds web/ into dist/web/ unless it is current (the same script `npm test` runs first). */
export function ensureWebBuilt(): void {
  execFileSync(process.execPath, ['scripts/build-web.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] })
}

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

export interface Served {
  app: FastifyInstance
  base: string
  port: number
}

/** Outpost listening on a free port, with its access URL set to it. */
export async function serve(t: Test, env: Record<string, string> = {}): Promise<Served> {
  ensureWebBuilt()
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const { app } = await buildTestApp(t, { env: { OUTPOST_ACCESS_URL: base, ...env } })
  await app.listen({ port, host: '127.0.0.1' })
  return { app, base, port }
}

export interface Browsing {
  browser: Browser
  context: BrowserContext
  page: Page
  /** Requests the page made to anything but `base`: must stay empty (air-gapped machines). */
  foreignRequests: string[]
  /** Content-Security-Policy violations the page reported. */
  violations: () => Promise<string[]>
  /** Every request path the page sent, in order. */
  requests: string[]
}

/** Headless Chromium on `base`; closed at teardown. Fails the test plainly when Chromium is missing. */
export async function browse(t: Test, base: string, viewport = { width: 1280, height: 860 }): Promise<Browsing | undefined> {
  if (!existsSync(CHROMIUM)) {
    t.fail(`${CHROMIUM} is missing: apt-get install chromium (.ci/run installs it)`)
    return undefined
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })
  t.teardown(() => browser.close())
  const context = await browser.newContext({ viewport, baseURL: base, locale: 'en-US', timezoneId: 'UTC' })
  // Runs outside the page's CSP (it is the test's, not the page's): records violations.
  await context.addInitScript({
    content: `window.__violations = []
      document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI))`,
  })
  const page = await context.newPage()
  page.setDefaultTimeout(10_000)
  const foreignRequests: string[] = []
  const requests: string[] = []
  const origin = new URL(base).origin
  page.on('request', (request) => {
    const url = new URL(request.url())
    if (url.protocol === 'data:') return
    if (url.origin !== origin && url.origin !== origin.replace(/^http/, 'ws')) foreignRequests.push(request.url())
    requests.push(`${request.method()} ${url.pathname}`)
  })
  page.on('websocket', (ws) => {
    const url = new URL(ws.url())
    if (url.host !== new URL(base).host) foreignRequests.push(ws.url())
    requests.push(`WS ${url.pathname}`)
  })
  return {
    browser,
    context,
    page,
    foreignRequests,
    requests,
    violations: async () => (await page.evaluate('window.__violations ?? []')) as string[],
  }
}

/** Saves a full-page screenshot under .tap/screenshots (and docs/screenshots for the README ones, on request). */
export async function screenshot(page: Page, name: string, options: { readme?: boolean } = {}): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true })
  const file = path.join(SCREENSHOT_DIR, `${name}.png`)
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled', caret: 'hide' })
  if (options.readme && process.env.OUTPOST_README_SCREENSHOTS === '1') {
    await mkdir(README_SCREENSHOT_DIR, { recursive: true })
    await page.screenshot({ path: path.join(README_SCREENSHOT_DIR, `${name}.png`), fullPage: true, animations: 'disabled', caret: 'hide' })
  }
  return file
}

/**
 * A directory with the stand-in `coder` (test/fixtures/standin-coder.ts bundled into one
 * Node script) under the linux binary names, so an init script for any linux arch runs
 * it on this machine.
 */
export async function standinBinaryDir(t: Test): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'outpost-dashboard-bin-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  for (const arch of ['amd64', 'arm64']) {
    const outfile = path.join(dir, `coder-linux-${arch}`)
    await build({
      entryPoints: [path.resolve('test/fixtures/standin-coder.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile,
      banner: { js: '#!/usr/bin/env node' },
      logLevel: 'silent',
    })
    spawnSync('chmod', ['755', outfile])
  }
  return dir
}

/** Signs in through the page's form. */
export async function signIn(page: Page, user: { email: string; password: string }): Promise<void> {
  await page.goto('/login')
  await page.getByRole('heading', { name: 'Sign in' }).waitFor()
  await page.getByLabel('Email').fill(user.email)
  await page.getByLabel('Password').fill(user.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL('**/workspaces')
}

/**
 * The element's text once it matches `ready` (or whatever it is after `timeout` ms): pages
 * fill in after their fetches, so reading right after a click can see a placeholder.
 */
export async function textWhen(
  locator: { textContent(): Promise<string | null> },
  ready: RegExp,
  timeout = 5000,
): Promise<string> {
  const deadline = Date.now() + timeout
  for (;;) {
    const text = (await locator.textContent()) ?? ''
    if (ready.test(text) || Date.now() > deadline) return text
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
