import type { AttributeCatalog, Attributes } from '../attributes/attribute';
import type { EvaluationContext } from '../rules/rule-types';
import type { CompiledRule } from '../rules/rule-compiler';
import { compileRule } from '../rules/rule-compiler';
import type { Touchpoint } from './journey';
import type { StrategyCell } from './strategy';
import { strategyConditionCatalog } from './strategy-conditions';
import { eventPropertiesOf } from './strategy-validation';
import type { Treatment } from './treatment';

/** The parts of a strategy the preview and the gap report read (a draft or a published version). */
export interface StrategyMatrix {
  touchpoints: readonly Touchpoint[];
  treatments: readonly Treatment[];
  cells: readonly StrategyCell[];
}

/**
 * What a customer gets at a touchpoint, judged from customer attributes alone:
 * an option (index + treatment), `event`: it depends on the event's properties (the first option
 * that could win reads `event.*`), or `none`: no cell, or no option holds.
 */
type Outcome = { kind: 'option'; index: number; treatmentKey: string } | { kind: 'event'; index: number } | { kind: 'none' };

interface PreparedOption {
  index: number;
  treatmentKey: string;
  rule: CompiledRule | null;
  bound: ((a: Attributes) => boolean) | null;
  eventProperties: string[];
}

class PreparedMatrix {
  private readonly cells = new Map<string, PreparedOption[] | 'invalid'>();

  constructor(matrix: StrategyMatrix, catalog: AttributeCatalog, ctx: EvaluationContext) {
    const touchpoints = new Map(matrix.touchpoints.map((t) => [t.key, t]));
    for (const cell of matrix.cells) {
      const tp = touchpoints.get(cell.touchpointKey);
      const cat = strategyConditionCatalog(catalog, tp?.eventProperties ?? []);
      try {
        this.cells.set(
          key(cell.personaKey, cell.touchpointKey),
          cell.options.map((o, index) => {
            const eventProperties = eventPropertiesOf(o.condition);
            const rule = o.condition === undefined || o.condition === null || eventProperties.length ? null : compileRule(o.condition, cat);
            return { index, treatmentKey: o.treatmentKey, rule, bound: rule ? rule.bind(ctx) : null, eventProperties };
          }),
        );
      } catch {
        // A published cell whose condition no longer compiles (an attribute was removed since).
        this.cells.set(key(cell.personaKey, cell.touchpointKey), 'invalid');
      }
    }
  }

  options(personaKey: string, touchpointKey: string): PreparedOption[] | 'invalid' | undefined {
    return this.cells.get(key(personaKey, touchpointKey));
  }

  outcome(personaKey: string, touchpointKey: string, attributes: Attributes): Outcome {
    const options = this.options(personaKey, touchpointKey);
    if (!options || options === 'invalid') return { kind: 'none' };
    for (const o of options) {
      if (o.eventProperties.length) return { kind: 'event', index: o.index };
      if (o.bound === null || o.bound(attributes)) return { kind: 'option', index: o.index, treatmentKey: o.treatmentKey };
    }
    return { kind: 'none' };
  }
}

function key(personaKey: string, touchpointKey: string): string {
  return `${personaKey}\u0000${touchpointKey}`;
}

function label(o: Outcome): string {
  return o.kind === 'option' ? o.treatmentKey : o.kind === 'event' ? 'depends_on_event' : 'none';
}

export interface PreviewOptionCount {
  index: number;
  treatmentKey: string;
  /** Customers whose attributes make this option win. */
  customers: number;
  /** The `event.*` properties its condition reads; when non-empty, `customers` counts those who reach it and the event decides. */
  dependsOnEvent: string[];
}

export interface PreviewCell {
  personaKey: string;
  customers: number;
  options: PreviewOptionCount[];
  /** No cell, or no option holds: these customers get no treatment here. */
  noTreatment: number;
}

export interface PreviewChange {
  personaKey: string;
  /** Live treatment key, `none`, or `depends_on_event`. */
  from: string;
  to: string;
  customers: number;
}

export interface PreviewTouchpoint {
  touchpointKey: string;
  momentOfTruth: boolean;
  personas: PreviewCell[];
  /** Customers whose treatment here differs from the live strategy's (all of them before the first publish). */
  changes: PreviewChange[];
}

export interface StrategyPreview {
  customers: number;
  /** Customers without a live persona (not counted anywhere else). */
  withoutPersona: number;
  liveVersion: number | null;
  touchpoints: PreviewTouchpoint[];
}

/**
 * Counts, over customers fed one at a time, what the draft would give each at each touchpoint and
 * what changes against the live strategy. Pure: the caller pages customers in.
 */
export class StrategyPreviewer {
  private readonly draft: PreparedMatrix;
  private readonly live: PreparedMatrix | null;
  private readonly counts = new Map<string, { customers: number; options: number[]; none: number }>();
  private readonly changes = new Map<string, number>();
  private customers = 0;
  private withoutPersona = 0;

  constructor(
    private readonly matrix: StrategyMatrix,
    live: (StrategyMatrix & { version: number }) | null,
    catalog: AttributeCatalog,
    ctx: EvaluationContext,
    private readonly personaKeys: readonly string[],
  ) {
    this.draft = new PreparedMatrix(matrix, catalog, ctx);
    this.live = live ? new PreparedMatrix(live, catalog, ctx) : null;
    this.liveVersion = live?.version ?? null;
  }

  private readonly liveVersion: number | null;

  add(personaKey: string | null, attributes: Attributes): void {
    this.customers++;
    if (personaKey === null) {
      this.withoutPersona++;
      return;
    }
    for (const tp of this.matrix.touchpoints) {
      const outcome = this.draft.outcome(personaKey, tp.key, attributes);
      const k = key(personaKey, tp.key);
      let c = this.counts.get(k);
      if (!c) this.counts.set(k, (c = { customers: 0, options: [], none: 0 }));
      c.customers++;
      if (outcome.kind === 'none') c.none++;
      else c.options[outcome.index] = (c.options[outcome.index] ?? 0) + 1;
      const before = this.live ? label(this.live.outcome(personaKey, tp.key, attributes)) : 'none';
      const after = label(outcome);
      if (before !== after) {
        const ck = `${tp.key}\u0000${personaKey}\u0000${before}\u0000${after}`;
        this.changes.set(ck, (this.changes.get(ck) ?? 0) + 1);
      }
    }
  }

  result(): StrategyPreview {
    const touchpoints = this.matrix.touchpoints.map((tp): PreviewTouchpoint => {
      const personas = this.personaKeys
        .filter((p) => this.counts.has(key(p, tp.key)))
        .map((p): PreviewCell => {
          const c = this.counts.get(key(p, tp.key))!;
          const options = this.draft.options(p, tp.key);
          return {
            personaKey: p,
            customers: c.customers,
            options: Array.isArray(options)
              ? options.map((o) => ({ index: o.index, treatmentKey: o.treatmentKey, customers: c.options[o.index] ?? 0, dependsOnEvent: o.eventProperties }))
              : [],
            noTreatment: c.none,
          };
        });
      const changes: PreviewChange[] = [];
      for (const [k, customers] of this.changes) {
        const [t, personaKey, from, to] = k.split('\u0000');
        if (t === tp.key) changes.push({ personaKey, from, to, customers });
      }
      changes.sort((a, b) => b.customers - a.customers || a.personaKey.localeCompare(b.personaKey));
      return { touchpointKey: tp.key, momentOfTruth: tp.momentOfTruth, personas, changes };
    });
    return { customers: this.customers, withoutPersona: this.withoutPersona, liveVersion: this.liveVersion, touchpoints };
  }
}

export type GapReason = 'no_cell' | 'no_options' | 'no_action_only' | 'conditional_only';

export interface StrategyGap {
  touchpointKey: string;
  personaKey: string;
  reason: GapReason;
  message: string;
}

const GAP_MESSAGES: Record<GapReason, string> = {
  no_cell: 'no cell: this persona gets nothing at this moment of truth',
  no_options: 'the cell has no options',
  no_action_only: 'every option is "no action"',
  conditional_only: 'every option has a condition: customers for whom none holds get nothing',
};

/** Moments of truth that some persona has no treatment for (or only sometimes); pure. */
export function strategyGaps(matrix: StrategyMatrix, personaKeys: readonly string[]): StrategyGap[] {
  const treatments = new Map(matrix.treatments.map((t) => [t.key, t]));
  const cells = new Map(matrix.cells.map((c) => [key(c.personaKey, c.touchpointKey), c]));
  const gaps: StrategyGap[] = [];
  for (const tp of matrix.touchpoints) {
    if (!tp.momentOfTruth) continue;
    for (const personaKey of personaKeys) {
      const cell = cells.get(key(personaKey, tp.key));
      let reason: GapReason | null = null;
      if (!cell) reason = 'no_cell';
      else if (cell.options.length === 0) reason = 'no_options';
      else if (cell.options.every((o) => treatments.get(o.treatmentKey)?.type === 'no_action')) reason = 'no_action_only';
      else if (cell.options.every((o) => o.condition !== undefined && o.condition !== null)) reason = 'conditional_only';
      if (reason) gaps.push({ touchpointKey: tp.key, personaKey, reason, message: GAP_MESSAGES[reason] });
    }
  }
  return gaps;
}
