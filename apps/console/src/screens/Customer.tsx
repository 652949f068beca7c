import { useState, type FormEvent } from 'react';
import { api, errorText, type Schemas } from '../api/client';
import { actualWords, matchedSentence, rejectedSentences, type Explanation } from '../explain';

type By = 'name' | 'email' | 'crmId' | 'id';
const BY_LABEL: Record<By, string> = { name: 'Name', email: 'Email', crmId: 'CRM id', id: 'Corridor id' };

const OUTCOME_WORDS: Record<Schemas['TouchpointStrategyDto']['outcome'], string> = {
  treated: 'Will treat',
  held: 'Holds for now',
  suppressed: 'Suppressed',
  held_out: 'Held out (control group)',
  no_treatment: 'Nothing',
};

/** The agent's screen: find a customer, then their persona and why, and what each touchpoint will do. */
export function CustomerScreen() {
  const [by, setBy] = useState<By>('name');
  const [term, setTerm] = useState('');
  const [found, setFound] = useState<Schemas['CustomerDto'][] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);

  async function search(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setSelected(null);
    const q = term.trim();
    // A Corridor id names one customer: open it (the detail answers 404 when there is none).
    if (by === 'id') return setFound(null), setSelected(q);
    const { data, error } = await api.GET('/v1/customers', { params: { query: by === 'email' ? { email: q } : by === 'name' ? { name: q } : { crmId: q } } });
    if (error) return setError(errorText(error)), setFound(null);
    setFound(data.customers);
    if (data.customers.length === 1) setSelected(data.customers[0].id);
  }

  return (
    <section aria-labelledby="customers-title">
      <h1 id="customers-title">Customers</h1>
      <form className="search" role="search" onSubmit={search}>
        <label htmlFor="search-by">Search by</label>
        <select id="search-by" value={by} onChange={(e) => setBy(e.target.value as By)}>
          {(Object.keys(BY_LABEL) as By[]).map((b) => (
            <option key={b} value={b}>
              {BY_LABEL[b]}
            </option>
          ))}
        </select>
        <label htmlFor="search-term">{BY_LABEL[by]}</label>
        <input
          id="search-term"
          type={by === 'email' ? 'email' : 'text'}
          required
          minLength={by === 'name' ? 2 : undefined}
          value={term}
          onChange={(e) => setTerm(e.target.value)}
          aria-describedby={by === 'name' ? 'search-help' : undefined}
        />
        <button type="submit">Search</button>
        {by === 'name' && (
          <p id="search-help" className="help">
            The start of the full name or of the last name (“ann l”, “lee”); up to 20 matches.
          </p>
        )}
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {found && (
        <div aria-live="polite">
          {found.length === 0 ? (
            <p>No customer matches.</p>
          ) : found.length > 1 ? (
            <ul className="results" aria-label="Matching customers">
              {found.map((c) => (
                <li key={c.id}>
                  <button type="button" className="link" onClick={() => setSelected(c.id)} aria-pressed={selected === c.id}>
                    {customerName(c)} — {c.email ?? 'no email'} (CRM id {c.externalId})
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      )}
      {selected && <CustomerDetail key={selected} id={selected} />}
    </section>
  );
}

function customerName(c: Schemas['CustomerDto'] | Schemas['StrategyCustomerDto']): string {
  const a = ('attributes' in c ? c.attributes : {}) as Record<string, unknown>;
  const name = [a.first_name, a.last_name].filter(Boolean).join(' ');
  return name || c.email || `Customer ${c.id}`;
}

function CustomerDetail({ id }: { id: string }) {
  const [view, setView] = useState<Schemas['CustomerViewDto'] | null>(null);
  const [strategy, setStrategy] = useState<Schemas['CustomerStrategyDto'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);

  if (!loaded) {
    setLoaded(true);
    Promise.all([
      api.GET('/v1/customers/{ref}', { params: { path: { ref: id } } }),
      api.GET('/v1/customers/{ref}/strategy', { params: { path: { ref: id }, query: { events: 10 } } }),
    ]).then(([v, s]) => {
      if (v.error) return setError(errorText(v.error));
      setView(v.data);
      if (s.data) setStrategy(s.data);
      else if (s.error) setError(errorText(s.error));
    });
  }

  if (error)
    return (
      <p role="alert" className="error">
        {error}
      </p>
    );
  if (!view) return <p className="loading">Loading the customer…</p>;
  const explanation = view.persona?.explanation as Explanation | undefined;

  return (
    <article className="customer" aria-labelledby="customer-name">
      <h2 id="customer-name">{customerName(view.customer)}</h2>
      <p className="meta">
        {view.customer.email ?? 'no email'} · CRM id {view.customer.externalId} · Corridor id {view.customer.id}
      </p>

      <section aria-labelledby="why-title" className="card">
        <h3 id="why-title">Persona and why</h3>
        {view.persona && explanation ? (
          <>
            <p className="persona-why" data-testid="persona-why">
              <strong>{matchedSentence(explanation)}</strong>
            </p>
            {explanation.rejected.length > 0 && (
              <ul className="rejected" aria-label="Personas above it that did not match">
                {rejectedSentences(explanation).map((s) => (
                  <li key={s}>{s}</li>
                ))}
              </ul>
            )}
            {explanation.matched.length > 0 && (
              <p className="help">What the customer has: {explanation.matched.map(actualWords).join('; ')}.</p>
            )}
            <p className="help">
              Persona set version {view.persona.setVersion}, evaluated {new Date(view.persona.evaluatedAt).toLocaleString()}.
            </p>
          </>
        ) : (
          <p>No persona yet (not evaluated, or deleted).</p>
        )}
      </section>

      <section aria-labelledby="touchpoints-title" className="card">
        <h3 id="touchpoints-title">What each touchpoint will do</h3>
        {!strategy ? (
          <p className="loading">Loading the strategy…</p>
        ) : strategy.strategyVersion == null ? (
          <p>No strategy is published yet.</p>
        ) : (
          <div className="table-wrap" tabIndex={0} aria-label="Touchpoints, scrollable">
            <table className="stack">
              <caption>
                Strategy version {strategy.strategyVersion}, as of {new Date(strategy.asOf).toLocaleString()} ({strategy.timeZone})
              </caption>
              <thead>
                <tr>
                  <th scope="col">Stage</th>
                  <th scope="col">Touchpoint</th>
                  <th scope="col">Now</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {strategy.touchpoints.map((t) => (
                  <tr key={t.key} data-touchpoint={t.key}>
                    <td data-label="Stage">{t.stageName}</td>
                    <th scope="row">
                      {t.name}
                      {t.momentOfTruth && <span className="badge mot">moment of truth</span>}
                    </th>
                    <td data-label="Now">
                      <span className={`outcome ${t.outcome}`}>{OUTCOME_WORDS[t.outcome]}</span>
                      {t.treatment && <>: {t.treatment.name}</>}
                      {t.treatment?.script && <blockquote className="script">{t.treatment.script}</blockquote>}
                    </td>
                    <td data-label="Why">
                      <ul className="reasons">
                        {t.reasons.map((r, i) => (
                          <li key={i}>{r.message}</li>
                        ))}
                      </ul>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <Timeline id={id} />

      <section aria-labelledby="history-title" className="card">
        <h3 id="history-title">Persona history</h3>
        {view.history.length === 0 ? (
          <p>No changes recorded.</p>
        ) : (
          <ol className="history">
            {view.history.map((h) => (
              <li key={h.id}>
                {new Date(h.changedAt).toLocaleString()}: {h.from?.key ?? 'none'} → <strong>{h.to.key ?? 'archived persona'}</strong> (set {h.setVersion},{' '}
                {h.cause.replace(/_/g, ' ')})
              </li>
            ))}
          </ol>
        )}
      </section>
    </article>
  );
}

const DECISION_WORDS: Record<string, string> = {
  treated: 'Treated',
  held: 'Held (quiet hours)',
  suppressed: 'Suppressed',
  held_out: 'Held out (control group)',
  no_treatment: 'No treatment',
};

function feedbackWords(o: Schemas['TimelineOutcomeDto']): string {
  const parts = [o.csat != null && `CSAT ${o.csat}/5`, o.nps != null && `NPS ${o.nps}/10`, o.effort != null && `effort ${o.effort}/7`].filter(Boolean);
  return parts.join(', ');
}

/** The journey so far: touchpoint events newest first, what the strategy did (or why not), outcomes and feedback. */
function Timeline({ id }: { id: string }) {
  const [pages, setPages] = useState<Schemas['CustomerTimelineDto'][]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [started, setStarted] = useState(false);

  async function more(before?: string) {
    setLoading(true);
    const { data, error } = await api.GET('/v1/customers/{ref}/timeline', { params: { path: { ref: id }, query: before ? { limit: 20, before } : { limit: 20 } } });
    setLoading(false);
    if (error) return setError(errorText(error));
    setPages((p) => [...p, data]);
  }
  if (!started) {
    setStarted(true);
    void more();
  }

  const first = pages[0];
  const events = pages.flatMap((p) => p.events);
  const next = pages.at(-1)?.next ?? null;
  const x = first?.experience;
  return (
    <section aria-labelledby="timeline-title" className="card">
      <h3 id="timeline-title">Journey timeline</h3>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {x && (
        <p data-testid="experience-score">
          Experience score: <strong>{x.score == null ? 'none yet' : `${x.score} / 100`}</strong> ({x.feedbackCount} piece{x.feedbackCount === 1 ? '' : 's'} of feedback in {x.windowDays} days)
          {x.lastCsat != null && <>; last CSAT {x.lastCsat}/5</>}
          {x.lastNps != null && <>; last NPS {x.lastNps}/10</>}
          {x.lastEffort != null && <>; last effort {x.lastEffort}/7</>}.
        </p>
      )}
      {!first && !error ? (
        <p className="loading">Loading the timeline…</p>
      ) : events.length === 0 ? (
        <p>No touchpoint events yet.</p>
      ) : (
        <ol className="timeline" aria-label="Touchpoint events, newest first">
          {events.map((e) => (
            <li key={e.id} data-event={e.id}>
              <p>
                <time dateTime={String(e.occurredAt)}>{new Date(e.occurredAt).toLocaleString()}</time> · <strong>{e.touchpointKey}</strong> <span className="help">({e.source})</span>
              </p>
              {e.decisions.length === 0 ? (
                <p className="help">Waiting to be decided.</p>
              ) : (
                e.decisions.map((d) => (
                  <div key={d.id} className="decision">
                    <span className={`outcome ${d.outcome}`}>{DECISION_WORDS[d.outcome] ?? d.outcome}</span>
                    {d.treatmentKey && <>: {d.treatmentKey}</>}
                    {d.personaKey && <span className="help"> (as {d.personaKey})</span>}
                    {d.deliveries.length > 0 && (
                      <span className="help"> · {d.deliveries.map((v) => `${v.channel} ${v.status}`).join(', ')}</span>
                    )}
                    {d.outcome !== 'treated' && d.reasons.length > 0 && (
                      <ul className="reasons">
                        {d.reasons.map((r, i) => (
                          <li key={i}>{r.message}</li>
                        ))}
                      </ul>
                    )}
                  </div>
                ))
              )}
              {e.outcomes.length > 0 && (
                <ul className="outcomes" aria-label="Outcomes and feedback">
                  {e.outcomes.map((o) => (
                    <li key={o.id}>
                      {o.type === 'feedback' ? `Feedback: ${feedbackWords(o)}` : o.type === 'converted' && o.value != null ? `Converted (value ${o.value.toLocaleString('en-US')})` : o.type}
                      {o.comment && <q> {o.comment}</q>}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ol>
      )}
      {next && (
        <button type="button" onClick={() => more(next)} disabled={loading}>
          Older events
        </button>
      )}
    </section>
  );
}
