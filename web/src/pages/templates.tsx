import { useEffect, useState } from 'preact/hooks'
import { api, type Template, type TemplateVersion } from '../api'
import { Badge, ErrorNotice, PageTitle, RelativeTime } from '../components'
import { importErrorLocation } from '../params'
import { useSession } from '../session'

interface Row {
  template: Template
  versions?: TemplateVersion[]
  error?: unknown
}

export function TemplatesPage() {
  const session = useSession()
  const [rows, setRows] = useState<Row[]>()
  const [error, setError] = useState<unknown>()

  useEffect(() => {
    let current = true
    api.templates().then(
      async (templates) => {
        if (!current) return
        setRows(templates.map((template) => ({ template })))
        const withVersions = await Promise.all(
          templates.map((template) =>
            api.templateVersions(template.id).then(
              (versions) => ({ template, versions }),
              (err: unknown) => ({ template, error: err }),
            ),
          ),
        )
        if (current) setRows(withVersions)
      },
      (err: unknown) => current && setError(err),
    )
    return () => void (current = false)
  }, [])

  return (
    <>
      <div class="page-head">
        <PageTitle title="Templates">Templates</PageTitle>
        {session.isOwner && (
          <a class="button button-primary" href="/templates/import">
            Import template
          </a>
        )}
      </div>
      <ErrorNotice error={error} />
      {!rows && !error && (
        <p class="loading" role="status">
          Loading…
        </p>
      )}
      {rows && rows.length === 0 && (
        <section class="empty" aria-labelledby="no-templates">
          <h2 id="no-templates">No templates yet</h2>
          <p>
            A template declares the agent of an external workspace: a <code>coder_agent</code> with a{' '}
            <code>coder_external_agent</code>, and usually a parameter for the machine's platform. The Outpost repository
            has one in <code>examples/templates/externally-managed-workspace/main.tf</code>.
          </p>
          {session.isOwner ? (
            <p>
              <a href="/templates/import">Import it</a> (a <code>.tf</code> file, or a <code>.tar</code> or{' '}
              <code>.zip</code> of a template directory).
            </p>
          ) : (
            <p>Only owners import templates: ask one.</p>
          )}
        </section>
      )}
      {rows && rows.length > 0 && (
        <table class="table responsive">
          <caption class="visually-hidden">Templates and their versions</caption>
          <thead>
            <tr>
              <th scope="col">Template</th>
              <th scope="col">Active version</th>
              <th scope="col">External agent</th>
              <th scope="col">Versions</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <TemplateRow key={row.template.id} row={row} />
            ))}
          </tbody>
        </table>
      )}
    </>
  )
}

function ExternalBadge({ yes }: { yes: boolean }) {
  return yes ? <Badge tone="good">Yes</Badge> : <Badge tone="neutral">No</Badge>
}

function TemplateRow({ row }: { row: Row }) {
  const { template, versions } = row
  const active = versions?.find((v) => v.id === template.active_version_id)
  return (
    <tr data-template={template.name}>
      <th scope="row" data-label="Template">
        <span class="strong">{template.display_name || template.name}</span>
        {template.display_name && template.display_name !== template.name && <span class="muted small"> {template.name}</span>}
        {template.description && <p class="muted small">{template.description}</p>}
        {template.deprecated && <Badge tone="warn">Deprecated</Badge>}
      </th>
      <td data-label="Active version">{active?.name ?? '…'}</td>
      <td data-label="External agent">{active ? <ExternalBadge yes={active.has_external_agent} /> : '…'}</td>
      <td data-label="Versions">
        {row.error !== undefined && <ErrorNotice error={row.error} />}
        {versions && (
          <details>
            <summary>
              {versions.length} version{versions.length === 1 ? '' : 's'}
            </summary>
            <table class="table nested">
              <caption class="visually-hidden">Versions of {template.name}</caption>
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Import</th>
                  <th scope="col">External agent</th>
                </tr>
              </thead>
              <tbody>
                {versions.map((v) => (
                  <tr key={v.id} data-version={v.name}>
                    <th scope="row">
                      {v.name}
                      {v.id === template.active_version_id && <span class="tag">active</span>}
                      <div class="muted small">
                        <RelativeTime iso={v.created_at} /> by {v.created_by.username}
                      </div>
                    </th>
                    <td>
                      {v.job.status === 'failed' ? <ImportError error={v.job.error ?? 'failed'} /> : <Badge tone={v.job.status === 'succeeded' ? 'good' : 'info'}>{v.job.status}</Badge>}
                    </td>
                    <td>
                      <ExternalBadge yes={v.has_external_agent} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        )}
      </td>
      <td data-label="Updated">
        <RelativeTime iso={template.updated_at} />
      </td>
    </tr>
  )
}

/** A failed import's error, with its file and line first when it names them. */
export function ImportError({ error }: { error: string }) {
  const at = importErrorLocation(error)
  if (!at) return <span class="text-bad">{error}</span>
  return (
    <span class="text-bad">
      <strong data-testid="import-error-location">
        {at.file}, line {at.line}
      </strong>
      : {at.message}
    </span>
  )
}
