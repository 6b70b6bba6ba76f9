import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { InitScripts } from '../domain/init-scripts/index.js'
import { errors } from '../errors.js'
import { etagMatches } from './agent-binaries.js'

const InitScriptParamsSchema = Type.Object({
  os: Type.String({ description: 'Operating system: linux, darwin or windows' }),
  arch: Type.String({ description: 'Architecture: amd64, arm64 or armv7 (linux only)' }),
})

/**
 * `GET|HEAD /api/v2/init-script/{os}/{arch}`: the bootstrap script a machine pipes into
 * `sh` (or `iex`). No auth, as in Coder. The scripts are rendered ahead of time; this
 * only picks one and answers conditional requests.
 */
const initScriptRoutes: FastifyPluginAsyncTypebox<{ scripts: InitScripts }> = async (app, { scripts }) => {
  app.get(
    '/api/v2/init-script/:os/:arch',
    {
      config: { auth: 'none' },
      schema: {
        operationId: 'get-agent-init-script',
        tags: ['InitScript'],
        summary: 'Get agent init script',
        description:
          'POSIX sh for linux and darwin, PowerShell for windows. It downloads /bin/coder-<os>-<arch>, checks the ' +
          "SHA-256 pinned into it, reports its progress to POST /api/v2/workspaceagents/me/enrollment and starts the agent. " +
          'Content-Digest is RFC 9530 (sha-256); ETag is the SHA-256 of the body.',
        params: InitScriptParamsSchema,
        response: {
          200: {
            description: 'The script',
            content: { 'text/plain': { schema: Type.String() } },
          },
          304: { description: 'Not modified', type: 'null' },
          400: Type.Ref('Response'),
        },
      },
    },
    async (request, reply) => {
      const os = request.params.os.toLowerCase()
      const arch = request.params.arch.toLowerCase()
      const script = await scripts.get(os, arch)
      if (!script) throw errors.unknownPlatform(os, arch)
      void reply.header('etag', script.etag).header('cache-control', 'no-cache')
      if (etagMatches(request.headers['if-none-match'], script.etag)) return reply.code(304).send(null)
      return reply
        .header('content-digest', script.contentDigest)
        .type('text/plain; charset=utf-8')
        .send(script.bytes)
    },
  )
}

export default initScriptRoutes
