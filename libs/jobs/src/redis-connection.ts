import Redis, { Cluster, ClusterOptions, RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'bullmq';

/**
 * Every Redis client Corridor makes comes from here, so one REDIS_URL reaches a single server
 * (`redis://`, `rediss://`) or a Redis Cluster (`redis+cluster://host1:7000,host2:7001,...`,
 * `rediss+cluster://` for TLS): the nodes listed are only seeds, the client discovers the rest.
 */
export interface RedisTarget {
  cluster: boolean;
  nodes: Array<{ host: string; port: number }>;
  username?: string;
  password?: string;
  db: number;
  tls: boolean;
}

const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#@]+)\/?$/;

export function isClusterUrl(url: string): boolean {
  return /^rediss?\+cluster:\/\//.test(url);
}

export function parseRedisUrl(url: string): RedisTarget {
  if (isClusterUrl(url)) {
    const m = CLUSTER_URL.exec(url);
    if (!m) throw new Error('REDIS_URL: a cluster URL is redis+cluster://[user:password@]host:port,host:port,... (no database: a cluster has only 0)');
    const nodes = m[4].split(',').map((hp) => {
      const [host, port] = hp.trim().split(':');
      return { host, port: Number(port || 6379) };
    });
    return {
      cluster: true,
      nodes,
      username: m[2] ? decodeURIComponent(m[2]) : undefined,
      password: m[3] ? decodeURIComponent(m[3]) : undefined,
      db: 0,
      tls: m[1] === 'rediss',
    };
  }
  const u = new URL(url);
  return {
    cluster: false,
    nodes: [{ host: u.hostname, port: Number(u.port || 6379) }],
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:',
  };
}

export type RedisClient = Redis | Cluster;

/** Options for the commands themselves (per node on a cluster). */
function nodeOptions(t: RedisTarget, extra: RedisOptions): RedisOptions {
  return { username: t.username, password: t.password, tls: t.tls ? {} : undefined, ...extra };
}

/**
 * A client for REDIS_URL: `new Redis` for one server, `new Redis.Cluster` for a cluster. `options`
 * apply to each node's connection (maxRetriesPerRequest, lazyConnect, retryStrategy...).
 */
export function createRedisClient(url: string, options: RedisOptions = {}): RedisClient {
  const t = parseRedisUrl(url);
  if (!t.cluster) return new Redis({ host: t.nodes[0].host, port: t.nodes[0].port, db: t.db, ...nodeOptions(t, options) });
  const { retryStrategy, lazyConnect, enableReadyCheck, ...perNode } = options;
  const clusterOptions: ClusterOptions = {
    redisOptions: nodeOptions(t, perNode),
    lazyConnect,
    enableReadyCheck: enableReadyCheck ?? true,
    // The cluster's own reconnects, backing off like a single client's retryStrategy.
    clusterRetryStrategy: retryStrategy ? (times: number) => retryStrategy(times) ?? null : (times: number) => Math.min(times * 200, 5000),
    maxRedirections: 16,
  };
  return new Cluster(t.nodes, clusterOptions);
}

/**
 * BullMQ's connection for REDIS_URL. maxRetriesPerRequest must be null for workers (BullMQ's
 * blocking commands); reconnects back off so a Redis restart is ridden out, not fatal. One server:
 * options, so each queue and worker owns (and closes) its clients. A cluster: a Cluster instance
 * (BullMQ cannot build one from options), shared by the queues of an app, whose owner quits it.
 */
export function redisConnection(url: string): ConnectionOptions {
  const t = parseRedisUrl(url);
  const common = { maxRetriesPerRequest: null, enableReadyCheck: true, retryStrategy: (times: number) => Math.min(times * 200, 5000) };
  if (t.cluster) return createRedisClient(url, common);
  return { host: t.nodes[0].host, port: t.nodes[0].port, db: t.db, ...nodeOptions(t, common) };
}

/**
 * The BullMQ key prefix of one queue: BullMQ's keys are `<prefix>:<queue>:...` and its Lua scripts
 * touch several of them at once, which a cluster allows only within one hash slot. A hash tag of
 * the queue's name puts each queue's keys in one slot, and different queues in different slots.
 * No `:` inside: BullMQ splits flow keys on it.
 */
export function queuePrefix(redisPrefix: string, queue: string): string {
  return `${redisPrefix}{${queue}}`;
}
