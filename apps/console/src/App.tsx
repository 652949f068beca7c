import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { detectRole, session, type Role } from './api/client';
import { CustomerScreen } from './screens/Customer';
import { PersonasScreen } from './screens/Personas';
import { StrategyScreen } from './screens/Strategy';
import { OperationsScreen } from './screens/Operations';
import { navigate, usePath } from './router';

interface ScreenDef {
  path: string;
  label: string;
  roles: Role[];
  render: () => ReactNode;
}

/** What each role is offered: a screen whose routes a role cannot call is not shown to it. */
const SCREENS: ScreenDef[] = [
  { path: 'customers', label: 'Customers', roles: ['agent', 'admin'], render: () => <CustomerScreen /> },
  { path: 'personas', label: 'Personas', roles: ['admin'], render: () => <PersonasScreen /> },
  { path: 'strategy', label: 'Journey & strategy', roles: ['admin'], render: () => <StrategyScreen /> },
  { path: 'operations', label: 'Operations', roles: ['admin'], render: () => <OperationsScreen /> },
];

export function App() {
  const [role, setRole] = useState<Role | null>(() => (session.key() ? session.role() : null));
  const [checking, setChecking] = useState(Boolean(session.key()) && !session.role());
  const path = usePath();

  useEffect(() => {
    if (!session.key()) return;
    detectRole()
      .then((r) => {
        if (r === 'invalid') session.clear(), setRole(null);
        else session.setRole(r), setRole(r);
      })
      .finally(() => setChecking(false));
  }, []);

  if (checking) return <p className="loading">Checking your key…</p>;
  if (!role) return <SignIn onSignedIn={setRole} />;

  const offered = SCREENS.filter((s) => s.roles.includes(role));
  const current = offered.find((s) => s.path === path) ?? null;
  const refused = !current && SCREENS.some((s) => s.path === path);

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Corridor</span>
        <nav aria-label="Screens">
          <ul>
            {offered.map((s) => (
              <li key={s.path}>
                <a href={`/console/${s.path}`} aria-current={current === s ? 'page' : undefined} onClick={(e) => (e.preventDefault(), navigate(s.path))}>
                  {s.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">
          Signed in as <strong>{role}</strong>{' '}
          <button type="button" onClick={() => (session.clear(), setRole(null), navigate(''))}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        {role === 'integration' ? (
          <p role="alert">This is an integration key: it sends data and events, and the console has nothing for it. Sign in with an agent or admin key.</p>
        ) : refused ? (
          <p role="alert">Your key ({role}) cannot use this screen.</p>
        ) : (
          (current ?? offered[0]).render()
        )}
      </main>
    </>
  );
}

function SignIn({ onSignedIn }: { onSignedIn: (role: Role) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    session.set(key.trim());
    try {
      const role = await detectRole();
      if (role === 'invalid') {
        session.clear();
        setError('This key is not valid (unknown, malformed or revoked).');
      } else session.setRole(role), onSignedIn(role);
    } catch {
      session.clear();
      setError('The API did not answer.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="signin">
      <h1>Corridor console</h1>
      <form onSubmit={submit}>
        <label htmlFor="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autoComplete="off" required value={key} onChange={(e) => setKey(e.target.value)} aria-describedby="api-key-help" aria-invalid={error ? true : undefined} />
        <p id="api-key-help" className="help">
          An admin or agent key (<code>crd_…</code>). It is kept in this tab only, until you sign out or close it.
        </p>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || !key.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
