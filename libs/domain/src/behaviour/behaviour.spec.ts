import { behaviourDefaults, behaviourDefinitionProblems, BehaviouralAttribute, computeBehaviour, planBehaviour, trackedTouchpoints } from './behaviour';

const ATTRS: BehaviouralAttribute[] = [
  { name: 'tickets_30d', behaviour: { kind: 'event_count', touchpoint: 'support_ticket', days: 30 } },
  { name: 'tickets_7d', behaviour: { kind: 'event_count', touchpoint: 'support_ticket', days: 7 } },
  { name: 'days_since_ticket', behaviour: { kind: 'days_since_event', touchpoint: 'support_ticket' } },
  { name: 'csat', behaviour: { kind: 'last_csat' } },
  { name: 'nps', behaviour: { kind: 'last_nps' } },
  { name: 'xp', behaviour: { kind: 'experience_score' } },
];
const at = (iso: string) => Date.parse(iso);
const fields = (p: Array<{ field: string; code?: string }>) => p.map((x) => `${x.field}:${x.code}`);

describe('behaviourDefinitionProblems', () => {
  it('accepts each kind with what it needs', () => {
    for (const a of ATTRS) expect(behaviourDefinitionProblems(a.behaviour)).toEqual([]);
  });
  it('names the field at fault', () => {
    expect(fields(behaviourDefinitionProblems({ kind: 'count' }))).toEqual(['kind:INVALID_BEHAVIOUR_KIND']);
    expect(fields(behaviourDefinitionProblems({ kind: 'event_count', days: 0 }))).toEqual(['touchpoint:TOUCHPOINT_REQUIRED', 'days:INVALID_DAYS']);
    expect(fields(behaviourDefinitionProblems({ kind: 'event_count', touchpoint: 't', days: 367 }))).toEqual(['days:INVALID_DAYS']);
    expect(fields(behaviourDefinitionProblems({ kind: 'event_count', touchpoint: 't', days: 1.5 }))).toEqual(['days:INVALID_DAYS']);
    expect(fields(behaviourDefinitionProblems({ kind: 'days_since_event', touchpoint: 't', days: 3 }))).toEqual(['days:DAYS_NOT_ALLOWED']);
    expect(fields(behaviourDefinitionProblems({ kind: 'last_csat', touchpoint: 't' }))).toEqual(['touchpoint:TOUCHPOINT_NOT_ALLOWED']);
  });
});

describe('planBehaviour', () => {
  it('reads each distinct window once, from the start of the first calendar day of the window', () => {
    const plan = planBehaviour(ATTRS, at('2026-11-23T12:00:00Z'), 'UTC');
    expect(plan.windows).toEqual([
      { touchpoint: 'support_ticket', since: at('2026-10-25T00:00:00Z') }, // 30 days: Oct 25 … Nov 23
      { touchpoint: 'support_ticket', since: at('2026-11-17T00:00:00Z') }, // 7 days: Nov 17 … Nov 23
      { touchpoint: 'support_ticket', since: -Infinity },
    ]);
    expect(plan.windowOf).toEqual([0, 1, 2, -1, -1, -1]);
    const again = planBehaviour([ATTRS[0], { name: 'other', behaviour: { ...ATTRS[0].behaviour } }], at('2026-11-23T12:00:00Z'), 'UTC');
    expect(again.windowOf).toEqual([0, 0]);
  });
  it('follows the zone: days start at local midnight', () => {
    const plan = planBehaviour([ATTRS[1]], at('2026-11-23T02:00:00Z'), 'America/New_York'); // Nov 22 21:00 local
    expect(plan.windows[0].since).toBe(at('2026-11-16T05:00:00Z'));
  });
});

describe('computeBehaviour', () => {
  const now = at('2026-11-23T12:00:00Z');
  const plan = planBehaviour(ATTRS, now, 'UTC');

  it('counts, measures days since, copies the experience; nextChangeAt is the first midnight a value moves', () => {
    const r = computeBehaviour(
      ATTRS,
      plan,
      {
        windows: [
          { count: 3, first: at('2026-10-26T08:00:00Z'), last: at('2026-11-20T09:00:00Z') },
          { count: 1, first: at('2026-11-20T09:00:00Z'), last: at('2026-11-20T09:00:00Z') },
          { count: 5, first: at('2026-01-01T00:00:00Z'), last: at('2026-11-20T09:00:00Z') },
        ],
        experience: { score: 41.5, lastCsat: 2, lastNps: null },
      },
      now,
      'UTC',
    );
    expect(r.values).toEqual({ tickets_30d: 3, tickets_7d: 1, days_since_ticket: 3, csat: 2, xp: 41.5 });
    // Days-since moves at the next midnight, before the Oct 26 ticket leaves the 30 days (Nov 25).
    expect(r.nextChangeAt).toBe(at('2026-11-24T00:00:00Z'));
  });

  it('a count alone changes when its oldest event leaves the window', () => {
    const only = [ATTRS[0]];
    const p = planBehaviour(only, now, 'UTC');
    const r = computeBehaviour(only, p, { windows: [{ count: 2, first: at('2026-10-26T23:59:00Z'), last: at('2026-11-01T00:00:00Z') }], experience: null }, now, 'UTC');
    expect(r).toEqual({ values: { tickets_30d: 2 }, nextChangeAt: at('2026-11-25T00:00:00Z') });
    // On Nov 25 the window starts Oct 27: the Oct 26 event is out.
    expect(planBehaviour(only, at('2026-11-25T00:00:00Z'), 'UTC').windows[0].since).toBe(at('2026-10-27T00:00:00Z'));
    expect(planBehaviour(only, at('2026-11-24T23:59:59Z'), 'UTC').windows[0].since).toBe(at('2026-10-26T00:00:00Z'));
  });

  it('without events or feedback: counts are 0, the rest is missing, nothing changes by itself', () => {
    const r = computeBehaviour(ATTRS, plan, { windows: [], experience: null }, now, 'UTC');
    expect(r).toEqual({ values: { tickets_30d: 0, tickets_7d: 0 }, nextChangeAt: null });
    expect(behaviourDefaults(ATTRS)).toEqual({ tickets_30d: 0, tickets_7d: 0 });
  });

  it('an event today is 0 days ago; one in the future is 0 until the day after it', () => {
    const only = [ATTRS[2]];
    const p = planBehaviour(only, now, 'UTC');
    const today = computeBehaviour(only, p, { windows: [{ count: 1, first: now - 1000, last: now - 1000 }], experience: null }, now, 'UTC');
    expect(today).toEqual({ values: { days_since_ticket: 0 }, nextChangeAt: at('2026-11-24T00:00:00Z') });
    const future = computeBehaviour(only, p, { windows: [{ count: 1, first: at('2026-11-30T10:00:00Z'), last: at('2026-11-30T10:00:00Z') }], experience: null }, now, 'UTC');
    expect(future).toEqual({ values: { days_since_ticket: 0 }, nextChangeAt: at('2026-12-01T00:00:00Z') });
  });

  it('counts calendar days in the zone', () => {
    const only = [ATTRS[2]];
    const evening = at('2026-11-23T03:00:00Z'); // Nov 22, 22:00 in New York
    const p = planBehaviour(only, evening, 'America/New_York');
    const r = computeBehaviour(only, p, { windows: [{ count: 1, first: at('2026-11-22T04:00:00Z'), last: at('2026-11-22T04:00:00Z') }], experience: null }, evening, 'America/New_York');
    // The event was Nov 21, 23:00 local: one day ago; it becomes 2 at local midnight (05:00Z).
    expect(r).toEqual({ values: { days_since_ticket: 1 }, nextChangeAt: at('2026-11-23T05:00:00Z') });
  });
});

describe('helpers', () => {
  it('trackedTouchpoints', () => {
    expect([...trackedTouchpoints(ATTRS)]).toEqual(['support_ticket']);
  });
});
