import { Client } from 'pg';
import { databaseUrl, randomSuffix } from '@corridor/testing';
import { dropDatabase, ensureDatabase, runMigrations, schemaDrift } from './database-admin';
import { MIGRATIONS } from './migrations';

// Migrating an empty database runs every migration (partitioned tables, triggers): seconds, more under load.
jest.setTimeout(120_000);

describe('database administration', () => {
  const url = databaseUrl(`corridor_admin_${process.env.CORRIDOR_TEST_RUN}_${randomSuffix()}`);
  afterAll(() => dropDatabase(url));

  it('creates a missing database once, migrates it, and finds no drift', async () => {
    expect(await ensureDatabase(url)).toBe(true);
    expect(await ensureDatabase(url)).toBe(false);
    expect(await runMigrations(url)).toHaveLength(MIGRATIONS.length);
    expect(await runMigrations(url)).toEqual([]);
    expect(await schemaDrift(url)).toEqual([]);
  });

  it('reports drift when the schema and the entities disagree', async () => {
    const c = new Client({ connectionString: url });
    await c.connect();
    await c.query('ALTER TABLE api_keys DROP COLUMN last_used_at');
    await c.end();
    const drift = await schemaDrift(url);
    expect(drift.join('\n')).toMatch(/ALTER TABLE "api_keys" ADD "last_used_at"/);
  });

  it('lets concurrent migrate runs through one at a time', async () => {
    const fresh = databaseUrl(`corridor_admin_${process.env.CORRIDOR_TEST_RUN}_${randomSuffix()}`);
    try {
      await ensureDatabase(fresh);
      const [a, b] = await Promise.all([runMigrations(fresh), runMigrations(fresh)]);
      expect([a.length, b.length].sort()).toEqual([0, MIGRATIONS.length]);
    } finally {
      await dropDatabase(fresh);
    }
  });
});
