import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CANONICAL_ATTRIBUTES, catalogOf, type AttributeCatalog, type AttributeType } from '../src/attributes/attribute';

/**
 * Loads conformance/rule-language/*.json (format: conformance/rule-language/README.md) as typed
 * cases, with defaults applied, so any runner — the unit tests against the compiled rule, or an
 * HTTP test against POST /v1/rules/evaluate — runs exactly the same corpus.
 */

export const RULE_LANGUAGE_CORPUS_DIR = resolve(__dirname, '../../../conformance/rule-language');

/** Used when neither the case nor its file says otherwise. */
export const CORPUS_DEFAULTS = { now: '2026-11-23T12:00:00Z', timezone: 'UTC' } as const;

export interface CorpusAttribute {
  name: string;
  type: AttributeType;
  enumValues?: string[];
}

export interface CorpusCustomer {
  id: string;
  attributes: Record<string, unknown>;
  expected: boolean;
}

export interface CorpusExpectedError {
  path: string;
  code: string;
}

interface CorpusCaseBase {
  /** File name, e.g. `operators-string.json`. */
  file: string;
  name: string;
  rule: unknown;
  /** Attributes the case adds to the canonical catalog (often none). */
  catalog: CorpusAttribute[];
}

export interface EvaluationCase extends CorpusCaseBase {
  kind: 'evaluation';
  /** ISO 8601 instant, as given (or defaulted). */
  now: string;
  nowMs: number;
  /** IANA zone, as given (or defaulted). */
  timezone: string;
  customers: CorpusCustomer[];
}

export interface ValidationCase extends CorpusCaseBase {
  kind: 'validation';
  /** Exactly these (path, code) pairs, in any order. */
  expectedErrors: CorpusExpectedError[];
}

export type CorpusCase = EvaluationCase | ValidationCase;

export interface CorpusFile {
  file: string;
  description: string;
  cases: CorpusCase[];
}

export function loadRuleLanguageCorpus(dir: string = RULE_LANGUAGE_CORPUS_DIR): CorpusFile[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((file) => parseCorpusFile(file, JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown));
}

/** The canonical catalog plus the case's own attributes. */
export function catalogForCase(c: CorpusCase): AttributeCatalog {
  return catalogOf([...CANONICAL_ATTRIBUTES, ...c.catalog]);
}

/** Validates the corpus's own shape, so a typo in a case fails loudly instead of testing nothing. */
export function parseCorpusFile(file: string, json: unknown): CorpusFile {
  const fail = (message: string): never => {
    throw new Error(`${file}: ${message}`);
  };
  if (!isRecord(json) || typeof json.description !== 'string' || !Array.isArray(json.cases)) {
    return fail('expected {"description": string, "cases": [...]}');
  }
  const defaults = isRecord(json.defaults) ? json.defaults : {};
  const names = new Set<string>();
  const cases = json.cases.map((raw: unknown, i): CorpusCase => {
    if (!isRecord(raw) || typeof raw.name !== 'string' || !('rule' in raw)) return fail(`case ${i}: needs "name" and "rule"`);
    const name = raw.name;
    if (names.has(name)) fail(`duplicate case name ${JSON.stringify(name)}`);
    names.add(name);
    const catalog = raw.catalog === undefined ? [] : (raw.catalog as CorpusAttribute[]);
    if (!Array.isArray(catalog)) fail(`${name}: "catalog" must be a list`);
    const base = { file, name, rule: raw.rule, catalog };
    if (Array.isArray(raw.expected_errors)) {
      if ('customers' in raw) fail(`${name}: a case has either "customers" or "expected_errors"`);
      return { ...base, kind: 'validation', expectedErrors: raw.expected_errors as CorpusExpectedError[] };
    }
    if (!Array.isArray(raw.customers) || raw.customers.length === 0) return fail(`${name}: needs "customers" or "expected_errors"`);
    const now = String(raw.now ?? defaults.now ?? CORPUS_DEFAULTS.now);
    const nowMs = Date.parse(now);
    if (!Number.isFinite(nowMs)) fail(`${name}: bad "now" ${now}`);
    const timezone = String(raw.timezone ?? defaults.timezone ?? CORPUS_DEFAULTS.timezone);
    const customers = raw.customers as CorpusCustomer[];
    const ids = new Set<string>();
    for (const c of customers) {
      if (typeof c.id !== 'string' || !isRecord(c.attributes) || typeof c.expected !== 'boolean') {
        fail(`${name}: each customer needs "id", "attributes" and a boolean "expected"`);
      }
      if (ids.has(c.id)) fail(`${name}: duplicate customer id ${c.id}`);
      ids.add(c.id);
    }
    return { ...base, kind: 'evaluation', now, nowMs, timezone, customers };
  });
  return { file, description: json.description, cases };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
