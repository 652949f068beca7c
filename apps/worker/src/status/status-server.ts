import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '@corridor/config';
import { QUEUE } from '@corridor/contracts';
import { JobProducer } from '@corridor/jobs';
import { withTimeout, WorkerMetrics } from '@corridor/observability';

const PING_TIMEOUT_MS = 1500;

/**
 * The worker's own small HTTP listener on WORKER_METRICS_PORT (0: none): `/metrics` for Prometheus
 * and `/health` (Postgres and Redis answer a ping). Plain node:http rather than a Nest HTTP app:
 * the worker has no routes, guards or pipes to share, and two endpoints need none.
 */
@Injectable()
export class StatusServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('status');
  private server?: Server;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: WorkerMetrics,
    private readonly db: DataSource,
    private readonly jobs: JobProducer,
  ) {}

  /** The port listened on (useful when the setting asked for any port), or null. */
  get port(): number | null {
    const address = this.server?.address() as AddressInfo | null | undefined;
    return address?.port ?? null;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.WORKER_METRICS_PORT) return;
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const answer = (status: number, type: string, body: string) => {
        res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
        res.end(body);
      };
      if (req.method !== 'GET') return answer(405, 'application/json', JSON.stringify({ code: 'METHOD_NOT_ALLOWED', message: 'GET only', details: [] }));
      if (path === '/metrics') {
        this.metrics.registry.metrics().then(
          (text) => answer(200, this.metrics.registry.contentType, text),
          (e: Error) => answer(503, 'application/json', JSON.stringify({ code: 'UNAVAILABLE', message: e.message, details: [] })),
        );
        return;
      }
      if (path === '/health') {
        this.health().then((h) => answer(h.status === 'ok' ? 200 : 503, 'application/json', JSON.stringify(h)));
        return;
      }
      answer(404, 'application/json', JSON.stringify({ code: 'NOT_FOUND', message: `No ${path} here: /metrics or /health`, details: [] }));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.WORKER_METRICS_PORT, () => resolve());
    });
    this.server = server;
    this.logger.log({ msg: 'metrics and health listening', port: this.port });
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }

  /** Postgres and Redis each answer a ping within PING_TIMEOUT_MS. */
  async health(): Promise<{ status: 'ok' | 'error'; details: Record<string, { status: 'up' | 'down'; message?: string }> }> {
    const check = async (ping: () => Promise<unknown>) => {
      try {
        await withTimeout(ping(), PING_TIMEOUT_MS);
        return { status: 'up' as const };
      } catch (e) {
        return { status: 'down' as const, message: (e as Error).message };
      }
    };
    const [postgres, redis] = await Promise.all([
      check(() => this.db.query('SELECT 1')),
      // BullMQ queues commands while disconnected: only the timeout tells "away" from "slow".
      check(() => this.jobs.queue(QUEUE.segmentation).client.then((c) => (c as unknown as { ping(): Promise<string> }).ping())),
    ]);
    const details = { postgres, redis };
    return { status: postgres.status === 'up' && redis.status === 'up' ? 'ok' : 'error', details };
  }
}
