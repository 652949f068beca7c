import 'reflect-metadata';
import { AppConfig, loadConfig } from '@corridor/config';
import { startTracing } from '@corridor/observability';
import { createApiApp } from './bootstrap';
import { closeGracefullyOnSignals } from './shutdown/graceful-shutdown';

async function main(): Promise<void> {
  // Before the app exists, so every request and enqueue is traced (when an endpoint is set).
  startTracing('corridor-api', loadConfig().OTEL_EXPORTER_OTLP_ENDPOINT);
  const app = await createApiApp();
  // SIGTERM: readiness red, then stop accepting, answer the requests in flight (queued events written), close pools, exit.
  closeGracefullyOnSignals(app, { delayMs: app.get(AppConfig).SHUTDOWN_DELAY_SECONDS * 1000 });
  await app.listen(app.get(AppConfig).PORT);
}

main().catch((e) => {
  // Config errors name the bad variable and boot errors name the undeclared route: print plainly.
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
