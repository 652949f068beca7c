import { printable } from '../cli-output';
import { checkShape, ConfigFile, formatPath, parsePath, render } from './config-file';
import { problemsOf } from './config-kind';
import { personasKind } from './personas.kind';

describe('config files: paths, lines and problems', () => {
  it('parses and formats paths', () => {
    expect(parsePath('personas[2].rule.all[0].operator')).toEqual(['personas', 2, 'rule', 'all', 0, 'operator']);
    expect(formatPath(['cells', 3, 'options', 0, 'treatmentKey'])).toBe('cells[3].options[0].treatmentKey');
  });

  it("re-roots the API's problems at the file's paths, naming the condition's member the code is about", () => {
    expect(problemsOf([{ field: 'rule.$.all[0]', message: 'Unknown operator', code: 'UNKNOWN_OPERATOR' }], (f) => `personas[1].${f}`)).toEqual([
      { path: 'personas[1].rule.all[0].operator', message: 'Unknown operator' },
    ]);
    expect(problemsOf([{ field: 'rule.$', message: 'Unknown attribute', code: 'UNKNOWN_ATTRIBUTE' }], (f) => `personas[0].${f}`)[0].path).toBe('personas[0].rule.attribute');
    expect(problemsOf([{ field: 'cells.3.options.0.treatmentKey', message: 'names no treatment' }])[0].path).toBe('cells[3].options[0].treatmentKey');
  });

  it('names the line of a path in YAML and in JSON, or of its deepest existing parent', () => {
    const yaml = ConfigFile.parse('p.yaml', 'kind: personas\npersonas:\n  - key: a\n    name: A\n    rule:\n      all:\n        - { attribute: x, operator: nope, value: 1 }\n');
    expect(yaml.lineOf(['personas', 0, 'rule', 'all', 0, 'operator'])).toBe(7);
    expect(yaml.lineOf(['personas', 0, 'name'])).toBe(4);
    expect(yaml.lineOf(['personas', 0, 'description'])).toBe(3);
    const json = ConfigFile.parse('p.json', '{\n  "personas": [\n    {\n      "key": "a",\n      "name": "A"\n    }\n  ]\n}\n');
    expect(json.describe([{ path: 'personas[0].name', message: 'is bad' }])).toBe('p.json:5 personas[0].name: is bad');
  });

  it('checks the shape with the schema: unknown and missing fields by path', () => {
    const problems = checkShape(personasKind.schema, { personas: [{ key: 'a', nmae: 'A', rule: {} }] });
    expect(problems).toEqual(expect.arrayContaining([{ path: 'personas[0].nmae', message: 'is not a known field' }, { path: 'personas[0].name', message: 'is required' }]));
  });

  it('reports a YAML syntax error with its line', () => {
    expect(() => ConfigFile.parse('bad.yaml', 'personas:\n  - key: a\n   name: [\n')).toThrow(/^bad\.yaml:\d+: /);
  });

  it('renders the same value to the same text', () => {
    const value = { kind: 'strategy', base: { strategyVersion: 3 }, cells: [{ personaKey: 'a', touchpointKey: 'b', options: [] }] };
    expect(render(value, 'yaml')).toBe(render(JSON.parse(JSON.stringify(value)), 'yaml'));
    expect(JSON.parse(render(value, 'json'))).toEqual(value);
  });

  it('prints control characters as escapes', () => {
    expect(printable('Acme\u001b[31m\r\nInc\u0007')).toBe('Acme\\x1b[31m\\x0d\\x0aInc\\x07');
    expect(printable('Zoë – ok')).toBe('Zoë – ok');
  });
});
