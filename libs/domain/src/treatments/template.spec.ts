import { renderTemplate, TEMPLATE_LIMITS, TemplateContext, validateTemplate } from './template';

const ctx: TemplateContext = {
  customer: { id: '42', email: 'ada@example.com', total_revenue: 1200, tags: ['a', 'b'], country: 'GB' },
  persona: { key: 'vip', name: 'VIP', description: 'Big spenders' },
  touchpoint: { key: 'checkout', name: 'Checkout' },
  event: { id: '7', occurredAt: '2026-12-06T10:00:00.000Z', amount: 99.5, 'cart.size': 3 },
};

describe('renderTemplate', () => {
  it('keeps the JSON type of a whole-string placeholder and writes others as text', () => {
    const out = renderTemplate(
      {
        email: '{{customer.email}}',
        revenue: '{{ customer.total_revenue }}',
        tags: '{{customer.tags}}',
        text: 'Hi {{persona.name}} at {{touchpoint.key}}: {{event.amount}} ({{customer.tags}})',
        missing: '{{customer.nope}}',
        missingInText: 'x{{customer.nope}}y',
        nested: [{ at: '{{event.occurredAt}}' }, 1, true, null],
      },
      ctx,
    );
    expect(out).toEqual({
      email: 'ada@example.com',
      revenue: 1200,
      tags: ['a', 'b'],
      text: 'Hi VIP at checkout: 99.5 (["a","b"])',
      missing: null,
      missingInText: 'xy',
      nested: [{ at: '2026-12-06T10:00:00.000Z' }, 1, true, null],
    });
  });

  it('reads flat dotted names and never walks the prototype chain', () => {
    expect(renderTemplate('{{event.cart.size}}', ctx)).toBe(3);
    expect(renderTemplate('{{customer.__proto__}}', ctx)).toBeNull();
    expect(renderTemplate('{{customer.constructor.name}}', ctx)).toBeNull();
    expect(renderTemplate('{{persona.key}}', { ...ctx, persona: null })).toBeNull();
  });

  it('does not render object keys, and a key named __proto__ stays a plain key', () => {
    const out = renderTemplate(JSON.parse('{"{{customer.email}}": 1, "__proto__": {"polluted": "{{customer.id}}"}}'), ctx) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['{{customer.email}}', '__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});

describe('validateTemplate', () => {
  it('accepts a template over the known roots', () => {
    expect(validateTemplate({ a: '{{customer.email}} {{event.anything}}', b: ['{{persona.description}}', '{{touchpoint.name}}'] })).toEqual([]);
  });

  it('names each bad placeholder at its JSON path', () => {
    const issues = validateTemplate(
      { a: '{{secrets.key}}', b: { c: ['{{persona.rule}}'] }, d: '{{ customer }}', e: 'open {{customer.email', f: '{{customer.unknown_attr}}' },
      'config.payloadTemplate',
      { customerAttributes: new Set(['email_opt_out']) },
    );
    expect(issues.map((i) => [i.field, i.code])).toEqual([
      ['config.payloadTemplate.$.a', 'TEMPLATE_UNKNOWN_ROOT'],
      ['config.payloadTemplate.$.b.c[0]', 'TEMPLATE_UNKNOWN_FIELD'],
      ['config.payloadTemplate.$.d', 'TEMPLATE_BAD_PLACEHOLDER'],
      ['config.payloadTemplate.$.e', 'TEMPLATE_BAD_PLACEHOLDER'],
      ['config.payloadTemplate.$.f', 'TEMPLATE_UNKNOWN_FIELD'],
    ]);
  });

  it('refuses templates that are too large, too deep or hold too many placeholders', () => {
    expect(validateTemplate({ big: 'x'.repeat(TEMPLATE_LIMITS.maxBytes) })[0].code).toBe('TEMPLATE_TOO_LARGE');
    let deep: unknown = 'leaf';
    for (let i = 0; i < TEMPLATE_LIMITS.maxDepth + 1; i++) deep = { d: deep };
    expect(validateTemplate(deep).map((i) => i.code)).toEqual(['TEMPLATE_TOO_DEEP']);
    let ok: unknown = 'leaf';
    for (let i = 0; i < TEMPLATE_LIMITS.maxDepth; i++) ok = [ok];
    expect(validateTemplate(ok)).toEqual([]);
    const many = Array.from({ length: TEMPLATE_LIMITS.maxPlaceholders + 1 }, () => '{{customer.id}}').join('');
    expect(validateTemplate(many).map((i) => i.code)).toEqual(['TEMPLATE_TOO_MANY_PLACEHOLDERS']);
  });

  it('refuses what is not JSON', () => {
    expect(validateTemplate({ n: Number.NaN })[0]).toMatchObject({ field: 'template.$.n', code: 'TEMPLATE_NOT_JSON' });
    expect(validateTemplate(undefined)[0].code).toBe('TEMPLATE_NOT_JSON');
  });
});
