import { CANONICAL_CATALOG } from '../attributes/attribute';
import { compileStrategy, decide, type DecideInput } from './decide';
import type { CountedDelivery } from './frequency-caps';
import { holdoutBucket } from './holdout';
import type { Touchpoint } from './journey';
import { DEFAULT_CONTACT_POLICIES, type ContactPolicies, type PublishedStrategy } from './strategy';
import type { Treatment } from './treatment';

const tp = (key: string, over: Partial<Touchpoint> = {}): Touchpoint => ({
  key, name: key, stageKey: 'service', channel: 'email', major: true, momentOfTruth: false, owner: 'cx', description: '', builtIn: false, position: 1,
  eventProperties: [{ name: 'plan', type: 'string' }], ...over,
});
const treatments: Treatment[] = [
  { key: 'welcome_mail', name: 'Welcome', description: '', channel: 'email', type: 'webhook', config: { destinationId: 'd1' } },
  { key: 'vip_call', name: 'Call', description: '', channel: 'phone', type: 'crm_task', config: { subject: 'Call', dueInDays: 0 } },
  { key: 'script', name: 'Script', description: '', channel: 'phone', type: 'agent_script', config: { script: 'Hello' } },
  { key: 'nothing', name: 'Nothing', description: '', channel: 'other', type: 'no_action', config: {} },
];

function strategy(policies: Partial<ContactPolicies> = {}, over: Partial<PublishedStrategy> = {}): PublishedStrategy {
  return {
    version: 3, publishedAt: '2026-06-01T00:00:00Z', stages: [],
    touchpoints: [tp('signup'), tp('renewal', { momentOfTruth: true }), tp('call', { channel: 'phone' })],
    treatments,
    cells: [
      { personaKey: 'vip', touchpointKey: 'signup', options: [
        { treatmentKey: 'vip_call', condition: { attribute: 'event.plan', operator: 'equals', value: 'pro' } },
        { treatmentKey: 'welcome_mail' },
      ] },
      { personaKey: 'vip', touchpointKey: 'renewal', options: [{ treatmentKey: 'welcome_mail' }] },
      { personaKey: 'vip', touchpointKey: 'call', options: [{ treatmentKey: 'script' }] },
      { personaKey: 'basic', touchpointKey: 'signup', options: [{ treatmentKey: 'nothing' }] },
      { personaKey: 'us_only', touchpointKey: 'signup', options: [{ treatmentKey: 'welcome_mail', condition: { attribute: 'country', operator: 'equals', value: 'US' } }] },
    ],
    policies: { ...DEFAULT_CONTACT_POLICIES, ...policies },
    ...over,
  };
}

const NOW = Date.parse('2026-06-10T12:00:00Z');
function input(over: Partial<DecideInput> & { policies?: Partial<ContactPolicies> } = {}): DecideInput {
  const { policies, ...rest } = over;
  return {
    now: NOW,
    event: { touchpointKey: 'signup', properties: { plan: 'free' } },
    customer: { id: '7', attributes: { country: 'DE' }, deleted: false },
    personaKey: 'vip',
    strategy: compileStrategy(strategy(policies), CANONICAL_CATALOG),
    counted: [],
    ...rest,
  };
}
const codes = (r: { reasons: Array<{ code: string }> }) => r.reasons.map((x) => x.code);

describe('decide', () => {
  it('takes the first option whose condition holds, with event properties as event.*', () => {
    const pro = decide(input({ event: { touchpointKey: 'signup', properties: { plan: 'pro' } } }));
    expect(pro).toMatchObject({ outcome: 'treated', optionIndex: 0, treatment: { key: 'vip_call' }, delivery: { status: 'pending', sendAt: NOW } });
    const free = decide(input());
    expect(free).toMatchObject({ outcome: 'treated', optionIndex: 1, treatment: { key: 'welcome_mail' } });
    expect(codes(free)).toEqual(['OPTION_MATCHED']);
  });

  it('records why nothing was given: no strategy, no persona, no cell, no option, no action, deleted', () => {
    expect(codes(decide(input({ strategy: null })))).toEqual(['NO_STRATEGY']);
    expect(codes(decide(input({ personaKey: null })))).toEqual(['NO_PERSONA']);
    expect(codes(decide(input({ personaKey: 'nobody' })))).toEqual(['NO_CELL']);
    expect(decide(input({ personaKey: 'us_only' }))).toMatchObject({ outcome: 'no_treatment', reasons: [{ code: 'NO_OPTION_MATCHED' }] });
    expect(decide(input({ personaKey: 'basic' }))).toMatchObject({ outcome: 'no_treatment', delivery: null, reasons: [{ code: 'OPTION_MATCHED' }, { code: 'NO_ACTION' }] });
    expect(decide(input({ customer: { id: '7', attributes: {}, deleted: true } }))).toMatchObject({ outcome: 'suppressed', reasons: [{ code: 'CUSTOMER_DELETED' }] });
  });

  it('consent: suppressed with the attribute named', () => {
    const r = decide(input({ policies: { consent: [{ channel: 'email', attribute: 'email_opt_out' }] }, customer: { id: '7', attributes: { email_opt_out: true }, deleted: false } }));
    expect(r).toMatchObject({ outcome: 'suppressed', delivery: null, reasons: [{ code: 'OPTION_MATCHED' }, { code: 'CONSENT_REFUSED', details: { channel: 'email', attribute: 'email_opt_out' } }] });
  });

  it('a treatment paused after ignored deliveries is suppressed until the pause ends, others are not', () => {
    const until = NOW + 86_400_000;
    const paused = [{ treatmentKey: 'welcome_mail', until }];
    const r = decide(input({ paused }));
    expect(r).toMatchObject({ outcome: 'suppressed', delivery: null, reasons: [{ code: 'OPTION_MATCHED' }, { code: 'TREATMENT_PAUSED', details: { treatmentKey: 'welcome_mail', until: new Date(until).toISOString() } }] });
    expect(decide(input({ paused, now: until }))).toMatchObject({ outcome: 'treated', treatment: { key: 'welcome_mail' } });
    expect(decide(input({ paused, event: { touchpointKey: 'signup', properties: { plan: 'pro' } } }))).toMatchObject({ outcome: 'treated', treatment: { key: 'vip_call' } });
  });

  it('holdout: the customers under the share are held out, others treated', () => {
    const salt = 'strategy-salt';
    const inId = Array.from({ length: 500 }, (_, i) => String(i + 1)).find((id) => holdoutBucket(salt, id) < 1000)!;
    const outId = Array.from({ length: 500 }, (_, i) => String(i + 1)).find((id) => holdoutBucket(salt, id) >= 1000)!;
    const policies = { holdoutPercent: 10, holdoutSalt: salt };
    expect(decide(input({ policies, customer: { id: inId, attributes: {}, deleted: false } }))).toMatchObject({ outcome: 'held_out', delivery: null, reasons: [{ code: 'OPTION_MATCHED' }, { code: 'HOLDOUT' }] });
    expect(decide(input({ policies, customer: { id: outId, attributes: {}, deleted: false } })).outcome).toBe('treated');
  });

  it('quiet hours: held until the window ends in the customer zone, never dropped', () => {
    const policies = { quietHours: { start: '21:00', end: '08:00', channels: ['email' as const] } };
    // 12:00 UTC is 21:00 in Tokyo.
    const r = decide(input({ policies, customer: { id: '7', attributes: { time_zone: 'Asia/Tokyo' }, deleted: false } }));
    expect(r).toMatchObject({ outcome: 'held', delivery: { status: 'held', sendAt: Date.parse('2026-06-10T23:00:00Z') }, timeZone: 'Asia/Tokyo' });
    expect(r.reasons[1]).toMatchObject({ code: 'QUIET_HOURS', details: { releaseAt: '2026-06-10T23:00:00.000Z' } });
    expect(decide(input({ policies, customer: { id: '7', attributes: { time_zone: 'Europe/Berlin' }, deleted: false } })).outcome).toBe('treated');
  });

  it('frequency cap: suppressed with the cap and until when', () => {
    const policies = { caps: [{ scope: 'channel' as const, key: 'email', period: 'day' as const, max: 1 }] };
    const counted: CountedDelivery[] = [{ id: '1', treatmentKey: 'x', channel: 'email', at: NOW - 3600_000, momentOfTruth: false, bumpable: false }];
    const r = decide(input({ policies, counted }));
    expect(r).toMatchObject({ outcome: 'suppressed', delivery: null });
    expect(r.reasons[1]).toMatchObject({ code: 'FREQUENCY_CAP', details: { period: 'day', max: 1, count: 1, until: '2026-06-11T00:00:00.000Z' } });
    expect(decide(input({ policies, counted: [{ ...counted[0], at: NOW - 13 * 3600_000 }] })).outcome).toBe('treated');
  });

  it('a held treatment counts against the caps of the day it lands on', () => {
    const policies = {
      quietHours: { start: '21:00', end: '08:00', channels: ['email' as const] },
      caps: [{ scope: 'channel' as const, key: 'email', period: 'day' as const, max: 1 }],
    };
    const late = Date.parse('2026-06-10T22:00:00Z');
    const sentToday: CountedDelivery = { id: '1', treatmentKey: 'x', channel: 'email', at: late - 3600_000, momentOfTruth: false, bumpable: false };
    expect(decide(input({ now: late, policies, counted: [sentToday] })).outcome).toBe('held'); // lands tomorrow 08:00
  });

  it('priority: a moment of truth takes the place of a held treatment under a cap; others are capped', () => {
    const policies = { caps: [{ scope: 'channel' as const, key: 'email', period: 'day' as const, max: 1 }] };
    const held: CountedDelivery = { id: '55', treatmentKey: 'x', channel: 'email', at: NOW + 3600_000, momentOfTruth: false, bumpable: true };
    const mot = decide(input({ policies, counted: [held], event: { touchpointKey: 'renewal', properties: {} } }));
    expect(mot).toMatchObject({ outcome: 'treated', displace: ['55'], delivery: { status: 'pending' } });
    expect(codes(mot)).toEqual(['OPTION_MATCHED', 'PRIORITY']);
    const minor = decide(input({ policies, counted: [held] }));
    expect(minor).toMatchObject({ outcome: 'suppressed', displace: [] });
    expect(codes(minor)).toEqual(['OPTION_MATCHED', 'FREQUENCY_CAP']);
    const sent = { ...held, bumpable: false };
    expect(decide(input({ policies, counted: [sent], event: { touchpointKey: 'renewal', properties: {} } })).outcome).toBe('suppressed');
  });

  it('an option whose condition no longer compiles (attribute deleted since) is skipped, not fatal', () => {
    const s = strategy({}, {});
    s.cells[0].options[0] = { treatmentKey: 'vip_call', condition: { attribute: 'gone_attribute', operator: 'equals', value: 'x' } };
    expect(decide(input({ strategy: compileStrategy(s, CANONICAL_CATALOG) }))).toMatchObject({ outcome: 'treated', optionIndex: 1, treatment: { key: 'welcome_mail' } });
  });

  it('agent scripts make a decision without a delivery; only the holdout applies to them', () => {
    const policies = {
      consent: [{ channel: 'phone' as const, attribute: 'do_not_call' }],
      quietHours: { start: '00:00', end: '23:59', channels: ['phone' as const] },
    };
    const r = decide(input({ policies, event: { touchpointKey: 'call', properties: {} }, customer: { id: '7', attributes: { do_not_call: true }, deleted: false } }));
    expect(r).toMatchObject({ outcome: 'treated', treatment: { key: 'script' }, delivery: null });
  });
});
