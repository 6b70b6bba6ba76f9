import { useEffect, useRef, useState } from 'preact/hooks'
import { api, OutpostApiError, type Template, type TemplateVersion, type TemplateVersionParameter } from '../api'
import { ErrorNotice, Field, PageTitle } from '../components'
import { nameProblem, parameterProblem } from '../params'
import { navigate, useLocation } from '../router'

type Errors = Record<string, string>

/** The value a parameter's control starts with. */
function initialValue(p: TemplateVersionParameter): string {
  if (p.default_value !== '') return p.default_value
  if (p.type === 'bool') return 'false'
  if (p.type === 'list(string)') return '[]'
  return ''
}

export function NewWorkspacePage() {
  const where = useLocation()
  const [templates, setTemplates] = useState<Template[]>()
  const [templateId, setTemplateId] = useState(where.query.get('template') ?? '')
  const [version, setVersion] = useState<TemplateVersion>()
  const [parameters, setParameters] = useState<TemplateVersionParameter[]>()
  const [values, setValues] = useState<Record<string, string>>({})
  const [name, setName] = useState('')
  const [errors, setErrors] = useState<Errors>({})
  const [failure, setFailure] = useState<unknown>()
  const [loadError, setLoadError] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  const summaryRef = useRef<HTMLDivElement>(null)

  useEffect(() => {
    api.templates().then(
      (list) => {
        setTemplates(list)
        if (!templateId && list.length === 1) setTemplateId(list[0]!.id)
      },
      setLoadError,
    )
  }, [])

  const template = templates?.find((t) => t.id === templateId)
  useEffect(() => {
    setVersion(undefined)
    setParameters(undefined)
    setErrors({})
    if (!template) return
    let current = true
    Promise.all([api.templateVersion(template.active_version_id), api.templateVersionRichParameters(template.active_version_id)]).then(
      ([v, params]) => {
        if (!current) return
        setVersion(v)
        setParameters(params)
        setValues(Object.fromEntries(params.map((p) => [p.name, initialValue(p)])))
      },
      (err: unknown) => current && setLoadError(err),
    )
    return () => void (current = false)
  }, [template?.id])

  function validate(): Errors {
    const found: Errors = {}
    if (!template) found.template = 'Choose a template.'
    const nameError = nameProblem(name)
    if (nameError) found.name = nameError
    for (const p of parameters ?? []) {
      const problem = parameterProblem(p, values[p.name] ?? '')
      if (problem) found[`param:${p.name}`] = problem
    }
    return found
  }

  function focusFirst(found: Errors) {
    const first = Object.keys(found)[0]
    if (!first) return
    const id = first === 'template' ? 'template' : first === 'name' ? 'workspace-name' : `param-${first.slice(6)}`
    document.getElementById(id)?.focus()
  }

  async function submit(event: Event) {
    event.preventDefault()
    setFailure(undefined)
    const found = validate()
    setErrors(found)
    if (Object.keys(found).length > 0) return focusFirst(found)
    setBusy(true)
    try {
      const created = await api.createUserWorkspace('me', {
        name,
        template_id: template!.id,
        rich_parameter_values: (parameters ?? [])
          .filter((p) => (values[p.name] ?? '') !== '' || p.type === 'string')
          .map((p) => ({ name: p.name, value: values[p.name] ?? '' })),
      })
      navigate(`/workspaces/${created.id}`)
    } catch (err) {
      // The server's field problems go next to their fields; the rest above the form.
      if (err instanceof OutpostApiError && err.validations.length > 0) {
        const fromServer: Errors = {}
        const names = new Set((parameters ?? []).map((p) => p.name))
        const unplaced = err.validations.filter((v) => {
          if (names.has(v.field)) fromServer[`param:${v.field}`] = v.detail
          else if (v.field === 'name') fromServer.name = v.detail
          else if (v.field === 'template_id' || v.field === 'template_version_id') fromServer.template = v.detail
          else return true
          return false
        })
        setErrors(fromServer)
        setFailure(unplaced.length > 0 ? err : undefined)
        focusFirst(fromServer)
      } else {
        setFailure(err)
        summaryRef.current?.focus()
      }
    } finally {
      setBusy(false)
    }
  }

  /** Editing a field clears its error; the next submit checks it again. */
  const clear = (key: string) => {
    if (errors[key] === undefined) return
    const { [key]: _, ...rest } = errors
    setErrors(rest)
  }
  const errorCount = Object.keys(errors).length
  return (
    <>
      <PageTitle title="New workspace">New workspace</PageTitle>
      <p>
        An external workspace records a machine you already have. After creating it, run the command its page shows on
        that machine.
      </p>
      <ErrorNotice error={loadError} />
      {templates && templates.length === 0 ? (
        <div class="empty">
          <p>There is no template yet.</p>
          <p>
            <a href="/templates/import">Import a template</a> first (owners only).
          </p>
        </div>
      ) : (
        <form onSubmit={submit} noValidate class="form">
          <div ref={summaryRef} tabIndex={-1}>
            {errorCount > 0 && (
              <p class="notice notice-bad" role="alert">
                {errorCount === 1 ? 'One field needs attention.' : `${errorCount} fields need attention.`}
              </p>
            )}
            <ErrorNotice error={failure} title="The workspace was not created" />
          </div>
          <Field id="template" label="Template" required error={errors.template}>
            {(a) => (
              <select {...a} value={templateId} onChange={(e) => {
                  setTemplateId(e.currentTarget.value)
                  clear('template')
                }}>
                <option value="">{templates ? 'Choose a template' : 'Loading templates…'}</option>
                {templates?.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.display_name || t.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {template?.description && <p class="hint">{template.description}</p>}
          {version && !version.has_external_agent && (
            <p class="notice notice-warn" role="status">
              The active version of this template declares no external agent, so Outpost cannot create a workspace from
              it.
            </p>
          )}
          <Field
            id="workspace-name"
            label="Workspace name"
            required
            hint="Letters, digits and hyphens; at most 32 characters."
            error={errors.name}
          >
            {(a) => (
              <input {...a} type="text" value={name} onInput={(e) => {
                  setName(e.currentTarget.value)
                  clear('name')
                }} autoComplete="off" spellcheck={false} />
            )}
          </Field>
          {parameters && parameters.length > 0 && (
            <fieldset class="parameters">
              <legend>Parameters</legend>
              {parameters.map((p) => (
                <ParameterField
                  key={p.name}
                  parameter={p}
                  value={values[p.name] ?? ''}
                  error={errors[`param:${p.name}`]}
                  onChange={(value) => {
                    setValues({ ...values, [p.name]: value })
                    clear(`param:${p.name}`)
                  }}
                />
              ))}
            </fieldset>
          )}
          {template && !parameters && !loadError && (
            <p class="loading" role="status">
              Loading the template's parameters…
            </p>
          )}
          <div class="actions">
            <button type="submit" class="button button-primary" disabled={busy}>
              Create workspace
            </button>
            <a class="button" href="/workspaces">
              Cancel
            </a>
          </div>
        </form>
      )}
    </>
  )
}

function ParameterField(props: { parameter: TemplateVersionParameter; value: string; error: string | undefined; onChange: (value: string) => void }) {
  const p = props.parameter
  const id = `param-${p.name}`
  const label = p.display_name || p.name
  const rules = [
    p.type !== 'string' ? `Type: ${p.type}.` : '',
    p.validation_min !== undefined || p.validation_max !== undefined
      ? `From ${p.validation_min ?? '−∞'} to ${p.validation_max ?? '∞'}.`
      : '',
    p.mutable ? '' : 'Cannot be changed later.',
  ]
    .filter(Boolean)
    .join(' ')
  const hint = [p.description_plaintext || p.description, rules].filter(Boolean).join(' ')
  const common = { id, label, required: p.required, error: props.error, ...(hint ? { hint } : {}) }

  if (p.type === 'list(string)' && p.options.length === 0) {
    const lines = (() => {
      try {
        return (JSON.parse(props.value) as string[]).join('\n')
      } catch {
        return props.value
      }
    })()
    return (
      <Field {...common} hint={`${hint} One item per line.`.trim()}>
        {(a) => (
          <textarea
            {...a}
            rows={3}
            value={lines}
            onInput={(e) => props.onChange(JSON.stringify(e.currentTarget.value.split('\n').filter((l) => l !== '')))}
          />
        )}
      </Field>
    )
  }
  if (p.options.length > 0) {
    const multiple = p.type === 'list(string)'
    const chosen = multiple ? (() => { try { return JSON.parse(props.value) as string[] } catch { return [] } })() : [props.value]
    return (
      <Field {...common}>
        {(a) => (
          <select
            {...a}
            multiple={multiple}
            value={multiple ? undefined : props.value}
            onChange={(e) => {
              const select = e.currentTarget
              if (!multiple) return props.onChange(select.value)
              props.onChange(JSON.stringify([...select.selectedOptions].map((o) => o.value)))
            }}
          >
            {!multiple && !p.required && p.default_value === '' && <option value="">—</option>}
            {!multiple && p.required && props.value === '' && <option value="">Choose…</option>}
            {p.options.map((o) => (
              <option key={o.value} value={o.value} selected={multiple ? chosen.includes(o.value) : undefined}>
                {o.name || o.value}
              </option>
            ))}
          </select>
        )}
      </Field>
    )
  }
  if (p.type === 'bool') {
    return (
      <div class={props.error ? 'field field-invalid' : 'field'}>
        <label class="checkbox">
          <input
            id={id}
            type="checkbox"
            checked={props.value === 'true'}
            onChange={(e) => props.onChange(e.currentTarget.checked ? 'true' : 'false')}
            {...(hint ? { 'aria-describedby': `${id}-hint` } : {})}
          />{' '}
          {label}
        </label>
        {hint && (
          <p class="hint" id={`${id}-hint`}>
            {hint}
          </p>
        )}
        {props.error && <p class="field-error">{props.error}</p>}
      </div>
    )
  }
  return (
    <Field {...common}>
      {(a) =>
        p.form_type === 'textarea' ? (
          <textarea {...a} rows={3} value={props.value} onInput={(e) => props.onChange(e.currentTarget.value)} />
        ) : (
          <input
            {...a}
            type="text"
            inputMode={p.type === 'number' ? 'decimal' : undefined}
            value={props.value}
            onInput={(e) => props.onChange(e.currentTarget.value)}
          />
        )
      }
    </Field>
  )
}
