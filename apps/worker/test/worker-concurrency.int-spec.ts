import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createTestContext, TestContext } from '@corridor/testing';
import { CrmSyncProcessor } from '../src/crm-sync/crm-sync.processor';
import { CrmWritebackProcessor } from '../src/crm-writeback/crm-writeback.processor';
import { DecideProcessor } from '../src/decisions/decide.processor';
import { SegmentationProcessor } from '../src/segmentation/segmentation.processor';
import { WorkerModule } from '../src/worker.module';

jest.setTimeout(60_000);

/** WORKER_CONCURRENCY is "jobs a worker process runs at once per queue": every queue's BullMQ worker. */
describe('WORKER_CONCURRENCY', () => {
  let ctx: TestContext;
  let worker: INestApplicationContext;
  beforeAll(async () => {
    ctx = await createTestContext();
    process.env.WORKER_CONCURRENCY = '7';
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await worker.init();
  });
  afterAll(async () => {
    delete process.env.WORKER_CONCURRENCY;
    await worker?.close();
    await ctx?.dispose();
  });

  it('applies to the BullMQ worker of every queue', () => {
    for (const processor of [SegmentationProcessor, CrmSyncProcessor, CrmWritebackProcessor, DecideProcessor]) {
      expect({ processor: processor.name, concurrency: worker.get(processor).worker.concurrency }).toEqual({
        processor: processor.name,
        concurrency: 7,
      });
    }
  });
});
