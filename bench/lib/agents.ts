// The agent fleet (its own process): one WebSocket per token to
// /api/v2/workspaceagents/me/rpc, opened the way Coder's agent opens it (token in the
// cookie), held open and answering the server's pings (ws does that). Steered over IPC:
// `{ type: 'report' }` answers `{ type: 'report', open, closes }` with every close seen so
// far (socket index, close code, time); `{ type: 'exit' }` closes everything.
import { readFileSync } from 'node:fs'
import WebSocket from 'ws'

export interface AgentsInput {
  url: string
  tokens: string[]
  /** Upgrades in flight at once while connecting. */
  parallel: number
}

export type Close = [index: number, code: number, at: number]

const input = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as AgentsInput
const send = (message: object) => process.send!(message)
const sockets: (WebSocket | undefined)[] = []
const closes: Close[] = []
let open = 0
let failed = 0
const errors = new Map<string, number>()

function connect(index: number): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${input.url.replace(/^http/, 'ws')}/api/v2/workspaceagents/me/rpc?version=2.10&role=agent`, {
      headers: { cookie: `coder_session_token=${input.tokens[index]}` },
      perMessageDeflate: false,
    })
    let settled = false
    const fail = (why: string) => {
      errors.set(why, (errors.get(why) ?? 0) + 1)
      failed++
      if (!settled) {
        settled = true
        resolve()
      }
    }
    ws.on('open', () => {
      open++
      sockets[index] = ws
      settled = true
      resolve()
    })
    ws.on('unexpected-response', (_req, res) => fail(`upgrade refused: ${res.statusCode}`))
    ws.on('error', (err) => {
      if (!settled) fail(err.message)
    })
    ws.on('close', (code) => {
      if (sockets[index] === ws) {
        open--
        closes.push([index, code, Date.now()])
      }
    })
  })
}

const started = Date.now()
let next = 0
await Promise.all(
  Array.from({ length: input.parallel }, async () => {
    while (next < input.tokens.length) await connect(next++)
  }),
)
send({ type: 'connected', open, failed, errors: Object.fromEntries(errors), ms: Date.now() - started })

process.on('message', (message: { type: string }) => {
  if (message.type === 'report') send({ type: 'report', open, closes })
  if (message.type === 'exit') {
    for (const ws of sockets) ws?.terminate()
    process.exit(0)
  }
})
