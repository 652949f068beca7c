import { CANONICAL_CATALOG } from '../attributes/attribute';
import { ValidationError } from '../errors/domain-error';
import { buildPersonaSet } from './persona-set-builder';

const p = (key: string, priority: number | null, extra: object = {}) => ({
  id: `${key}-id`,
  versionId: `${key}-v`,
  key,
  name: key,
  priority,
  enabled: true,
  isFallback: false,
  version: 1,
  rule: { attribute: 'country', operator: 'equals', value: 'US' },
  ...extra,
});

describe('buildPersonaSet', () => {
  it('orders by priority, drops disabled personas, puts the fallback last and freezes used attributes', () => {
    const set = buildPersonaSet(
      [
        p('b', 2, { rule: { all: [{ attribute: 'total_revenue', operator: 'gt', value: 1 }] } }),
        p('fallback', null, { isFallback: true, rule: null }),
        p('a', 1),
        p('off', 3, { enabled: false, rule: { attribute: 'tags', operator: 'is_set' } }),
      ],
      CANONICAL_CATALOG,
    );
    expect(set.members.map((m) => m.key)).toEqual(['a', 'b', 'fallback']);
    expect(set.catalog.map((c) => c.name)).toEqual(['country', 'total_revenue']);
  });

  it('needs exactly one fallback and distinct priorities', () => {
    expect(() => buildPersonaSet([p('a', 1)], CANONICAL_CATALOG)).toThrow(ValidationError);
    expect(() => buildPersonaSet([p('a', 1), p('b', 1), p('f', null, { isFallback: true })], CANONICAL_CATALOG)).toThrow(/distinct/);
  });
});
