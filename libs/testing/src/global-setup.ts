import 'tsconfig-paths/register';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../persistence/src/data-source-options';
import { databaseUrl, randomSuffix, withAdminClient } from './test-services';

/**
 * Once per jest run: a template database with every migration applied. Each test file then clones
 * it (CREATE DATABASE ... TEMPLATE), so files never share state and runs never collide.
 */
export default async function globalSetup(): Promise<void> {
  const run = `${Date.now().toString(36)}${randomSuffix()}`;
  const template = `corridor_tpl_${run}`;
  await withAdminClient((c) => c.query(`CREATE DATABASE "${template}"`));
  const ds = new DataSource(dataSourceOptions({ url: databaseUrl(template), applicationName: 'corridor-test-setup' }));
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
  process.env.CORRIDOR_TEST_RUN = run;
  process.env.CORRIDOR_TEST_TEMPLATE_DB = template;
}
