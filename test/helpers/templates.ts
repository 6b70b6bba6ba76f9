import type { FastifyInstance } from 'fastify'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { pack } from 'tar-stream'
import { auth } from './fixtures.js'

export const EXAMPLE_TEMPLATE_DIR = path.resolve('examples/templates/externally-managed-workspace')

/** A tar archive of `files` (path → contents), as `coder templates push` uploads it. */
export async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const archive = pack()
  // A fixed mtime: the same files always make the same bytes (tests rely on upload dedup).
  for (const [name, contents] of Object.entries(files)) archive.entry({ name, mode: 0o644, mtime: new Date(0) }, contents)
  archive.finalize()
  const chunks: Buffer[] = []
  for await (const chunk of archive) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

export async function exampleTemplateFiles(): Promise<Record<string, string>> {
  const files: Record<string, string> = {}
  for (const name of await readdir(EXAMPLE_TEMPLATE_DIR)) files[name] = await readFile(path.join(EXAMPLE_TEMPLATE_DIR, name), 'utf8')
  return files
}

/** Uploads files, imports a version and (for a new name) creates the template; returns both. */
export async function pushTemplate(
  app: FastifyInstance,
  token: string,
  name: string,
  files: Record<string, string>,
): Promise<{ templateId: string; versionId: string; version: Record<string, any> }> {
  const upload = await app.inject({
    method: 'POST',
    url: '/api/v2/files',
    headers: { ...auth(token), 'content-type': 'application/x-tar' },
    payload: await tarOf(files),
  })
  if (upload.statusCode !== 201 && upload.statusCode !== 200) throw new Error(`upload: ${upload.statusCode} ${upload.body}`)
  const created = await app.inject({
    method: 'POST',
    url: '/api/v2/organizations/default/templateversions',
    headers: auth(token),
    payload: { storage_method: 'file', file_id: upload.json().hash, provisioner: 'terraform' },
  })
  if (created.statusCode !== 201) throw new Error(`version: ${created.statusCode} ${created.body}`)
  const version = created.json()
  if (version.job.status !== 'succeeded') return { templateId: '', versionId: version.id, version }
  const template = await app.inject({
    method: 'POST',
    url: '/api/v2/organizations/default/templates',
    headers: auth(token),
    payload: { name, template_version_id: version.id },
  })
  if (template.statusCode !== 201) throw new Error(`template: ${template.statusCode} ${template.body}`)
  return { templateId: template.json().id, versionId: version.id, version }
}

/** Creates an external workspace for `me` from a template, with parameter values. */
export async function createWorkspace(
  app: FastifyInstance,
  token: string,
  name: string,
  templateId: string,
  parameters: Record<string, string> = {},
) {
  return app.inject({
    method: 'POST',
    url: '/api/v2/users/me/workspaces',
    headers: auth(token),
    payload: {
      name,
      template_id: templateId,
      rich_parameter_values: Object.entries(parameters).map(([n, value]) => ({ name: n, value })),
    },
  })
}
