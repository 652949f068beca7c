import { DataSource, Logger } from 'typeorm';
import { hashApiKey } from '@corridor/domain';
import { ApiKeyRepository, dataSourceOptions } from '@corridor/persistence';
import { createTestContext, TestContext } from '@corridor/testing';
import { ApiKeyCache } from './api-key.cache';

/** Counts the key lookups that reach Postgres. */
class LookupCounter implements Logger {
  lookups = 0;
  logQuery(query: string): void {
    if (/FROM api_keys WHERE prefix/.test(query)) this.lookups++;
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

describe('ApiKeyCache against Postgres', () => {
  let ctx: TestContext;
  let db: DataSource;
  const counter = new LookupCounter();

  beforeAll(async () => {
    ctx = await createTestContext();
    db = await new DataSource({ ...dataSourceOptions({ url: ctx.databaseUrl }), logging: ['query'], logger: counter }).initialize();
  });
  afterAll(async () => {
    await db?.destroy();
    await ctx?.dispose();
  });

  it('answers a burst of requests with an expired entry from one lookup, and never joins one a revocation overtook', async () => {
    const keys = new ApiKeyRepository(db);
    const { apiKey, secret } = await keys.issue('producer', 'integration');
    const cache = new ApiKeyCache(keys);
    const presented = { secret, hash: hashApiKey(secret) };

    counter.lookups = 0;
    const burst = await Promise.all(Array.from({ length: 50 }, () => cache.verify(presented)));
    expect(burst.every((v) => v?.apiKey.id === apiKey.id && v.state === 'active')).toBe(true);
    expect(counter.lookups).toBe(1);

    // Past the entry's life, the next burst asks once again.
    const later = new Date(Date.now() + 5_000);
    await Promise.all(Array.from({ length: 50 }, () => cache.verify(presented, later)));
    expect(counter.lookups).toBe(2);

    // A request after a revocation (forget) does not wait for a lookup that began before it: it asks Postgres itself.
    await keys.revoke(apiKey.id);
    const evenLater = new Date(Date.now() + 10_000);
    const before = cache.verify(presented, evenLater);
    cache.forget(apiKey.id);
    const after = cache.verify(presented, evenLater);
    expect((await before)?.state).toBe('revoked');
    expect((await after)?.state).toBe('revoked');
    expect(counter.lookups).toBe(4);
  });
});
