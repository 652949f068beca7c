import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { queuePrefix } from '@corridor/jobs';
import { DataSource } from 'typeorm';
import { ApiKeyRepository, dataSourceOptions, dropDatabase } from '@corridor/persistence';
import { createTestContext, databaseUrl, randomSuffix, TestContext } from '@corridor/testing';
import { corridorFromSource } from './support/cli-harness';

jest.setTimeout(180_000); // each test starts the CLI through ts-node: a few seconds apiece, far more on a loaded machine

describe('corridor CLI', () => {
  let ctx: TestContext;
  let env: Record<string, string>;
  let db: DataSource | undefined;
  // A database that does not exist yet: `migrate` must create it.
  const freshUrl = databaseUrl(`corridor_cli_${process.env.CORRIDOR_TEST_RUN}_${randomSuffix()}`);

  beforeAll(async () => {
    ctx = await createTestContext();
    env = { ...ctx.env, DATABASE_URL: freshUrl };
  });
  afterAll(async () => {
    await db?.destroy();
    await dropDatabase(freshUrl);
    await ctx.dispose();
  });

  it('migrate creates the missing database and applies every migration; again, it has nothing to do', async () => {
    const first = await corridorFromSource(env, 'migrate');
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^Created database corridor_cli_/);
    expect(first.stdout).toMatch(/Applied \d+ migration\(s\)/);
    const second = await corridorFromSource(env, 'migrate');
    expect(second.stdout.trim()).toMatch(/is up to date$/);
    db = await new DataSource(dataSourceOptions({ url: freshUrl })).initialize();
  });

  it('keys create prints the key alone on its last line; the key works; list and revoke manage it', async () => {
    const created = await corridorFromSource(env, 'keys', 'create', '--role', 'admin', '--name', 'first admin');
    expect(created.code).toBe(0);
    const key = created.stdout.trim().split('\n').pop()!;
    expect(key).toMatch(/^crd_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const keys = new ApiKeyRepository(db!);
    const found = await keys.authenticate(key);
    expect(found).toMatchObject({ name: 'first admin', role: 'admin' });

    const listed = await corridorFromSource(env, 'keys', 'list');
    expect(listed.stdout).toContain('first admin');
    expect(listed.stdout).not.toContain(key);

    expect((await corridorFromSource(env, 'keys', 'revoke', found!.id)).code).toBe(0);
    expect(await keys.authenticate(key)).toBeNull();
  });

  it('fails with a message and exit code 1 on bad input', async () => {
    const badRole = await corridorFromSource(env, 'keys', 'create', '--role', 'root');
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toContain('--role must be one of admin, agent, integration');
    const unknownKey = await corridorFromSource(env, 'keys', 'revoke', '5b6a2b0e-8c55-4f7e-9f0e-0a1b2c3d4e5f');
    expect(unknownKey).toMatchObject({ code: 1, stderr: expect.stringContaining('API_KEY_NOT_FOUND') });
    expect((await corridorFromSource(env, 'nonsense')).code).toBe(1);
    expect(await corridorFromSource(env)).toMatchObject({ code: 0, stdout: expect.stringContaining('Usage: corridor <command>') });
  });

  it('import streams a file in and prints the report; evaluation jobs land in the queue', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'corridor-cli-'));
    const file = join(dir, 'customers.ndjson');
    await writeFile(file, '{"id":"k1","email":"k1@example.com"}\n{"id":"k2","shoe_size":44}\n');
    const res = await corridorFromSource(env, 'import', file);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ received: 2, created: 1, rejected: 1, errors: [{ line: 2, field: 'shoe_size' }] });

    const queue = new Queue('segmentation-live', { connection: { url: ctx.redisUrl }, prefix: queuePrefix(ctx.redisPrefix, 'segmentation-live') });
    const jobs = await queue.getJobs(['waiting', 'prioritized']);
    await queue.close();
    expect(jobs.map((j) => [j.name, j.data.cause, j.data.customerIds.length])).toEqual([['evaluate-customers', 'new_customer', 1]]);
  });

  it('migration:check passes when migrations match the entities (on a scratch database it drops)', async () => {
    const res = await corridorFromSource(env, 'migration:check');
    expect(res).toMatchObject({ code: 0, stdout: expect.stringContaining('No drift') });
  });
});
