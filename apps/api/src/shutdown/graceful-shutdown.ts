import type { Server, ServerResponse } from 'node:http';
import { INestApplication, Logger } from '@nestjs/common';
import { ShutdownState } from './shutdown-state';

/**
 * How long a shutdown waits for the requests it accepted before it drops the connections left.
 * Every single-event request is bounded well within this (10 s in the group commit's queue, then
 * its group's statement timeout); under Kubernetes' default 30 s grace period.
 */
export const SHUTDOWN_DRAIN_MS = 20_000;

/** How often idle keep-alive connections are closed while draining (a connection turns idle when its response is sent). */
const IDLE_SWEEP_MS = 50;

export interface ShutdownTimings {
  /** Taking connections with readiness red, before the listener closes (SHUTDOWN_DELAY_SECONDS). */
  delayMs: number;
  /** Waiting for the requests accepted, after the listener closed. */
  drainMs?: number;
}

/**
 * SIGTERM (and SIGINT): readiness turns red at once (`/health` and `/health/ready` answer 503
 * `draining`; `/health/live` stays 200 until exit) while connections are still taken for `delayMs`,
 * so a load balancer sees it and stops sending; then stop taking connections, answer every request
 * already accepted, then close the app (the group commit writes what is still queued before its pool closes; then the
 * database and Redis close) and exit. Nest's own shutdown hooks would close the modules first,
 * while the HTTP server still accepts requests, and so fail or drop what was in flight.
 *
 * Costs nothing per request until the signal: the listener that asks clients to close their
 * keep-alive connections is added then.
 */
export function closeGracefullyOnSignals(app: INestApplication, { delayMs, drainMs = SHUTDOWN_DRAIN_MS }: ShutdownTimings): void {
  const logger = new Logger('Shutdown');
  let closing = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (closing) return;
    closing = true;
    app.get(ShutdownState).startDraining();
    const server = app.getHttpServer() as Server;
    // A response sent from now on ends its connection, so a client sends its next request elsewhere.
    server.on('request', (_req, res: ServerResponse) => {
      if (!res.headersSent) res.setHeader('Connection', 'close');
    });
    if (delayMs > 0) {
      // Still serving: a load balancer learns from readiness (or its endpoints update) before the
      // listener closes, instead of meeting refused connections.
      logger.log({ signal, delayMs }, 'draining: readiness answers 503 draining; still taking connections');
      await new Promise((r) => setTimeout(r, delayMs));
    }
    logger.log({ signal }, 'draining: no new connections, answering the requests in flight');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // close() ends the connections idle at the time; the others once their response is out.
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = await Promise.race([closed.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), drainMs)))]);
    clearInterval(sweep);
    clearTimeout(timer);
    if (gaveUp) {
      logger.warn({ drainMs }, 'requests still open after the drain period: closing their connections');
      server.closeAllConnections();
    }
    try {
      await app.close();
      logger.log('closed');
      process.exit(0);
    } catch (e) {
      logger.error({ err: (e as Error).message }, 'shutdown failed');
      process.exit(1);
    }
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, (s) => void shutdown(s));
}
