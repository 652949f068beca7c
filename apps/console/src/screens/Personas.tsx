import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { api, errorText, type ApiError, type Schemas } from '../api/client';
import { replaceAt, tidy, type Node } from '../rule';
import { RuleBuilder } from './RuleBuilder';
import { RunProgress, waitForRun } from './runs';
import { TransitionMatrix, type PreviewCounts } from './TransitionMatrix';

type Persona = Schemas['PersonaDto'];

/** Admin: the ordered personas with their sizes, the rule builder, preview and publish. */
export function PersonasScreen() {
  const [personas, setPersonas] = useState<Persona[]>([]);
  const [liveVersion, setLiveVersion] = useState<number | null>(null);
  const [sizes, setSizes] = useState<{ perPersona: Record<string, number>; at: string } | null>(null);
  const [attributes, setAttributes] = useState<Schemas['AttributeDto'][]>([]);
  const [editing, setEditing] = useState<string | null>(null);
  const [unsaved, setUnsaved] = useState<{ key: string; rule: Node } | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The order being edited (non-fallback keys), null while it matches the saved one.
  const [order, setOrder] = useState<string[] | null>(null);
  const [orderStatus, setOrderStatus] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);

  const load = useCallback(async () => {
    // The catalog is for the editors: it does not hold up the list and its sizes.
    void api.GET('/v1/attributes').then((attrs) => attrs.data && setAttributes(attrs.data.items));
    const [list, runs] = await Promise.all([api.GET('/v1/personas'), api.GET('/v1/segmentation/runs')]);
    if (list.error) return setError(errorText(list.error));
    setPersonas(list.data.personas);
    setLiveVersion(list.data.live.version);
    // Sizes as the last completed full run counted them: no count over the customer table per page.
    const full = runs.data?.runs.find((r) => r.kind === 'full' && r.status === 'completed');
    const result = full?.result as { perPersona?: Record<string, number> } | null | undefined;
    setSizes(result?.perPersona ? { perPersona: result.perPersona, at: full!.finishedAt ?? full!.startedAt } : null);
  }, []);
  useEffect(() => void load(), [load]);

  const persona = personas.find((p) => p.key === editing) ?? null;
  const ordered = order ? [...order.map((k) => personas.find((p) => p.key === k)!), ...personas.filter((p) => p.isFallback)] : personas;
  const movable = ordered.filter((p) => !p.isFallback).length;

  function move(key: string, by: -1 | 1) {
    const keys = (order ?? personas.filter((p) => !p.isFallback).map((p) => p.key)).slice();
    const i = keys.indexOf(key);
    const j = i + by;
    if (j < 0 || j >= keys.length) return;
    [keys[i], keys[j]] = [keys[j], keys[i]];
    setOrderStatus(null);
    const saved = personas.filter((p) => !p.isFallback).map((p) => p.key);
    setOrder(keys.join() === saved.join() ? null : keys);
    // Keep the focus on the moved persona's button so several moves in a row stay on the keyboard.
    window.requestAnimationFrame(() => document.getElementById(`move-${by < 0 ? 'up' : 'down'}-${key}`)?.focus());
  }

  async function saveOrder() {
    if (!order) return;
    const { error } = await api.PUT('/v1/personas/order', { body: { keys: order } });
    if (error) return setOrderStatus(errorText(error));
    setOrder(null);
    setOrderStatus('Order saved to the draft. Preview, then publish to apply it.');
    await load();
  }

  return (
    <section aria-labelledby="personas-title">
      <h1 id="personas-title">Personas</h1>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="table-wrap" tabIndex={0} aria-label="Personas, scrollable">
        <table className="personas">
          <caption>
            In evaluation order: a customer gets the first persona whose rule matches. Live set version {liveVersion ?? '—'}
            {sizes ? `; sizes as of ${new Date(sizes.at).toLocaleString()}` : '; sizes appear after the first publish'}.
          </caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Persona</th>
              <th scope="col">Customers</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {ordered.map((p, i) => (
              <tr key={p.key} data-persona={p.key}>
                <td>{p.isFallback ? '—' : i + 1}</td>
                <th scope="row">
                  {p.name} <code>{p.key}</code>
                </th>
                <td className="num" data-testid={`size-${p.key}`}>
                  {sizes ? (sizes.perPersona[p.key] ?? 0).toLocaleString('en-US') : '—'}
                </td>
                <td>{p.isFallback ? 'fallback' : p.enabled ? 'enabled' : 'disabled'}</td>
                <td className="row-actions">
                  {!p.isFallback && (
                    <>
                      <button type="button" onClick={() => setEditing(p.key)} aria-label={`Edit rule of ${p.name}`}>
                        Edit rule
                      </button>
                      <button type="button" id={`move-up-${p.key}`} className="small" onClick={() => move(p.key, -1)} disabled={i === 0} aria-label={`Move ${p.name} up`}>
                        ↑
                      </button>
                      <button type="button" id={`move-down-${p.key}`} className="small" onClick={() => move(p.key, 1)} disabled={i === movable - 1} aria-label={`Move ${p.name} down`}>
                        ↓
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="order-actions">
        {order && (
          <>
            <strong>Order changed, not saved.</strong>{' '}
            <button type="button" className="primary" onClick={saveOrder}>
              Save order
            </button>{' '}
            <button type="button" onClick={() => (setOrder(null), setOrderStatus(null))}>
              Undo changes
            </button>
          </>
        )}
        {orderStatus && (
          <p role="status" data-testid="order-status">
            {orderStatus}
          </p>
        )}
        {!creating && (
          <button type="button" onClick={() => setCreating(true)}>
            New persona…
          </button>
        )}
      </div>
      {creating && (
        <CreatePersona
          attributes={attributes}
          count={movable}
          onCancel={() => setCreating(false)}
          onCreated={async (key) => {
            setCreating(false);
            await load();
            setEditing(key);
          }}
        />
      )}
      {persona && (
        <RuleEditor
          key={persona.key}
          persona={persona}
          personas={personas}
          attributes={attributes}
          onEdited={(rule) => setUnsaved(rule ? { key: persona.key, rule } : null)}
          onSaved={() => (setUnsaved(null), load())}
        />
      )}
      <PreviewAndPublish personas={personas} unsaved={unsaved} onPublished={load} />
    </section>
  );
}

function pathErrors(error: ApiError | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const d of error?.details ?? []) {
    const path = d.field.startsWith('rule.') ? d.field.slice(5) : d.field === 'rule' ? '$' : null;
    if (path) (out[path] ??= []).push(d.message);
  }
  return out;
}

function RuleEditor({
  persona,
  attributes,
  onEdited,
  onSaved,
}: {
  persona: Persona;
  personas: Persona[];
  attributes: Schemas['AttributeDto'][];
  /** The rule as edited and valid but not saved (null when saved or invalid): the preview can use it. */
  onEdited: (rule: Node | null) => void;
  onSaved: () => void;
}) {
  const [rule, setRule] = useState<Node>(() => tidy((persona.rule as Node | null) ?? { all: [] }));
  const [json, setJson] = useState(() => JSON.stringify(rule, null, 2));
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [status, setStatus] = useState<string | null>(null);
  const [saves, setSaves] = useState(0);
  const timer = useRef<number>(undefined);

  // Validate as the admin edits (debounced): problems appear at the condition they concern.
  useEffect(() => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(async () => {
      const { error } = await api.POST('/v1/personas/validate', { body: { rule: rule as never } });
      setErrors(pathErrors(error as ApiError | undefined));
      onEdited(error || JSON.stringify(rule) === JSON.stringify(tidy((persona.rule as Node | null) ?? { all: [] })) ? null : rule);
    }, 300);
    return () => window.clearTimeout(timer.current);
  }, [rule]);

  const update = (next: Node | null) => {
    const value = next ?? { all: [] };
    setRule(value);
    setJson(JSON.stringify(value, null, 2));
    setJsonError(null);
    setStatus(null);
  };

  async function save() {
    setStatus('Saving…');
    const { error } = await api.PATCH('/v1/personas/{key}', { params: { path: { key: persona.key } }, body: { rule: rule as never } });
    if (error) {
      setErrors(pathErrors(error as ApiError));
      setStatus(`Not saved: ${errorText(error)}`);
      return;
    }
    setStatus('Saved to the draft. Preview, then publish to apply it.');
    setSaves((n) => n + 1);
    onSaved();
  }

  const problemCount = Object.values(errors).flat().length;
  return (
    <section className="card" aria-labelledby="rule-title">
      <h2 id="rule-title">Rule of {persona.name}</h2>
      <div className="rule-layout">
        <RuleBuilder rule={rule} attributes={attributes} errors={errors} onChange={(path, node) => update(replaceAt(rule, path, node))} />
        <div className="rule-json">
          <label htmlFor="rule-json">Rule as JSON</label>
          <textarea
            id="rule-json"
            spellCheck={false}
            rows={16}
            value={json}
            aria-invalid={jsonError ? true : undefined}
            aria-describedby="rule-json-help"
            onChange={(e) => {
              setJson(e.target.value);
              try {
                setRule(JSON.parse(e.target.value) as Node);
                setJsonError(null);
              } catch (err) {
                setJsonError((err as Error).message);
              }
            }}
          />
          <p id="rule-json-help" className={jsonError ? 'error' : 'help'}>
            {jsonError ? `Not JSON yet: ${jsonError}` : 'Edit either side; the other follows.'}
          </p>
        </div>
      </div>
      <p aria-live="polite" className={problemCount ? 'error' : 'ok'} data-testid="rule-status">
        {problemCount ? `${problemCount} problem${problemCount > 1 ? 's' : ''} in the rule, shown at the condition.` : 'The rule is valid.'}
      </p>
      <button type="button" onClick={save} disabled={problemCount > 0 || Boolean(jsonError)}>
        Save rule
      </button>
      {status && (
        <p role="status" className="help">
          {status}
        </p>
      )}
      <Versions key={saves} personaKey={persona.key} />
    </section>
  );
}

/** Every version of the persona: who changed what, newest first. */
function Versions({ personaKey }: { personaKey: string }) {
  const [versions, setVersions] = useState<Schemas['PersonaVersionDto'][] | null>(null);
  useEffect(() => {
    void api.GET('/v1/personas/{key}/versions', { params: { path: { key: personaKey } } }).then(({ data }) => setVersions(data?.versions ?? []));
  }, [personaKey]);
  if (!versions || versions.length === 0) return null;
  return (
    <details className="versions">
      <summary>Versions ({versions.length})</summary>
      <ol reversed>
        {versions.map((v) => (
          <li key={v.id}>
            Version {v.version}: {v.change} on {new Date(v.createdAt).toLocaleString()}
            {v.changedBy ? ` by key ${v.changedBy.slice(0, 8)}` : ''} — <code>{JSON.stringify(v.rule)}</code>
          </li>
        ))}
      </ol>
    </details>
  );
}

function PreviewAndPublish({ personas, unsaved, onPublished }: { personas: Persona[]; unsaved: { key: string; rule: Node } | null; onPublished: () => void }) {
  const [preview, setPreview] = useState<PreviewCounts | null>(null);
  const [run, setRun] = useState<Schemas['SegmentationRunDto'] | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [previewedUnsaved, setPreviewedUnsaved] = useState(false);

  async function runPreview() {
    setBusy(true);
    setMessage(null);
    setConfirming(false);
    // An edited, valid, unsaved rule is previewed inline (the draft with it in place); publishing needs it saved.
    const inline = unsaved
      ? personas.filter((p) => !p.isFallback).map((p) => ({ key: p.key, name: p.name, enabled: p.enabled, rule: (p.key === unsaved.key ? unsaved.rule : p.rule) as never }))
      : undefined;
    setPreviewedUnsaved(Boolean(unsaved));
    const { data, error } = await api.POST('/v1/personas/preview', { body: { wait: 20, ...(inline ? { personas: inline } : {}) } });
    if (error || !data) return setBusy(false), setMessage(errorText(error));
    const done = await waitForRun(data, setRun);
    setBusy(false);
    if (done.status !== 'completed') return setMessage(`The preview ${done.status}${done.error ? `: ${done.error}` : ''}`);
    setPreview(done.result as unknown as PreviewCounts);
  }

  async function publish() {
    setBusy(true);
    setConfirming(false);
    const { data, error } = await api.POST('/v1/personas/publish', { body: { wait: 30 } });
    if (error || !data) return setBusy(false), setMessage(errorText(error));
    const done = await waitForRun(data.run, setRun);
    setBusy(false);
    setMessage(done.status === 'completed' ? `Published persona set version ${data.setVersion}: it is live.` : `The publish run ${done.status}${done.error ? `: ${done.error}` : ''}`);
    setPreview(null);
    onPublished();
  }

  const names = Object.fromEntries(personas.map((p) => [p.key, p.name]));
  return (
    <section className="card" aria-labelledby="preview-title">
      <h2 id="preview-title">Preview and publish the draft</h2>
      <p className="help">The preview evaluates every customer under the draft and counts where each would go; nothing changes until you publish.</p>
      <button type="button" onClick={runPreview} disabled={busy}>
        {unsaved ? 'Preview with the unsaved rule' : 'Preview the draft'}
      </button>
      {run && busy && <RunProgress run={run} />}
      {preview && (
        <>
          <TransitionMatrix counts={preview} names={names} />
          {previewedUnsaved || unsaved ? (
            <p className="help">This preview includes an unsaved rule: save it, then preview again to publish.</p>
          ) : !confirming ? (
            <button type="button" className="primary" onClick={() => setConfirming(true)} disabled={busy}>
              Publish…
            </button>
          ) : (
            <div role="alertdialog" aria-labelledby="confirm-title" aria-describedby="confirm-text" className="confirm">
              <h3 id="confirm-title">Publish the draft?</h3>
              <p id="confirm-text">
                <strong data-testid="moving">{preview.moved.toLocaleString('en-US')}</strong> of {preview.total.toLocaleString('en-US')} customers will change persona (as of the preview).
              </p>
              <button type="button" className="primary" onClick={publish} autoFocus>
                Publish now
              </button>{' '}
              <button type="button" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          )}
        </>
      )}
      {message && (
        <p role="status" data-testid="publish-status">
          {message}
        </p>
      )}
    </section>
  );
}

/**
 * A new persona starts with one condition ("<attribute> is set") so its rule is valid from the
 * start; the rule builder opens on it right after to refine the rule.
 */
function CreatePersona({ attributes, count, onCancel, onCreated }: { attributes: Schemas['AttributeDto'][]; count: number; onCancel: () => void; onCreated: (key: string) => void }) {
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [position, setPosition] = useState(String(count + 1));
  const [attribute, setAttribute] = useState(attributes[0]?.name ?? '');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setErrors({});
    setError(null);
    const { data, error } = await api.POST('/v1/personas', {
      body: { key: key.trim(), name: name.trim(), description: description.trim() || undefined, priority: Number(position), enabled: true, rule: { all: [{ attribute, operator: 'is_set' }] } as never },
    });
    if (error) {
      const byField: Record<string, string> = {};
      for (const d of (error as ApiError).details ?? []) byField[d.field.split('.')[0]] ??= d.message;
      setErrors(byField);
      return setError(errorText(error));
    }
    onCreated(data.key);
  }

  const fieldError = (f: string) =>
    errors[f] ? (
      <span id={`new-${f}-error`} className="error">
        {errors[f]}
      </span>
    ) : null;
  return (
    <form className="card create-persona" onSubmit={submit} aria-labelledby="new-persona-title">
      <h2 id="new-persona-title">New persona</h2>
      <div className="policy-rows">
        <label>
          Key
          <input type="text" required pattern="[a-z][a-z0-9_]{0,62}" value={key} onChange={(e) => setKey(e.target.value)} aria-invalid={Boolean(errors.key)} aria-describedby="new-key-help new-key-error" autoFocus />
          <span id="new-key-help" className="help">
            lower-case letters, digits and _ (used in the CRM and exports; cannot change)
          </span>
          {fieldError('key')}
        </label>
        <label>
          Name
          <input type="text" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} aria-invalid={Boolean(errors.name)} aria-describedby="new-name-error" />
          {fieldError('name')}
        </label>
        <label>
          Description
          <input type="text" maxLength={2000} value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <label>
          Position in the order
          <select value={position} onChange={(e) => setPosition(e.target.value)}>
            {Array.from({ length: count + 1 }, (_, i) => (
              <option key={i} value={i + 1}>
                {i + 1 === count + 1 ? `${i + 1} (last before the fallback)` : i + 1}
              </option>
            ))}
          </select>
        </label>
        <label>
          First condition: customers with
          <select value={attribute} onChange={(e) => setAttribute(e.target.value)}>
            {attributes.map((a) => (
              <option key={a.name} value={a.name}>
                {a.label ?? a.name} ({a.type})
              </option>
            ))}
          </select>
          <span className="help">set (refine the rule in the builder next)</span>
        </label>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <button type="submit" className="primary">
        Create persona
      </button>{' '}
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}
