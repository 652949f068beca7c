import { DEFAULT_JOURNEY_STAGES } from '../treatments/journey';
import type { PublishedStrategy } from '../treatments/strategy';
import { STRATEGY_SUMMARY_MAX, strategySummaryOf } from './strategy-summary';

const touchpoint = (key: string, stageKey: string, position: number, momentOfTruth = true) =>
  ({ key, name: key.replace(/_/g, ' '), stageKey, channel: 'email', major: true, momentOfTruth, owner: 'cx', description: '', builtIn: false, position, eventProperties: [] }) as any;

const strategy = (cells: Array<[string, string, string]>): PublishedStrategy =>
  ({
    version: 3,
    publishedAt: '2026-12-01T00:00:00Z',
    stages: DEFAULT_JOURNEY_STAGES,
    touchpoints: [touchpoint('renewal_call', 'loyalty', 1), touchpoint('welcome', 'onboarding', 1), touchpoint('newsletter', 'awareness', 1, false), touchpoint('first_order', 'purchase', 1)],
    treatments: [
      { key: 'vip_script', name: 'VIP script', type: 'agent_script', config: { text: 'x' } },
      { key: 'nothing', name: 'Nothing', type: 'no_action', config: {} },
      { key: 'promo', name: 'Promo', type: 'agent_script', config: { text: 'y' } },
    ],
    cells: cells.map(([personaKey, touchpointKey, treatmentKey]) => ({ personaKey, touchpointKey, options: [{ treatmentKey }] })),
    policies: {},
  }) as any;

describe('strategySummaryOf', () => {
  const base = { personaKey: 'champion', personaName: 'Champion', personaDescription: ' Loves  us ' };

  it('is the persona and its description when no strategy is published', () => {
    expect(strategySummaryOf(base)).toBe('Champion: Loves us');
    expect(strategySummaryOf({ ...base, personaDescription: '' })).toBe('Champion');
  });

  it("names the persona's treatments at the moments of truth in journey order, skipping no-action and minor moments", () => {
    const s = strategy([
      ['champion', 'renewal_call', 'vip_script'],
      ['champion', 'welcome', 'promo'],
      ['champion', 'first_order', 'nothing'],
      ['champion', 'newsletter', 'promo'],
      ['other', 'first_order', 'promo'],
    ]);
    expect(strategySummaryOf({ ...base, strategy: s })).toBe('Champion: Loves us | Next moments: welcome: Promo; renewal call: VIP script');
    expect(strategySummaryOf({ ...base, personaKey: 'nobody', strategy: s })).toBe('Champion: Loves us | Next moments: none');
  });

  it('stays within the CRM text limit', () => {
    expect(strategySummaryOf({ ...base, personaDescription: 'y'.repeat(400) }).length).toBe(STRATEGY_SUMMARY_MAX);
  });
});
