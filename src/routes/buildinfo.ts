import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../db/client.js'
import { errorResponses } from '../sdk/common.js'
import { BuildInfoResponseSchema } from '../sdk/buildinfo.js'
import { deploymentId } from '../domain/deployment.js'

export interface BuildInfoOptions {
  db: Db
  version: string
  accessUrl: string
}

const buildInfoRoutes: FastifyPluginAsyncTypebox<BuildInfoOptions> = async (app, { db, version, accessUrl }) => {
  app.get(
    '/buildinfo',
    {
      config: { auth: 'none' },
      schema: {
        operationId: 'build-info',
        tags: ['General'],
        summary: 'Build info',
        response: { 200: BuildInfoResponseSchema, ...errorResponses },
      },
    },
    async () => ({
      external_url: accessUrl,
      version: `v${version}`,
      dashboard_url: accessUrl,
      workspace_proxy: false,
      agent_api_version: '1.0',
      provisioner_api_version: '1.0',
      upgrade_message: '',
      deployment_id: await deploymentId(db),
      telemetry: false,
    }),
  )
}

export default buildInfoRoutes
