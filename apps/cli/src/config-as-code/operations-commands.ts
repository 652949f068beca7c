import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { CliFailure, CliOutput, printable } from '../cli-output';
import { ApiClient } from './api-client';

interface Condition {
  attribute?: string;
  operator?: string;
  value?: unknown;
  negated?: boolean;
  actual?: { state: string; value?: unknown; reason?: string };
}

/** A condition in plain words: "total_revenue at least 50000 (it is 72000)". */
export function conditionInWords(c: Condition): string {
  const value = c.value === undefined ? '' : ` ${Array.isArray(c.value) ? c.value.map((v) => JSON.stringify(v)).join(' or ') : JSON.stringify(c.value)}`;
  const op = (c.operator ?? '').replace(/_/g, ' ').replace(/^gte$/, 'at least').replace(/^lte$/, 'at most').replace(/^gt$/, 'over').replace(/^lt$/, 'under');
  const actual = c.actual?.state === 'present' ? `it is ${JSON.stringify(c.actual.value)}` : `it is missing${c.actual?.reason ? ` (${c.actual.reason})` : ''}`;
  return `${c.negated ? 'not ' : ''}${c.attribute} ${op}${value} (${actual})`;
}

@SubCommand({ name: 'explain', arguments: '<ref>', description: "A customer's persona and why, in plain words, and what each touchpoint would do for them now" })
export class CustomersExplainCommand extends CommandRunner {
  constructor(
    private readonly api: ApiClient,
    private readonly out: CliOutput,
  ) {
    super();
  }

  async run([ref]: string[]): Promise<void> {
    const path = `/v1/customers/${encodeURIComponent(ref)}`;
    const [view, strategy] = await Promise.all([this.api.get<any>(path), this.api.get<any>(`${path}/strategy`)]);
    const p = (s: unknown) => printable(s ?? '—');
    const a = view.customer.attributes ?? {};
    this.out.line(`Customer ${p(view.customer.id)} (${p(view.customer.crmObject)} ${p(view.customer.externalId)}): ${p([a.first_name, a.last_name].filter(Boolean).join(' ') || '—')} <${p(a.email)}>, ${p(a.company)}`);
    if (!view.persona) {
      this.out.line('Persona: none yet (not evaluated, or deleted in the CRM)');
    } else {
      const why = view.persona.explanation ?? {};
      const matched: Condition[] = why.matched ?? [];
      this.out.line(`Persona: ${p(view.persona.name)} (set v${view.persona.setVersion}) because ${matched.length ? matched.map((c) => p(conditionInWords(c))).join(' and ') : why.persona?.fallback ? 'no other persona matched' : 'its rule holds'}`);
      for (const r of why.rejected ?? []) this.out.line(`  not ${p(r.name)}: ${r.firstFailed ? p(conditionInWords(r.firstFailed)) : 'no condition decided'}`);
    }
    this.out.line(`Strategy ${strategy.strategyVersion === null ? '(none published yet)' : `v${strategy.strategyVersion}`}, in ${p(strategy.timeZone)}:`);
    for (const t of strategy.touchpoints ?? []) {
      const reasons = (t.reasons ?? []).map((r: { code: string; message?: string }) => r.message ?? r.code).filter(Boolean);
      this.out.line(`  ${p(t.name)} (${p(t.key)}): ${t.treatment ? p(t.treatment.name ?? t.treatment.key) : 'no treatment'} — ${p(t.outcome)}${reasons.length ? `; ${p(reasons.join('; '))}` : ''}${t.dependsOnEvent ? ' (the event may pick another option)' : ''}`);
    }
  }
}

@Command({ name: 'customers', description: 'Look customers up', subCommands: [CustomersExplainCommand] })
export class CustomersCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}

interface SyncRun {
  id: string;
  status: string;
  mode: string;
  records: number;
  created: number;
  updated: number;
  deleted: number;
  requests: number;
  rateLimited: number;
  percent: number | null;
  error: string | null;
}

interface SyncOptions {
  mode?: 'full' | 'incremental';
  wait?: boolean;
}

const DONE = new Set(['completed', 'failed', 'cancelled']);

/** The same sync-now as POST /v1/connections/:id/sync (the console's button), then its progress. */
@SubCommand({ name: 'run', arguments: '<connection>', description: 'Start a sync of a connection (id or name) and print its progress until it ends (or --no-wait)' })
export class SyncRunCommand extends CommandRunner {
  constructor(
    private readonly api: ApiClient,
    private readonly out: CliOutput,
  ) {
    super();
  }

  async run([connection]: string[], options: SyncOptions): Promise<void> {
    const id = await this.connectionId(connection);
    let run = await this.api.call<SyncRun>('POST', `/v1/connections/${id}/sync`, options.mode ? { mode: options.mode } : {});
    this.out.line(`sync ${printable(run.id)} (${printable(run.mode)}) ${printable(run.status)}`);
    if (options.wait === false) return;
    let shown = '';
    while (!DONE.has(run.status)) {
      await new Promise((r) => setTimeout(r, 500));
      run = await this.api.get<SyncRun>(`/v1/sync-runs/${run.id}`);
      const line = `  ${printable(run.status)}: ${run.records.toLocaleString('en-US')} records${run.percent === null ? '' : `, ${run.percent}%`}, ${run.requests} requests${run.rateLimited ? `, ${run.rateLimited} rate-limited` : ''}`;
      if (line !== shown) this.out.line((shown = line));
    }
    this.out.line(`sync ${printable(run.status)}: ${run.records} read, ${run.created} created, ${run.updated} updated, ${run.deleted} deleted`);
    if (run.status !== 'completed') throw new CliFailure(`sync ${run.status}${run.error ? `: ${printable(run.error)}` : ''}`);
  }

  private async connectionId(ref: string): Promise<string> {
    if (/^[0-9a-f-]{36}$/i.test(ref)) return ref;
    const answer = await this.api.get<unknown>('/v1/connections');
    const list = (Array.isArray(answer) ? answer : ((answer as { items?: unknown[]; connections?: unknown[] }).items ?? (answer as { connections?: unknown[] }).connections ?? [])) as Array<{ id: string; name: string }>;
    const found = list.filter((c) => c.name.toLowerCase() === ref.toLowerCase());
    if (found.length !== 1) throw new CliFailure(`${found.length ? 'Several connections are' : 'No connection is'} named ${JSON.stringify(ref)}: pass its id (${list.map((c) => `${printable(c.name)} = ${c.id}`).join(', ') || 'none yet'})`);
    return found[0].id;
  }

  @Option({ flags: '--mode <mode>', description: 'incremental (default) or full' })
  parseMode(value: string): 'full' | 'incremental' {
    if (value !== 'full' && value !== 'incremental') throw new CliFailure(`--mode must be full or incremental (got ${JSON.stringify(value)})`);
    return value;
  }

  @Option({ flags: '--no-wait', description: 'start the sync and return' })
  parseNoWait(): boolean {
    return false;
  }
}

@Command({ name: 'sync', description: 'Run CRM syncs', subCommands: [SyncRunCommand] })
export class SyncCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
