// Baseline: a bare Node HTTP server streaming a file from disk with fs.createReadStream,
// nothing else: what serving a binary costs without Fastify, hashing or headers logic.
import { createReadStream, statSync } from 'node:fs'
import { createServer } from 'node:http'

const file = process.env.BARE_FILE!
const server = createServer((req, res) => {
  if (req.url === '/ready') {
    res.end('ok')
    return
  }
  const { size } = statSync(file)
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) })
  createReadStream(file).pipe(res)
})
server.listen(Number(process.env.PORT), '127.0.0.1')
// A clean exit on SIGTERM (so --cpu-prof can write its profile).
process.on('SIGTERM', () => process.exit(0))
