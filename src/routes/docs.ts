import type { FastifyPluginAsync } from 'fastify'

/** The OpenAPI document where Coder clients look for it; Swagger UI is at /docs. */
const docsRoutes: FastifyPluginAsync = async (app) => {
  app.get('/api/v2/openapi.json', { config: { auth: 'none' }, schema: { hide: true } }, async () => app.swagger())
}

export default docsRoutes
