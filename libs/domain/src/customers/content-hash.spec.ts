import { canonicalJson, compactAttributes } from './content-hash';

describe('canonicalJson', () => {
  it('ignores key order and null members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: null }], c: 'x' } })).toBe(
      canonicalJson({ a: { c: 'x', d: [1, { y: 2 }] }, b: 1, z: null }),
    );
  });
  it('tells different values apart', () => {
    expect(canonicalJson({ a: '1' })).not.toBe(canonicalJson({ a: 1 }));
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
  });
  it('compacts null and undefined members', () => {
    expect(compactAttributes({ a: null, b: undefined, c: 0, d: '' })).toEqual({ c: 0, d: '' });
  });
});
