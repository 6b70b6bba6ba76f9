import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Database } from '../db/client.js'
import { errors } from '../errors.js'

const HealthSchema = Type.Object({ status: Type.String() }, { additionalProperties: false })

const healthRoutes: FastifyPluginAsyncTypebox<{ database: Database }> = async (app, { database }) => {
  app.get(
    '/healthz',
    {
      config: { auth: 'none' },
      schema: {
        operationId: 'healthz',
        tags: ['Health'],
        summary: 'The process is up',
        response: { 200: HealthSchema },
      },
    },
    async () => ({ status: 'ok' }),
  )

  app.get(
    '/readyz',
    {
      config: { auth: 'none' },
      schema: {
        operationId: 'readyz',
        tags: ['Health'],
        summary: 'The database is reachable',
        response: { 200: HealthSchema, 503: Type.Ref('Response') },
      },
    },
    async () => {
      try {
        await database.ping()
      } catch {
        throw errors.unavailable('The database is not reachable.')
      }
      return { status: 'ok' }
    },
  )
}

export default healthRoutes
