import { CANONICAL_ATTRIBUTES, catalogOf } from '../attributes/attribute';
import { validateRule } from './rule-validator';

const catalog = catalogOf(CANONICAL_ATTRIBUTES);

describe('rule validation messages', () => {
  it('quotes an unknown operator once, without describing it as "the text"', () => {
    const [issue] = validateRule({ attribute: 'email', operator: 'contain', value: 'x' }, catalog);
    expect(issue).toMatchObject({ path: '$', code: 'UNKNOWN_OPERATOR' });
    expect(issue.message).toBe('Unknown operator "contain"; did you mean "contains"?');
  });

  it('says what the operator should be when it is not a text', () => {
    const [issue] = validateRule({ attribute: 'email', operator: 3, value: 'x' }, catalog);
    expect(issue.message).toBe('"operator" must be an operator name, found 3');
  });
});
