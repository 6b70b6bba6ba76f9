import { useState } from 'preact/hooks'
import { api, OutpostApiError, type ProvisionerJobLog, type Template, type TemplateVersion } from '../api'
import { Badge, ErrorNotice, Field, PageTitle } from '../components'
import { nameFromFile, nameProblem } from '../params'
import { useSession } from '../session'
import { tar } from '../tar'
import { ImportError } from './templates'

interface Outcome {
  version: TemplateVersion
  logs: ProvisionerJobLog[]
  template?: Template
  existing: boolean
}

/** What the chosen file becomes for POST /files: a .tf is wrapped in a tar; archives go as they are. */
async function archiveOf(file: File): Promise<{ data: Uint8Array; contentType: string }> {
  const data = new Uint8Array(await file.arrayBuffer())
  const lower = file.name.toLowerCase()
  if (lower.endsWith('.tar')) return { data, contentType: 'application/x-tar' }
  if (lower.endsWith('.zip')) return { data, contentType: 'application/zip' }
  if (lower.endsWith('.tf')) {
    return { data: tar([{ name: file.name.replace(/^.*[\\/]/, ''), data, mtime: new Date(file.lastModified) }]), contentType: 'application/x-tar' }
  }
  throw new Error('Choose a .tf file, or a .tar or .zip archive of a template directory.')
}

export function ImportTemplatePage() {
  const session = useSession()
  const [file, setFile] = useState<File>()
  const [name, setName] = useState('')
  const [nameTouched, setNameTouched] = useState(false)
  const [errors, setErrors] = useState<{ file?: string; name?: string }>({})
  const [step, setStep] = useState('')
  const [busy, setBusy] = useState(false)
  const [failure, setFailure] = useState<unknown>()
  const [outcome, setOutcome] = useState<Outcome>()

  function choose(event: Event) {
    const chosen = (event.currentTarget as HTMLInputElement).files?.[0]
    setFile(chosen)
    setErrors({})
    if (chosen && !nameTouched) setName(nameFromFile(chosen.name === 'main.tf' ? '' : chosen.name))
  }

  async function submit(event: Event) {
    event.preventDefault()
    setFailure(undefined)
    setOutcome(undefined)
    const found: { file?: string; name?: string } = {}
    if (!file) found.file = 'Choose a file.'
    else if (!/\.(tf|tar|zip)$/i.test(file.name)) found.file = 'Choose a .tf file, or a .tar or .zip archive.'
    const problem = nameProblem(name)
    if (problem) found.name = problem
    setErrors(found)
    if (found.file) return document.getElementById('template-file')?.focus()
    if (found.name) return document.getElementById('template-name')?.focus()
    setBusy(true)
    try {
      const org = session.organizationId
      setStep('Reading the file…')
      const archive = await archiveOf(file!)
      let existing: Template | undefined
      try {
        existing = await api.templateByName(org, name)
      } catch (err) {
        if (!(err instanceof OutpostApiError && err.status === 404)) throw err
      }
      setStep('Uploading…')
      const { hash } = await api.upload(archive.data, archive.contentType)
      setStep('Importing…')
      const version = await api.createTemplateVersion(org, {
        storage_method: 'file',
        file_id: hash,
        provisioner: 'terraform',
        ...(existing ? { template_id: existing.id } : {}),
      })
      const logs = await api.templateVersionLogs(version.id)
      if (version.job.status !== 'succeeded') {
        setOutcome({ version, logs, existing: Boolean(existing) })
        return
      }
      setStep(existing ? 'Making it the active version…' : 'Creating the template…')
      let template: Template
      if (existing) {
        await api.updateActiveTemplateVersion(existing.id, version.id)
        template = existing
      } else {
        template = await api.createTemplate(org, { name, template_version_id: version.id })
      }
      setOutcome({ version, logs, template, existing: Boolean(existing) })
    } catch (err) {
      setFailure(err)
    } finally {
      setStep('')
      setBusy(false)
    }
  }

  return (
    <>
      <p class="breadcrumb">
        <a href="/templates">Templates</a>
      </p>
      <PageTitle title="Import a template">Import a template</PageTitle>
      <p>
        Upload a Terraform file (<code>.tf</code>) or an archive (<code>.tar</code> or <code>.zip</code>) of a template
        directory: the same import as <code>coder templates push</code>. Outpost reads the template without running
        Terraform, and records which agents are external.
      </p>
      {!session.isOwner && <p class="notice notice-warn">Only owners can import templates.</p>}
      <form onSubmit={submit} noValidate class="form">
        <Field id="template-file" label="Template file" required hint="A .tf file, or a .tar or .zip archive." error={errors.file}>
          {(a) => <input {...a} type="file" accept=".tf,.tar,.zip,application/x-tar,application/zip" onChange={choose} />}
        </Field>
        <Field
          id="template-name"
          label="Template name"
          required
          hint="A new name creates a template; the name of an existing one adds a version to it and makes it active."
          error={errors.name}
        >
          {(a) => (
            <input
              {...a}
              type="text"
              value={name}
              autoComplete="off"
              spellcheck={false}
              onInput={(e) => {
                setName(e.currentTarget.value)
                setNameTouched(true)
              }}
            />
          )}
        </Field>
        <div class="actions">
          <button type="submit" class="button button-primary" disabled={busy}>
            Import
          </button>
        </div>
      </form>
      <p role="status" class="muted">
        {step}
      </p>
      <ErrorNotice error={failure} title="The import did not complete" />
      {outcome && <Result outcome={outcome} />}
    </>
  )
}

function Result({ outcome }: { outcome: Outcome }) {
  const { version, logs, template } = outcome
  const failed = version.job.status !== 'succeeded'
  return (
    <section class="result" aria-labelledby="import-result">
      <h2 id="import-result">{failed ? 'The import failed' : 'Imported'}</h2>
      {failed ? (
        <div class="notice notice-bad" role="alert" data-testid="import-error">
          <p>
            <ImportError error={version.job.error ?? 'The import failed.'} />
          </p>
          <p class="muted small">Version {version.name} was recorded as failed; fix the file and import it again.</p>
        </div>
      ) : (
        <div class="notice notice-good" role="status">
          <p>
            Template <strong>{template?.name}</strong>: version <strong>{version.name}</strong> is{' '}
            {outcome.existing ? 'now its active version' : 'its first version'}.
          </p>
          <p>
            External agent: <Badge tone={version.has_external_agent ? 'good' : 'warn'}>{version.has_external_agent ? 'Yes' : 'No'}</Badge>
            {!version.has_external_agent && ' — Outpost can only create workspaces from a version with an external agent.'}
          </p>
          {version.warnings.length > 0 && (
            <ul>
              {version.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          )}
          {template && version.has_external_agent && (
            <p>
              <a class="button button-primary" href={`/workspaces/new?template=${template.id}`}>
                Create a workspace from it
              </a>
            </p>
          )}
        </div>
      )}
      <h3>Import log</h3>
      <pre class="log" data-testid="import-log" tabIndex={0} aria-label="Import log">
        {logs.length === 0
          ? 'No log lines.'
          : logs.map((l) => `${l.stage ? `[${l.stage}] ` : ''}${l.log_level === 'error' ? 'error: ' : ''}${l.output}`).join('\n')}
      </pre>
    </section>
  )
}
