import { useState, type FormEvent } from 'react';
import type { Schemas } from '../api/client';

type Policies = Schemas['ContactPoliciesViewDto'];
type Cap = Schemas['FrequencyCapDto'];
type Consent = Schemas['ConsentRuleDto'];
type Channel = Consent['channel'];

// The channels the API accepts (the ConsentRuleDto enum), so a select never offers one it refuses.
const CHANNELS: Channel[] = ['web', 'email', 'phone', 'chat', 'sms', 'push', 'in_store', 'partner', 'social', 'crm', 'other'];
const PERIODS: Cap['period'][] = ['day', 'week', 'month'];

/** "true" / "3" / "no" → the scalar the consent rule compares with. */
function scalar(text: string): string | number | boolean {
  const t = text.trim();
  if (t === 'true' || t === 'false') return t === 'true';
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  return t;
}

/**
 * Admin: the draft's contact policies (consent per channel, frequency caps, quiet hours, the holdout
 * share, the customer's time zone). Saved into the draft like a cell: live after preview and publish.
 */
export function PoliciesEditor({ policies, treatments, onSave }: { policies: Policies; treatments: Schemas['TreatmentDto'][]; onSave: (p: Schemas['ContactPoliciesDto']) => Promise<string | null> }) {
  const [consent, setConsent] = useState(policies.consent.map((c) => ({ ...c, refusedWhen: c.refusedWhen === undefined ? 'true' : String(c.refusedWhen) })));
  const [caps, setCaps] = useState<Cap[]>(policies.caps);
  const [quiet, setQuiet] = useState(policies.quietHours ? { ...policies.quietHours, channels: policies.quietHours.channels as Channel[] } : null);
  const [holdout, setHoldout] = useState(String(policies.holdoutPercent));
  const [tzAttribute, setTzAttribute] = useState(policies.timeZoneAttribute);
  const [tzDefault, setTzDefault] = useState(policies.defaultTimeZone);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaving(true);
    setError(
      await onSave({
        consent: consent.map((c) => ({ channel: c.channel, attribute: c.attribute.trim(), refusedWhen: scalar(c.refusedWhen) })),
        caps,
        quietHours: quiet,
        holdoutPercent: Number(holdout),
        timeZoneAttribute: tzAttribute.trim(),
        defaultTimeZone: tzDefault.trim(),
      }),
    );
    setSaving(false);
  }

  const setCap = (i: number, patch: Partial<Cap>) => setCaps(caps.map((c, j) => (j === i ? { ...c, ...patch } : c)));
  const setRule = (i: number, patch: Partial<(typeof consent)[number]>) => setConsent(consent.map((c, j) => (j === i ? { ...c, ...patch } : c)));

  return (
    <section className="card policies" aria-labelledby="policies-title">
      <h2 id="policies-title">Contact policies (draft)</h2>
      <form onSubmit={submit} aria-describedby={error ? 'policies-error' : undefined}>
        <fieldset>
          <legend>Consent</legend>
          <p className="help">A treatment on the channel is suppressed when the attribute has the refusing value.</p>
          <ul className="policy-rows">
            {consent.map((c, i) => (
              <li key={i}>
                <label>
                  Channel
                  <select value={c.channel} onChange={(e) => setRule(i, { channel: e.target.value as Channel })}>
                    {CHANNELS.map((ch) => (
                      <option key={ch}>{ch}</option>
                    ))}
                  </select>
                </label>
                <label>
                  Attribute
                  <input type="text" required value={c.attribute} onChange={(e) => setRule(i, { attribute: e.target.value })} />
                </label>
                <label>
                  Refused when
                  <input type="text" value={c.refusedWhen} onChange={(e) => setRule(i, { refusedWhen: e.target.value })} />
                </label>
                <button type="button" className="small" onClick={() => setConsent(consent.filter((_, j) => j !== i))}>
                  Remove consent rule {i + 1}
                </button>
              </li>
            ))}
          </ul>
          <button type="button" className="small" onClick={() => setConsent([...consent, { channel: 'email', attribute: 'email_opt_out', refusedWhen: 'true' }])}>
            Add consent rule
          </button>
        </fieldset>

        <fieldset>
          <legend>Frequency caps</legend>
          <ul className="policy-rows">
            {caps.map((c, i) => (
              <li key={i}>
                <label>
                  Counted per
                  <select value={c.scope} onChange={(e) => setCap(i, { scope: e.target.value as Cap['scope'], key: e.target.value === 'channel' ? 'email' : (treatments[0]?.key ?? '') })}>
                    <option value="channel">channel</option>
                    <option value="treatment">treatment</option>
                  </select>
                </label>
                <label>
                  {c.scope === 'channel' ? 'Channel' : 'Treatment'}
                  <select value={c.key} onChange={(e) => setCap(i, { key: e.target.value })}>
                    {c.scope === 'channel'
                      ? CHANNELS.map((ch) => <option key={ch}>{ch}</option>)
                      : treatments.map((t) => (
                          <option key={t.key} value={t.key}>
                            {t.name}
                          </option>
                        ))}
                  </select>
                </label>
                <label>
                  At most
                  <input type="number" min={1} max={1000} required value={c.max} onChange={(e) => setCap(i, { max: Number(e.target.value) })} />
                </label>
                <label>
                  Period
                  <select value={c.period} onChange={(e) => setCap(i, { period: e.target.value as Cap['period'] })}>
                    {PERIODS.map((p) => (
                      <option key={p}>{p}</option>
                    ))}
                  </select>
                </label>
                <button type="button" className="small" onClick={() => setCaps(caps.filter((_, j) => j !== i))}>
                  Remove cap {i + 1}
                </button>
              </li>
            ))}
          </ul>
          <button type="button" className="small" onClick={() => setCaps([...caps, { scope: 'channel', key: 'email', period: 'week', max: 3 }])}>
            Add cap
          </button>
        </fieldset>

        <fieldset>
          <legend>Quiet hours</legend>
          <label className="inline">
            <input type="checkbox" checked={quiet != null} onChange={(e) => setQuiet(e.target.checked ? { start: '21:00', end: '08:00', channels: ['phone', 'sms'] } : null)} /> Hold treatments during quiet hours
          </label>
          {quiet && (
            <div className="policy-rows quiet">
              <label>
                From
                <input type="time" required value={quiet.start} onChange={(e) => setQuiet({ ...quiet, start: e.target.value })} />
              </label>
              <label>
                To
                <input type="time" required value={quiet.end} onChange={(e) => setQuiet({ ...quiet, end: e.target.value })} />
              </label>
              <fieldset className="channels">
                <legend>On channels</legend>
                {CHANNELS.map((ch) => (
                  <label key={ch} className="inline">
                    <input
                      type="checkbox"
                      checked={quiet.channels.includes(ch)}
                      onChange={(e) => setQuiet({ ...quiet, channels: e.target.checked ? [...quiet.channels, ch] : quiet.channels.filter((x) => x !== ch) })}
                    />{' '}
                    {ch}
                  </label>
                ))}
              </fieldset>
            </div>
          )}
        </fieldset>

        <fieldset>
          <legend>Holdout and time zone</legend>
          <div className="policy-rows">
            <label>
              Holdout (% of customers kept out of every treatment)
              <input type="number" min={0} max={50} step={0.1} required value={holdout} onChange={(e) => setHoldout(e.target.value)} />
            </label>
            <label>
              Time zone attribute
              <input type="text" required value={tzAttribute} onChange={(e) => setTzAttribute(e.target.value)} />
            </label>
            <label>
              Default time zone
              <input type="text" required value={tzDefault} onChange={(e) => setTzDefault(e.target.value)} />
            </label>
          </div>
          <p className="help">Holdout key {policies.holdoutSalt || '(set at the first save)'}: who is held out stays stable across edits.</p>
        </fieldset>
        {error && (
          <p id="policies-error" role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={saving}>
          Save policies to the draft
        </button>
      </form>
    </section>
  );
}
