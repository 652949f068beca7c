import { ALL_QUEUES } from '@corridor/contracts';
import { Cluster } from 'ioredis';
import { createRedisClient, isClusterUrl, parseRedisUrl, queuePrefix, redisConnection } from './redis-connection';

describe('REDIS_URL', () => {
  it('reads one server', () => {
    expect(parseRedisUrl('rediss://u:p%40ss@cache.example:6380/2')).toEqual({
      cluster: false,
      nodes: [{ host: 'cache.example', port: 6380 }],
      username: 'u',
      password: 'p@ss',
      db: 2,
      tls: true,
    });
  });

  it('reads a cluster: its seed nodes, credentials and TLS', () => {
    expect(isClusterUrl('redis+cluster://a:7000')).toBe(true);
    expect(isClusterUrl('redis://a:7000')).toBe(false);
    expect(parseRedisUrl('rediss+cluster://:secret@10.0.0.1:7000,10.0.0.2:7001,10.0.0.3')).toEqual({
      cluster: true,
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '10.0.0.3', port: 6379 },
      ],
      username: undefined,
      password: 'secret',
      db: 0,
      tls: true,
    });
    expect(() => parseRedisUrl('redis+cluster://a:7000/3')).toThrow(/cluster URL/);
  });

  it('gives BullMQ options for a server and a Cluster client for a cluster', () => {
    expect(redisConnection('redis://127.0.0.1:6379')).toMatchObject({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
    const cluster = createRedisClient('redis+cluster://127.0.0.1:1,127.0.0.1:2', { lazyConnect: true });
    expect(cluster).toBeInstanceOf(Cluster);
    cluster.disconnect();
  });
});

describe('queuePrefix', () => {
  it('hash-tags each queue by its name, with no colon (BullMQ splits flow keys on it)', () => {
    expect(queuePrefix('corridor', 'crm-sync')).toBe('corridor{crm-sync}');
    for (const q of ALL_QUEUES) expect(queuePrefix('corridor', q)).not.toContain(':');
  });
});
