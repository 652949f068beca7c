import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { WorkerModule } from './worker.module';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
  // Finish the jobs in hand on SIGTERM; anything cut off is picked up again as a stalled job.
  app.enableShutdownHooks();
  await app.init();
}

bootstrap().catch((e) => {
  // Config errors name the bad variable; print them plainly and stop.
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
