import { ApiClient } from './api-client';
import { FileProblem } from './config-file';

export type ConfigKindName = 'personas' | 'journey' | 'strategy';

/** What is live now: the document an export writes, its base versions, and the version token the diff was computed on. */
export interface LiveState<Doc> {
  doc: Doc;
  /** Versions the file records on export (`base:`) and apply compares: null when there is none yet. */
  base: Record<string, number | null>;
  /** The API's version of this kind (GET /v1/config): apply sends it back, and the API refuses (409) if it moved. */
  version: string;
}

/** GET /v1/config: every kind read in one snapshot, with its version. */
export interface ConfigDocument {
  versions: Record<ConfigKindName, string>;
  live: { personaSet: number; strategyVersion: number | null };
  personas: unknown[];
  journey: { stages: unknown[]; touchpoints: unknown[] };
  strategy: { cells: unknown[]; policies: Record<string, unknown> };
}

/** POST /v1/config/apply's answer. */
export interface ConfigApplyResult {
  applied: boolean;
  changes: Record<ConfigKindName, number>;
  versions: Record<ConfigKindName, string>;
  personas: { setVersion: number; run: { id: string; status: string; result: unknown } } | null;
  strategy: { version: number; draftRevision: number } | null;
}

export type Print = (text?: string) => void;

/**
 * One kind of configuration (personas, journey, strategy): how to read it from the API, compare it,
 * check it with the API's own validation, preview it with the API's own preview, and write it.
 */
export interface ConfigKind<Doc> {
  readonly kind: ConfigKindName;
  /** JSON schema of the file (without `kind` and `base`, which every file has). */
  readonly schema: object;
  /**
   * Where the kind sits in a whole-configuration file (laid out as GET /v1/config): its content's
   * fields at the top (personas: the file's `personas` list), or under the kind's name (journey, strategy).
   */
  readonly section: 'top' | 'nested';
  /** This kind's part of one GET /v1/config snapshot (so several kinds diffed together come from one read). */
  live(config: ConfigDocument): LiveState<Doc>;
  /** The file's value (shape already checked) with defaults filled in, comparable with `live().doc`. */
  normalize(value: Record<string, unknown>): Doc;
  /** The document as a file writes it: defaults left out, so files stay short and reviewable. */
  toFile(doc: Doc): Record<string, unknown>;
  /** Checks the file's cross-references that a schema cannot (duplicate keys, unknown stage). */
  crossCheck(doc: Doc): FileProblem[];
  /** Human lines, one per change; empty when the file says what is live. */
  diff(live: Doc, next: Doc): string[];
  /** The API's validation of the whole document; problems name the file's paths. Writes nothing. */
  validate(api: ApiClient, doc: Doc, live: Doc): Promise<FileProblem[]>;
  /** What the change would do to customers, from the API's preview. Writes no configuration. */
  preview(api: ApiClient, doc: Doc, print: Print, waitSeconds: number): Promise<Record<string, unknown>>;
  /** The document as POST /v1/config/apply takes it (one transaction with the other kinds given). */
  body(doc: Doc): Record<string, unknown>;
  /** The file path of a problem the apply endpoint names (`journey.touchpoints[2].stageKey` → `touchpoints[2].stageKey`). */
  reroot(field: string): string;
  /** Prints what the apply published; returns the summary's fields. */
  applied(result: ConfigApplyResult, print: Print): Record<string, unknown>;
}

export function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

/** A compact one-line JSON for diffs. */
export function brief(v: unknown): string {
  return JSON.stringify(v) ?? 'undefined';
}

/** The member of a condition a rule problem's code is about (the API points at the condition). */
const MEMBER_OF_CODE: Readonly<Record<string, string>> = { UNKNOWN_OPERATOR: 'operator', UNKNOWN_ATTRIBUTE: 'attribute', INVALID_VALUE: 'value' };

/** API problems (paths as the API names them: dotted, `[i]` or `.i`, rule paths as `$.all[0]`) at the file's paths. */
export function problemsOf(details: ReadonlyArray<{ field: string; message: string; code?: string }>, reroot: (field: string) => string = (f) => f): FileProblem[] {
  return details.map((d) => {
    let path = reroot(d.field.replace(/\.(\d+)(?=\.|\[|$)/g, '[$1]').replace(/(^|\.)\$(\.|(?=\[)|$)/g, '$1').replace(/\.$/, ''));
    const member = d.code ? MEMBER_OF_CODE[d.code] : undefined;
    if (member && !path.endsWith(`.${member}`)) path = `${path}.${member}`;
    return { path, message: d.message };
  });
}
