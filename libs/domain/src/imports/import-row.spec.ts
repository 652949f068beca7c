import { CANONICAL_ATTRIBUTES, catalogOf } from '../attributes/attribute';
import { checkImportRow, ImportRowOptions, MAX_IMPORT_VALUE_LENGTH } from './import-row';

const catalog = catalogOf([...CANONICAL_ATTRIBUTES, { name: 'plan', type: 'enum', enumValues: ['free', 'pro'] }]);
const reject: ImportRowOptions = { catalog, unknown: 'reject' };
const check = (value: unknown, options = reject) => checkImportRow({ line: 7, value }, options);

describe('checkImportRow', () => {
  it('accepts flat rows and nested rows alike', () => {
    expect(check({ id: 'c1', email: 'a@x.io', employees: 12, tags: ['vip'], email_opt_out: false })).toEqual({
      ok: true,
      customer: { externalId: 'c1', attributes: { email: 'a@x.io', employees: 12, tags: ['vip'], email_opt_out: false } },
    });
    expect(check({ id: 'c1', attributes: { plan: 'pro', city: null } })).toEqual({
      ok: true,
      customer: { externalId: 'c1', attributes: { plan: 'pro', city: null } },
    });
  });

  it('takes external_id as the id, and numbers as strings', () => {
    expect(check({ external_id: 'x-9', plan: 'free' })).toMatchObject({ ok: true, customer: { externalId: 'x-9' } });
    expect(check({ id: 42 })).toMatchObject({ ok: true, customer: { externalId: '42', attributes: {} } });
    expect(check({ id: 'a', external_id: 'a' })).toMatchObject({ ok: true });
  });

  it('requires an id of at most 255 characters', () => {
    expect(check({ email: 'a@x.io' })).toEqual({ ok: false, errors: [{ line: 7, field: 'id', message: 'id is required' }] });
    expect(check({ id: '   ' })).toMatchObject({ ok: false, errors: [{ field: 'id', message: 'id must not be blank' }] });
    expect(check({ id: 'x'.repeat(256) })).toMatchObject({ ok: false, errors: [{ field: 'id' }] });
    expect(check({ id: true })).toMatchObject({ ok: false, errors: [{ field: 'id' }] });
    expect(check({ id: 'a', external_id: 'b' })).toMatchObject({ ok: false, errors: [{ field: 'external_id' }] });
  });

  it('rejects unknown attributes by name unless told to ignore them', () => {
    expect(check({ id: 'c1', favourite_colour: 'red', attributes_x: 1 })).toEqual({
      ok: false,
      errors: [
        { line: 7, field: 'favourite_colour', message: expect.stringContaining('unknown attribute "favourite_colour"') },
        { line: 7, field: 'attributes_x', message: expect.stringContaining('unknown attribute') },
      ],
    });
    expect(check({ id: 'c1', attributes: { nope: 1 } })).toMatchObject({ ok: false, errors: [{ field: 'attributes.nope' }] });
    expect(check({ id: 'c1', favourite_colour: 'red', plan: 'pro' }, { catalog, unknown: 'ignore' })).toEqual({
      ok: true,
      customer: { externalId: 'c1', attributes: { plan: 'pro' } },
    });
  });

  it('checks shapes, not types: loose scalars pass, nested objects and stray lists do not', () => {
    expect(check({ id: 'c1', employees: 'twelve', email_opt_out: 'yes' })).toMatchObject({ ok: true });
    expect(check({ id: 'c1', company: { name: 'x' }, tags: [1], city: ['a'] })).toEqual({
      ok: false,
      errors: [
        { line: 7, field: 'company', message: expect.stringContaining('nested objects') },
        { line: 7, field: 'tags', message: 'a string_list holds strings only' },
        { line: 7, field: 'city', message: 'a list is only allowed for string_list attributes' },
      ],
    });
  });

  it('refuses non-objects and stray fields next to "attributes"', () => {
    expect(check([1, 2])).toMatchObject({ ok: false, errors: [{ field: '(row)' }] });
    expect(check('x')).toMatchObject({ ok: false, errors: [{ field: '(row)' }] });
    expect(check({ id: 'c1', attributes: {}, email: 'a@x.io' })).toMatchObject({ ok: false, errors: [{ field: 'email' }] });
  });

  it('passes on a reader problem as the row error', () => {
    expect(checkImportRow({ line: 3, problem: { field: '(row)', message: 'malformed JSON' } }, reject)).toEqual({
      ok: false,
      errors: [{ line: 3, field: '(row)', message: 'malformed JSON' }],
    });
  });

  it('refuses text Postgres cannot store (NUL, unpaired surrogates) and over-long values, naming the field', () => {
    const errors = (value: unknown) => {
      const result = check(value);
      return result.ok ? [] : result.errors.map((e) => e.field);
    };
    expect(errors({ id: 'c\u0000' })).toEqual(['id']);
    expect(errors({ id: 'c\ud800' })).toEqual(['id']);
    expect(errors({ id: 'c1', city: 'Os\u0000lo' })).toEqual(['city']);
    expect(errors({ id: 'c1', attributes: { city: 'x\udc00' } })).toEqual(['attributes.city']);
    expect(errors({ id: 'c1', tags: ['ok', 'b\u0000d'] })).toEqual(['tags']);
    expect(errors({ id: 'c1', 'ci\u0000ty': 'Oslo' })).toEqual(['ci\u0000ty']);
    expect(errors({ id: 'c1', city: 'x'.repeat(MAX_IMPORT_VALUE_LENGTH + 1) })).toEqual(['city']);
    // A surrogate pair is one character, not a problem.
    expect(check({ id: 'c1', city: 'Oslo 😀' }).ok).toBe(true);
  });
});
