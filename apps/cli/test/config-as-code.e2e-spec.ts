import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '@corridor/config';
import { ApiTestApp } from '../../api/test/api-test-app';
import { CliOutput } from '../src/cli-output';
import { ApiClient } from '../src/config-as-code/api-client';
import { ConfigAsCodeService } from '../src/config-as-code/config-as-code.service';
import { strategyKind } from '../src/config-as-code/strategy.kind';
import { configContent, corridor, escapeRegExp, EXAMPLE } from './support/cli-harness';
import { ConfigInstallation, EXAMPLE_CUSTOMERS, startConfigInstallation } from './support/config-installation';

jest.setTimeout(180_000);

describe('configuration as code (corridor personas|journey|strategy export|diff|apply)', () => {
  let installation: ConfigInstallation;
  let api: ApiTestApp;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    // The example's customers, and three internal test records.
    const testRecords = Array.from({ length: 3 }, (_, i) => ({ id: `test${i}`, email: `t${i}@example.com` }));
    installation = await startConfigInstallation([...EXAMPLE_CUSTOMERS, ...testRecords], 'corridor-config-');
    ({ api, env, dir } = installation);
  });
  afterAll(async () => {
    await installation?.close();
  });

  const livePersonas = async () => (await api.http.get('/v1/personas').set(api.auth('admin')).expect(200)).body;
  const strategyDraft = async () => (await api.http.get('/v1/strategy/draft').set(api.auth('admin')).expect(200)).body;

  it('apply --dry-run validates, shows the diff and the preview, and writes nothing', async () => {
    const before = await livePersonas();
    const res = await corridor(env, 'personas', 'apply', join(EXAMPLE, 'personas.yaml'), '--dry-run');
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toContain('+ persona vip_recent_buyer "VIP recent buyer" at position 2');
    expect(res.stdout).toMatch(/preview over 13 customers: 13 would change persona/);
    expect(res.stdout).toMatch(/everyone_else → vip_recent_buyer: 6/);
    expect(res.stdout).toContain('dry run: nothing written');
    const after = await livePersonas();
    expect(after.personas).toEqual(before.personas);
    expect(after.live.version).toBe(before.live.version);
  });

  it('applies the example configuration in order: personas, journey, strategy', async () => {
    const personas = await corridor(env, 'personas', 'apply', join(EXAMPLE, 'personas.yaml'), '--json');
    expect(personas).toMatchObject({ code: 0, stderr: '' });
    expect(personas.stdout).toMatch(/persona set v\d+ live: 13 customers re-segmented, 13 changed persona/);
    const summary = JSON.parse(personas.stdout.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ kind: 'personas', applied: true, runStatus: 'completed', result: { perPersona: { vip_recent_buyer: 6, apac_account: 4, internal_test: 3 } } });

    const journey = await corridor(env, 'journey', 'apply', join(EXAMPLE, 'journey.yaml'));
    expect(journey).toMatchObject({ code: 0, stderr: '' });
    expect(journey.stdout).toContain('+ touchpoint renewal_due "Renewal due" in loyalty (email, major, moment of truth)');

    const strategy = await corridor(env, 'strategy', 'apply', join(EXAMPLE, 'strategy.yaml'));
    expect(strategy).toMatchObject({ code: 0, stderr: '' });
    // Which treatments change at which touchpoints, from the API's strategy preview.
    expect(strategy.stdout).toMatch(/at cart_abandoned: vip_recent_buyer none → cart_reminder for 6 customers/);
    expect(strategy.stdout).toContain('strategy v1 live');
    expect((await strategyDraft()).liveVersion).toBe(1);
  });

  it('round-trips: export → apply → export is identical, and the export says what config/ says', async () => {
    for (const kind of ['personas', 'journey', 'strategy']) {
      const first = join(dir, `${kind}-1.yaml`);
      const second = join(dir, `${kind}-2.yaml`);
      expect(await corridor(env, kind, 'export', '--out', first)).toMatchObject({ code: 0, stderr: '' });
      const exported = await readFile(first, 'utf8');
      expect(configContent(exported)).toEqual(configContent(await readFile(join(EXAMPLE, `${kind}.yaml`), 'utf8')));
      const applied = await corridor(env, kind, 'apply', first);
      expect(applied).toMatchObject({ code: 0, stdout: expect.stringContaining('no changes') });
      expect(await corridor(env, kind, 'export', '--out', second)).toMatchObject({ code: 0 });
      expect(await readFile(second, 'utf8')).toBe(exported);
    }
    // JSON too, to stdout.
    const json = await corridor(env, 'strategy', 'export', '--format', 'json');
    expect(JSON.parse(json.stdout)).toMatchObject({ kind: 'strategy', base: { strategyVersion: 1 } });
  });

  it('names file, line and path of every problem, and writes nothing', async () => {
    const file = join(dir, 'bad-personas.yaml');
    await writeFile(
      file,
      [
        'kind: personas', // 1
        'personas:', // 2
        '  - key: big', // 3
        '    name: Big', // 4
        '    rule: { attribute: employees, operator: gte, value: 1000 }', // 5
        '  - key: typo', // 6
        '    name: Typo', // 7
        '    rule:', // 8
        '      all:', // 9
        '        - attribute: employees', // 10
        '          operator: bigger_than', // 11
        '          value: 3', // 12
      ].join('\n'),
    );
    const before = await livePersonas();
    const res = await corridor(env, 'personas', 'apply', file);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(new RegExp(`${escapeRegExp(file)}:11 personas\\[1\\]\\.rule\\.all\\[0\\]\\.operator: `));
    expect(await livePersonas()).toEqual(before);

    const shape = join(dir, 'bad-strategy.yaml');
    await writeFile(shape, 'kind: strategy\ncells:\n  - personaKey: vip_recent_buyer\n    touchpointKey: order_placed\n    optons: []\n');
    const shaped = await corridor(env, 'strategy', 'diff', shape);
    expect(shaped.code).toBe(1);
    expect(shaped.stderr).toContain(`${shape}:3 cells[0].options: is required`);
    expect(shaped.stderr).toContain(`${shape}:5 cells[0].optons: is not a known field`);

    const unknown = join(dir, 'unknown-treatment.yaml');
    const example = await readFile(join(EXAMPLE, 'strategy.yaml'), 'utf8');
    await writeFile(unknown, example.replace('{ treatmentKey: push_nudge }', '{ treatmentKey: push_nudgee }'));
    const refused = await corridor(env, 'strategy', 'apply', unknown);
    expect(refused.code).toBe(1);
    const line = example.split('\n').findIndex((l) => l.includes('push_nudge')) + 1;
    expect(refused.stderr).toMatch(new RegExp(`unknown-treatment\\.yaml:${line} cells\\[6\\]\\.options\\[0\\]\\.treatmentKey: `));
    expect((await strategyDraft()).liveVersion).toBe(1);
  });

  it("refuses a file whose base moved (someone published since the export); --ignore-base diffs it against what is live", async () => {
    const exported = join(dir, 'strategy-base.yaml');
    await corridor(env, 'strategy', 'export', '--out', exported);
    const edited = (await readFile(exported, 'utf8')).replace('holdoutPercent: 10', 'holdoutPercent: 5');
    await writeFile(exported, edited);
    // Another admin publishes in between (through the API, as the console would).
    const draft = await strategyDraft();
    await api.http.put('/v1/strategy/draft').set(api.auth('admin')).send({ policies: { holdoutPercent: 20 }, expectedRevision: draft.revision }).expect(200);
    await api.http.post('/v1/strategy/publish').set(api.auth('admin')).send({}).expect(201);

    const refused = await corridor(env, 'strategy', 'apply', exported);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refused, the live strategy moved since the file\'s base (strategyVersion 1 → 2 now)');
    expect((await strategyDraft()).policies.holdoutPercent).toBe(20);

    const diff = await corridor(env, 'strategy', 'diff', exported, '--ignore-base', '--no-preview');
    expect(diff.stdout).toContain('~ policies.holdoutPercent: 20 → 5');
  });

  it('refuses to apply when the live version changes between the diff and the write', async () => {
    const config = loadConfig({ ...process.env, ...env });
    const lines: string[] = [];
    const out = { line: (s = '') => lines.push(s) } as CliOutput;
    const service = new ConfigAsCodeService(new ApiClient(config), out);
    const file = join(dir, 'strategy-race.yaml');
    await writeFile(file, (await readFile(join(EXAMPLE, 'strategy.yaml'), 'utf8')).replace('holdoutPercent: 10', 'holdoutPercent: 15'));
    const before = await strategyDraft();
    // A real concurrent publish, made while the CLI shows its preview.
    const racing = {
      ...strategyKind,
      async preview(...args: Parameters<typeof strategyKind.preview>) {
        const result = await strategyKind.preview(...args);
        const d = await strategyDraft();
        await api.http.put('/v1/strategy/draft').set(api.auth('admin')).send({ policies: { holdoutPercent: 30 }, expectedRevision: d.revision }).expect(200);
        await api.http.post('/v1/strategy/publish').set(api.auth('admin')).send({}).expect(201);
        return result;
      },
    };
    await expect(service.apply(racing, file, {})).rejects.toThrow('refused, the live strategy changed while the diff was computed (nothing was written)');
    const after = await strategyDraft();
    expect(after.liveVersion).toBe(before.liveVersion + 1);
    expect(after.policies.holdoutPercent).toBe(30);
  });

  it('applies a file in one transaction: a problem found late (a removed touchpoint the strategy uses) leaves the earlier changes unwritten', async () => {
    const file = join(dir, 'journey-late-problem.json');
    expect(await corridor(env, 'journey', 'export', '--out', file)).toMatchObject({ code: 0 });
    const doc = JSON.parse(await readFile(file, 'utf8'));
    // First a stage renamed, then a touchpoint removed that the live strategy draft still uses.
    doc.stages = doc.stages.map((s: { key: string; name: string }) => (s.key === 'loyalty' ? { ...s, name: 'Renewal' } : s));
    doc.touchpoints = doc.touchpoints.filter((t: { key: string }) => t.key !== 'renewal_due');
    await writeFile(file, JSON.stringify(doc, null, 2));
    const stages = async () => (await api.http.get('/v1/journey/stages').set(api.auth('admin')).expect(200)).body.stages;
    const before = await stages();
    const res = await corridor(env, 'journey', 'apply', file);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('is not valid (nothing was written)');
    expect(res.stderr).toMatch(/touchpoints: removes renewal_due, which the strategy draft uses/);
    expect(await stages()).toEqual(before);
    expect((await api.http.get('/v1/touchpoints/renewal_due').set(api.auth('admin'))).status).toBe(200);
  });

  it('customers explain says the persona and why in plain words, and the strategy per touchpoint', async () => {
    const res = await corridor({ ...env, CORRIDOR_API_KEY: api.agentKey }, 'customers', 'explain', 'vip0');
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toMatch(/Persona: VIP recent buyer \(set v\d+\) because total_revenue at least 50000 \(it is 90000\)/);
    expect(res.stdout).toMatch(/not Internal and test records: /);
    expect(res.stdout).toMatch(/Cart abandoned \(cart_abandoned\): cart_reminder/);
  });

  it('escapes control characters in names it prints', async () => {
    const file = join(dir, 'escape.yaml');
    const journey = await readFile(join(EXAMPLE, 'journey.yaml'), 'utf8');
    await writeFile(file, journey.replace('{ key: awareness, name: Awareness }', '{ key: awareness, name: "Aware\\u001b[2Jness" }'));
    const res = await corridor(env, 'journey', 'diff', file);
    expect(res.stdout).toContain('\\u001b[2J');
    expect(res.stdout).not.toContain('\u001b');
  });
});
