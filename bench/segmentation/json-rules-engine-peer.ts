import { Engine } from 'json-rules-engine';
import { AttributeCatalog } from '@corridor/domain';

/**
 * The same persona set expressed for json-rules-engine, the rules engine most Node teams would
 * pick: each persona a rule (higher priority first), each condition a custom operator with the
 * rule language's reading of loose values and missing-value semantics (UTC only, enough for the
 * benchmark's data). The benchmark checks both engines agree before it compares their speed.
 */
export function buildPeerEngine(personas: Array<{ key: string; rule: unknown }>, catalog: AttributeCatalog, now: number): Engine {
  const engine = new Engine([], { allowUndefinedFacts: true });
  const types = new Map([...catalog.values()].map((d) => [d.name, d.type]));
  const day = 86_400_000;
  const str = (v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase() : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);
  const read = (type: string | undefined, v: unknown): unknown => {
    if (v === null || v === undefined) return undefined;
    switch (type) {
      case 'number': {
        if (typeof v === 'number') return v;
        if (typeof v !== 'string' || v.trim() === '' || !/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(v.trim())) return undefined;
        return Number(v.trim());
      }
      case 'boolean': {
        if (typeof v === 'boolean') return v;
        const s = str(v);
        return s === 'true' ? true : s === 'false' ? false : undefined;
      }
      case 'date': {
        if (typeof v === 'number') return v;
        if (typeof v !== 'string') return undefined;
        const t = v.trim();
        const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00:00Z` : t);
        return Number.isNaN(ms) ? undefined : ms;
      }
      case 'string_list': {
        if (!Array.isArray(v)) return undefined;
        const xs = v.map(str).filter((s): s is string => !!s);
        return xs.length ? xs : undefined;
      }
      default: {
        const s = str(v);
        return s ? s : undefined;
      }
    }
  };
  const ruleDate = (v: string) => Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  const ops: Record<string, (a: any, b: any) => boolean> = {
    equals: (a, b) => a === (typeof b === 'string' ? b.trim().toLowerCase() : b),
    in: (a, b) => (b as unknown[]).map((x) => (typeof x === 'string' ? x.toLowerCase() : x)).includes(a),
    gt: (a, b) => a > b,
    gte: (a, b) => a >= b,
    lt: (a, b) => a < b,
    between: (a, b) => a >= b[0] && a <= b[1],
    contains: (a, b) => a.includes(b.toLowerCase()),
    starts_with: (a, b) => a.startsWith(b.toLowerCase()),
    ends_with: (a, b) => a.endsWith(b.toLowerCase()),
    matches: (a, b) => new RegExp(b, 'i').test(a),
    contains_any: (a, b) => (b as string[]).some((x) => a.includes(x.toLowerCase())),
    contains_all: (a, b) => (b as string[]).every((x) => a.includes(x.toLowerCase())),
    within_last_days: (a, n) => a >= now - n * day && a <= now,
    more_than_days_ago: (a, n) => a < now - n * day,
    before: (a, d) => a < ruleDate(d),
  };
  // Each condition becomes a fact-typed operator name, so the operator knows how to read the value.
  const convert = (node: any): any => {
    if (node.all) return { all: node.all.map(convert) };
    if (node.any) return { any: node.any.map(convert) };
    if (node.not) return { not: convert(node.not) };
    const type = types.get(node.attribute);
    const name = `${node.operator}:${type}`;
    if (!engineHas.has(name)) {
      engineHas.add(name);
      if (node.operator === 'is_set') engine.addOperator(name, (f: unknown) => read(type, f) !== undefined);
      else if (node.operator === 'is_not_set') engine.addOperator(name, (f: unknown) => read(type, f) === undefined);
      else {
        const op = ops[node.operator];
        if (!op) throw new Error(`peer has no operator ${node.operator}`);
        engine.addOperator(name, (f: unknown, v: unknown) => {
          const x = read(type, f);
          return x !== undefined && op(x, v);
        });
      }
    }
    return { fact: node.attribute, operator: name, value: node.value ?? null };
  };
  const engineHas = new Set<string>();
  personas.forEach((p, i) => {
    engine.addRule({ conditions: convert(p.rule), event: { type: p.key }, priority: personas.length - i, name: p.key });
  });
  return engine;
}

/** The first persona (in priority order) the peer says matches, or the fallback. */
export async function peerAssign(engine: Engine, order: string[], fallback: string, attributes: Record<string, unknown>): Promise<string> {
  const { events } = await engine.run({ ...attributes });
  const matched = new Set(events.map((e) => e.type));
  return order.find((k) => matched.has(k)) ?? fallback;
}
