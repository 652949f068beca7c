import { readFile, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import Ajv, { ErrorObject } from 'ajv';
import { isScalar, LineCounter, parseDocument, stringify, Document } from 'yaml';
import { CliFailure, printable } from '../cli-output';

export type ConfigFormat = 'yaml' | 'json';

/** One problem in a config file: where (line, dotted path) and what. */
export interface FileProblem {
  path: string;
  message: string;
}

/** A config file as read: its plain value, and a way back from a path to its line. */
export class ConfigFile {
  private constructor(
    readonly name: string,
    readonly value: unknown,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  static async read(name: string): Promise<ConfigFile> {
    const text = await readFile(name, 'utf8').catch(() => {
      throw new CliFailure(`Cannot read ${printable(name)}`);
    });
    return ConfigFile.parse(name, text);
  }

  /** YAML 1.2 reads JSON too, so one parser gives lines for both formats. */
  static parse(name: string, text: string): ConfigFile {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length) {
      const e = doc.errors[0];
      const line = e.linePos?.[0]?.line ?? lines.linePos(e.pos[0]).line;
      throw new CliFailure(`${printable(name)}:${line}: ${printable(e.message.split('\n')[0])}`);
    }
    return new ConfigFile(name, doc.toJS(), doc, lines);
  }

  /** The line of the deepest node the path reaches (a path past the file's nodes points at their parent). */
  lineOf(path: Array<string | number>): number {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && (isScalar(node) || node.range)) return this.lines.linePos(node.range![0]).line;
    }
    return 1;
  }

  /** `config/personas.yaml:14 personas[2].rule.all[0].operator: unknown operator`, one line per problem. */
  describe(problems: FileProblem[]): string {
    return problems.map((p) => `${printable(this.name)}:${this.lineOf(parsePath(p.path))} ${printable(p.path)}: ${printable(p.message)}`).join('\n');
  }
}

/** `personas[2].rule.all[0]` → ['personas', 2, 'rule', 'all', 0]. */
export function parsePath(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out;
}

/** ['personas', 2, 'rule'] → `personas[2].rule`. */
export function formatPath(parts: ReadonlyArray<string | number>): string {
  return parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

const ajv = new Ajv({ allErrors: true, strict: false });

/** Checks a file's shape against its JSON schema; problems carry the file's own paths. */
export function checkShape(schema: object, value: unknown): FileProblem[] {
  const validate = ajv.compile(schema);
  if (validate(value)) return [];
  return (validate.errors ?? []).map(toProblem);
}

function toProblem(e: ErrorObject): FileProblem {
  const parts: Array<string | number> = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  if (e.keyword === 'additionalProperties') {
    return { path: formatPath([...parts, (e.params as { additionalProperty: string }).additionalProperty]), message: 'is not a known field' };
  }
  if (e.keyword === 'required') return { path: formatPath([...parts, (e.params as { missingProperty: string }).missingProperty]), message: 'is required' };
  if (e.keyword === 'enum') return { path: formatPath(parts) || '(file)', message: `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` };
  return { path: formatPath(parts) || '(file)', message: e.message ?? 'is not valid' };
}

export function formatOf(file: string | undefined, asked: ConfigFormat | undefined): ConfigFormat {
  if (asked) return asked;
  return file && extname(file).toLowerCase() === '.json' ? 'json' : 'yaml';
}

/** YAML (or JSON) with a stable layout, so an export of an unchanged configuration is byte-identical. */
export function render(value: unknown, format: ConfigFormat, header?: string): string {
  if (format === 'json') return `${JSON.stringify(value, null, 2)}\n`;
  const body = stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
  return header ? `${header.split('\n').map((l) => `# ${l}`).join('\n')}\n${body}` : body;
}

export async function writeOut(file: string | undefined, text: string): Promise<void> {
  if (file) await writeFile(file, text);
  else process.stdout.write(text);
}
