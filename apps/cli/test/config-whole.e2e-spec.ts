import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { AppConfig, loadConfig } from '@corridor/config';
import { ApiTestApp } from '../../api/test/api-test-app';
import { CliOutput } from '../src/cli-output';
import { ApiClient } from '../src/config-as-code/api-client';
import { ConfigAsCodeService } from '../src/config-as-code/config-as-code.service';
import { configContent, corridor, escapeRegExp, EXAMPLE } from './support/cli-harness';
import { ConfigInstallation, EXAMPLE_CUSTOMERS, startConfigInstallation } from './support/config-installation';

jest.setTimeout(180_000);

/** The real client, with another admin's change made just before the CLI's write (after its diff and dry run). */
class RacingClient extends ApiClient {
  constructor(
    config: AppConfig,
    private readonly meanwhile: () => Promise<void>,
  ) {
    super(config);
  }
  override async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (path === '/v1/config/apply' && !(body as { dryRun?: boolean }).dryRun) await this.meanwhile();
    return super.call<T>(method, path, body);
  }
}

describe('configuration as code, every kind at once (corridor config export|diff|apply)', () => {
  let installation: ConfigInstallation;
  let api: ApiTestApp;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    installation = await startConfigInstallation(EXAMPLE_CUSTOMERS, 'corridor-config-whole-');
    ({ api, env, dir } = installation);
  });
  afterAll(async () => {
    await installation?.close();
  });

  const live = async () => (await api.http.get('/v1/config').set(api.auth('admin')).expect(200)).body;
  const strategyDraft = async () => (await api.http.get('/v1/strategy/draft').set(api.auth('admin')).expect(200)).body;
  const service = (meanwhile: () => Promise<void>) => {
    const out = { line: () => undefined } as unknown as CliOutput;
    return new ConfigAsCodeService(new RacingClient(loadConfig({ ...process.env, ...env }), meanwhile), out);
  };

  it('diff and apply --dry-run of config/corridor/ show every kind and write nothing', async () => {
    const before = await live();
    const res = await corridor(env, 'config', 'apply', EXAMPLE, '--dry-run');
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toContain('+ persona vip_recent_buyer "VIP recent buyer" at position 2');
    expect(res.stdout).toMatch(/preview over 10 customers: 10 would change persona/);
    expect(res.stdout).toContain('+ touchpoint renewal_due "Renewal due" in loyalty (email, major, moment of truth)');
    expect(res.stdout).toContain('+ vip_recent_buyer × cart_abandoned: cart_reminder');
    // The strategy's preview reads live personas, which this file only adds: said, not failed.
    expect(res.stdout).toMatch(/no strategy preview: /);
    expect(res.stdout).toContain('dry run: nothing written');
    expect(await live()).toEqual(before);
    const diff = await corridor(env, 'config', 'diff', EXAMPLE, '--no-preview');
    expect(diff).toMatchObject({ code: 0, stderr: '' });
    expect(await live()).toEqual(before);
  });

  it('applies personas, journey and strategy of config/corridor/ in one call and one transaction', async () => {
    const res = await corridor(env, 'config', 'apply', EXAMPLE, '--json', '--no-preview');
    expect(res).toMatchObject({ code: 0, stderr: '' });
    const summary = JSON.parse(res.stdout.trim().split('\n').pop()!);
    expect(summary).toMatchObject({
      kind: 'config',
      applied: true,
      changes: { personas: expect.any(Number), journey: expect.any(Number), strategy: expect.any(Number) },
      personas: { runStatus: 'completed', result: { perPersona: { vip_recent_buyer: 6, apac_account: 4 } } },
      strategy: { version: 1 },
    });
    expect(Object.values(summary.changes).every((n) => (n as number) > 0)).toBe(true);
    const config = await live();
    expect(config.live).toEqual({ personaSet: expect.any(Number), strategyVersion: 1 });
    // The strategy version froze the journey written in the same transaction.
    const v1 = (await api.http.get('/v1/strategy/versions/1').set(api.auth('admin')).expect(200)).body;
    expect(JSON.stringify(v1)).toContain('renewal_due');
  });

  it('round-trips: export → apply → export is identical, and the export says what config/corridor/ says', async () => {
    const first = join(dir, 'config-1.yaml');
    const second = join(dir, 'config-2.yaml');
    expect(await corridor(env, 'config', 'export', '--out', first)).toMatchObject({ code: 0, stderr: '' });
    const exported = await readFile(first, 'utf8');
    expect(parse(exported)).toMatchObject({ kind: 'config', base: { personaSet: expect.any(Number), strategyVersion: 1 } });
    const example = async (kind: string) => configContent(await readFile(join(EXAMPLE, `${kind}.yaml`), 'utf8'));
    expect(configContent(exported)).toEqual({ ...(await example('personas')), journey: await example('journey'), strategy: await example('strategy') });
    const before = await live();
    const applied = await corridor(env, 'config', 'apply', first);
    expect(applied).toMatchObject({ code: 0, stderr: '' });
    expect(applied.stdout.match(/no changes/g)).toHaveLength(3);
    expect(await live()).toEqual(before);
    expect(await corridor(env, 'config', 'export', '--out', second)).toMatchObject({ code: 0 });
    expect(await readFile(second, 'utf8')).toBe(exported);
    // JSON too.
    const json = join(dir, 'config.json');
    expect(await corridor(env, 'config', 'export', '--out', json)).toMatchObject({ code: 0 });
    expect(JSON.parse(await readFile(json, 'utf8'))).toMatchObject({ kind: 'config', ...configContent(exported) });
    expect((await corridor(env, 'config', 'apply', json)).stdout.match(/no changes/g)).toHaveLength(3);
  });

  it('names file, line and path of every problem, in a whole file and in a directory, and writes nothing', async () => {
    const before = await live();
    const shape = join(dir, 'bad-shape.yaml');
    await writeFile(
      shape,
      [
        'kind: config', // 1
        'strategy:', // 2
        '  cells:', // 3
        '    - personaKey: vip_recent_buyer', // 4
        '      touchpointKey: order_placed', // 5
        '      optons: []', // 6
        'persona: []', // 7
      ].join('\n'),
    );
    const shaped = await corridor(env, 'config', 'apply', shape);
    expect(shaped.code).toBe(1);
    expect(shaped.stderr).toContain(`${shape}:4 strategy.cells[0].options: is required`);
    expect(shaped.stderr).toContain(`${shape}:6 strategy.cells[0].optons: is not a known field`);
    expect(shaped.stderr).toContain(`${shape}:7 persona: is not a known field`);

    // A rule the API refuses (its catalog, its operators), found by the apply's dry run.
    const rule = join(dir, 'bad-rule.yaml');
    await writeFile(
      rule,
      [
        'kind: config', // 1
        'personas:', // 2
        '  - key: typo', // 3
        '    name: Typo', // 4
        '    rule:', // 5
        '      all:', // 6
        '        - attribute: employees', // 7
        '          operator: bigger_than', // 8
        '          value: 3', // 9
      ].join('\n'),
    );
    const ruled = await corridor(env, 'config', 'apply', rule);
    expect(ruled.code).toBe(1);
    expect(ruled.stderr).toMatch(new RegExp(`${escapeRegExp(rule)}:8 personas\\[0\\]\\.rule\\.all\\[0\\]\\.operator: `));

    // A directory of one-kind files: the problem is at that file's own line and path.
    const copy = join(dir, 'corridor-copy');
    await cp(EXAMPLE, copy, { recursive: true });
    const strategy = await readFile(join(copy, 'strategy.yaml'), 'utf8');
    await writeFile(join(copy, 'strategy.yaml'), strategy.replace('{ treatmentKey: push_nudge }', '{ treatmentKey: push_nudgee }'));
    const line = strategy.split('\n').findIndex((l) => l.includes('push_nudge')) + 1;
    const unknown = await corridor(env, 'config', 'apply', copy);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('is not valid (nothing was written)');
    expect(unknown.stderr).toMatch(new RegExp(`${escapeRegExp(join(copy, 'strategy.yaml'))}:${line} cells\\[6\\]\\.options\\[0\\]\\.treatmentKey: `));

    const twice = await corridor(env, 'config', 'apply', copy, join(EXAMPLE, 'journey.yaml'));
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('journey is also in');
    expect(await live()).toEqual(before);
  });

  it('refuses a file whose base moved (someone published since the export), and writes none of it', async () => {
    const file = join(dir, 'config-base.yaml');
    await corridor(env, 'config', 'export', '--out', file);
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('name: Internal and test records', 'name: Internal test records').replace('holdoutPercent: 10', 'holdoutPercent: 5'));
    const draft = await strategyDraft();
    await api.http.put('/v1/strategy/draft').set(api.auth('admin')).send({ policies: { holdoutPercent: 20 }, expectedRevision: draft.revision }).expect(200);
    await api.http.post('/v1/strategy/publish').set(api.auth('admin')).send({}).expect(201);
    const before = await live();

    const refused = await corridor(env, 'config', 'apply', file);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("refused, the live strategy moved since the file's base (strategyVersion 1 → 2 now)");
    expect(await live()).toEqual(before);
  });

  it('refuses the whole apply when a kind changes between the diff and the write (someone published), and writes none of it', async () => {
    const file = join(dir, 'config-race.yaml');
    expect(await corridor(env, 'config', 'export', '--out', file)).toMatchObject({ code: 0 });
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('name: Internal and test records', 'name: Internal test records').replace(/holdoutPercent: \d+/, 'holdoutPercent: 15'));
    const before = await live();
    const racing = service(async () => {
      const d = await strategyDraft();
      await api.http.put('/v1/strategy/draft').set(api.auth('admin')).send({ policies: { holdoutPercent: 30 }, expectedRevision: d.revision }).expect(200);
      await api.http.post('/v1/strategy/publish').set(api.auth('admin')).send({}).expect(201);
    });
    await expect(racing.applyConfig([file], { preview: false })).rejects.toThrow('refused, the live strategy changed while the diff was computed (nothing was written)');
    const after = await live();
    // Their strategy stands; the file's persona change did not land either.
    expect(after.strategy.policies.holdoutPercent).toBe(30);
    expect(after.live.strategyVersion).toBe(before.live.strategyVersion + 1);
    expect(after.personas).toEqual(before.personas);
    expect(after.versions.personas).toBe(before.versions.personas);
    expect(after.live.personaSet).toBe(before.live.personaSet);
  });

  it('applies personas and strategy in one transaction: a strategy invalid at write time leaves the personas unchanged', async () => {
    await api.http.post('/v1/treatments').set(api.auth('admin')).send({ key: 'winback_call', name: 'Win-back call', type: 'no_action', channel: 'other', config: {} }).expect(201);
    const file = join(dir, 'config-both.yaml');
    expect(await corridor(env, 'config', 'export', '--out', file)).toMatchObject({ code: 0 });
    const text = (await readFile(file, 'utf8')).replace('name: Internal and test records', 'name: Internal test records').replace('treatmentKey: push_nudge', 'treatmentKey: winback_call');
    await writeFile(file, text);
    const line = text.split('\n').findIndex((l) => l.includes('winback_call')) + 1;
    const cell = (parse(text).strategy.cells as Array<{ options: Array<{ treatmentKey: string }> }>).findIndex((c) => c.options.some((o) => o.treatmentKey === 'winback_call'));

    // The file passes the dry run, then another admin deletes the treatment its strategy names.
    const dry = await corridor(env, 'config', 'apply', file, '--dry-run', '--no-preview');
    expect(dry).toMatchObject({ code: 0, stderr: '' });
    expect(dry.stdout).toContain('~ persona internal_test: name "Internal and test records" → "Internal test records"');
    const before = await live();
    const racing = service(async () => {
      await api.http.delete('/v1/treatments/winback_call').set(api.auth('admin')).expect((r) => expect(r.status).toBeLessThan(300));
    });
    const failure = racing.applyConfig([file], { preview: false });
    await expect(failure).rejects.toThrow('is not valid (nothing was written)');
    await expect(failure).rejects.toThrow(new RegExp(`${escapeRegExp(file)}:${line} strategy\\.cells\\[${cell}\\]\\.options\\[0\\]\\.treatmentKey: `));
    const after = await live();
    expect(after.personas).toEqual(before.personas);
    expect(after.personas.find((p: { key: string }) => p.key === 'internal_test').name).toBe('Internal and test records');
    expect(after.versions).toEqual(before.versions);
    expect(after.live).toEqual(before.live);
  });
});
