import { CANONICAL_CATALOG } from '../attributes/attribute';
import { compileStrategy } from './decide';
import { DEFAULT_JOURNEY_STAGES, type Touchpoint } from './journey';
import { DEFAULT_CONTACT_POLICIES, type PublishedStrategy } from './strategy';
import { journeyOrder, previewTouchpoint, readsEventProperties } from './strategy-view';

const tp = (key: string, stageKey: string, position: number): Touchpoint => ({
  key, name: key, stageKey, channel: 'email', major: true, momentOfTruth: false, owner: '', description: '', builtIn: false, position, eventProperties: [{ name: 'plan', type: 'string' }],
});
const strategy: PublishedStrategy = {
  version: 1, publishedAt: '', stages: [...DEFAULT_JOURNEY_STAGES],
  touchpoints: [tp('renew', 'loyalty', 1), tp('signup', 'purchase', 2), tp('visit', 'awareness', 1), tp('cart', 'purchase', 1)],
  treatments: [
    { key: 'a', name: 'A', description: '', channel: 'email', type: 'webhook', config: { destinationId: 'd' } },
    { key: 'b', name: 'B', description: '', channel: 'email', type: 'webhook', config: { destinationId: 'd' } },
  ],
  cells: [
    { personaKey: 'vip', touchpointKey: 'signup', options: [
      { treatmentKey: 'a', condition: { all: [{ attribute: 'event.plan', operator: 'equals', value: 'pro' }] } },
      { treatmentKey: 'b', condition: { attribute: 'country', operator: 'equals', value: 'FR' } },
      { treatmentKey: 'a' },
    ] },
    { personaKey: 'vip', touchpointKey: 'renew', options: [{ treatmentKey: 'b' }] },
  ],
  policies: { ...DEFAULT_CONTACT_POLICIES, consent: [{ channel: 'email', attribute: 'email_opt_out' }] },
};
const compiled = compileStrategy(strategy, CANONICAL_CATALOG);
const NOW = Date.parse('2026-06-10T12:00:00Z');

describe('the agent view of a touchpoint', () => {
  it('orders touchpoints by journey stage then position', () => {
    expect(journeyOrder(compiled).map((t) => t.key)).toEqual(['visit', 'cart', 'signup', 'renew']);
  });

  it('says which options depend on the event and what the customer gets otherwise', () => {
    const p = previewTouchpoint({ now: NOW, strategy: compiled, touchpoint: strategy.touchpoints[1], personaKey: 'vip', customer: { id: '1', attributes: { country: 'FR' } }, counted: [] });
    expect(p.options.map((o) => o.standing)).toEqual(['depends_on_event', 'holds', 'always']);
    expect(p).toMatchObject({ outcome: 'treated', dependsOnEvent: true, optionIndex: 1, treatment: { key: 'b' } });
    const de = previewTouchpoint({ now: NOW, strategy: compiled, touchpoint: strategy.touchpoints[1], personaKey: 'vip', customer: { id: '1', attributes: { country: 'DE' } }, counted: [] });
    expect(de.options[1].standing).toBe('does_not_hold');
    expect(de.optionIndex).toBe(2);
  });

  it('applies the contact policies, and says when there is nothing', () => {
    const refused = previewTouchpoint({ now: NOW, strategy: compiled, touchpoint: strategy.touchpoints[0], personaKey: 'vip', customer: { id: '1', attributes: { email_opt_out: true } }, counted: [] });
    expect(refused).toMatchObject({ outcome: 'suppressed', reasons: [{ code: 'OPTION_MATCHED' }, { code: 'CONSENT_REFUSED' }] });
    expect(previewTouchpoint({ now: NOW, strategy: compiled, touchpoint: strategy.touchpoints[2], personaKey: 'vip', customer: { id: '1', attributes: {} }, counted: [] }).reasons[0].code).toBe('NO_CELL');
    expect(previewTouchpoint({ now: NOW, strategy: compiled, touchpoint: strategy.touchpoints[2], personaKey: null, customer: { id: '1', attributes: {} }, counted: [] }).reasons[0].code).toBe('NO_PERSONA');
  });

  it('finds event attributes anywhere in a condition', () => {
    expect(readsEventProperties({ any: [{ attribute: 'country', operator: 'equals', value: 'x' }, { not: { attribute: 'event.plan', operator: 'exists' } }] })).toBe(true);
    expect(readsEventProperties({ attribute: 'country', operator: 'equals', value: 'event.x' })).toBe(false);
  });
});
