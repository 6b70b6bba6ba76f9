import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

/**
 * What an HTML page (Swagger UI at /docs, and any page added later) may load: only
 * Outpost's own scripts, styles, images (and data: images, which Swagger UI's CSS
 * uses), fonts and API calls; no inline script or style, no plugins, no framing, no
 * form posts elsewhere. Checked in a headless browser: Swagger UI runs under it with no
 * violation.
 */
export const HTML_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/**
 * `X-Content-Type-Options: nosniff` on every response, so no browser runs a script or
 * JSON body as something else; on HTML, a strict CSP, frame denial (CSP and the older
 * X-Frame-Options) and no referrer. Register before any route.
 */
export default fp(
  async function securityHeaders(app: FastifyInstance) {
    // Callback style, not async: every response passes here, and a promise per hook shows.
    app.addHook('onSend', (_request, reply, payload, done) => {
      void reply.header('x-content-type-options', 'nosniff')
      const type = reply.getHeader('content-type')
      if (typeof type === 'string' && /^text\/html\b/i.test(type)) {
        void reply.headers({
          'content-security-policy': HTML_CSP,
          'x-frame-options': 'DENY',
          'referrer-policy': 'no-referrer',
        })
      }
      done(null, payload)
    })
  },
  { name: 'security-headers' },
)
