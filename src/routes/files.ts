import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { UPLOAD_CONTENT_TYPES, type TemplateService } from '../domain/templates.js'
import { sessionOf } from '../plugins/auth.js'
import { errorResponses, UuidSchema } from '../sdk/common.js'
import { UploadResponseSchema } from '../sdk/templates.js'

export interface FileRoutesOptions {
  templates: TemplateService
  maxUploadBytes: number
}

const fileRoutes: FastifyPluginAsyncTypebox<FileRoutesOptions> = async (app, { templates, maxUploadBytes }) => {
  // Template sources arrive as raw tar (or zip) bytes, as `coder templates push` sends them.
  app.addContentTypeParser([...UPLOAD_CONTENT_TYPES], { parseAs: 'buffer', bodyLimit: maxUploadBytes }, (_req, body, done) =>
    done(null, body),
  )
  // Any other type (or none) reaches the handler too, which refuses it as Coder does: 400 naming the allowed types.
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxUploadBytes }, (_req, body, done) => done(null, body))

  app.post(
    '/files',
    {
      bodyLimit: maxUploadBytes,
      config: { audit: { resourceType: 'file', action: 'create' } },
      schema: {
        operationId: 'upload-file',
        tags: ['Files'],
        summary: 'Upload file',
        consumes: [...UPLOAD_CONTENT_TYPES],
        response: { 200: UploadResponseSchema, 201: UploadResponseSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
      const { id, created } = await templates.uploadFile(sessionOf(request).actor, request.headers['content-type'] ?? '', body)
      // Coder answers 201 for a new file and 200 with the existing id for the same bytes again.
      request.audited = { resourceId: id, fields: { bytes: String(body.length), new: String(created) } }
      return reply.code(created ? 201 : 200).send({ hash: id })
    },
  )

  app.get(
    '/files/:fileID',
    {
      schema: {
        operationId: 'get-file-by-id',
        tags: ['Files'],
        summary: 'Get file by ID',
        params: Type.Object({ fileID: UuidSchema }),
        response: { ...errorResponses },
      },
    },
    async (request, reply) => {
      const file = await templates.getFile(sessionOf(request).actor, request.params.fileID)
      return reply.type(file.mimetype).send(file.data)
    },
  )
}

export default fileRoutes
