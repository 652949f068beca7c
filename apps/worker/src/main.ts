import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { loadConfig } from '@corridor/config';
import { startTracing } from '@corridor/observability';
import { installGracefulShutdown } from './graceful-shutdown';
import { WorkerModule } from './worker.module';

/** Long enough for a segmentation chunk in hand to finish; stop_grace_period/terminationGracePeriod must exceed it. */
const SHUTDOWN_TIMEOUT_MS = 60_000;

async function bootstrap(): Promise<void> {
  const tracing = startTracing('corridor-worker', loadConfig().OTEL_EXPORTER_OTLP_ENDPOINT);
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
  const logger = app.get(Logger);
  app.useLogger(logger);
  app.flushLogs();
  // Spans of the last jobs are flushed after the jobs finished, before the process exits.
  const closable = { close: async () => (await app.close(), await tracing?.shutdown()) };
  installGracefulShutdown(closable, logger, { timeoutMs: SHUTDOWN_TIMEOUT_MS });
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  await app.init();
  logger.log('worker started');
}

bootstrap().catch((e) => {
  // Config errors name the bad variable; print them plainly and stop.
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
