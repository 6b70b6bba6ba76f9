import type { Db } from '../db/client.js'
import { ApiError } from '../errors.js'
import { findAgentByTokenHash, type AuthenticatedAgent } from '../store/workspaces.js'
import type { Clock } from './clock.js'
import { sha256Hex } from './secrets.js'
import type { TokenSources } from './sessions.js'

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Agent-token authentication with Coder's three 401 answers. A token stops working the
 * moment its workspace is deleted (the delete build becomes the latest), with no cache
 * in between: every request is one indexed lookup.
 */
export function createAgentAuth({ db, clock }: { db: Db; clock: Clock }) {
  return {
    async authenticate(sources: TokenSources): Promise<AuthenticatedAgent> {
      const token = sources.cookie || sources.query || sources.header
      if (!token) throw new ApiError(401, 'Cookie "coder_session_token" must be provided.')
      if (!UUID_PATTERN.test(token)) {
        throw new ApiError(401, 'Workspace agent token invalid.', `An agent token must be a valid UUIDv4. (len ${token.length})`)
      }
      const found = await findAgentByTokenHash(db, sha256Hex(token.toLowerCase()), clock.now())
      if (!found) {
        throw new ApiError(
          401,
          'Workspace agent not authorized.',
          'The agent cannot authenticate until the workspace provision job has been completed. If the job is no longer running, this agent is invalid.',
        )
      }
      return found
    },
  }
}

export type AgentAuth = ReturnType<typeof createAgentAuth>
