import { databaseUrl, deleteRedisKeys, randomSuffix, TEST_REDIS_URL, withAdminClient } from './test-services';

export interface TestContext {
  /** A fresh, migrated database of this test file's own. */
  databaseUrl: string;
  redisUrl: string;
  /** A Redis key prefix of this test file's own (queues, rate budgets). */
  redisPrefix: string;
  /** The environment an app under test should boot with. */
  env: Record<string, string>;
  dispose(): Promise<void>;
}

/**
 * Clones the run's migrated template into a database for one test file. Sets process.env too, so
 * apps booted in-process (ConfigModule) pick these up.
 */
export async function createTestContext(): Promise<TestContext> {
  const run = process.env.CORRIDOR_TEST_RUN;
  const template = process.env.CORRIDOR_TEST_TEMPLATE_DB;
  if (!run || !template) throw new Error('createTestContext needs the jest globalSetup (run tests through config/jest.config.js)');
  const suffix = randomSuffix();
  const name = `corridor_t_${run}_${suffix}`;
  await withAdminClient((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  const redisPrefix = `corridor-test-${run}-${suffix}`;
  const env = {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl(name),
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // The CRM sandbox and the tests' stand-in CRM hosts listen on loopback (SSRF rules: README).
    CRM_ALLOWED_HOSTS: '127.0.0.0/8, ::1, localhost',
  };
  Object.assign(process.env, env);
  return {
    databaseUrl: env.DATABASE_URL,
    redisUrl: TEST_REDIS_URL,
    redisPrefix,
    env,
    async dispose() {
      await deleteRedisKeys(redisPrefix);
      await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
