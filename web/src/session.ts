// Who is signed in. The API decides (GET /users/me); the page only remembers the answer.
import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { User } from './api'

export interface Session {
  user: User
  /** The organization new templates go to: the user's first (Outpost has one, `coder`). */
  organizationId: string
  isOwner: boolean
  signOut: () => Promise<void>
}

export const SessionContext = createContext<Session | null>(null)

export function useSession(): Session {
  const session = useContext(SessionContext)
  if (!session) throw new Error('useSession outside a signed-in page')
  return session
}
