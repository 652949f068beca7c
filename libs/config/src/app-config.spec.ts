import { ConfigError, loadConfig, trustProxySetting } from './app-config';

describe('loadConfig', () => {
  it('works with no variables set (local Postgres and Redis defaults)', () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/corridor');
    expect(config.PORT).toBe(3000);
    expect(config.SECRETS_KEY).toHaveLength(44);
  });

  it('names every invalid variable', () => {
    expect.assertions(4);
    try {
      loadConfig({ DATABASE_URL: 'mysql://x', PORT: 'eighty', SEGMENTATION_TIMEZONE: 'Mars/Base' });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const message = (e as Error).message;
      expect(message).toContain('DATABASE_URL');
      expect(message).toContain('PORT');
      expect(message).toContain('SEGMENTATION_TIMEZONE');
    }
  });

  it('takes one Redis server or a Redis Cluster as REDIS_URL', () => {
    expect(loadConfig({ REDIS_URL: 'rediss://u:p@cache:6380/1' }).REDIS_URL).toBe('rediss://u:p@cache:6380/1');
    expect(loadConfig({ REDIS_URL: 'redis+cluster://h1:7000,h2:7001,h3:7002' }).REDIS_URL).toBe('redis+cluster://h1:7000,h2:7001,h3:7002');
    expect(loadConfig({ REDIS_URL: 'rediss+cluster://:secret@h1:7000' }).REDIS_URL).toBe('rediss+cluster://:secret@h1:7000');
    expect(() => loadConfig({ REDIS_URL: 'redis+cluster://h1:7000/2' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ REDIS_URL: 'redis+cluster://h1' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ REDIS_URL: 'memcached://h1' })).toThrow(/REDIS_URL/);
  });

  it('takes TRUST_PROXY as Express understands it, and refuses anything else', () => {
    expect(trustProxySetting(loadConfig({}).TRUST_PROXY)).toBeUndefined();
    expect(trustProxySetting(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY)).toBe(true);
    expect(trustProxySetting(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY)).toBe(2);
    expect(trustProxySetting(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).TRUST_PROXY)).toBe('loopback, 10.0.0.0/8');
    expect(() => loadConfig({ TRUST_PROXY: 'a b' })).toThrow(/TRUST_PROXY/);
  });

  it('requires SECRETS_KEY in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SECRETS_KEY: required/);
    expect(loadConfig({ NODE_ENV: 'production', SECRETS_KEY: 'a'.repeat(64) }).SECRETS_KEY).toBe('a'.repeat(64));
  });

  it('takes a refresh cron of 5 fields or 6 (seconds first), and a watchdog period in range', () => {
    expect(loadConfig({ SEGMENTATION_REFRESH_CRON: '*/2 * * * * *' }).SEGMENTATION_REFRESH_CRON).toBe('*/2 * * * * *');
    expect(() => loadConfig({ SEGMENTATION_REFRESH_CRON: '* * *' })).toThrow(/SEGMENTATION_REFRESH_CRON/);
    expect(loadConfig({}).WORKER_WATCHDOG_SECONDS).toBe(30);
    expect(() => loadConfig({ WORKER_WATCHDOG_SECONDS: '0' })).toThrow(/WORKER_WATCHDOG_SECONDS/);
  });

  it('takes the event group commit\'s pool and timeouts within bounds, the lock timeout no longer than the statement timeout', () => {
    expect(loadConfig({})).toMatchObject({ EVENT_GROUP_POOL_SIZE: 3, EVENT_GROUP_STATEMENT_TIMEOUT_MS: 4000, EVENT_GROUP_LOCK_TIMEOUT_MS: 1000 });
    expect(loadConfig({ EVENT_GROUP_POOL_SIZE: '5', EVENT_GROUP_STATEMENT_TIMEOUT_MS: '300', EVENT_GROUP_LOCK_TIMEOUT_MS: '300' })).toMatchObject({
      EVENT_GROUP_POOL_SIZE: 5,
      EVENT_GROUP_STATEMENT_TIMEOUT_MS: 300,
      EVENT_GROUP_LOCK_TIMEOUT_MS: 300,
    });
    expect(() => loadConfig({ EVENT_GROUP_POOL_SIZE: '1' })).toThrow(/EVENT_GROUP_POOL_SIZE/);
    expect(() => loadConfig({ EVENT_GROUP_POOL_SIZE: '34' })).toThrow(/EVENT_GROUP_POOL_SIZE/);
    expect(() => loadConfig({ EVENT_GROUP_STATEMENT_TIMEOUT_MS: '99' })).toThrow(/EVENT_GROUP_STATEMENT_TIMEOUT_MS/);
    expect(() => loadConfig({ EVENT_GROUP_STATEMENT_TIMEOUT_MS: 'soon' })).toThrow(/EVENT_GROUP_STATEMENT_TIMEOUT_MS/);
    expect(() => loadConfig({ EVENT_GROUP_LOCK_TIMEOUT_MS: '60001' })).toThrow(/EVENT_GROUP_LOCK_TIMEOUT_MS/);
    expect(() => loadConfig({ EVENT_GROUP_STATEMENT_TIMEOUT_MS: '500' })).toThrow(/EVENT_GROUP_LOCK_TIMEOUT_MS: 1000 exceeds EVENT_GROUP_STATEMENT_TIMEOUT_MS \(500\)/);
  });
});
