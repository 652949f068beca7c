import { STRATEGY_SUMMARY_MAX, strategySummaryOf } from './strategy-summary';

describe('strategySummaryOf', () => {
  it('joins name and description and stays within field limits', () => {
    expect(strategySummaryOf({ personaName: 'Champion', personaDescription: ' Loves  us ' })).toBe('Champion: Loves us');
    expect(strategySummaryOf({ personaName: 'X', personaDescription: '' })).toBe('X');
    expect(strategySummaryOf({ personaName: 'X', personaDescription: 'y'.repeat(400) }).length).toBe(STRATEGY_SUMMARY_MAX);
  });
});
