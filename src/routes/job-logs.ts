import type {} from '@fastify/websocket'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type, type TSchema } from 'typebox'
import { errorResponses } from '../sdk/common.js'
import { JobLogsQuerySchema, type ProvisionerJobLog } from '../sdk/provisioner-jobs.js'

declare module 'fastify' {
  interface FastifyRequest {
    jobLogs?: ProvisionerJobLog[]
  }
}

export interface JobLogRange {
  after?: number | undefined
  before?: number | undefined
}

/**
 * A provisioner job's logs, as Coder serves them: JSON for a plain GET, and for the
 * `?follow` WebSocket the logs one text message each, then a normal close. Every
 * Outpost job has finished by the time anyone can ask, so following ends at once.
 * Loading (and so authorization) happens before the upgrade, so a refusal is a plain
 * HTTP error the client can read.
 */
export function registerJobLogRoute<P extends TSchema>(
  app: FastifyInstance,
  url: string,
  options: {
    operationId: string
    tags: string[]
    summary: string
    params: P
    load: (request: FastifyRequest, range: JobLogRange) => Promise<ProvisionerJobLog[]>
  },
): void {
  app.route({
    method: 'GET',
    url,
    schema: {
      operationId: options.operationId,
      tags: options.tags,
      summary: options.summary,
      params: options.params,
      querystring: JobLogsQuerySchema,
      response: { 200: Type.Array(Type.Ref('ProvisionerJobLog')), ...errorResponses },
    },
    preHandler: async (request) => {
      const { after, before } = request.query as JobLogRange
      request.jobLogs = await options.load(request, { after, before })
    },
    handler: async (request) => request.jobLogs ?? [],
    wsHandler: (socket, request) => {
      for (const log of request.jobLogs ?? []) socket.send(JSON.stringify(log))
      socket.close(1000, 'job complete')
    },
  })
}
