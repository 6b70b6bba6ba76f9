import type { FastifyInstance } from 'fastify'

/** The OpenAPI document as committed in openapi/openapi.json: stable text, newline-terminated. */
export function renderOpenApi(app: FastifyInstance): string {
  return JSON.stringify(app.swagger(), null, 2) + '\n'
}

export const OPENAPI_FILE = new URL('../openapi/openapi.json', import.meta.url)
