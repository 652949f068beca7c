import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { CliFailure, printable } from '../cli-output';
import { checkShape, ConfigFile, FileProblem } from './config-file';
import { ConfigKind } from './config-kind';
import { journeyKind } from './journey.kind';
import { personasKind } from './personas.kind';
import { strategyKind } from './strategy.kind';

/** Every kind, in the order the API applies them (a strategy cell names personas and touchpoints). */
export const CONFIG_KINDS: ReadonlyArray<ConfigKind<unknown>> = [personasKind, journeyKind, strategyKind] as ReadonlyArray<ConfigKind<unknown>>;

/** One kind's content as read from a file: the file it came from, and where the kind's paths sit in it. */
export interface ConfigPart<Doc = unknown> {
  kind: ConfigKind<Doc>;
  file: ConfigFile;
  doc: Doc;
  /** `base:` as the file records it (the versions live at export), if it does. */
  base?: Record<string, number | null>;
  /** The file path of one of the kind's paths: `cells[0]` is `strategy.cells[0]` in a whole-configuration file. */
  at(path: string): string;
}

/** `config/corridor/strategy.yaml:12 cells[3].options: …`, one line per problem, at the file's own paths. */
export function describePart(part: ConfigPart, problems: FileProblem[]): string {
  return part.file.describe(problems.map((p) => ({ ...p, path: part.at(p.path) })));
}

/** A file of one kind (`corridor <kind> apply <file>`): `kind` (optional, must match), `base`, the content. */
export function kindPart<Doc>(kind: ConfigKind<Doc>, file: ConfigFile): ConfigPart<Doc> {
  const value = file.value;
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new CliFailure(`${printable(file.name)}:1 (file): must be a mapping with \`kind: ${kind.kind}\``);
  const { kind: declared, base, ...rest } = value as Record<string, unknown>;
  const problems: FileProblem[] = [];
  if (declared !== undefined && declared !== kind.kind) problems.push({ path: 'kind', message: `is ${JSON.stringify(declared)}: this command applies ${kind.kind}` });
  problems.push(...checkBase(base));
  const part = checkedPart(kind, file, rest, base, (p) => p, problems);
  if (problems.length) throw invalid(file, problems);
  return part!;
}

/**
 * What `corridor config apply` reads: files or directories (their .yaml, .yml and .json files),
 * each either a whole configuration (`kind: config`, as `config export` writes it) or one kind's
 * file (`kind: personas|journey|strategy`, as `config/corridor/` holds them). Each kind at most once.
 */
export async function readConfig(paths: string[]): Promise<ConfigPart[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => {
      throw new CliFailure(`Cannot read ${printable(path)}`);
    });
    if (!info.isDirectory()) {
      files.push(path);
      continue;
    }
    const inside = (await readdir(path)).filter((f) => ['.yaml', '.yml', '.json'].includes(extname(f).toLowerCase())).sort();
    if (!inside.length) throw new CliFailure(`${printable(path)} holds no .yaml, .yml or .json file`);
    files.push(...inside.map((f) => join(path, f)));
  }
  const parts: ConfigPart[] = [];
  for (const name of files) {
    const file = await ConfigFile.read(name);
    for (const part of partsOf(file)) {
      const twice = parts.find((p) => p.kind.kind === part.kind.kind);
      if (twice) throw new CliFailure(`${printable(name)}: ${part.kind.kind} is also in ${printable(twice.file.name)}; give each kind once`);
      parts.push(part);
    }
  }
  return CONFIG_KINDS.flatMap((k) => parts.filter((p) => p.kind.kind === k.kind));
}

/** A file of any kind: a whole configuration gives a part per kind it holds. */
function partsOf(file: ConfigFile): ConfigPart[] {
  const value = file.value;
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new CliFailure(`${printable(file.name)}:1 (file): must be a mapping with \`kind: config\``);
  const declared = (value as Record<string, unknown>).kind;
  const kind = CONFIG_KINDS.find((k) => k.kind === declared);
  if (kind) return [kindPart(kind, file)];
  const { kind: _kind, base, ...rest } = value as Record<string, unknown>;
  void _kind;
  const problems: FileProblem[] = [];
  if (declared !== undefined && declared !== 'config') problems.push({ path: 'kind', message: `is ${JSON.stringify(declared)}: must be config, personas, journey or strategy` });
  problems.push(...checkBase(base));
  const known = new Set(CONFIG_KINDS.map((k) => k.kind as string));
  for (const key of Object.keys(rest)) if (!known.has(key)) problems.push({ path: key, message: 'is not a known field (personas, journey, strategy)' });
  const parts: ConfigPart[] = [];
  for (const k of CONFIG_KINDS) {
    if (rest[k.kind] === undefined) continue;
    // personas: the file's `personas` list is the kind's content; journey and strategy sit under their names.
    const content = k.section === 'top' ? { [k.kind]: rest[k.kind] } : rest[k.kind];
    if (!content || typeof content !== 'object' || Array.isArray(content)) {
      problems.push({ path: k.kind, message: 'must be a mapping' });
      continue;
    }
    const at = k.section === 'top' ? (p: string) => p : (p: string) => (p === '(file)' ? k.kind : `${k.kind}.${p}`);
    const part = checkedPart(k, file, content as Record<string, unknown>, base, at, problems);
    if (part) parts.push(part);
  }
  if (!parts.length && !problems.length) problems.push({ path: '(file)', message: 'holds no personas, journey or strategy' });
  if (problems.length) throw invalid(file, problems);
  return parts;
}

/** Shape, then cross-references (only of a well-shaped content); problems are added at the file's paths. */
function checkedPart<Doc>(kind: ConfigKind<Doc>, file: ConfigFile, content: Record<string, unknown>, base: unknown, at: (p: string) => string, problems: FileProblem[]): ConfigPart<Doc> | undefined {
  const shape = checkShape(kind.schema, content);
  if (shape.length) {
    problems.push(...shape.map((p) => ({ ...p, path: at(p.path) })));
    return undefined;
  }
  const doc = kind.normalize(content);
  problems.push(...kind.crossCheck(doc).map((p) => ({ ...p, path: at(p.path) })));
  return { kind, file, doc, base: base as Record<string, number | null> | undefined, at };
}

function checkBase(base: unknown): FileProblem[] {
  if (base === undefined) return [];
  if (base === null || typeof base !== 'object' || Object.values(base).some((v) => v !== null && !Number.isInteger(v))) {
    return [{ path: 'base', message: 'must map names to versions (as export writes it)' }];
  }
  return [];
}

function invalid(file: ConfigFile, problems: FileProblem[]): CliFailure {
  return new CliFailure(`${printable(file.name)} is not valid:\n${file.describe(problems)}`);
}

