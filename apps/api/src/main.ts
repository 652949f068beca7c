import 'reflect-metadata';
import { AppConfig, loadConfig } from '@corridor/config';
import { startTracing } from '@corridor/observability';
import { createApiApp } from './bootstrap';

async function main(): Promise<void> {
  // Before the app exists, so every request and enqueue is traced (when an endpoint is set).
  startTracing('corridor-api', loadConfig().OTEL_EXPORTER_OTLP_ENDPOINT);
  const app = await createApiApp();
  // SIGTERM: stop accepting, finish requests in flight, close pools, exit.
  app.enableShutdownHooks();
  await app.listen(app.get(AppConfig).PORT);
}

main().catch((e) => {
  // Config errors name the bad variable and boot errors name the undeclared route: print plainly.
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
