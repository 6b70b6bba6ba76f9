import type { ComponentChildren } from 'preact'
import { useCallback, useEffect, useState } from 'preact/hooks'
import { api, errorText, OutpostApiError, whenSignedOut, type User } from './api'
import { navigate, onLinkClick, useLocation } from './router'
import { SessionContext, type Session } from './session'
import { NewWorkspacePage } from './pages/new-workspace'
import { NotFoundPage } from './pages/not-found'
import { SignInPage } from './pages/sign-in'
import { ImportTemplatePage } from './pages/import-template'
import { TemplatesPage } from './pages/templates'
import { WorkspacePage } from './pages/workspace'
import { WorkspacesPage } from './pages/workspaces'

type Auth = { state: 'loading' } | { state: 'signed-out' } | { state: 'signed-in'; user: User } | { state: 'error'; error: unknown }

function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/workspaces'
}

export function App() {
  const where = useLocation()
  const [auth, setAuth] = useState<Auth>({ state: 'loading' })

  const loadUser = useCallback(async () => {
    try {
      setAuth({ state: 'signed-in', user: await api.user('me') })
    } catch (err) {
      if (err instanceof OutpostApiError && err.status === 401) setAuth({ state: 'signed-out' })
      else setAuth({ state: 'error', error: err })
    }
  }, [])

  useEffect(() => {
    whenSignedOut(() => setAuth({ state: 'signed-out' }))
    void loadUser()
  }, [loadUser])

  // Signed out: every page but the sign-in page sends you there, and back afterwards.
  useEffect(() => {
    if (auth.state === 'signed-out' && where.path !== '/login') {
      const next = where.path === '/' ? '' : `?next=${encodeURIComponent(where.path + location.search)}`
      navigate(`/login${next}`, { replace: true })
    }
    if (auth.state === 'signed-in' && (where.path === '/login' || where.path === '/')) {
      navigate(where.path === '/login' ? safeNext(where.query.get('next')) : '/workspaces', { replace: true })
    }
  }, [auth.state, where.path])

  if (auth.state === 'loading') return <p class="loading" role="status">Loading…</p>
  if (auth.state === 'error') {
    return (
      <main class="main narrow">
        <h1>Outpost is not reachable</h1>
        <p role="alert">{errorText(auth.error)}</p>
        <button type="button" class="button" onClick={() => void loadUser()}>
          Try again
        </button>
      </main>
    )
  }
  if (auth.state === 'signed-out') {
    return where.path === '/login' ? <SignInPage onSignedIn={loadUser} /> : null
  }

  const user = auth.user
  const session: Session = {
    user,
    organizationId: user.organization_ids[0] ?? 'default',
    isOwner: user.roles.some((r) => r.name === 'owner'),
    signOut: async () => {
      try {
        await api.logout()
      } finally {
        setAuth({ state: 'signed-out' })
        navigate('/login', { replace: true })
      }
    },
  }
  return (
    <SessionContext.Provider value={session}>
      <Shell path={where.path}>{page(where.path)}</Shell>
    </SessionContext.Provider>
  )
}

function page(path: string) {
  if (path === '/workspaces') return <WorkspacesPage />
  if (path === '/workspaces/new') return <NewWorkspacePage />
  const workspace = /^\/workspaces\/([0-9a-f-]{36})$/i.exec(path)
  if (workspace) return <WorkspacePage key={workspace[1]} id={workspace[1]!} />
  if (path === '/templates') return <TemplatesPage />
  if (path === '/templates/import') return <ImportTemplatePage />
  if (path === '/' || path === '/login') return null
  return <NotFoundPage />
}

function Shell({ path, children }: { path: string; children: ComponentChildren }) {
  return (
    <SessionContext.Consumer>
      {(session) => (
        <div class="shell" onClick={onLinkClick}>
          <a class="skip-link" href="#main" data-external onClick={(e) => { e.preventDefault(); document.querySelector<HTMLElement>('main h1')?.focus() }}>
            Skip to content
          </a>
          <header class="topbar">
            <a href="/workspaces" class="brand">
              <span aria-hidden="true" class="brand-mark">◆</span> Outpost
            </a>
            <nav aria-label="Main">
              <ul>
                <li>
                  <a href="/workspaces" aria-current={path.startsWith('/workspaces') ? 'page' : undefined}>
                    Workspaces
                  </a>
                </li>
                <li>
                  <a href="/templates" aria-current={path.startsWith('/templates') ? 'page' : undefined}>
                    Templates
                  </a>
                </li>
              </ul>
            </nav>
            <div class="account">
              <span class="muted" data-testid="signed-in-as">
                {session?.user.username}
                {session?.isOwner ? ' (owner)' : ''}
              </span>
              <button type="button" class="button button-small" onClick={() => void session?.signOut()}>
                Sign out
              </button>
            </div>
          </header>
          <main id="main" class="main">
            {children}
          </main>
        </div>
      )}
    </SessionContext.Consumer>
  )
}
