import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createTestContext, TestContext } from '@corridor/testing';
import { CrmSyncProcessor } from '../src/crm-sync/crm-sync.processor';
import { CrmWritebackProcessor } from '../src/crm-writeback/crm-writeback.processor';
import { DecideProcessor } from '../src/decisions/decide.processor';
import { DispatchProcessor } from '../src/dispatch/dispatch.processor';
import { SegmentationProcessor } from '../src/segmentation/segmentation.processor';
import { SegmentationLiveProcessor } from '../src/segmentation/segmentation-live.processor';
import { WorkerModule } from '../src/worker.module';

jest.setTimeout(60_000);

/**
 * WORKER_CONCURRENCY is "jobs a worker process runs at once per queue": every queue's BullMQ worker,
 * unless WORKER_QUEUE_CONCURRENCY gives that queue its own.
 */
describe('WORKER_CONCURRENCY and WORKER_QUEUE_CONCURRENCY', () => {
  let ctx: TestContext;
  let worker: INestApplicationContext;
  beforeAll(async () => {
    ctx = await createTestContext();
    process.env.WORKER_CONCURRENCY = '7';
    process.env.WORKER_QUEUE_CONCURRENCY = 'segmentation-live=12,crm-sync=3,treatment-dispatch=16';
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await worker.init();
  });
  afterAll(async () => {
    delete process.env.WORKER_CONCURRENCY;
    delete process.env.WORKER_QUEUE_CONCURRENCY;
    await worker?.close();
    await ctx?.dispose();
  });

  it('applies to the BullMQ worker of every queue, with per-queue overrides', () => {
    const expected = [
      [SegmentationProcessor, 7],
      [SegmentationLiveProcessor, 12],
      [CrmSyncProcessor, 3],
      [CrmWritebackProcessor, 7],
      [DecideProcessor, 7],
      [DispatchProcessor, 16],
    ] as const;
    expect(expected.map(([p]) => [p.name, worker.get<any>(p).worker.concurrency])).toEqual(expected.map(([p, n]) => [p.name, n]));
  });
});
