import { Injectable } from '@nestjs/common';
import { CliFailure, CliOutput, printable } from '../cli-output';
import { ApiClient, ApiError } from './api-client';
import { ConfigFile, ConfigFormat, FileProblem, formatOf, render, writeOut } from './config-file';
import { ConfigApplyResult, ConfigDocument, ConfigKind, ConfigKindName, LiveState, problemsOf } from './config-kind';
import { CONFIG_KINDS, ConfigPart, describePart, kindPart, readConfig } from './config-source';

export interface ExportOptions {
  out?: string;
  format?: ConfigFormat;
}

export interface ApplyOptions {
  dryRun?: boolean;
  preview?: boolean;
  wait?: number;
  json?: boolean;
  ignoreBase?: boolean;
}

/** A part with what is live of its kind and the diff between them. */
interface Planned {
  part: ConfigPart;
  live: LiveState<unknown>;
  changes: string[];
}

/**
 * export, diff and apply, of one kind (`corridor personas apply`) or of the whole configuration
 * (`corridor config apply`): read and check the files (shape, cross-references, then the API's own
 * validation), compare them with what is live, preview them with the API's previews, and write
 * them in one transaction only if nothing moved since the files' base and since the diff.
 */
@Injectable()
export class ConfigAsCodeService {
  constructor(
    private readonly api: ApiClient,
    private readonly out: CliOutput,
  ) {}

  async export<Doc>(kind: ConfigKind<Doc>, options: ExportOptions): Promise<void> {
    const live = kind.live(await this.snapshot());
    const value = { kind: kind.kind, base: live.base, ...kind.toFile(live.doc) };
    const header = `Corridor ${kind.kind} configuration. Review changes in a pull request; apply with: corridor ${kind.kind} apply <file>\n` +
      '`base` is what was live at export: apply refuses the file if that has moved since.';
    await writeOut(options.out, render(value, formatOf(options.out, options.format), header));
  }

  /** Every kind in one file, from one snapshot, laid out as GET /v1/config (personas, journey, strategy). */
  async exportConfig(options: ExportOptions): Promise<void> {
    const config = await this.snapshot();
    const base: Record<string, number | null> = {};
    const value: Record<string, unknown> = { kind: 'config', base };
    for (const kind of CONFIG_KINDS) {
      const live = kind.live(config);
      Object.assign(base, live.base);
      const content = kind.toFile(live.doc);
      if (kind.section === 'top') Object.assign(value, content);
      else value[kind.kind] = content;
    }
    const header = 'Corridor configuration: personas, journey and strategy. Review changes in a pull request; apply with: corridor config apply <file>\n' +
      '`base` is what was live at export: apply refuses the file if that has moved since.';
    await writeOut(options.out, render(value, formatOf(options.out, options.format), header));
  }

  /** diff is apply --dry-run. */
  async apply<Doc>(kind: ConfigKind<Doc>, fileName: string, options: ApplyOptions): Promise<void> {
    const part = kindPart(kind, await ConfigFile.read(fileName)) as ConfigPart;
    await this.applyParts([part], printable(fileName), false, options);
  }

  /** Files or directories holding any of the kinds, applied together in one transaction. */
  async applyConfig(paths: string[], options: ApplyOptions): Promise<void> {
    await this.applyParts(await readConfig(paths), paths.map(printable).join(', '), true, options);
  }

  private async applyParts(parts: ConfigPart[], label: string, whole: boolean, options: ApplyOptions): Promise<void> {
    const print = (text = '') => this.out.line(text);
    const config = await this.snapshot();
    const planned: Planned[] = parts.map((part) => ({ part, live: part.kind.live(config), changes: [] }));
    if (!options.ignoreBase) this.checkBase(planned, label);
    if (whole) {
      // The apply's own dry run is the whole check: each kind against the state the others leave
      // (a cell may name a persona the same file adds, which the strategy's validate would not know).
      await this.applyOnApi(planned, label, { ...options, dryRun: true });
    } else {
      for (const { part, live } of planned) {
        const problems = await part.kind.validate(this.api, part.doc, live.doc);
        if (problems.length) throw new CliFailure(`${label} is not valid:\n${describePart(part, problems)}`);
      }
    }
    for (const p of planned) {
      p.changes = p.part.kind.diff(p.live.doc, p.part.doc);
      const base = Object.entries(p.live.base);
      print(`${p.part.kind.kind}: ${printable(p.part.file.name)} against what is live${base.length ? ` (${base.map(([k, v]) => `${k} ${v ?? 'none'}`).join(', ')})` : ''}`);
      if (!p.changes.length) print('  no changes');
      for (const c of p.changes) print(`  ${printable(c)}`);
    }
    const changed = planned.filter((p) => p.changes.length);
    if (!changed.length) {
      if (options.json) print(JSON.stringify(summary(whole, planned, false, {})));
      return;
    }
    const previewed: Partial<Record<ConfigKindName, Record<string, unknown>>> = {};
    if (options.preview !== false) for (const p of changed) previewed[p.part.kind.kind] = await this.preview(p, print, options.wait ?? 60);
    if (options.dryRun) {
      // The kind's dry run goes through the same transaction as the apply, rolled back (the whole one ran above).
      if (!whole) await this.applyOnApi(planned, label, options);
      print('  dry run: nothing written (the API checked the whole apply and rolled it back)');
      if (options.json) print(JSON.stringify(summary(whole, planned, false, previewed)));
      return;
    }
    const result = await this.applyOnApi(planned, label, options);
    const applied: Partial<Record<ConfigKindName, Record<string, unknown>>> = {};
    for (const p of changed) applied[p.part.kind.kind] = { ...previewed[p.part.kind.kind], ...p.part.kind.applied(result, print) };
    if (options.json) print(JSON.stringify(summary(whole, planned, true, applied)));
  }

  private async preview(p: Planned, print: (text?: string) => void, waitSeconds: number): Promise<Record<string, unknown>> {
    try {
      return await p.part.kind.preview(this.api, p.part.doc, print, waitSeconds);
    } catch (e) {
      // The previews read what is live: a cell naming a persona or touchpoint the same apply adds has none yet.
      if (!(e instanceof ApiError) || e.status !== 400) throw e;
      const first = e.details[0] ? ` (${printable(e.details[0].field)}: ${printable(e.details[0].message)}${e.details.length > 1 ? `, and ${e.details.length - 1} more` : ''})` : '';
      print(`  no ${p.part.kind.kind} preview: it reads what is live, which does not have what this file adds yet${first}; the dry run above checked it against what this apply writes`);
      return {};
    }
  }

  /** The files' `base`: refused when a version recorded at export is no longer live (someone published since). */
  private checkBase(planned: Planned[], label: string): void {
    const moved = planned.flatMap(({ part, live }) =>
      Object.entries(part.base ?? {})
        .filter(([k, v]) => k in live.base && live.base[k] !== v)
        .map(([k, v]) => ({ kind: part.kind.kind, text: `${k} ${v ?? 'none'} → ${live.base[k] ?? 'none'} now` })),
    );
    if (!moved.length) return;
    throw new CliFailure(
      `${label}: refused, the live ${[...new Set(moved.map((m) => m.kind))].join(' and ')} moved since the file's base (${moved.map((m) => m.text).join(', ')}). ` +
        'Someone published in between: export again, carry your change over, review the diff, then apply (or pass --ignore-base to overwrite their change).',
    );
  }

  /**
   * The API applies every part in one transaction, and refuses them all (409) if any kind's version
   * moved since the diff was computed. A dry run goes through the same transaction, rolled back.
   */
  private async applyOnApi(planned: Planned[], label: string, options: ApplyOptions): Promise<ConfigApplyResult> {
    try {
      return await this.api.call<ConfigApplyResult>('POST', '/v1/config/apply', {
        ...Object.assign({}, ...planned.map((p) => p.part.kind.body(p.part.doc))),
        expectedVersions: Object.fromEntries(planned.map((p) => [p.part.kind.kind, p.live.version])),
        dryRun: options.dryRun === true,
        wait: options.wait ?? 300,
      });
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && e.code === 'CONFIG_STALE') {
        const kinds = planned.map((p) => p.part.kind.kind).filter((k) => e.details.some((d) => d.field === `expectedVersions.${k}`));
        throw new CliFailure(
          `${label}: refused, the live ${(kinds.length ? kinds : planned.map((p) => p.part.kind.kind)).join(' and ')} changed while the diff was computed (nothing was written); run apply again to see the new diff`,
        );
      }
      if (e instanceof ApiError && e.status === 400 && e.details.length) {
        throw new CliFailure(`${label} is not valid (nothing was written):\n${describeApiProblems(planned.map((p) => p.part), e.details)}`);
      }
      throw e;
    }
  }

  /** GET /v1/config: every kind read in one snapshot, so the versions sent back belong to the diffs shown. */
  private snapshot(): Promise<ConfigDocument> {
    return this.api.get<ConfigDocument>('/v1/config');
  }
}

/** The API's problems, each at its file, line and path: `strategy.cells[0]…` belongs to the strategy's part. */
function describeApiProblems(parts: ConfigPart[], details: ApiError['details']): string {
  const byPart = new Map<ConfigPart, FileProblem[]>();
  for (const d of details) {
    const part = parts.find((p) => d.field.match(/^[A-Za-z]+/)?.[0] === p.kind.kind) ?? parts[0];
    byPart.set(part, [...(byPart.get(part) ?? []), ...problemsOf([d], (f) => part.kind.reroot(f))]);
  }
  return [...byPart].map(([part, problems]) => describePart(part, problems)).join('\n');
}

/** The `--json` line: one kind's fields flat (as `corridor <kind> apply` always wrote them), or per kind for the whole configuration. */
function summary(whole: boolean, planned: Planned[], applied: boolean, details: Partial<Record<ConfigKindName, Record<string, unknown>>>): Record<string, unknown> {
  if (!whole) return { kind: planned[0].part.kind.kind, changes: planned[0].changes.length, applied, ...details[planned[0].part.kind.kind] };
  return {
    kind: 'config',
    changes: Object.fromEntries(planned.map((p) => [p.part.kind.kind, p.changes.length])),
    applied,
    ...details,
  };
}
