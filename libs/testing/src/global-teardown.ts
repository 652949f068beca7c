import { deleteRedisKeys, withAdminClient } from './test-services';

/** Drops the run's template and any per-file database a crashed test left behind. */
export default async function globalTeardown(): Promise<void> {
  const run = process.env.CORRIDOR_TEST_RUN;
  if (!run) return;
  await withAdminClient(async (c) => {
    const { rows } = await c.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`corridor_%${run}%`]);
    for (const { datname } of rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  });
  await deleteRedisKeys(`corridor-test-${run}`);
}
