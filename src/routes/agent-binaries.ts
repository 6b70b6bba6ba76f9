import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { pipeline } from 'node:stream'
import { constants as zlibConstants, createGzip } from 'node:zlib'
import { Type } from 'typebox'
import { AGENT_BINARY_NAMES, platformOfBinaryName, type AgentBinaries } from '../domain/agent-binaries.js'
import { errors } from '../errors.js'

/** Weak comparison (RFC 9110 §8.8.3.2) of `If-None-Match` against our entity tag. */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false
  if (header.trim() === '*') return true
  const opaque = etag.replace(/^W\//, '')
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === opaque)
}

/** True when `Accept-Encoding` takes gzip (explicitly or through `*`) with a non-zero q. */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false
  let gzip: number | undefined
  let star: number | undefined
  for (const part of header.split(',')) {
    const [coding = '', ...params] = part.split(';').map((s) => s.trim())
    const q = params.find((p) => /^q=/i.test(p))
    const quality = q === undefined ? 1 : Number(q.slice(2))
    const name = coding.toLowerCase()
    if (name === 'gzip' || name === 'x-gzip') gzip = quality
    else if (name === '*') star = quality
  }
  const quality = gzip ?? star ?? 0
  return Number.isFinite(quality) && quality > 0
}

export type RangeResult = { start: number; end: number } | 'unsatisfiable' | undefined

/**
 * One byte range of a `Range` header (RFC 9110 §14): `bytes=a-b`, `bytes=a-`, `bytes=-n`.
 * undefined: no usable range (absent, malformed, another unit, or several ranges), so the
 * whole file is sent, as the RFC allows.
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return undefined
  const match = /^bytes=(\d*)-(\d*)$/i.exec(header.replace(/\s+/g, ''))
  if (!match) return undefined
  const [, first = '', last = ''] = match
  if (first === '' && last === '') return undefined
  if (first === '') {
    const suffix = Number(last)
    if (suffix === 0 || size === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(first)
  if (last !== '' && Number(last) < start) return undefined
  if (start >= size) return 'unsatisfiable'
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) }
}

const BinaryParamsSchema = Type.Object({
  name: Type.String({ description: 'coder-<os>-<arch>, with .exe for windows: for example coder-linux-amd64' }),
})

const binaryContent = {
  content: { 'application/octet-stream': { schema: Type.String({ format: 'binary' }) } },
}

/**
 * `GET|HEAD /bin/coder-<os>-<arch>`: the Coder agent binaries an operator put in the
 * binary directory, for the bootstrap scripts. No auth, as in Coder. Streamed from disk,
 * with the SHA-256 as ETag, byte ranges, and gzip for `curl --compressed`.
 */
const agentBinaryRoutes: FastifyPluginAsyncTypebox<{ binaries: AgentBinaries }> = async (app, { binaries }) => {
  async function serve(request: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) {
    const { name } = request.params
    const platform = platformOfBinaryName(name)
    if (!platform) throw errors.unknownAgentBinary(name, AGENT_BINARY_NAMES)
    const file = await binaries.open(platform.os, platform.arch)
    if (!file) throw errors.agentBinaryMissing(name, binaries.pathOf(platform.os, platform.arch))

    let streaming = false
    try {
      const head = request.method === 'HEAD'
      const range = parseRange(request.headers.range, file.size)
      const ifRange = [request.headers['if-range']].flat()[0]
      const identityTag = `"${file.sha256}"`
      // A Range with an If-Range naming another version of the file is ignored (RFC 9110 §13.1.5).
      const useRange = range !== undefined && (ifRange === undefined || ifRange.trim() === identityTag)
      const gzip = !useRange && acceptsGzip(request.headers['accept-encoding'])
      const etag = gzip ? `W/${identityTag}` : identityTag

      void reply.headers({
        'content-type': 'application/octet-stream',
        etag,
        vary: 'Accept-Encoding',
        'accept-ranges': 'bytes',
        'last-modified': file.mtime.toUTCString(),
        'cache-control': 'no-cache',
      })
      if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send(null)

      if (useRange) {
        if (range === 'unsatisfiable') throw errors.rangeNotSatisfiable(file.size)
        void reply
          .code(206)
          .header('content-range', `bytes ${range.start}-${range.end}/${file.size}`)
          .header('content-length', String(range.end - range.start + 1))
        if (head) return reply.send(null)
        streaming = true
        return reply.send(file.handle.createReadStream({ start: range.start, end: range.end }))
      }

      if (gzip) {
        void reply.header('content-encoding', 'gzip')
        if (head) return reply.send(null)
        streaming = true
        // Level 1: the binaries are large and compressed per request; speed matters more
        // than the last few per cent.
        const compressed = createGzip({ level: zlibConstants.Z_BEST_SPEED })
        return reply.send(
          pipeline(file.handle.createReadStream(), compressed, (err) => {
            if (err) request.log.debug({ err }, 'agent binary download ended early')
          }),
        )
      }

      void reply.header('content-length', String(file.size))
      if (head) return reply.send(null)
      streaming = true
      return reply.send(file.handle.createReadStream())
    } finally {
      // A read stream closes the handle when it ends or is destroyed; otherwise close it here.
      if (!streaming) await file.handle.close()
    }
  }

  // HEAD is a route of its own: Fastify's automatic one would read the whole file to discard it.
  app.head('/bin/:name', { config: { auth: 'none' }, schema: { params: BinaryParamsSchema, hide: true } }, serve)
  app.get(
    '/bin/:name',
    {
      config: { auth: 'none' },
      exposeHeadRoute: false,
      schema: {
        operationId: 'get-agent-binary',
        tags: ['InitScript'],
        summary: 'Download a Coder agent binary (what the init scripts fetch)',
        description:
          'Served from OUTPOST_AGENT_BINARY_DIR. ETag is the SHA-256 of the file (weak, W/, when gzip-encoded); ' +
          'Range (one range) and Accept-Encoding: gzip are supported; a Range request is never gzip-encoded.',
        params: BinaryParamsSchema,
        response: {
          200: { description: 'The binary', ...binaryContent },
          206: { description: 'A byte range of the binary', ...binaryContent },
          304: { description: 'Not modified', type: 'null' },
          404: Type.Ref('Response'),
          416: Type.Ref('Response'),
        },
      },
    },
    serve,
  )
}

export default agentBinaryRoutes
