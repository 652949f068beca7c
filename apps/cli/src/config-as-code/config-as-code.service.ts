import { Injectable } from '@nestjs/common';
import { CliFailure, CliOutput, printable } from '../cli-output';
import { ApiClient, ApiError } from './api-client';
import { checkShape, ConfigFile, ConfigFormat, FileProblem, formatOf, render, writeOut } from './config-file';
import { ConfigApplyResult, ConfigKind, LiveState, problemsOf } from './config-kind';

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

/**
 * export, diff and apply for any kind: read and check the file (shape, cross-references, then the
 * API's own validation), compare it with what is live, preview it with the API's previews, and
 * write it only if nothing moved since the file's base and since the diff.
 */
@Injectable()
export class ConfigAsCodeService {
  constructor(
    private readonly api: ApiClient,
    private readonly out: CliOutput,
  ) {}

  async export<Doc>(kind: ConfigKind<Doc>, options: ExportOptions): Promise<void> {
    const live = await kind.live(this.api);
    const value = { kind: kind.kind, base: live.base, ...kind.toFile(live.doc) };
    const header = `Corridor ${kind.kind} configuration. Review changes in a pull request; apply with: corridor ${kind.kind} apply <file>\n` +
      '`base` is what was live at export: apply refuses the file if that has moved since.';
    await writeOut(options.out, render(value, formatOf(options.out, options.format), header));
  }

  /** diff is apply --dry-run. */
  async apply<Doc>(kind: ConfigKind<Doc>, fileName: string, options: ApplyOptions): Promise<void> {
    const print = (text = '') => this.out.line(text);
    const file = await ConfigFile.read(fileName);
    const { doc, base } = this.check(kind, file);
    const live = await kind.live(this.api);
    if (base && !options.ignoreBase) {
      const moved = Object.entries(base).filter(([k, v]) => k in live.base && live.base[k] !== v);
      if (moved.length) {
        throw new CliFailure(
          `${printable(fileName)}: refused, the live ${kind.kind} moved since the file's base (${moved.map(([k, v]) => `${k} ${v ?? 'none'} → ${live.base[k] ?? 'none'} now`).join(', ')}). ` +
            'Someone published in between: export again, carry your change over, review the diff, then apply (or pass --ignore-base to overwrite their change).',
        );
      }
    }
    const problems = await kind.validate(this.api, doc, live.doc);
    if (problems.length) throw new CliFailure(`${printable(fileName)} is not valid:\n${file.describe(problems)}`);
    const changes = kind.diff(live.doc, doc);
    print(`${kind.kind}: ${printable(fileName)} against what is live${live.base && Object.keys(live.base).length ? ` (${Object.entries(live.base).map(([k, v]) => `${k} ${v ?? 'none'}`).join(', ')})` : ''}`);
    if (!changes.length) {
      print('  no changes');
      if (options.json) print(JSON.stringify({ kind: kind.kind, changes: 0, applied: false }));
      return;
    }
    for (const c of changes) print(`  ${printable(c)}`);
    const previewed = options.preview === false ? {} : await kind.preview(this.api, doc, print, options.wait ?? 60);
    // The API applies the document in one transaction, and refuses it (409) if this kind's version
    // moved since the diff above was computed. A dry run goes through the same transaction, rolled back.
    const result = await this.applyOnApi(kind, fileName, file, live, doc, options);
    if (options.dryRun) {
      print('  dry run: nothing written (the API checked the whole apply and rolled it back)');
      if (options.json) print(JSON.stringify({ kind: kind.kind, changes: changes.length, applied: false, ...previewed }));
      return;
    }
    const applied = kind.applied(result, print);
    if (options.json) print(JSON.stringify({ kind: kind.kind, changes: changes.length, applied: true, ...previewed, ...applied }));
  }

  private async applyOnApi<Doc>(kind: ConfigKind<Doc>, fileName: string, file: ConfigFile, live: LiveState<Doc>, doc: Doc, options: ApplyOptions): Promise<ConfigApplyResult> {
    try {
      return await this.api.call<ConfigApplyResult>('POST', '/v1/config/apply', {
        ...kind.body(doc),
        expectedVersions: { [kind.kind]: live.version },
        dryRun: options.dryRun === true,
        wait: options.wait ?? 300,
      });
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && e.code === 'CONFIG_STALE') {
        throw new CliFailure(`${printable(fileName)}: refused, the live ${kind.kind} changed while the diff was computed (nothing was written); run apply again to see the new diff`);
      }
      if (e instanceof ApiError && e.status === 400 && e.details.length) {
        throw new CliFailure(`${printable(fileName)} is not valid (nothing was written):\n${file.describe(problemsOf(e.details, (f) => kind.reroot(f)))}`);
      }
      throw e;
    }
  }

  private check<Doc>(kind: ConfigKind<Doc>, file: ConfigFile): { doc: Doc; base: Record<string, number | null> | undefined } {
    const value = file.value;
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new CliFailure(`${printable(file.name)}:1 (file): must be a mapping with \`kind: ${kind.kind}\``);
    const { kind: declared, base, ...rest } = value as Record<string, unknown>;
    const problems: FileProblem[] = [];
    if (declared !== undefined && declared !== kind.kind) problems.push({ path: 'kind', message: `is ${JSON.stringify(declared)}: this command applies ${kind.kind}` });
    if (base !== undefined && (base === null || typeof base !== 'object' || Object.values(base).some((v) => v !== null && !Number.isInteger(v)))) {
      problems.push({ path: 'base', message: 'must map names to versions (as export writes it)' });
    }
    problems.push(...checkShape(kind.schema, rest));
    if (problems.length) throw new CliFailure(`${printable(file.name)} is not valid:\n${file.describe(problems)}`);
    const doc = kind.normalize(rest);
    const crossed = kind.crossCheck(doc);
    if (crossed.length) throw new CliFailure(`${printable(file.name)} is not valid:\n${file.describe(crossed)}`);
    return { doc, base: base as Record<string, number | null> | undefined };
  }
}
