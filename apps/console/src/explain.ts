/** Plain-words rendering of the API's explanations (AssignmentExplanation, ConditionOutcome). */

export interface ConditionOutcome {
  path: string;
  attribute: string;
  operator: string;
  value?: unknown;
  result: boolean;
  negated?: true;
  actual: { state: 'present'; value: unknown } | { state: 'missing'; reason: string };
}

export interface Explanation {
  persona: { key: string; name: string; index: number; fallback: boolean };
  matched: ConditionOutcome[];
  rejected: Array<{ key: string; name: string; index: number; firstFailed: ConditionOutcome; conditions: ConditionOutcome[] }>;
}

export const OPERATOR_WORDS: Record<string, string> = {
  equals: 'is',
  not_equals: 'is not',
  in: 'is one of',
  not_in: 'is none of',
  contains: 'contains',
  not_contains: 'does not contain',
  starts_with: 'starts with',
  ends_with: 'ends with',
  matches: 'matches',
  is_set: 'is set',
  is_not_set: 'is not set',
  gt: 'over',
  gte: 'of at least',
  lt: 'under',
  lte: 'of at most',
  between: 'between',
  before: 'before',
  after: 'after',
  within_last_days: 'in the last',
  more_than_days_ago: 'more than',
  within_next_days: 'in the next',
  contains_any: 'includes any of',
  contains_all: 'includes all of',
  contains_none: 'includes none of',
};

/** `total_revenue` → `total revenue`, `last_purchase_at` → `last purchase` */
export function attributeWords(name: string): string {
  return name.replace(/_at$/, '').replace(/_/g, ' ');
}

export function valueWords(value: unknown): string {
  if (typeof value === 'number') return value.toLocaleString('en-US');
  if (Array.isArray(value)) return value.map(valueWords).join(value.length === 2 ? ' and ' : ', ');
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (value === undefined || value === null) return '';
  return String(value);
}

/** "total revenue over 50,000", "last purchase at in the last 30 days" */
export function conditionWords(c: Pick<ConditionOutcome, 'attribute' | 'operator' | 'value'>): string {
  const attr = attributeWords(c.attribute);
  const op = OPERATOR_WORDS[c.operator] ?? c.operator.replace(/_/g, ' ');
  if (c.operator === 'is_set' || c.operator === 'is_not_set') return `${attr} ${op}`;
  if (c.operator === 'within_last_days' || c.operator === 'within_next_days') return `${attr} ${op} ${valueWords(c.value)} days`;
  if (c.operator === 'more_than_days_ago') return `${attr} ${op} ${valueWords(c.value)} days ago`;
  return `${attr} ${op} ${valueWords(c.value)}`;
}

/** What the customer has: "employees 80", "employees not set". */
export function actualWords(c: ConditionOutcome): string {
  const attr = attributeWords(c.attribute);
  if (c.actual.state === 'missing') return `${attr} ${c.actual.reason === 'unreadable' ? 'unreadable' : 'not set'}`;
  return `${attr} ${valueWords(c.actual.value)}`;
}

/** "needs employees of at least 500" — or, under a `not`, "must not have …". */
export function failedWords(c: ConditionOutcome): string {
  const need = conditionWords(c);
  return c.negated ? `${actualWords(c)}, must not have ${need}` : `${actualWords(c)}, needs ${need}`;
}

/** "Champion: total revenue over 50,000 and last purchase at in the last 30 days" */
export function matchedSentence(e: Explanation): string {
  if (e.persona.fallback || e.matched.length === 0) return `${e.persona.name}: no persona above it matched (the fallback)`;
  return `${e.persona.name}: ${e.matched.map((c) => (c.negated ? `not ${conditionWords(c)}` : conditionWords(c))).join(' and ')}`;
}

/** "not Enterprise: employees 80, needs employees of at least 500" */
export function rejectedSentences(e: Explanation): string[] {
  return e.rejected.map((r) => `not ${r.name}: ${failedWords(r.firstFailed)}`);
}
