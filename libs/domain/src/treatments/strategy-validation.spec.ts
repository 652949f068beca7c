import { CANONICAL_CATALOG } from '../attributes/attribute';
import type { Touchpoint } from './journey';
import { DEFAULT_CONTACT_POLICIES, type StrategyCell } from './strategy';
import { StrategyPreviewer, strategyGaps } from './strategy-preview';
import { checkStrategyDraft, eventPropertiesOf, type StrategyCheckContext } from './strategy-validation';
import type { Treatment } from './treatment';

const touchpoint = (key: string, momentOfTruth = false, eventProperties: Touchpoint['eventProperties'] = []): Touchpoint => ({
  key,
  name: key,
  stageKey: 'purchase',
  channel: 'web',
  major: false,
  momentOfTruth,
  owner: '',
  description: '',
  builtIn: false,
  position: 1,
  eventProperties,
});
const touchpoints = [touchpoint('checkout', true, [{ name: 'cart_value', type: 'number' }]), touchpoint('browse')];
const treatments: Treatment[] = [
  { key: 'offer', name: 'Offer', description: '', channel: 'email', type: 'webhook', config: { destinationId: 'd' } },
  { key: 'script', name: 'Script', description: '', channel: 'phone', type: 'agent_script', config: { script: 'hi' } },
  { key: 'nothing', name: 'Nothing', description: '', channel: 'other', type: 'no_action', config: {} },
];
const ctx: StrategyCheckContext = {
  personaKeys: new Set(['vip', 'rest']),
  touchpoints,
  treatments,
  catalog: CANONICAL_CATALOG,
  isTimeZone: (z) => z === 'UTC' || z === 'Europe/London',
};
const big = { attribute: 'event.cart_value', operator: 'gte', value: 100 };

describe('checkStrategyDraft', () => {
  it('accepts conditions over customer attributes and the touchpoint event properties', () => {
    const cells: StrategyCell[] = [{ personaKey: 'vip', touchpointKey: 'checkout', options: [{ treatmentKey: 'offer', condition: big }, { treatmentKey: 'script' }] }];
    expect(checkStrategyDraft({ cells, policies: DEFAULT_CONTACT_POLICIES }, ctx).errors).toEqual([]);
  });

  it('names every problem at its place', () => {
    const cells: StrategyCell[] = [
      { personaKey: 'ghost', touchpointKey: 'nowhere', options: [{ treatmentKey: 'nope' }] },
      // event.cart_value belongs to checkout, not browse
      { personaKey: 'vip', touchpointKey: 'browse', options: [{ treatmentKey: 'offer', condition: big }] },
      { personaKey: 'vip', touchpointKey: 'browse', options: [{ treatmentKey: 'script' }, { treatmentKey: 'offer' }] },
    ];
    const { errors, warnings } = checkStrategyDraft(
      { cells, policies: { ...DEFAULT_CONTACT_POLICIES, holdoutPercent: 60, caps: [{ scope: 'channel', key: 'fax', period: 'day', max: 1 }], defaultTimeZone: 'Nowhere/X' } },
      ctx,
    );
    expect(errors.map((e) => [e.field, e.code])).toEqual(
      expect.arrayContaining([
        ['cells[0].personaKey', 'UNKNOWN_PERSONA'],
        ['cells[0].touchpointKey', 'UNKNOWN_TOUCHPOINT'],
        ['cells[0].options[0].treatmentKey', 'UNKNOWN_TREATMENT'],
        ['cells[2]', 'DUPLICATE_CELL'],
        ['policies.caps[0].key', 'UNKNOWN_CHANNEL'],
        ['policies.holdoutPercent', 'OUT_OF_RANGE'],
        ['policies.defaultTimeZone', 'INVALID_TIME_ZONE'],
      ]),
    );
    expect(errors.some((e) => e.field.startsWith('cells[1].options[0].condition.$'))).toBe(true);
    expect(warnings.map((w) => w.field)).toContain('cells[2].options[1]');
  });

  it('lists the event properties a condition reads', () => {
    expect(eventPropertiesOf({ all: [big, { attribute: 'country', operator: 'equals', value: 'GB' }] })).toEqual(['cart_value']);
    expect(eventPropertiesOf(undefined)).toEqual([]);
  });
});

describe('StrategyPreviewer', () => {
  const now = { now: Date.parse('2026-12-06T12:00:00Z'), timeZone: 'UTC' };
  const gb = { attribute: 'country', operator: 'equals', value: 'GB' };

  it('counts options per persona, stops at event-dependent options and reports changes against the live strategy', () => {
    const draft = {
      touchpoints,
      treatments,
      cells: [
        { personaKey: 'vip', touchpointKey: 'checkout', options: [{ treatmentKey: 'script', condition: gb }, { treatmentKey: 'offer', condition: big }, { treatmentKey: 'nothing' }] },
      ],
    };
    const live = { version: 3, touchpoints, treatments, cells: [{ personaKey: 'vip', touchpointKey: 'checkout', options: [{ treatmentKey: 'script' }] }] };
    const p = new StrategyPreviewer(draft, live, CANONICAL_CATALOG, now, ['vip', 'rest']);
    p.add('vip', { country: 'GB' });
    p.add('vip', { country: 'US' });
    p.add('rest', { country: 'GB' });
    p.add(null, {});
    const result = p.result();
    expect(result).toMatchObject({ customers: 4, withoutPersona: 1, liveVersion: 3 });
    const checkout = result.touchpoints[0];
    expect(checkout.personas).toEqual([
      {
        personaKey: 'vip',
        customers: 2,
        options: [
          { index: 0, treatmentKey: 'script', customers: 1, dependsOnEvent: [] },
          { index: 1, treatmentKey: 'offer', customers: 1, dependsOnEvent: ['cart_value'] },
          { index: 2, treatmentKey: 'nothing', customers: 0, dependsOnEvent: [] },
        ],
        noTreatment: 0,
      },
      { personaKey: 'rest', customers: 1, options: [], noTreatment: 1 },
    ]);
    expect(checkout.changes).toEqual([{ personaKey: 'vip', from: 'script', to: 'depends_on_event', customers: 1 }]);
  });
});

describe('strategyGaps', () => {
  it('lists moments of truth a persona gets nothing at, with the reason', () => {
    const cells: StrategyCell[] = [
      { personaKey: 'vip', touchpointKey: 'checkout', options: [{ treatmentKey: 'nothing' }] },
      { personaKey: 'rest', touchpointKey: 'checkout', options: [{ treatmentKey: 'offer', condition: big }] },
      { personaKey: 'new', touchpointKey: 'checkout', options: [] },
    ];
    expect(strategyGaps({ touchpoints, treatments, cells }, ['vip', 'rest', 'new', 'lost']).map((g) => [g.personaKey, g.reason])).toEqual([
      ['vip', 'no_action_only'],
      ['rest', 'conditional_only'],
      ['new', 'no_options'],
      ['lost', 'no_cell'],
    ]);
  });
});
