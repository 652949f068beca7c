import { useId } from 'react';
import type { Schemas } from '../api/client';
import {
  DAY_OPERATORS,
  LIST_OPERATORS,
  NO_VALUE,
  OPERATORS,
  childPath,
  defaultValue,
  isCondition,
  type AttributeType,
  type Condition,
  type Node,
} from '../rule';
import { conditionWords, OPERATOR_WORDS } from '../explain';

type Attribute = Schemas['AttributeDto'];

export interface RuleBuilderProps {
  rule: Node;
  attributes: Attribute[];
  /** API error details keyed by rule path (`$.all[0]`), the `rule.` prefix removed. */
  errors: Record<string, string[]>;
  onChange: (path: string, node: Node | null) => void;
}

/** The rule as form controls; every edit replaces one node by its path. */
export function RuleBuilder(props: RuleBuilderProps) {
  return (
    <div className="rule-builder">
      <NodeEditor {...props} node={props.rule} path="$" depth={0} />
    </div>
  );
}

function errorsAt(errors: Record<string, string[]>, path: string, own: boolean): string[] {
  // A condition shows its own problems and those of its parts (`$.all[0].value`); a group only its own.
  return Object.entries(errors).flatMap(([p, msgs]) => (p === path || (own && p.startsWith(`${path}.`)) ? msgs : []));
}

function NodeEditor(props: RuleBuilderProps & { node: Node; path: string; depth: number }) {
  const { node, path, onChange, attributes, errors, depth } = props;
  const legendId = useId();
  if (isCondition(node)) return <ConditionEditor {...props} condition={node} />;
  if ('not' in node) {
    return (
      <fieldset className="group not">
        <legend>Not (none of this holds)</legend>
        <NodeEditor {...props} node={node.not} path={childPath(path, 'not')} depth={depth + 1} />
        <button type="button" onClick={() => onChange(path, node.not)}>
          Remove “not”
        </button>
      </fieldset>
    );
  }
  const kind: 'all' | 'any' = 'all' in node ? 'all' : 'any';
  const children = 'all' in node ? node.all : 'any' in node ? node.any : [];
  const groupErrors = errorsAt(errors, path, false);
  const firstAttr = attributes[0];
  const newCondition = (): Condition => ({ attribute: firstAttr?.name ?? '', operator: OPERATORS[(firstAttr?.type ?? 'string') as AttributeType][0], value: defaultValue((firstAttr?.type ?? 'string') as AttributeType, OPERATORS[(firstAttr?.type ?? 'string') as AttributeType][0], firstAttr?.enumValues) });
  return (
    <fieldset className={`group ${groupErrors.length ? 'invalid' : ''}`} aria-describedby={groupErrors.length ? `${legendId}-err` : undefined}>
      <legend>
        <label>
          <span className="visually-hidden">Group at {path}: </span>
          Match{' '}
          <select value={kind} onChange={(e) => onChange(path, { [e.target.value]: children } as Node)} aria-label={`How the conditions of group ${path} combine`}>
            <option value="all">all of</option>
            <option value="any">any of</option>
          </select>
        </label>
      </legend>
      {groupErrors.length > 0 && (
        <div role="alert" id={`${legendId}-err`}>
          <ul className="field-errors">
            {groupErrors.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        </div>
      )}
      <ol className="children">
        {children.map((child, i) => (
          <li key={i}>
            <NodeEditor {...props} node={child} path={childPath(path, kind, i)} depth={depth + 1} />
          </li>
        ))}
      </ol>
      <div className="group-actions">
        <button type="button" onClick={() => onChange(path, { [kind]: [...children, newCondition()] } as Node)}>
          Add condition
        </button>
        {depth < 3 && (
          <button type="button" onClick={() => onChange(path, { [kind]: [...children, { any: [newCondition()] }] } as Node)}>
            Add group
          </button>
        )}
        {depth > 0 && (
          <button type="button" onClick={() => onChange(path, null)}>
            Remove group
          </button>
        )}
      </div>
    </fieldset>
  );
}

function ConditionEditor({ condition, path, attributes, errors, onChange }: RuleBuilderProps & { condition: Condition; path: string }) {
  const id = useId();
  const attr = attributes.find((a) => a.name === condition.attribute);
  const type = (attr?.type ?? 'string') as AttributeType;
  const operators = OPERATORS[type];
  const problems = errorsAt(errors, path, true);
  const set = (patch: Partial<Condition>) => {
    const next: Condition = { ...condition, ...patch };
    if (NO_VALUE.has(next.operator)) delete next.value;
    onChange(path, next);
  };
  const pickAttribute = (name: string) => {
    const a = attributes.find((x) => x.name === name);
    const t = (a?.type ?? 'string') as AttributeType;
    const op = OPERATORS[t].includes(condition.operator) ? condition.operator : OPERATORS[t][0];
    const next: Condition = { attribute: name, operator: op, value: defaultValue(t, op, a?.enumValues) };
    if (NO_VALUE.has(op)) delete next.value;
    onChange(path, next);
  };
  const pickOperator = (op: string) => {
    const keep = sameShape(condition.operator, op) && condition.value !== undefined;
    set({ operator: op, value: keep ? condition.value : defaultValue(type, op, attr?.enumValues) });
  };

  return (
    <div className={`condition ${problems.length ? 'invalid' : ''}`} role="group" aria-label={`Condition ${path}: ${conditionWords(condition)}`} data-path={path}>
      <label htmlFor={`${id}-attr`}>Attribute</label>
      <select id={`${id}-attr`} value={condition.attribute} onChange={(e) => pickAttribute(e.target.value)} aria-invalid={problems.length ? true : undefined} aria-describedby={problems.length ? `${id}-err` : undefined}>
        {!attr && <option value={condition.attribute}>{condition.attribute || '(choose)'} — not in the catalog</option>}
        {attributes.map((a) => (
          <option key={a.name} value={a.name}>
            {a.label ?? a.name} ({a.type.replace('_', ' ')})
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-op`}>Operator</label>
      <select id={`${id}-op`} value={condition.operator} onChange={(e) => pickOperator(e.target.value)}>
        {!operators.includes(condition.operator) && <option value={condition.operator}>{condition.operator} — not valid for {type}</option>}
        {operators.map((o) => (
          <option key={o} value={o}>
            {(OPERATOR_WORDS[o] ?? o).replace(/^of /, '')} ({o})
          </option>
        ))}
      </select>
      {!NO_VALUE.has(condition.operator) && <ValueInput id={`${id}-value`} type={type} operator={condition.operator} value={condition.value} enumValues={attr?.enumValues ?? []} onChange={(value) => set({ value })} />}
      <button type="button" className="remove" onClick={() => onChange(path, null)} aria-label={`Remove condition ${conditionWords(condition)}`}>
        Remove
      </button>
      {problems.length > 0 && (
        <div role="alert" id={`${id}-err`} className="field-errors-wrap">
          <ul className="field-errors">
            {problems.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

function sameShape(a: string, b: string): boolean {
  const shape = (o: string) => (LIST_OPERATORS.has(o) ? 'list' : o === 'between' ? 'pair' : DAY_OPERATORS.has(o) ? 'days' : 'one');
  return shape(a) === shape(b);
}

/** The value control that fits the attribute's type and the operator. */
function ValueInput({ id, type, operator, value, enumValues, onChange }: { id: string; type: AttributeType; operator: string; value: unknown; enumValues: string[]; onChange: (v: unknown) => void }) {
  if (DAY_OPERATORS.has(operator)) {
    return (
      <>
        <label htmlFor={id}>Days</label>
        <input id={id} type="number" min={0} max={36500} step={1} value={numberText(value)} onChange={(e) => onChange(parseNumber(e.target.value))} />
      </>
    );
  }
  if (operator === 'between') {
    const [low, high] = Array.isArray(value) ? value : [undefined, undefined];
    const inputType = type === 'date' ? 'date' : 'number';
    const read = (s: string) => (type === 'date' ? s : parseNumber(s));
    return (
      <>
        <label htmlFor={`${id}-low`}>From</label>
        <input id={`${id}-low`} type={inputType} value={type === 'date' ? String(low ?? '') : numberText(low)} onChange={(e) => onChange([read(e.target.value), high])} />
        <label htmlFor={`${id}-high`}>To</label>
        <input id={`${id}-high`} type={inputType} value={type === 'date' ? String(high ?? '') : numberText(high)} onChange={(e) => onChange([low, read(e.target.value)])} />
      </>
    );
  }
  if (LIST_OPERATORS.has(operator)) {
    const list = Array.isArray(value) ? value : [];
    if (type === 'enum') {
      return (
        <>
          <label htmlFor={id}>Values</label>
          <select id={id} multiple value={list.map(String)} onChange={(e) => onChange([...e.target.selectedOptions].map((o) => o.value))}>
            {enumValues.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </>
      );
    }
    return (
      <>
        <label htmlFor={id}>Values (comma-separated)</label>
        <input
          id={id}
          type="text"
          value={list.join(', ')}
          onChange={(e) => {
            const parts = e.target.value.split(',').map((s) => s.trim());
            onChange(type === 'number' ? parts.map(parseNumber) : parts);
          }}
        />
      </>
    );
  }
  switch (type) {
    case 'enum':
      return (
        <>
          <label htmlFor={id}>Value</label>
          <select id={id} value={String(value ?? '')} onChange={(e) => onChange(e.target.value)}>
            {enumValues.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </>
      );
    case 'boolean':
      return (
        <>
          <label htmlFor={id}>Value</label>
          <select id={id} value={String(value)} onChange={(e) => onChange(e.target.value === 'true')}>
            <option value="true">yes</option>
            <option value="false">no</option>
          </select>
        </>
      );
    case 'number':
      return (
        <>
          <label htmlFor={id}>Value</label>
          <input id={id} type="number" value={numberText(value)} onChange={(e) => onChange(parseNumber(e.target.value))} />
        </>
      );
    case 'date':
      return (
        <>
          <label htmlFor={id}>Date</label>
          <input id={id} type="date" value={String(value ?? '').slice(0, 10)} onChange={(e) => onChange(e.target.value)} />
        </>
      );
    default:
      return (
        <>
          <label htmlFor={id}>Value</label>
          <input id={id} type="text" value={String(value ?? '')} onChange={(e) => onChange(e.target.value)} />
        </>
      );
  }
}

function numberText(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
}
/** An empty or unreadable number is sent as it is typed, so the API names the problem at its path. */
function parseNumber(s: string): unknown {
  const n = Number(s);
  return s.trim() === '' || !Number.isFinite(n) ? s : n;
}
