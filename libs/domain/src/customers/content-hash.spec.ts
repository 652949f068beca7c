import { canonicalAttributesJson, canonicalJson, compactAttributes } from './content-hash';

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
  it('keeps the text stored content hashes were made from', () => {
    expect(canonicalJson({ b: [1, null, 'x'], a: { d: true, c: null }, 'é': 1.5, Z: '"q"', z: null })).toBe(
      '{"Z":"\\"q\\"","a":{"d":true},"b":[1,null,"x"],"é":1.5}',
    );
  });
  it('compacts null and undefined members', () => {
    expect(compactAttributes({ a: null, b: undefined, c: 0, d: '' })).toEqual({ c: 0, d: '' });
    expect(compactAttributes({ c: 0, d: '' })).toEqual({ c: 0, d: '' });
  });
});

describe('canonicalAttributesJson', () => {
  it('is the plain JSON of a document of scalars and arrays of scalars', () => {
    const doc = { b: [1, 'x'], a: 'y', c: false };
    const { json, plain } = canonicalAttributesJson(doc);
    expect(json).toBe(canonicalJson(doc));
    expect(plain).toBe(true);
    expect(JSON.parse(json)).toEqual(doc);
  });
  it('says when the canonical text is not the document (nested objects)', () => {
    expect(canonicalAttributesJson({ a: { b: null } }).plain).toBe(false);
    expect(canonicalAttributesJson({ a: [{ b: 1 }] }).plain).toBe(false);
    expect(canonicalAttributesJson({ a: new Date(0) }).plain).toBe(false);
  });
});
