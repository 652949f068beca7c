import { DataSource } from 'typeorm';
import { AppConfig } from '@corridor/config';
import { dataSourceOptions, SecretBox } from '@corridor/persistence';
import { createTestContext, TestContext } from '@corridor/testing';
import { corridorFromSource } from './support/cli-harness';

jest.setTimeout(240_000); // each step starts the CLI through ts-node

const OLD_KEY = Buffer.alloc(32, 11).toString('base64');
const NEW_KEY = Buffer.alloc(32, 12).toString('hex');
const boxOf = (current: string, old = '') => new SecretBox(Object.assign(new AppConfig(), { SECRETS_KEY: current, SECRETS_KEYS_OLD: old }));

describe('corridor keys (expiry, escaping) and secrets reencrypt', () => {
  let ctx: TestContext;
  let db: DataSource;
  beforeAll(async () => {
    ctx = await createTestContext();
    db = await new DataSource(dataSourceOptions({ url: ctx.databaseUrl })).initialize();
  });
  afterAll(async () => {
    await db?.destroy();
    await ctx.dispose();
  });

  it('keys create --expires-in sets the expiry; names with control characters reach the terminal escaped', async () => {
    const evil = 'ops\u001b[2J\u001b]0;owned\u0007';
    const created = await corridorFromSource(ctx.env, 'keys', 'create', '--role', 'agent', '--name', evil, '--expires-in', '90d');
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(created.stdout).toContain('ops\\x1b[2J\\x1b]0;owned\\x07');
    const [row] = await db.query(`SELECT expires_at FROM api_keys WHERE name = $1`, [evil]);
    const days = (new Date(row.expires_at).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThan(90.1);

    const listed = await corridorFromSource(ctx.env, 'keys', 'list');
    expect(listed.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(listed.stdout).toContain(`active until ${new Date(row.expires_at).toISOString()}`);

    const bad = await corridorFromSource(ctx.env, 'keys', 'create', '--role', 'agent', '--expires-in', 'forever');
    expect(bad).toMatchObject({ code: 1, stderr: expect.stringContaining('--expires-in must be') });
  });

  it('after a rotation the old key still opens; reencrypt re-seals all, idempotently; then the old key can go', async () => {
    const old = boxOf(OLD_KEY);
    await db.query(`INSERT INTO destinations (name, url, secret_encrypted) VALUES ('a', 'https://a.example/h', $1), ('b', 'https://b.example/h', $2)`, [
      old.seal('whsec_one'),
      old.seal('whsec_two'),
    ]);
    await db.query(`INSERT INTO connections (kind, name, credentials_encrypted) VALUES ('hubspot', 'crm', $1)`, [old.sealJson({ accessToken: 'pat-na1-x' })]);
    const rotated = { ...ctx.env, SECRETS_KEY: NEW_KEY, SECRETS_KEYS_OLD: OLD_KEY };

    const first = await corridorFromSource(rotated, 'secrets', 'reencrypt');
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toContain('destinations.secret_encrypted: 2 re-sealed, 0 already current (2 in all)');
    expect(first.stdout).toContain('connections.credentials_encrypted: 1 re-sealed');
    const again = await corridorFromSource(rotated, 'secrets', 'reencrypt');
    expect(again.stdout).toContain('Re-sealed 0 of');
    expect(again.stdout).toContain('destinations.secret_encrypted: 0 re-sealed, 2 already current (2 in all)');

    // The old key removed from the configuration: everything still opens with the new key alone.
    const only = boxOf(NEW_KEY);
    const secrets = await db.query(`SELECT secret_encrypted AS s FROM destinations ORDER BY name`);
    expect(secrets.map((r: { s: string }) => only.open(r.s))).toEqual(['whsec_one', 'whsec_two']);
    const [conn] = await db.query(`SELECT credentials_encrypted AS s FROM connections WHERE name = 'crm'`);
    expect(only.openJson(conn.s)).toEqual({ accessToken: 'pat-na1-x' });
    expect(() => boxOf(OLD_KEY).open(conn.s)).toThrow();
  });
});
