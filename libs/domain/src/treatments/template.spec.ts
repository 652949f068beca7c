import { renderTemplate } from './template';

describe('renderTemplate', () => {
  const ctx = { customer: { id: '7', email: 'a@x.io', score: 42, tags: ['a'] }, persona: { key: 'vip' }, event: { plan: 'pro' } };
  it('fills placeholders: alone keeps the type, inside text becomes text; nothing is evaluated', () => {
    expect(renderTemplate({ to: '{{customer.email}}', score: '{{ customer.score }}', line: 'Hi {{customer.email}} ({{persona.key}}, {{event.plan}})', n: 1, keep: null, list: ['{{customer.tags}}'] }, ctx)).toEqual({
      to: 'a@x.io', score: 42, line: 'Hi a@x.io (vip, pro)', n: 1, keep: null, list: [['a']],
    });
    expect(renderTemplate('{{customer.missing}}', ctx)).toBeNull();
    expect(renderTemplate('x{{customer.missing}}y', ctx)).toBe('xy');
    expect(renderTemplate('{{customer.constructor}}', ctx)).toBeNull();
    expect(renderTemplate('{{process.env.SECRET}}', ctx)).toBeNull();
  });
});
