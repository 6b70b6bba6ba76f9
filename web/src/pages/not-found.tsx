import { PageTitle } from '../components'

export function NotFoundPage() {
  return (
    <>
      <PageTitle title="Not found">Page not found</PageTitle>
      <p>
        There is nothing here. Go to the <a href="/workspaces">workspaces</a> or the <a href="/templates">templates</a>.
      </p>
    </>
  )
}
