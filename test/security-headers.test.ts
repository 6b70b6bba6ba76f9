import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { HTML_CSP } from '../src/plugins/security-headers.js'
import { buildTestApp } from './helpers/app.js'
import { auth } from './helpers/fixtures.js'

const CHROMIUM = process.env.OUTPOST_TEST_CHROMIUM ?? '/usr/bin/chromium'

t.test('the policy: own origin only, nothing inline, no framing', async (t) => {
  const directives = new Map(HTML_CSP.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]))
  t.strictSame(directives.get('default-src'), ["'none'"])
  t.strictSame(directives.get('script-src'), ["'self'"])
  t.strictSame(directives.get('style-src'), ["'self'"])
  t.strictSame(directives.get('frame-ancestors'), ["'none'"])
  t.strictSame(directives.get('base-uri'), ["'none'"])
  t.notMatch(HTML_CSP, /unsafe-|https?:|\*/, "no 'unsafe-…', no other origin, no wildcard")
})

t.test('HTML pages (Swagger UI) get CSP, frame denial, nosniff and no referrer', async (t) => {
  const { app } = await buildTestApp(t)
  for (const url of ['/docs', '/docs/']) {
    const res = await app.inject({ url })
    t.equal(res.statusCode, 200, url)
    t.match(res.headers['content-type'], /^text\/html/)
    t.equal(res.headers['content-security-policy'], HTML_CSP)
    t.equal(res.headers['x-frame-options'], 'DENY')
    t.equal(res.headers['x-content-type-options'], 'nosniff')
    t.equal(res.headers['referrer-policy'], 'no-referrer')
    t.notMatch(res.body, /<script>|<style>|style="|on\w+="/i, 'the page has no inline script, style or handler')
  }
})

t.test('other responses: nosniff everywhere, no HTML headers, bodies untouched', async (t) => {
  const { app } = await buildTestApp(t)
  const cases: { url: string; status: number; type: RegExp; headers?: Record<string, string> }[] = [
    { url: '/api/v2/buildinfo', status: 200, type: /^application\/json/ },
    { url: '/api/v2/users/me', status: 401, type: /^application\/json/ },
    { url: '/api/v2/users/me', status: 401, type: /^application\/json/, headers: auth('aaaaaaaaaa-bbbbbbbbbbbbbbbbbbbbbb') },
    { url: '/api/v2/nothing-here', status: 404, type: /^application\/json/ },
    { url: '/api/v2/openapi.json', status: 200, type: /^application\/json/ },
    { url: '/docs/json', status: 200, type: /^application\/json/ },
    { url: '/docs/static/swagger-ui-bundle.js', status: 200, type: /javascript/ },
    { url: '/docs/static/swagger-ui.css', status: 200, type: /^text\/css/ },
    { url: '/api/v2/init-script/linux/amd64', status: 200, type: /^text\/plain/ },
    { url: '/healthz', status: 200, type: /^application\/json/ },
  ]
  for (const { url, status, type, headers } of cases) {
    const res = await app.inject({ url, ...(headers ? { headers } : {}) })
    t.equal(res.statusCode, status, url)
    t.match(res.headers['content-type'], type, `${url}: content type`)
    t.equal(res.headers['x-content-type-options'], 'nosniff', `${url}: nosniff`)
    t.equal(res.headers['content-security-policy'], undefined, `${url}: no CSP`)
    t.equal(res.headers['x-frame-options'], undefined, `${url}: no X-Frame-Options`)
    if (/json/.test(String(res.headers['content-type']))) t.doesNotThrow(() => res.json(), `${url}: JSON intact`)
  }
  const info = await app.inject({ url: '/api/v2/buildinfo' })
  t.match(info.json(), { external_url: 'http://outpost.test', version: /^v/ })
})

/** playwright-core (a devDependency of the dashboard's browser tests) and Chromium, or why not. */
async function browserOrSkip(): Promise<{ launch(options: object): Promise<any> } | string> {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install chromium)`
  try {
    const { chromium } = await import('playwright-core' as string)
    return chromium
  } catch {
    return 'playwright-core is not installed'
  }
}
const browserType = await browserOrSkip()

const skip = typeof browserType === 'string' ? browserType : false

t.test('Swagger UI runs under the policy in a real browser, with no violation', { skip }, async (t) => {
  if (typeof browserType === 'string') return
  const chromium = browserType
  const { app } = await buildTestApp(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
  t.teardown(() => browser.close())
  const page = await browser.newPage()
  const problems: string[] = []
  page.on('console', (m: { type(): string; text(): string }) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`)
  })
  page.on('pageerror', (e: Error) => problems.push(`pageerror: ${e.message}`))
  await page.addInitScript(
    "document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`))",
  )
  const res = await page.goto(`${base}/docs`, { waitUntil: 'networkidle' })
  t.equal(res.status(), 200)
  await page.waitForSelector('.opblock', { timeout: 20_000 })
  t.ok((await page.locator('.opblock').count()) > 10, 'the operations are rendered')
  // Open one operation and run it: the request goes to the same origin (connect-src 'self').
  await page.locator('.opblock-summary-path[data-path="/healthz"]').first().click()
  await page.locator('button.try-out__btn').first().click()
  await page.locator('button.execute').first().click()
  await page.waitForSelector('.live-responses-table tbody td.response-col_status', { timeout: 10_000 })
  t.match(await page.locator('.live-responses-table tbody td.response-col_status').first().textContent(), /200/)
  await page.locator('button.authorize').first().click()
  await page.waitForSelector('.modal-ux', { timeout: 5000 })
  t.strictSame(problems, [], 'no CSP violation, error or warning in the console')
})
