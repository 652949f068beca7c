import { DataSource } from 'typeorm';
import { createTestContext, TestContext } from '@corridor/testing';
import { dataSourceOptions } from '../data-source-options';
import { ApiKeyRepository } from './api-key.repository';

describe('ApiKeyRepository', () => {
  let ctx: TestContext;
  let db: DataSource;
  let keys: ApiKeyRepository;

  beforeAll(async () => {
    ctx = await createTestContext();
    db = await new DataSource(dataSourceOptions({ url: ctx.databaseUrl })).initialize();
    keys = new ApiKeyRepository(db);
  });
  afterAll(async () => {
    await db.destroy();
    await ctx.dispose();
  });

  it('stores only the prefix and a SHA-256 hash, never the key', async () => {
    const { apiKey, secret } = await keys.issue('ops', 'admin');
    const [row] = await db.query(`SELECT * FROM api_keys WHERE id = $1`, [apiKey.id]);
    expect(row.prefix).toBe(apiKey.prefix);
    expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(secret.split('_').slice(2).join('_'));
  });

  it('authenticates the exact key only, and records use at most once a minute', async () => {
    const { apiKey, secret } = await keys.issue('bot', 'integration');
    const t0 = new Date('2030-01-01T00:00:00Z');
    expect(await keys.authenticate(secret, t0)).toMatchObject({ id: apiKey.id, role: 'integration', lastUsedAt: t0 });
    expect((await keys.authenticate(secret, new Date(t0.getTime() + 30_000)))?.lastUsedAt).toEqual(t0);
    const later = new Date(t0.getTime() + 61_000);
    expect((await keys.authenticate(secret, later))?.lastUsedAt).toEqual(later);
    expect(await keys.authenticate(`${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
    expect(await keys.authenticate('crd_nothing')).toBeNull();
  });

  it('refuses revoked keys at once and keeps the first revocation time', async () => {
    const { apiKey, secret } = await keys.issue('temp', 'agent');
    const revoked = await keys.revoke(apiKey.id);
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect(await keys.authenticate(secret)).toBeNull();
    expect((await keys.revoke(apiKey.id)).revokedAt).toEqual(revoked.revokedAt);
    await expect(keys.revoke('5b6a2b0e-8c55-4f7e-9f0e-0a1b2c3d4e5f')).rejects.toMatchObject({ code: 'API_KEY_NOT_FOUND', kind: 'not_found' });
    await expect(keys.revoke('nope')).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('refuses a role that does not exist', async () => {
    await expect(keys.issue('x', 'root' as never)).rejects.toMatchObject({ kind: 'invalid', details: [{ field: 'role' }] });
  });

  it('refuses an expired key with state expired, records no use for it, and refuses a past expiry', async () => {
    const t0 = new Date('2030-01-01T00:00:00Z');
    const expiresAt = new Date(t0.getTime() + 60_000);
    const { apiKey, secret } = await keys.issue('short', 'agent', expiresAt, t0);
    expect(apiKey.expiresAt).toEqual(expiresAt);
    expect(await keys.verify(secret, t0)).toMatchObject({ state: 'active' });
    const after = await keys.verify(secret, new Date(expiresAt.getTime() + 120_000));
    expect(after).toMatchObject({ state: 'expired', apiKey: { id: apiKey.id, lastUsedAt: t0 } });
    expect(await keys.authenticate(secret, expiresAt)).toBeNull();
    await keys.revoke(apiKey.id);
    expect(await keys.verify(secret, t0)).toMatchObject({ state: 'revoked' });
    await expect(keys.issue('late', 'agent', new Date(t0.getTime() - 1), t0)).rejects.toMatchObject({ kind: 'invalid', details: [{ field: 'expiresAt' }] });
  });
});
