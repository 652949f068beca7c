import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { api, errorText, type Schemas } from '../api/client';
import { CellFigures, cellKey, MeasuresContext, period, type CellContext, type Measures } from './CellFigures';
import { PoliciesEditor } from './Policies';

type Cell = Schemas['StrategyCellDto'];
type Touchpoint = Schemas['TouchpointDto'];
type Gap = Schemas['StrategyGapDto'];

export type { CellContext };

/**
 * Extra content rendered under each cell's treatment, in order. Empty today; the outcomes work
 * adds its per-cell figures (and small chart) here without touching the grid.
 */
export const CELL_ADDONS: Array<(ctx: CellContext) => ReactNode> = [(ctx) => <CellFigures {...ctx} />];

const PERIODS = [7, 30, 90] as const;

const GAP_WORDS: Record<Gap['reason'], string> = {
  no_cell: 'Gap: no treatment planned',
  no_options: 'Gap: the cell has no options',
  no_action_only: 'Gap: only “no action”',
  conditional_only: 'Gap: every option has a condition',
};

interface Data {
  stages: Schemas['StageDto'][];
  touchpoints: Schemas['TouchpointListDto'];
  personas: Array<{ key: string; name: string }>;
  treatments: Schemas['TreatmentDto'][];
  draft: Schemas['StrategyDraftViewDto'];
  gaps: Schemas['GapReportDto'];
  cells: Schemas['CellStatisticsPageDto'] | null;
  targets: Schemas['TargetDto'][];
}

/** Admin: the journey (touchpoints by stage) and the persona × touchpoint strategy grid. */
export function StrategyScreen() {
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<{ personaKey: string; touchpointKey: string } | null>(null);
  const [preview, setPreview] = useState<Schemas['StrategyPreviewDto'] | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [days, setDays] = useState<number>(30);

  const load = useCallback(async () => {
    const [stages, touchpoints, personas, treatments, draft, gaps, cells, targets] = await Promise.all([
      api.GET('/v1/journey/stages'),
      api.GET('/v1/touchpoints'),
      api.GET('/v1/personas'),
      api.GET('/v1/treatments'),
      api.GET('/v1/strategy/draft'),
      api.GET('/v1/strategy/gaps', { params: { query: { of: 'draft' } } }),
      // Per-cell figures come from the daily counters (one read for the whole grid), not from the raw tables.
      api.GET('/v1/measures/cells', { params: { query: period(days) } }),
      api.GET('/v1/measures/targets'),
    ]);
    const failed = [stages, touchpoints, personas, treatments, draft, gaps].find((r) => r.error);
    if (failed) return setError(errorText(failed.error));
    // Columns: the live set's personas (what the strategy applies to), in the draft's order.
    const live = new Set(personas.data!.live.members);
    const cols = personas.data!.personas.filter((p) => live.size === 0 || live.has(p.key)).map((p) => ({ key: p.key, name: p.name }));
    setData({ stages: stages.data!.stages, touchpoints: touchpoints.data!, personas: cols, treatments: treatments.data!.treatments, draft: draft.data!, gaps: gaps.data!, cells: cells.data ?? null, targets: targets.data?.items ?? [] });
  }, [days]);
  useEffect(() => void load(), [load]);

  if (error)
    return (
      <section>
        <h1>Journey and strategy</h1>
        <p role="alert" className="error">
          {error}
        </p>
      </section>
    );
  if (!data) return <p className="loading">Loading the journey…</p>;

  const cellOf = (p: string, t: string) => data.draft.cells.find((c) => c.personaKey === p && c.touchpointKey === t);
  const gapOf = (p: string, t: string) => data.gaps.gaps.find((g) => g.personaKey === p && g.touchpointKey === t);
  const treatmentName = (k: string) => data.treatments.find((t) => t.key === k)?.name ?? k;
  const touchpointName = (k: string) => data.touchpoints.touchpoints.find((t) => t.key === k)?.name ?? k;
  const personaName = (k: string) => data.personas.find((p) => p.key === k)?.name ?? k;
  const byStage = data.stages.map((s) => ({ stage: s, touchpoints: data.touchpoints.touchpoints.filter((t) => t.stageKey === s.key) }));

  async function saveCell(cell: Cell) {
    const cells = [...data!.draft.cells.filter((c) => !(c.personaKey === cell.personaKey && c.touchpointKey === cell.touchpointKey)), cell];
    const { error } = await api.PUT('/v1/strategy/draft', { body: { cells, expectedRevision: data!.draft.revision } });
    if (error) return errorText(error);
    setEditing(null);
    setPreview(null);
    setMessage('Cell saved to the draft. Preview, then publish to make it live.');
    await load();
    return null;
  }

  async function runPreview() {
    setMessage(null);
    const { data: p, error } = await api.POST('/v1/strategy/preview', { body: {} });
    if (error) return setMessage(errorText(error));
    setPreview(p);
  }

  async function publish() {
    setConfirming(false);
    const { data: r, error } = await api.POST('/v1/strategy/publish', { body: { expectedLiveVersion: data!.draft.liveVersion, expectedRevision: data!.draft.revision } });
    if (error) return setMessage(errorText(error));
    setMessage(`Published strategy version ${r.version}: it is live.`);
    setPreview(null);
    await load();
  }

  async function saveTarget(personaKey: string, touchpointKey: string, target: number | null): Promise<string | null> {
    const path = { personaKey, touchpointKey };
    const { error } = target == null ? await api.DELETE('/v1/measures/targets/{personaKey}/{touchpointKey}', { params: { path } }) : await api.PUT('/v1/measures/targets/{personaKey}/{touchpointKey}', { params: { path }, body: { measure: 'csat', target } });
    if (error) return errorText(error);
    await load();
    return null;
  }

  async function savePolicies(policies: Schemas['ContactPoliciesDto']): Promise<string | null> {
    const { error } = await api.PUT('/v1/strategy/draft', { body: { policies, expectedRevision: data!.draft.revision } });
    if (error) return errorText(error);
    setPreview(null);
    // Reload first: the editor remounts on the new revision, and what is typed before that would be lost.
    await load();
    setMessage('Contact policies saved to the draft. Preview, then publish to make them live.');
    return null;
  }

  const measures: Measures = {
    days,
    figures: new Map((data.cells?.cells ?? []).map((c) => [cellKey(c.personaKey ?? null, c.touchpointKey), c])),
    targets: new Map(data.targets.map((t) => [cellKey(t.personaKey, t.touchpointKey), t])),
    saveTarget,
  };

  const changes = preview?.touchpoints.flatMap((t) => t.changes.map((c) => ({ ...c, touchpointKey: t.touchpointKey }))) ?? [];
  const changed = changes.reduce((n, c) => n + c.customers, 0);

  return (
    <section aria-labelledby="strategy-title">
      <h1 id="strategy-title">Journey and strategy</h1>
      {data.touchpoints.warnings.map((w) => (
        <p key={w.code} role="alert" className="warning">
          {w.message}
        </p>
      ))}
      <section className="card" aria-labelledby="journey-title">
        <h2 id="journey-title">Journey</h2>
        <ol className="stages">
          {byStage.map(({ stage, touchpoints }) => (
            <li key={stage.key}>
              <h3>{stage.name}</h3>
              <ol className="touchpoints">
                {touchpoints.map((t) => (
                  <li key={t.key}>
                    {t.name}
                    {t.momentOfTruth && <span className="badge mot">moment of truth</span>}
                    {t.major && <span className="badge major">major</span>}
                    <span className="help"> · {t.channel.replace('_', ' ')}</span>
                  </li>
                ))}
              </ol>
              {touchpoints.length === 0 && <p className="help">No touchpoints</p>}
            </li>
          ))}
        </ol>
        <p className="help">
          {data.touchpoints.majorCount} major touchpoint{data.touchpoints.majorCount === 1 ? '' : 's'} (more than ten is a warning: too many to manage well).
        </p>
      </section>

      <section className="card" aria-labelledby="grid-title">
        <h2 id="grid-title">Strategy grid (draft revision {data.draft.revision})</h2>
        <p className="help">
          Live version {data.draft.liveVersion ?? 'none'}. {data.gaps.gaps.length === 1 ? '1 gap at a moment of truth is' : `${data.gaps.gaps.length} gaps at moments of truth are`} highlighted.
        </p>
        <p className="figures-period">
          <label htmlFor="figures-days">Figures over the last</label>{' '}
          <select id="figures-days" value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {PERIODS.map((d) => (
              <option key={d} value={d}>
                {d} days
              </option>
            ))}
          </select>{' '}
          <span className="help">
            (UTC days; sent, suppressed and held out per cell, lift of treated over the holdout with its 95% interval, CSAT against the cell's target.
            {data.cells ? ` Lift needs ${data.cells.minimumSample} decisions in each group.` : ' Figures unavailable.'})
          </span>
        </p>
        <MeasuresContext.Provider value={measures}>
        <div className="table-wrap" tabIndex={0} aria-label="Strategy grid, scrollable">
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">Touchpoint</th>
                {data.personas.map((p) => (
                  <th scope="col" key={p.key}>
                    {p.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.touchpoints.touchpoints.map((t) => (
                <tr key={t.key}>
                  <th scope="row">
                    {t.name}
                    {t.momentOfTruth && <span className="badge mot">moment of truth</span>}
                  </th>
                  {data.personas.map((p) => {
                    const cell = cellOf(p.key, t.key);
                    const gap = gapOf(p.key, t.key);
                    const isEditing = editing?.personaKey === p.key && editing.touchpointKey === t.key;
                    return (
                      <td key={p.key} className={gap ? 'gap' : undefined} data-cell={`${p.key}/${t.key}`}>
                        {isEditing ? (
                          <CellEditor cell={cell ?? { personaKey: p.key, touchpointKey: t.key, options: [] }} treatments={data.treatments} label={`${p.name} at ${t.name}`} onSave={saveCell} onCancel={() => setEditing(null)} />
                        ) : (
                          <>
                            {cell && cell.options.length > 0 ? (
                              <ol className="options">
                                {cell.options.map((o, i) => (
                                  <li key={i}>
                                    {treatmentName(o.treatmentKey)}
                                    {o.condition && <span className="help"> (if a condition holds)</span>}
                                  </li>
                                ))}
                              </ol>
                            ) : (
                              <span className="help">—</span>
                            )}
                            {gap && <p className="gap-note">{GAP_WORDS[gap.reason]}</p>}
                            {CELL_ADDONS.map((addon, i) => (
                              <div key={i}>{addon({ personaKey: p.key, touchpoint: t, cell, gap })}</div>
                            ))}
                            <button type="button" className="small" onClick={() => setEditing({ personaKey: p.key, touchpointKey: t.key })} aria-label={`Edit ${p.name} at ${t.name}`}>
                              Edit
                            </button>
                          </>
                        )}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        </MeasuresContext.Provider>
      </section>

      <PoliciesEditor key={data.draft.revision} policies={data.draft.policies} treatments={data.treatments} onSave={savePolicies} />

      <section className="card" aria-labelledby="strategy-publish-title">
        <h2 id="strategy-publish-title">Preview and publish</h2>
        <button type="button" onClick={runPreview}>
          Preview the draft
        </button>
        {preview && (
          <div className="preview">
            <p>
              {preview.customers.toLocaleString('en-US')} customers ({preview.withoutPersona.toLocaleString('en-US')} without a persona).{' '}
              <strong data-testid="strategy-changes">{changed.toLocaleString('en-US')}</strong> customer-touchpoint treatments change against the live strategy.
            </p>
            {changes.length > 0 && (
              <ul>
                {changes.map((c, i) => (
                  <li key={i}>
                    {touchpointName(c.touchpointKey)}, {personaName(c.personaKey)}: {c.from ? treatmentName(c.from) : 'nothing'} → {c.to ? treatmentName(c.to) : 'nothing'} ({c.customers.toLocaleString('en-US')} customers)
                  </li>
                ))}
              </ul>
            )}
            {!confirming ? (
              <button type="button" className="primary" onClick={() => setConfirming(true)}>
                Publish…
              </button>
            ) : (
              <div role="alertdialog" aria-labelledby="strategy-confirm-title" className="confirm">
                <h3 id="strategy-confirm-title">Publish revision {data.draft.revision} as the live strategy?</h3>
                <button type="button" className="primary" onClick={publish} autoFocus>
                  Publish now
                </button>{' '}
                <button type="button" onClick={() => setConfirming(false)}>
                  Cancel
                </button>
              </div>
            )}
          </div>
        )}
        {message && (
          <p role="status" data-testid="strategy-status">
            {message}
          </p>
        )}
      </section>
    </section>
  );
}

function CellEditor({ cell, treatments, label, onSave, onCancel }: { cell: Cell; treatments: Schemas['TreatmentDto'][]; label: string; onSave: (c: Cell) => Promise<string | null>; onCancel: () => void }) {
  const [options, setOptions] = useState(cell.options.map((o) => ({ treatmentKey: o.treatmentKey, condition: o.condition ? JSON.stringify(o.condition) : '' })));
  const [error, setError] = useState<string | null>(null);

  async function save() {
    try {
      const parsed = options.map((o) => (o.condition.trim() ? { treatmentKey: o.treatmentKey, condition: JSON.parse(o.condition) } : { treatmentKey: o.treatmentKey }));
      setError(await onSave({ ...cell, options: parsed as Cell['options'] }));
    } catch (e) {
      setError(`A condition is not JSON: ${(e as Error).message}`);
    }
  }

  return (
    <div className="cell-editor" role="group" aria-label={`Edit ${label}`}>
      <ol>
        {options.map((o, i) => (
          <li key={i}>
            <label>
              Option {i + 1} treatment
              <select value={o.treatmentKey} onChange={(e) => setOptions(options.map((x, j) => (j === i ? { ...x, treatmentKey: e.target.value } : x)))} autoFocus={i === 0}>
                {treatments.map((t) => (
                  <option key={t.key} value={t.key}>
                    {t.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Condition (rule JSON, empty for always)
              <input type="text" value={o.condition} onChange={(e) => setOptions(options.map((x, j) => (j === i ? { ...x, condition: e.target.value } : x)))} />
            </label>
            <button type="button" className="small" onClick={() => setOptions(options.filter((_, j) => j !== i))}>
              Remove option {i + 1}
            </button>
          </li>
        ))}
      </ol>
      <button type="button" className="small" onClick={() => setOptions([...options, { treatmentKey: treatments[0]?.key ?? '', condition: '' }])}>
        Add option
      </button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div>
        <button type="button" className="primary small" onClick={save}>
          Save cell
        </button>{' '}
        <button type="button" className="small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
