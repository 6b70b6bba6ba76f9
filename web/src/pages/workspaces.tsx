import { useEffect, useState } from 'preact/hooks'
import { api, watchWorkspace, type Workspace } from '../api'
import { AgentStatusBadge, ErrorNotice, HealthBadge, PageTitle, RelativeTime } from '../components'
import { words } from '../format'
import { navigate, useLocation } from '../router'
import { useSession } from '../session'

const PAGE_SIZE = 25
/** Rows kept live through their own watch-ws socket; a longer page is refreshed by polling. */
const LIVE_ROWS = PAGE_SIZE

export function WorkspacesPage() {
  const where = useLocation()
  const session = useSession()
  const q = where.query.get('q') ?? ''
  const offset = Math.max(0, Number(where.query.get('offset') ?? 0) || 0)
  const [input, setInput] = useState(q)
  const [result, setResult] = useState<{ workspaces: Workspace[]; count: number }>()
  const [error, setError] = useState<unknown>()
  const flash = (where.state as { flash?: string } | null)?.flash

  useEffect(() => setInput(q), [q])
  useEffect(() => {
    let current = true
    setError(undefined)
    api.workspaces({ q, limit: PAGE_SIZE, offset }).then(
      (r) => current && setResult(r),
      (err: unknown) => {
        if (!current) return
        setError(err)
        setResult({ workspaces: [], count: 0 })
      },
    )
    return () => void (current = false)
  }, [q, offset])

  // Each row follows its workspace live; a deleted one leaves the list.
  const ids = result?.workspaces.slice(0, LIVE_ROWS).map((w) => w.id).join(',') ?? ''
  useEffect(() => {
    if (!ids) return
    const stops = ids.split(',').map((id) =>
      watchWorkspace(id, {
        onData: (next) =>
          setResult((r) => {
            if (!r) return r
            if (next.latest_build.transition === 'delete') {
              return { workspaces: r.workspaces.filter((w) => w.id !== next.id), count: Math.max(0, r.count - 1) }
            }
            return { ...r, workspaces: r.workspaces.map((w) => (w.id === next.id ? next : w)) }
          }),
      }),
    )
    return () => stops.forEach((stop) => stop())
  }, [ids])

  function search(event: Event) {
    event.preventDefault()
    navigate(input.trim() ? `/workspaces?q=${encodeURIComponent(input.trim())}` : '/workspaces')
  }

  const pageLink = (to: number) => `/workspaces?${new URLSearchParams({ ...(q ? { q } : {}), ...(to ? { offset: String(to) } : {}) })}`

  return (
    <>
      <div class="page-head">
        <PageTitle title="Workspaces">Workspaces</PageTitle>
        <a class="button button-primary" href="/workspaces/new">
          New workspace
        </a>
      </div>
      {flash && (
        <p class="notice notice-good" role="status">
          {flash}
        </p>
      )}
      <form role="search" class="search" onSubmit={search}>
        <label for="workspace-search">Search workspaces</label>
        <div class="search-row">
          <input
            id="workspace-search"
            type="search"
            name="q"
            value={input}
            onInput={(e) => setInput(e.currentTarget.value)}
            placeholder="owner:me status:running"
            aria-describedby="workspace-search-hint"
            spellcheck={false}
            autoComplete="off"
          />
          <button type="submit" class="button">
            Search
          </button>
        </div>
        <p class="hint" id="workspace-search-hint">
          The API's query syntax: words match names; <code>owner:me</code>, <code>owner:alice</code>,{' '}
          <code>template:name</code>, <code>status:running</code>, <code>has-agent:connected</code> (or{' '}
          <code>connecting</code>, <code>disconnected</code>, <code>timeout</code>), <code>outdated:true</code>.
        </p>
      </form>
      <ErrorNotice error={error} title="The search could not run" />
      {!result ? (
        <p role="status" class="loading">
          Loading…
        </p>
      ) : result.workspaces.length === 0 && !error ? (
        q ? (
          <p class="empty" role="status">
            No workspace matches <code>{q}</code>. <a href="/workspaces">Show all</a>
          </p>
        ) : (
          <EmptyState isOwner={session.isOwner} />
        )
      ) : result.workspaces.length > 0 ? (
        <>
          <table class="table responsive" aria-describedby="workspace-count">
            <caption id="workspace-count" class="visually-hidden">
              {result.count} workspace{result.count === 1 ? '' : 's'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Owner</th>
                <th scope="col">Template</th>
                <th scope="col">Status</th>
                <th scope="col">Health</th>
                <th scope="col">Last built</th>
              </tr>
            </thead>
            <tbody>
              {result.workspaces.map((w) => (
                <tr key={w.id} data-workspace={w.name}>
                  <th scope="row" data-label="Name">
                    <a href={`/workspaces/${w.id}`}>{w.name}</a>
                    {w.latest_build.has_external_agent && <span class="tag">external</span>}
                  </th>
                  <td data-label="Owner">{w.owner_name}</td>
                  <td data-label="Template">{w.template_display_name || w.template_name}</td>
                  <td data-label="Status">
                    <span class="status-cell">
                      <AgentStatusBadge workspace={w} />
                      <span class="muted small">build {words(w.latest_build.status).toLowerCase()}</span>
                    </span>
                  </td>
                  <td data-label="Health">
                    <HealthBadge workspace={w} />
                  </td>
                  <td data-label="Last built">
                    <RelativeTime iso={w.latest_build.created_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav class="pager" aria-label="Pages">
            <span class="muted">
              {result.count <= PAGE_SIZE && offset === 0
                ? `${result.count} workspace${result.count === 1 ? '' : 's'}`
                : `${offset + 1}–${offset + result.workspaces.length} of ${result.count}`}
            </span>
            {offset > 0 && <a href={pageLink(Math.max(0, offset - PAGE_SIZE))}>Previous</a>}
            {offset + PAGE_SIZE < result.count && <a href={pageLink(offset + PAGE_SIZE)}>Next</a>}
          </nav>
        </>
      ) : null}
    </>
  )
}

function EmptyState({ isOwner }: { isOwner: boolean }) {
  return (
    <section class="empty" aria-labelledby="empty-title">
      <h2 id="empty-title">No workspaces yet</h2>
      <p>
        An external workspace stands for a machine you already have: a VM, a server, a CI runner. Outpost provisions
        nothing; it records the workspace and gives you one command to run on the machine, which then connects as the
        workspace's agent.
      </p>
      <ol>
        <li>
          {isOwner ? (
            <>
              <a href="/templates/import">Import a template</a> that declares an external agent (a{' '}
              <code>coder_agent</code> with a <code>coder_external_agent</code>).
            </>
          ) : (
            <>Ask an owner to import a template that declares an external agent.</>
          )}
        </li>
        <li>
          <a href="/workspaces/new">Create a workspace</a> from it and choose the machine's platform.
        </li>
        <li>Run the command the workspace page shows on the machine; its status turns connected.</li>
      </ol>
    </section>
  )
}
