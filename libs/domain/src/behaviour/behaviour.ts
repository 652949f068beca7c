import { ErrorDetail } from '../errors/domain-error';
import { MS_PER_DAY } from '../rules/iso-date-parser';
import { ZoneClock } from '../rules/zone-clock';

/**
 * What a behavioural attribute measures. Every kind is a number, so rules use the number
 * operators on it like on any catalog attribute.
 *  - event_count: events of `touchpoint` in the last `days` calendar days, today included (0 without any);
 *  - days_since_event: whole calendar days since the customer's last event of `touchpoint` (0 = today; missing: never);
 *  - last_csat / last_nps: the latest feedback answer on that scale (missing: none yet);
 *  - experience_score: the customer's experience score, 0–100 (missing: no feedback in its window).
 */
export type BehaviourKind = 'event_count' | 'days_since_event' | 'last_csat' | 'last_nps' | 'experience_score';

export const BEHAVIOUR_KINDS: readonly BehaviourKind[] = ['event_count', 'days_since_event', 'last_csat', 'last_nps', 'experience_score'];

export interface BehaviourDefinition {
  kind: BehaviourKind;
  /** The touchpoint counted (event_count, days_since_event). */
  touchpoint?: string;
  /** The window in calendar days, 1–366 (event_count). */
  days?: number;
}

/** A catalog attribute whose value Corridor computes from the customer's events and feedback. */
export interface BehaviouralAttribute {
  name: string;
  behaviour: BehaviourDefinition;
}

export const MAX_BEHAVIOUR_DAYS = 366;

/** Problems with a behaviour definition (the name is checked as for any attribute). */
export function behaviourDefinitionProblems(input: { kind: unknown; touchpoint?: unknown; days?: unknown }): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (!BEHAVIOUR_KINDS.includes(input.kind as BehaviourKind)) {
    return [{ field: 'kind', message: `kind must be one of ${BEHAVIOUR_KINDS.join(', ')}`, code: 'INVALID_BEHAVIOUR_KIND' }];
  }
  const needsTouchpoint = input.kind === 'event_count' || input.kind === 'days_since_event';
  if (needsTouchpoint && (typeof input.touchpoint !== 'string' || input.touchpoint === '')) {
    problems.push({ field: 'touchpoint', message: `a ${input.kind} attribute names the touchpoint it counts`, code: 'TOUCHPOINT_REQUIRED' });
  } else if (!needsTouchpoint && input.touchpoint !== undefined) {
    problems.push({ field: 'touchpoint', message: `${input.kind} takes no touchpoint`, code: 'TOUCHPOINT_NOT_ALLOWED' });
  }
  if (input.kind === 'event_count') {
    if (!Number.isInteger(input.days) || (input.days as number) < 1 || (input.days as number) > MAX_BEHAVIOUR_DAYS) {
      problems.push({ field: 'days', message: `days must be an integer from 1 to ${MAX_BEHAVIOUR_DAYS}`, code: 'INVALID_DAYS' });
    }
  } else if (input.days !== undefined) {
    problems.push({ field: 'days', message: `${input.kind} takes no days`, code: 'DAYS_NOT_ALLOWED' });
  }
  return problems;
}

/** One look at a customer's events: those of `touchpoint` that occurred at or after `since`. */
export interface EventWindowQuery {
  touchpoint: string;
  /** Epoch ms; -Infinity for "ever". */
  since: number;
}

export interface EventWindowFacts {
  count: number;
  /** Earliest and latest occurrence in the window (epoch ms), null without events. */
  first: number | null;
  last: number | null;
}

export interface ExperienceFacts {
  score: number | null;
  lastCsat: number | null;
  lastNps: number | null;
}

export interface BehaviourPlan {
  /** The distinct event windows to read, each once. */
  windows: EventWindowQuery[];
  /** For each attribute (same order), the index of its window, or -1. */
  windowOf: number[];
}

/** The local day number (days since 1970-01-01 in the zone) of an instant. */
function dayOf(clock: ZoneClock, instant: number): number {
  return Math.floor((instant + clock.offsetAt(instant)) / MS_PER_DAY);
}

/**
 * Which event windows the attributes need at `now`: an event_count of N days looks from the start
 * of the local day N−1 days before today; days_since_event looks at every event ever.
 */
export function planBehaviour(attributes: readonly BehaviouralAttribute[], now: number, timeZone: string): BehaviourPlan {
  const clock = new ZoneClock(timeZone);
  const today = dayOf(clock, now);
  const windows: EventWindowQuery[] = [];
  const keys = new Map<string, number>();
  const windowOf = attributes.map(({ behaviour: b }) => {
    if (b.kind !== 'event_count' && b.kind !== 'days_since_event') return -1;
    const since = b.kind === 'event_count' ? clock.startOfDay(today - (b.days! - 1)) : -Infinity;
    const key = `${b.touchpoint}\u0000${since}`;
    let i = keys.get(key);
    if (i === undefined) {
      i = windows.push({ touchpoint: b.touchpoint!, since }) - 1;
      keys.set(key, i);
    }
    return i;
  });
  return { windows, windowOf };
}

export interface BehaviourValues {
  /** Attribute name → value; an attribute without a value (never, no feedback) is absent. */
  values: Record<string, number>;
  /**
   * The first instant at which a value changes by the calendar alone (an event leaves a window, a
   * day passes since the last event); null when none will.
   */
  nextChangeAt: number | null;
}

/**
 * A customer's behavioural values at `now` from the facts read for `plan`. Values change only at
 * local midnights, so `nextChangeAt` is always the start of some local day.
 */
export function computeBehaviour(
  attributes: readonly BehaviouralAttribute[],
  plan: BehaviourPlan,
  facts: { windows: ReadonlyArray<EventWindowFacts | undefined>; experience: ExperienceFacts | null },
  now: number,
  timeZone: string,
): BehaviourValues {
  const clock = new ZoneClock(timeZone);
  const today = dayOf(clock, now);
  const values: Record<string, number> = {};
  let next = Infinity;
  attributes.forEach(({ name, behaviour: b }, i) => {
    const w = plan.windowOf[i] >= 0 ? facts.windows[plan.windowOf[i]] : undefined;
    switch (b.kind) {
      case 'event_count': {
        values[name] = w?.count ?? 0;
        // The oldest counted event leaves the window at the start of its day + N.
        if (w && w.count > 0 && w.first !== null) next = Math.min(next, clock.startOfDay(dayOf(clock, w.first) + b.days!));
        break;
      }
      case 'days_since_event': {
        if (w && w.last !== null) {
          const lastDay = dayOf(clock, w.last);
          values[name] = Math.max(0, today - lastDay);
          // Tomorrow it is one more (an event dated in the future starts counting the day after it).
          next = Math.min(next, clock.startOfDay(Math.max(today, lastDay) + 1));
        }
        break;
      }
      case 'last_csat':
        if (facts.experience?.lastCsat != null) values[name] = facts.experience.lastCsat;
        break;
      case 'last_nps':
        if (facts.experience?.lastNps != null) values[name] = facts.experience.lastNps;
        break;
      case 'experience_score':
        if (facts.experience?.score != null) values[name] = facts.experience.score;
        break;
    }
  });
  return { values, nextChangeAt: next === Infinity ? null : next };
}

/** What a customer without any stored behaviour reads: counts are 0, every other kind is missing. */
export function behaviourDefaults(attributes: readonly BehaviouralAttribute[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of attributes) if (a.behaviour.kind === 'event_count') out[a.name] = 0;
  return out;
}

/** The touchpoints whose events can change a behavioural value. */
export function trackedTouchpoints(attributes: readonly BehaviouralAttribute[]): Set<string> {
  return new Set(attributes.map((a) => a.behaviour.touchpoint).filter((t): t is string => t !== undefined));
}
