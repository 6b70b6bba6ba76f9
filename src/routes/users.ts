import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import type { OrganizationService } from '../domain/organizations.js'
import { SESSION_LIFETIME_SECONDS, type SessionService } from '../domain/sessions.js'
import type { UserService } from '../domain/users.js'
import { errors } from '../errors.js'
import { SESSION_COOKIE, sessionOf } from '../plugins/auth.js'
import { errorResponses } from '../sdk/common.js'
import {
  CreateFirstUserRequestSchema,
  CreateFirstUserResponseSchema,
  CreateUserRequestSchema,
  GetUsersResponseSchema,
  ListUsersQuerySchema,
  LoginWithPasswordRequestSchema,
  LoginWithPasswordResponseSchema,
  UserParamsSchema,
} from '../sdk/users.js'

export interface UserRoutesOptions {
  users: UserService
  sessions: SessionService
  organizations: OrganizationService
  secureCookies: boolean
}

const tags = ['Users']

const userRoutes: FastifyPluginAsyncTypebox<UserRoutesOptions> = async (app, opts) => {
  const { users, sessions, organizations } = opts

  function setSessionCookie(reply: FastifyReply, token: string, maxAge: number): void {
    void reply.setCookie(SESSION_COOKIE, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: opts.secureCookies,
      maxAge,
    })
  }

  app.get(
    '/users/first',
    {
      config: { auth: 'none' },
      schema: {
        operationId: 'check-initial-user-created',
        tags,
        summary: 'Check initial user created',
        response: { 200: Type.Ref('Response'), ...errorResponses },
      },
    },
    async () => {
      if (!(await users.firstUserExists())) throw errors.firstUserMissing()
      return { message: 'The initial user has already been created!' }
    },
  )

  app.post(
    '/users/first',
    {
      config: { auth: 'none', audit: { resourceType: 'user', action: 'create' } },
      schema: {
        operationId: 'create-initial-user',
        tags,
        summary: 'Create initial user',
        body: CreateFirstUserRequestSchema,
        response: { 201: CreateFirstUserResponseSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      request.audited = { resourceTarget: request.body.username }
      const created = await users.createFirstUser(request.body)
      request.audited = { ...request.audited, resourceId: created.userId, userId: created.userId }
      request.log.info({ created_user_id: created.userId }, 'first user created')
      return reply.code(201).send({ user_id: created.userId, organization_id: created.organizationId })
    },
  )

  app.post(
    '/users/login',
    {
      config: { auth: 'none', audit: { resourceType: 'api_key', action: 'login' } },
      schema: {
        operationId: 'log-in-user',
        tags: ['Authorization'],
        summary: 'Log in user',
        body: LoginWithPasswordRequestSchema,
        response: { 201: LoginWithPasswordResponseSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      // A failed login is audited with the email it tried; never with the password.
      request.audited = { resourceTarget: request.body.email }
      const { token, userId } = await sessions.login(request.body.email, request.body.password)
      request.audited = { ...request.audited, userId, resourceId: userId }
      setSessionCookie(reply, token, SESSION_LIFETIME_SECONDS)
      return reply.code(201).send({ session_token: token })
    },
  )

  app.post(
    '/users/logout',
    {
      config: { audit: { resourceType: 'api_key', action: 'logout' } },
      schema: {
        operationId: 'log-out-user',
        tags,
        summary: 'Log out user',
        response: { 200: Type.Ref('Response'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const session = sessionOf(request)
      request.audited = { resourceId: session.actor.user.id, resourceTarget: session.apiKey.id }
      await sessions.logout(session)
      setSessionCookie(reply, '', -1)
      return { message: 'Logged out!' }
    },
  )

  app.get(
    '/users',
    {
      schema: {
        operationId: 'get-users',
        tags,
        summary: 'Get users',
        querystring: ListUsersQuerySchema,
        response: { 200: GetUsersResponseSchema, ...errorResponses },
      },
    },
    async (request) => users.listUsers(sessionOf(request).actor, request.query),
  )

  app.post(
    '/users',
    {
      config: { audit: { resourceType: 'user', action: 'create' } },
      schema: {
        operationId: 'create-new-user',
        tags,
        summary: 'Create new user',
        body: CreateUserRequestSchema,
        response: { 201: Type.Ref('User'), ...errorResponses },
      },
    },
    async (request, reply) => {
      request.audited = { resourceTarget: request.body.username }
      const user = await users.createUser(sessionOf(request).actor, request.body)
      request.audited = { ...request.audited, resourceId: user.id }
      request.log.info({ created_user_id: user.id }, 'user created')
      return reply.code(201).send(user)
    },
  )

  app.get(
    '/users/:user',
    {
      schema: {
        operationId: 'get-user-by-name',
        tags,
        summary: 'Get user by name',
        params: UserParamsSchema,
        response: { 200: Type.Ref('User'), ...errorResponses },
      },
    },
    async (request) => {
      const row = await users.resolveUser(sessionOf(request).actor, request.params.user)
      return users.toWire(row)
    },
  )

  app.get(
    '/users/:user/organizations',
    {
      schema: {
        operationId: 'get-organizations-by-user',
        tags: ['Organizations'],
        summary: 'Get organizations by user',
        params: UserParamsSchema,
        response: { 200: Type.Array(Type.Ref('Organization')), ...errorResponses },
      },
    },
    async (request) => {
      const row = await users.resolveUser(sessionOf(request).actor, request.params.user)
      return organizations.listOfUser(row)
    },
  )
}

export default userRoutes
