import { mergeEnumValues } from './merge-enum-values';

describe('mergeEnumValues', () => {
  it('keeps the catalog spelling of a value both CRMs have, and adds the others in order', () => {
    expect(mergeEnumValues(['bronze', 'silver', 'gold'], ['Gold', 'Platinum', 'silver'])).toEqual(['bronze', 'silver', 'gold', 'Platinum']);
  });

  it('never drops a value the catalog had, and is stable when nothing is new', () => {
    expect(mergeEnumValues(['a', 'b'], ['b'])).toEqual(['a', 'b']);
    expect(mergeEnumValues(['a', 'b'], ['A', ' b '])).toEqual(['a', 'b']);
  });

  it('starts from the incoming values, without duplicates of its own or blanks', () => {
    expect(mergeEnumValues([], ['Gold', 'gold', '', 'Silver'])).toEqual(['Gold', 'Silver']);
  });
});
