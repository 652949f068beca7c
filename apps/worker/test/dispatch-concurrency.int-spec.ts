import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createTestContext, TestContext } from '@corridor/testing';
import { DispatchProcessor } from '../src/dispatch/dispatch.processor';
import { WorkerModule } from '../src/worker.module';

jest.setTimeout(90_000);

/** treatment-dispatch has a concurrency of its own (DISPATCH_CONCURRENCY), WORKER_CONCURRENCY when 0. */
describe('DISPATCH_CONCURRENCY', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => {
    delete process.env.WORKER_CONCURRENCY;
    delete process.env.DISPATCH_CONCURRENCY;
    await ctx?.dispose();
  });

  async function concurrencyWith(env: Record<string, string>): Promise<number> {
    Object.assign(process.env, env);
    const worker: INestApplicationContext = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    try {
      await worker.init();
      return worker.get(DispatchProcessor).worker.concurrency;
    } finally {
      await worker.close();
    }
  }

  it('follows WORKER_CONCURRENCY by default and DISPATCH_CONCURRENCY when set', async () => {
    expect(await concurrencyWith({ WORKER_CONCURRENCY: '7', DISPATCH_CONCURRENCY: '0' })).toBe(7);
    expect(await concurrencyWith({ WORKER_CONCURRENCY: '7', DISPATCH_CONCURRENCY: '24' })).toBe(24);
  });
});
