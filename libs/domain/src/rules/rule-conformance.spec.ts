import { catalogForCase, loadRuleLanguageCorpus, type EvaluationCase } from '../../test/conformance-corpus';
import { compileRule } from './rule-compiler';
import { validateRule } from './rule-validator';

/**
 * Runs conformance/rule-language against the compiled evaluator (bind) and the explainer: both
 * must give the corpus's expected result for every customer.
 */
const corpus = loadRuleLanguageCorpus();

describe('rule-language conformance corpus', () => {
  it('has cases', () => {
    expect(corpus.length).toBeGreaterThan(5);
  });

  for (const file of corpus) {
    describe(file.file, () => {
      for (const c of file.cases) {
        if (c.kind === 'validation') {
          it(c.name, () => {
            const issues = validateRule(c.rule, catalogForCase(c));
            const actual = issues.map((i) => `${i.path} ${i.code}`).sort();
            const expected = c.expectedErrors.map((e) => `${e.path} ${e.code}`).sort();
            expect(actual).toEqual(expected);
            for (const issue of issues) expect(issue.message.length).toBeGreaterThan(10);
          });
        } else {
          it(c.name, () => runEvaluationCase(c));
        }
      }
    });
  }
});

function runEvaluationCase(c: EvaluationCase): void {
  const catalog = catalogForCase(c);
  expect(validateRule(c.rule, catalog)).toEqual([]);
  const compiled = compileRule(c.rule, catalog);
  const ctx = { now: c.nowMs, timeZone: c.timezone };
  const evaluate = compiled.bind(ctx);
  const results = c.customers.map((customer) => ({
    id: customer.id,
    compiled: evaluate(customer.attributes),
    explained: compiled.explain(customer.attributes, ctx).matched,
  }));
  const expected = c.customers.map((customer) => ({
    id: customer.id,
    compiled: customer.expected,
    explained: customer.expected,
  }));
  expect(results).toEqual(expected);
}
