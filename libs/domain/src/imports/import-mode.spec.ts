import { mergeImportedAttributes } from './import-mode';

describe('mergeImportedAttributes', () => {
  it('writes what the row carries, clears what it sets to null, keeps the rest', () => {
    expect(mergeImportedAttributes({ email: 'a@x.io', tags: ['vip'], city: 'Oslo' }, { city: 'Bergen', tags: null, plan: 'pro' })).toEqual({
      email: 'a@x.io',
      city: 'Bergen',
      plan: 'pro',
    });
  });

  it('is the row itself (nulls dropped) for a new customer', () => {
    expect(mergeImportedAttributes(undefined, { city: 'Oslo', tags: null })).toEqual({ city: 'Oslo' });
  });
});
