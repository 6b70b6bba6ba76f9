import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { OrganizationService } from '../domain/organizations.js'
import type { TemplateService } from '../domain/templates.js'
import { sessionOf } from '../plugins/auth.js'
import { errorResponses, UuidSchema } from '../sdk/common.js'
import { OrganizationParamsSchema } from '../sdk/organizations.js'
import { MatchedProvisionersSchema } from '../sdk/provisioner-jobs.js'
import {
  CreateTemplateRequestSchema,
  CreateTemplateVersionRequestSchema,
  DryRunRequestSchema,
  DynamicParametersRequestSchema,
  TemplatesQuerySchema,
  TemplateVersionsQuerySchema,
  UpdateActiveTemplateVersionSchema,
} from '../sdk/templates.js'
import { toPreviewParameters } from '../domain/template-preview.js'
import { registerJobLogRoute } from './job-logs.js'

const tags = ['Templates']
const TemplateParams = Type.Object({ template: UuidSchema })
const VersionParams = Type.Object({ templateversion: UuidSchema })
const DryRunParams = Type.Object({ templateversion: UuidSchema, jobID: UuidSchema })
const EmptyArray = Type.Array(Type.Unknown(), { maxItems: 0 })

const templateRoutes: FastifyPluginAsyncTypebox<{ templates: TemplateService; organizations: OrganizationService }> = async (
  app,
  { templates, organizations },
) => {
  app.post(
    '/organizations/:organization/templateversions',
    {
      config: { audit: { resourceType: 'template_version', action: 'create' } },
      schema: {
        operationId: 'create-template-version-by-organization',
        tags,
        summary: 'Create template version by organization',
        params: OrganizationParamsSchema,
        body: CreateTemplateVersionRequestSchema,
        response: { 201: Type.Ref('TemplateVersion'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const version = await templates.createVersion(sessionOf(request).actor, request.params.organization, request.body)
      request.audited = { resourceId: version.id, resourceTarget: version.name, organizationId: version.organization_id }
      request.log.info({ template_version_id: version.id, status: version.job.status }, 'template version imported')
      return reply.code(201).send(version)
    },
  )

  app.post(
    '/organizations/:organization/templates',
    {
      config: { audit: { resourceType: 'template', action: 'create' } },
      schema: {
        operationId: 'create-template-by-organization',
        tags,
        summary: 'Create template by organization',
        params: OrganizationParamsSchema,
        body: CreateTemplateRequestSchema,
        response: { 201: Type.Ref('Template'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const template = await templates.createTemplate(sessionOf(request).actor, request.params.organization, request.body)
      request.audited = { resourceId: template.id, resourceTarget: template.name, organizationId: template.organization_id }
      request.log.info({ template_id: template.id }, 'template created')
      return reply.code(201).send(template)
    },
  )

  app.get(
    '/organizations/:organization/templates',
    {
      schema: {
        operationId: 'get-templates-by-organization',
        tags,
        summary: 'Get templates by organization',
        params: OrganizationParamsSchema,
        querystring: TemplatesQuerySchema,
        response: { 200: Type.Array(Type.Ref('Template')), ...errorResponses },
      },
    },
    async (request) => {
      const { actor } = sessionOf(request)
      const { organization } = await organizations.resolve(actor, request.params.organization)
      return templates.searchTemplates(actor, request.query.q ?? '', organization.id)
    },
  )

  app.get(
    '/organizations/:organization/templates/:templatename',
    {
      schema: {
        operationId: 'get-templates-by-organization-and-template-name',
        tags,
        summary: 'Get templates by organization and template name',
        params: Type.Object({
          organization: Type.String({ minLength: 1, maxLength: 256 }),
          templatename: Type.String({ minLength: 1, maxLength: 256 }),
        }),
        response: { 200: Type.Ref('Template'), ...errorResponses },
      },
    },
    async (request) =>
      templates.getTemplateByName(sessionOf(request).actor, request.params.organization, request.params.templatename),
  )

  app.get(
    '/templates',
    {
      schema: {
        operationId: 'get-all-templates',
        tags,
        summary: 'Get all templates',
        querystring: TemplatesQuerySchema,
        response: { 200: Type.Array(Type.Ref('Template')), ...errorResponses },
      },
    },
    async (request) => templates.searchTemplates(sessionOf(request).actor, request.query.q ?? ''),
  )

  app.get(
    '/templates/:template',
    {
      schema: {
        operationId: 'get-template-settings-by-id',
        tags,
        summary: 'Get template settings by ID',
        params: TemplateParams,
        response: { 200: Type.Ref('Template'), ...errorResponses },
      },
    },
    async (request) => templates.getTemplate(sessionOf(request).actor, request.params.template),
  )

  app.delete(
    '/templates/:template',
    {
      config: { audit: { resourceType: 'template', action: 'delete' } },
      schema: {
        operationId: 'delete-template-by-id',
        tags,
        summary: 'Delete template by ID',
        params: TemplateParams,
        response: { 200: Type.Ref('Response'), ...errorResponses },
      },
    },
    async (request) => {
      request.audited = { resourceId: request.params.template }
      await templates.deleteTemplate(sessionOf(request).actor, request.params.template)
      request.log.info({ template_id: request.params.template }, 'template deleted')
      return { message: 'Template has been deleted!' }
    },
  )

  app.get(
    '/templates/:template/versions',
    {
      schema: {
        operationId: 'list-template-versions-by-template-id',
        tags,
        summary: 'List template versions by template ID',
        params: TemplateParams,
        querystring: TemplateVersionsQuerySchema,
        response: { 200: Type.Array(Type.Ref('TemplateVersion')), ...errorResponses },
      },
    },
    async (request) => templates.listVersions(sessionOf(request).actor, request.params.template, request.query),
  )

  app.patch(
    '/templates/:template/versions',
    {
      config: { audit: { resourceType: 'template', action: 'write' } },
      schema: {
        operationId: 'update-active-template-version',
        tags,
        summary: 'Update active template version by template ID',
        params: TemplateParams,
        body: UpdateActiveTemplateVersionSchema,
        response: { 200: Type.Ref('Response'), ...errorResponses },
      },
    },
    async (request) => {
      request.audited = { resourceId: request.params.template, fields: { active_version_id: request.body.id } }
      await templates.setActiveVersion(sessionOf(request).actor, request.params.template, request.body.id)
      return { message: 'Updated the active template version!' }
    },
  )

  app.get(
    '/templates/:template/versions/:templateversionname',
    {
      schema: {
        operationId: 'get-template-version-by-template-id-and-name',
        tags,
        summary: 'Get template version by template ID and name',
        params: Type.Object({ template: UuidSchema, templateversionname: Type.String({ minLength: 1, maxLength: 256 }) }),
        response: { 200: Type.Ref('TemplateVersion'), ...errorResponses },
      },
    },
    async (request) =>
      templates.getVersionByName(sessionOf(request).actor, request.params.template, request.params.templateversionname),
  )

  app.get(
    '/templateversions/:templateversion',
    {
      schema: {
        operationId: 'get-template-version-by-id',
        tags,
        summary: 'Get template version by ID',
        params: VersionParams,
        response: { 200: Type.Ref('TemplateVersion'), ...errorResponses },
      },
    },
    async (request) => templates.getVersion(sessionOf(request).actor, request.params.templateversion),
  )

  app.get(
    '/templateversions/:templateversion/resources',
    {
      schema: {
        operationId: 'get-resources-by-template-version',
        tags,
        summary: 'Get resources by template version',
        params: VersionParams,
        response: { 200: Type.Array(Type.Ref('WorkspaceResource')), ...errorResponses },
      },
    },
    async (request) => templates.versionResources(sessionOf(request).actor, request.params.templateversion),
  )

  app.get(
    '/templateversions/:templateversion/rich-parameters',
    {
      schema: {
        operationId: 'get-rich-parameters-by-template-version',
        tags,
        summary: 'Get rich parameters by template version',
        params: VersionParams,
        response: { 200: Type.Array(Type.Ref('TemplateVersionParameter')), ...errorResponses },
      },
    },
    async (request) => templates.versionParameters(sessionOf(request).actor, request.params.templateversion),
  )

  // Outpost templates have no presets, external auth or Terraform variables: clients get Coder's empty answers.
  for (const [suffix, operationId, summary] of [
    ['presets', 'get-template-version-presets', 'Get template version presets'],
    ['external-auth', 'get-external-auth-by-template-version', 'Get external auth by template version'],
    ['variables', 'get-template-variables-by-template-version', 'Get template variables by template version'],
  ] as const) {
    app.get(
      `/templateversions/:templateversion/${suffix}`,
      {
        schema: { operationId, tags, summary, params: VersionParams, response: { 200: EmptyArray, ...errorResponses } },
      },
      async (request) => {
        await templates.readableVersion(sessionOf(request).actor, request.params.templateversion)
        return []
      },
    )
  }

  app.post(
    '/templateversions/:templateversion/dynamic-parameters/evaluate',
    {
      schema: {
        operationId: 'evaluate-dynamic-parameters-for-template-version',
        tags,
        summary: 'Evaluate dynamic parameters for template version',
        params: VersionParams,
        body: DynamicParametersRequestSchema,
        response: {
          200: Type.Object({ id: Type.Integer(), diagnostics: Type.Array(Type.Unknown()), parameters: Type.Array(Type.Unknown()) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const parameters = await templates.versionParameters(sessionOf(request).actor, request.params.templateversion)
      return {
        id: request.body.id ?? 0,
        diagnostics: [],
        parameters: toPreviewParameters(parameters, request.body.inputs ?? {}),
      }
    },
  )

  registerJobLogRoute(app, '/templateversions/:templateversion/logs', {
    operationId: 'get-logs-by-template-version',
    tags,
    summary: 'Get logs by template version',
    params: VersionParams,
    load: (request, range) =>
      templates.versionLogs(sessionOf(request).actor, (request.params as { templateversion: string }).templateversion, range),
  })

  app.post(
    '/templateversions/:templateversion/dry-run',
    {
      schema: {
        operationId: 'create-template-version-dry-run',
        tags,
        summary: 'Create template version dry-run',
        params: VersionParams,
        body: DryRunRequestSchema,
        response: { 201: Type.Ref('ProvisionerJob'), ...errorResponses },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await templates.createDryRun(sessionOf(request).actor, request.params.templateversion, request.body)),
  )

  app.get(
    '/templateversions/:templateversion/dry-run/:jobID',
    {
      schema: {
        operationId: 'get-template-version-dry-run-by-job-id',
        tags,
        summary: 'Get template version dry-run by job ID',
        params: DryRunParams,
        response: { 200: Type.Ref('ProvisionerJob'), ...errorResponses },
      },
    },
    async (request) => templates.dryRunWire(sessionOf(request).actor, request.params.templateversion, request.params.jobID),
  )

  app.get(
    '/templateversions/:templateversion/dry-run/:jobID/resources',
    {
      schema: {
        operationId: 'get-template-version-dry-run-resources-by-job-id',
        tags,
        summary: 'Get template version dry-run resources by job ID',
        params: DryRunParams,
        response: { 200: Type.Array(Type.Ref('WorkspaceResource')), ...errorResponses },
      },
    },
    async (request) => templates.dryRunResources(sessionOf(request).actor, request.params.templateversion, request.params.jobID),
  )

  app.get(
    '/templateversions/:templateversion/dry-run/:jobID/matched-provisioners',
    {
      schema: {
        operationId: 'get-template-version-dry-run-matched-provisioners',
        tags,
        summary: 'Get template version dry-run matched provisioners',
        params: DryRunParams,
        response: { 200: MatchedProvisionersSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { job } = await templates.dryRunJob(sessionOf(request).actor, request.params.templateversion, request.params.jobID)
      // Outpost itself completes every job, so there is always exactly one provisioner.
      return { count: 1, available: 1, most_recently_seen: (job.completedAt ?? job.createdAt).toISOString() }
    },
  )

  registerJobLogRoute(app, '/templateversions/:templateversion/dry-run/:jobID/logs', {
    operationId: 'get-template-version-dry-run-logs-by-job-id',
    tags,
    summary: 'Get template version dry-run logs by job ID',
    params: DryRunParams,
    load: async (request, range) => {
      const params = request.params as { templateversion: string; jobID: string }
      const { job } = await templates.dryRunJob(sessionOf(request).actor, params.templateversion, params.jobID)
      return templates.jobLogs(job.id, range)
    },
  })
}

export default templateRoutes
