import { checksumSuffix, makeId, parseId } from './salesforce-ids';

describe('Salesforce ids', () => {
  it('computes the 18-character case-safety suffix', () => {
    // Each 5-character chunk sets one bit per upper-case letter.
    expect(checksumSuffix('001000000000000')).toBe('AAA');
    expect(checksumSuffix('A0000B0000C0000')).toBe('BBB');
    expect(checksumSuffix('AAAAAAAAAAAAAAA')).toBe('555');
  });

  it('round-trips serials and orders like the index', () => {
    const ids = [0, 1, 61, 62, 1_000_000].map((n) => makeId('003', n));
    for (const [i, n] of [0, 1, 61, 62, 1_000_000].entries()) expect(parseId(ids[i] as string)).toMatchObject({ prefix: '003', serial: n });
    expect([...ids].sort()).toEqual(ids);
    expect(parseId((ids[2] as string).slice(0, 15))?.id18).toBe(ids[2]);
    expect(parseId('003xx000004TmiQ')).toBeUndefined();
    expect(parseId(`${(ids[1] as string).slice(0, 15)}ZZZ`)).toBeUndefined();
  });
});
