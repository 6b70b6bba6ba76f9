// A tiny history router: the path is the state, links push it, back and forward pop it.
import { useEffect, useState } from 'preact/hooks'

type Listener = () => void
const listeners = new Set<Listener>()
const notify = () => listeners.forEach((listener) => listener())
window.addEventListener('popstate', notify)

/** Goes to `to` (a path with an optional query) without reloading the page. */
export function navigate(to: string, options: { replace?: boolean; state?: unknown } = {}): void {
  if (options.replace) history.replaceState(options.state ?? null, '', to)
  else history.pushState(options.state ?? null, '', to)
  notify()
}

export interface Location {
  path: string
  query: URLSearchParams
  state: unknown
}

function current(): Location {
  return { path: location.pathname.replace(/\/+$/, '') || '/', query: new URLSearchParams(location.search), state: history.state }
}

/** The current location; re-renders on every navigation. */
export function useLocation(): Location {
  const [where, setWhere] = useState(current)
  useEffect(() => {
    const listener = () => setWhere(current())
    listeners.add(listener)
    return () => void listeners.delete(listener)
  }, [])
  return where
}

/** Route a click on an `<a href>` through the router unless it should open elsewhere. */
export function onLinkClick(event: MouseEvent): void {
  const anchor = (event.target as Element | null)?.closest?.('a')
  if (!anchor || event.defaultPrevented || event.button !== 0) return
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
  if (anchor.target || anchor.hasAttribute('download') || anchor.origin !== location.origin) return
  if (anchor.dataset.external !== undefined) return
  event.preventDefault()
  navigate(anchor.pathname + anchor.search)
}
