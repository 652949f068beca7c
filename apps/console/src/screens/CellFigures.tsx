import { createContext, useContext, useState } from 'react';
import type { Schemas } from '../api/client';

type Figures = Schemas['CellStatisticsDto'];
type Target = Schemas['TargetDto'];

/** What a cell of the strategy grid knows; what renders under a cell (CELL_ADDONS in Strategy.tsx) receives it. */
export interface CellContext {
  personaKey: string;
  touchpoint: Schemas['TouchpointDto'];
  cell: Schemas['StrategyCellDto'] | undefined;
  gap: Schemas['StrategyGapDto'] | undefined;
}

/** What the grid's cells read their figures from: one GET /v1/measures/cells and one GET /v1/measures/targets for the whole grid. */
export interface Measures {
  days: number;
  figures: Map<string, Figures>;
  targets: Map<string, Target>;
  saveTarget(personaKey: string, touchpointKey: string, target: number | null): Promise<string | null>;
}

export const MeasuresContext = createContext<Measures | null>(null);

export const cellKey = (personaKey: string | null, touchpointKey: string) => `${personaKey ?? ''}/${touchpointKey}`;

const fmt = (n: number) => n.toLocaleString('en-US');
const points = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)} pts`;

/** The first and last UTC day of the last `days` days, today included. */
export function period(days: number, now = new Date()): { from: string; to: string } {
  const to = now.toISOString().slice(0, 10);
  const from = new Date(now.getTime() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  return { from, to };
}

/**
 * Lift as a dot with its interval's whiskers on a scale from −span to +span (span: the widest
 * interval end, at least 5 points), the zero line marked: an interval across zero reads at a glance.
 */
export function LiftChart({ lift, label }: { lift: Figures['lift']; label: string }) {
  if (lift.difference == null || !lift.interval) return null;
  const { lower, upper } = lift.interval;
  const span = Math.max(0.05, Math.abs(lower), Math.abs(upper), Math.abs(lift.difference));
  const W = 120;
  const x = (v: number) => 6 + ((v + span) / (2 * span)) * (W - 12);
  const crosses = lower <= 0 && upper >= 0;
  const colour = crosses ? '#4a5468' : lift.difference > 0 ? '#166534' : '#b42318';
  return (
    <svg className="lift-chart" width={W} height={22} viewBox={`0 0 ${W} 22`} role="img" aria-label={label}>
      <line x1={x(0)} x2={x(0)} y1={2} y2={20} stroke="#8a94a6" strokeDasharray="2 2" />
      <line x1={x(lower)} x2={x(upper)} y1={11} y2={11} stroke={colour} strokeWidth={2} />
      <line x1={x(lower)} x2={x(lower)} y1={6} y2={16} stroke={colour} strokeWidth={2} />
      <line x1={x(upper)} x2={x(upper)} y1={6} y2={16} stroke={colour} strokeWidth={2} />
      <circle cx={x(lift.difference)} cy={11} r={4} fill={colour} />
    </svg>
  );
}

/** One bar split into sent / suppressed / held out, proportional to the cell's decisions. */
function SplitBar({ f }: { f: Figures }) {
  const total = f.sent + f.suppressed + f.heldOut;
  if (total === 0) return null;
  const W = 120;
  const parts = [
    { n: f.sent, fill: '#1d4ed8' },
    { n: f.suppressed, fill: '#b45309' },
    { n: f.heldOut, fill: '#6b7280' },
  ];
  let at = 0;
  return (
    <svg className="split-bar" width={W} height={8} viewBox={`0 0 ${W} 8`} aria-hidden="true">
      {parts.map((p, i) => {
        const w = (p.n / total) * W;
        const r = <rect key={i} x={at} y={0} width={w} height={8} fill={p.fill} />;
        at += w;
        return r;
      })}
    </svg>
  );
}

/** The figures under a grid cell: sent, suppressed, held out, lift (or why not) with its chart, CSAT against target. */
export function CellFigures({ personaKey, touchpoint }: CellContext) {
  const m = useContext(MeasuresContext);
  const [editing, setEditing] = useState(false);
  if (!m) return null;
  const key = cellKey(personaKey, touchpoint.key);
  const f = m.figures.get(key);
  const target = m.targets.get(key);
  const csat = f?.feedback.csat.average ?? null;
  const short = target && csat != null && csat < target.target;
  const label = `${personaKey} at ${touchpoint.key}`;
  return (
    <div className="figures" data-figures={key}>
      {!f ? (
        <p className="help">No decisions in {m.days} days</p>
      ) : (
        <>
          <p className="figure-line">
            {fmt(f.sent)} sent · {fmt(f.suppressed)} suppressed · {fmt(f.heldOut)} held out
          </p>
          <SplitBar f={f} />
          {f.lift.insufficient ? (
            <p className="help" title={f.lift.insufficient.reason}>
              Lift: too few ({fmt(f.lift.holdout.n)} held out, {fmt(f.lift.treated.n)} treated; {f.lift.insufficient.minimum} each needed)
            </p>
          ) : f.lift.difference != null && f.lift.interval ? (
            <p className="figure-line lift">
              Lift {points(f.lift.difference)} <span className="help">(95%: {points(f.lift.interval.lower)} to {points(f.lift.interval.upper)})</span>
              <LiftChart lift={f.lift} label={`Lift ${points(f.lift.difference)}, interval ${points(f.lift.interval.lower)} to ${points(f.lift.interval.upper)}`} />
            </p>
          ) : null}
        </>
      )}
      <p className={`figure-line${short ? ' short' : ''}`}>
        CSAT {csat == null ? '—' : csat.toFixed(2)}
        {target ? <> against target {target.target}{short && <strong> (below target)</strong>}</> : <span className="help"> (no target)</span>}
      </p>
      {editing ? (
        <TargetForm
          label={label}
          current={target?.target ?? null}
          onDone={() => setEditing(false)}
          save={(v) => m.saveTarget(personaKey, touchpoint.key, v)}
        />
      ) : (
        <button type="button" className="small" onClick={() => setEditing(true)} aria-label={`CSAT target for ${label}`}>
          Target…
        </button>
      )}
    </div>
  );
}

function TargetForm({ label, current, save, onDone }: { label: string; current: number | null; save: (v: number | null) => Promise<string | null>; onDone: () => void }) {
  const [value, setValue] = useState(current == null ? '' : String(current));
  const [error, setError] = useState<string | null>(null);
  const id = `target-${label.replace(/\W+/g, '-')}`;
  async function submit(v: number | null) {
    const e = await save(v);
    if (e) setError(e);
    else onDone();
  }
  return (
    <form
      className="target-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit(Number(value));
      }}
    >
      <label htmlFor={id}>CSAT target (1–5) for {label}</label>
      <input id={id} type="number" min={1} max={5} step={0.1} required value={value} onChange={(e) => setValue(e.target.value)} autoFocus aria-describedby={error ? `${id}-error` : undefined} />
      <button type="submit" className="small primary">
        Save target
      </button>
      {current != null && (
        <button type="button" className="small" onClick={() => void submit(null)}>
          Remove target
        </button>
      )}
      <button type="button" className="small" onClick={onDone}>
        Cancel
      </button>
      {error && (
        <p id={`${id}-error`} role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}
