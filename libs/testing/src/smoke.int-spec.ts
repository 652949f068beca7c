import { Client } from 'pg';
import { createTestContext, TestContext } from './test-context';

describe('test context', () => {
  let ctx: TestContext;
  beforeAll(async () => (ctx = await createTestContext()));
  afterAll(() => ctx.dispose());

  it('gives each test file a migrated database of its own', async () => {
    const c = new Client({ connectionString: ctx.databaseUrl });
    await c.connect();
    const { rows } = await c.query(`SELECT key FROM personas WHERE is_fallback`);
    await c.end();
    expect(rows).toEqual([{ key: 'everyone_else' }]);
    expect(ctx.redisPrefix).toMatch(/^corridor-test-/);
  });
});
