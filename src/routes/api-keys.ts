import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { SessionService } from '../domain/sessions.js'
import type { UserService } from '../domain/users.js'
import { sessionOf } from '../plugins/auth.js'
import { CreateTokenRequestSchema, GenerateAPIKeyResponseSchema, KeyParamsSchema } from '../sdk/api-keys.js'
import { errorResponses } from '../sdk/common.js'
import { UserParamsSchema } from '../sdk/users.js'

const tags = ['Users']

const apiKeyRoutes: FastifyPluginAsyncTypebox<{ users: UserService; sessions: SessionService }> = async (
  app,
  { users, sessions },
) => {
  app.post(
    '/users/:user/keys/tokens',
    {
      config: { audit: { resourceType: 'api_key', action: 'create' } },
      schema: {
        operationId: 'create-token-api-key',
        tags,
        summary: 'Create token API key',
        params: UserParamsSchema,
        body: CreateTokenRequestSchema,
        response: { 201: GenerateAPIKeyResponseSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { actor } = sessionOf(request)
      const owner = await users.resolveUser(actor, request.params.user)
      request.audited = { resourceId: owner.id, resourceTarget: request.body.token_name ?? '' }
      const key = await sessions.createToken(actor, owner, request.body)
      // The key's public id only: the secret half never reaches the trail.
      request.audited = { ...request.audited, fields: { key_id: key.split('-')[0] ?? '' } }
      return reply.code(201).send({ key })
    },
  )

  app.get(
    '/users/:user/keys/tokens',
    {
      schema: {
        operationId: 'get-user-tokens',
        tags,
        summary: 'Get user tokens',
        params: UserParamsSchema,
        response: { 200: Type.Array(Type.Ref('APIKey')), ...errorResponses },
      },
    },
    async (request) => {
      const { actor } = sessionOf(request)
      return sessions.listTokens(actor, await users.resolveUser(actor, request.params.user))
    },
  )

  app.get(
    '/users/:user/keys/tokens/:keyname',
    {
      schema: {
        operationId: 'get-api-key-by-token-name',
        tags,
        summary: 'Get API key by token name',
        params: Type.Object({ user: Type.String({ minLength: 1, maxLength: 256 }), keyname: Type.String({ minLength: 1, maxLength: 256 }) }),
        response: { 200: Type.Ref('APIKey'), ...errorResponses },
      },
    },
    async (request) => {
      const { actor } = sessionOf(request)
      const owner = await users.resolveUser(actor, request.params.user)
      return sessions.getToken(actor, owner, { tokenName: request.params.keyname })
    },
  )

  app.get(
    '/users/:user/keys/:keyid',
    {
      schema: {
        operationId: 'get-api-key-by-id',
        tags,
        summary: 'Get API key by ID',
        params: KeyParamsSchema,
        response: { 200: Type.Ref('APIKey'), ...errorResponses },
      },
    },
    async (request) => {
      const { actor } = sessionOf(request)
      const owner = await users.resolveUser(actor, request.params.user)
      return sessions.getToken(actor, owner, { id: request.params.keyid })
    },
  )

  app.delete(
    '/users/:user/keys/:keyid',
    {
      config: { audit: { resourceType: 'api_key', action: 'delete' } },
      schema: {
        operationId: 'delete-api-key',
        tags,
        summary: 'Delete API key',
        params: KeyParamsSchema,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { actor } = sessionOf(request)
      const owner = await users.resolveUser(actor, request.params.user)
      request.audited = { resourceId: owner.id, resourceTarget: request.params.keyid }
      await sessions.deleteKey(actor, owner, request.params.keyid)
      request.log.info({ key_id: request.params.keyid }, 'API key deleted')
      return reply.code(204).send(null)
    },
  )
}

export default apiKeyRoutes
