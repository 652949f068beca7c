import type { LoggerService } from '@nestjs/common';

export interface Closable {
  close(): Promise<void>;
}

export interface ShutdownOptions {
  /** Longest wait for jobs in hand; keep the orchestrator's grace period (k8s, compose stop_grace_period) above it. */
  timeoutMs: number;
  signals?: readonly NodeJS.Signals[];
  /** Injected for tests; process.on / process.exit in production. */
  on?: (signal: NodeJS.Signals, listener: () => void) => void;
  exit?: (code: number) => void;
}

/**
 * SIGTERM/SIGINT: stop taking jobs and let the ones in hand finish (closing the app closes the
 * BullMQ workers, which wait for active jobs), then exit 0. After `timeoutMs`, or on a second
 * signal, exit 1 at once: a job cut off is picked up again by another worker as stalled, and
 * its handler is idempotent.
 */
export function installGracefulShutdown(app: Closable, logger: LoggerService, options: ShutdownOptions): void {
  const on = options.on ?? ((signal, listener) => process.on(signal, listener));
  const exit = options.exit ?? ((code) => process.exit(code));
  let closing = false;
  for (const signal of options.signals ?? (['SIGTERM', 'SIGINT'] as const)) {
    on(signal, () => {
      if (closing) {
        logger.warn(`${signal} again: exiting without waiting for jobs in hand`);
        exit(1);
        return;
      }
      closing = true;
      logger.log(`${signal}: finishing jobs in hand (at most ${options.timeoutMs} ms), then exiting`);
      const timer = setTimeout(() => {
        logger.error(`jobs still running after ${options.timeoutMs} ms: exiting; they will be retried as stalled`);
        exit(1);
      }, options.timeoutMs);
      timer.unref();
      app.close().then(
        () => {
          clearTimeout(timer);
          logger.log('worker stopped');
          exit(0);
        },
        (e: unknown) => {
          clearTimeout(timer);
          logger.error(`shutdown failed: ${e instanceof Error ? e.message : String(e)}`);
          exit(1);
        },
      );
    });
  }
}
