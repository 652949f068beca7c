import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';

/**
 * Database administration for the CLI (`corridor migrate`, `corridor migration:check`) and CI:
 * create the database, apply migrations, compare entities with the migrated schema.
 */

/** Any fixed number: every `migrate` takes this advisory lock, so two at once run one after the other. */
const MIGRATION_LOCK = 7_245_113_001;

function databaseNameOf(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  return name;
}

/** The same server's `postgres` maintenance database, where CREATE/DROP DATABASE are run. */
function maintenanceUrl(url: string): string {
  const u = new URL(url);
  u.pathname = '/postgres';
  return u.toString();
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

async function withMaintenanceClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: maintenanceUrl(url), application_name: 'corridor-cli' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates the database named in `url` unless it exists; true when it was created. */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseNameOf(url);
  return withMaintenanceClient(url, async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
      return true;
    } catch (e) {
      if ((e as { code?: string }).code === '42P04') return false; // created meanwhile by a concurrent migrate
      throw e;
    }
  });
}

export async function dropDatabase(url: string): Promise<void> {
  const name = databaseNameOf(url);
  await withMaintenanceClient(url, (client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`));
}

/** A URL for a throwaway database next to the one in `url`. */
export function scratchDatabaseUrl(url: string, purpose: string): string {
  const u = new URL(url);
  u.pathname = `/${databaseNameOf(url).slice(0, 30)}_${purpose}_${randomBytes(4).toString('hex')}`;
  return u.toString();
}

async function withDataSource<T>(url: string, fn: (ds: DataSource) => Promise<T>): Promise<T> {
  const ds = new DataSource(dataSourceOptions({ url, applicationName: 'corridor-cli', poolSize: 2 }));
  await ds.initialize();
  try {
    return await fn(ds);
  } finally {
    await ds.destroy();
  }
}

/** Applies pending migrations, each in its own transaction; returns the names applied. */
export async function runMigrations(url: string): Promise<string[]> {
  return withDataSource(url, async (ds) => {
    const lock = ds.createQueryRunner();
    await lock.connect();
    try {
      await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      const applied = await ds.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      await lock.release();
    }
  });
}

/**
 * The statements TypeORM would generate to make the schema match the entities: empty when
 * migrations and entities agree. The same comparison `typeorm migration:generate --check` makes.
 */
export async function schemaDrift(url: string): Promise<string[]> {
  return withDataSource(url, async (ds) => {
    const sql = await ds.driver.createSchemaBuilder().log();
    return sql.upQueries.map((q) => q.query);
  });
}
