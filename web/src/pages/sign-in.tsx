import { useEffect, useState } from 'preact/hooks'
import { api, OutpostApiError } from '../api'
import { ErrorNotice, Field, PageTitle } from '../components'

type Mode = 'checking' | 'setup' | 'login'

/**
 * Sign-in, or first-user setup while the deployment has no user yet
 * (GET /users/first answers 404): the first user becomes the owner.
 */
export function SignInPage({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  const [mode, setMode] = useState<Mode>('checking')
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  const [fields, setFields] = useState({ email: '', username: '', name: '', password: '' })

  useEffect(() => {
    api.hasFirstUser().then(
      (exists) => setMode(exists ? 'login' : 'setup'),
      (err: unknown) => {
        setError(err)
        setMode('login')
      },
    )
  }, [])

  const set = (key: keyof typeof fields) => (event: Event) =>
    setFields({ ...fields, [key]: (event.currentTarget as HTMLInputElement).value })
  const problem = (field: string) =>
    error instanceof OutpostApiError ? error.validations.find((v) => v.field === field)?.detail : undefined

  async function submit(event: Event) {
    event.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      if (mode === 'setup') {
        await api.createFirstUser({
          email: fields.email,
          username: fields.username,
          password: fields.password,
          ...(fields.name ? { name: fields.name } : {}),
        })
      }
      await api.loginWithPassword({ email: fields.email, password: fields.password })
      await onSignedIn()
    } catch (err) {
      setError(err)
      // Someone else created the first user meanwhile: sign in instead.
      if (mode === 'setup' && err instanceof OutpostApiError && err.status === 409) setMode('login')
    } finally {
      setBusy(false)
    }
  }

  if (mode === 'checking') return <p class="loading" role="status">Loading…</p>
  const setup = mode === 'setup'
  return (
    <main id="main" class="main narrow signin">
      <p class="brand brand-large">
        <span aria-hidden="true" class="brand-mark">◆</span> Outpost
      </p>
      <PageTitle title={setup ? 'Set up Outpost' : 'Sign in'}>{setup ? 'Create the first user' : 'Sign in'}</PageTitle>
      {setup && (
        <p>
          This Outpost has no users yet. The first user is the owner: it can import templates, add users and see every
          workspace.
        </p>
      )}
      <ErrorNotice error={error} />
      <form onSubmit={submit} noValidate class="form">
        <Field id="email" label="Email" required error={problem('email')}>
          {(a) => <input {...a} type="email" autoComplete={setup ? 'email' : 'username'} value={fields.email} onInput={set('email')} />}
        </Field>
        {setup && (
          <Field id="username" label="Username" required hint="Letters, digits and hyphens." error={problem('username')}>
            {(a) => <input {...a} type="text" autoComplete="username" value={fields.username} onInput={set('username')} />}
          </Field>
        )}
        {setup && (
          <Field id="name" label="Full name (optional)" error={problem('name')}>
            {(a) => <input {...a} type="text" autoComplete="name" value={fields.name} onInput={set('name')} />}
          </Field>
        )}
        <Field
          id="password"
          label="Password"
          required
          {...(setup ? { hint: 'A long passphrase: Outpost refuses easily guessed passwords.' } : {})}
          error={problem('password')}
        >
          {(a) => (
            <input
              {...a}
              type="password"
              autoComplete={setup ? 'new-password' : 'current-password'}
              value={fields.password}
              onInput={set('password')}
            />
          )}
        </Field>
        <button type="submit" class="button button-primary" disabled={busy}>
          {setup ? 'Create user and sign in' : 'Sign in'}
        </button>
      </form>
    </main>
  )
}
