import { AppConfig, loadConfig } from '@corridor/config';
import { QUEUE } from '@corridor/contracts';
import { Worker } from 'bullmq';
import { applyQueueConcurrency } from './queue-concurrency';

const worker = () => ({ concurrency: 1 }) as Worker;
const config = (env: Record<string, string>): AppConfig => loadConfig({ NODE_ENV: 'test', ...env });

describe('applyQueueConcurrency', () => {
  it('gives a queue its own setting, and the others WORKER_CONCURRENCY', () => {
    const c = config({ WORKER_CONCURRENCY: '3', WORKER_QUEUE_CONCURRENCY: 'segmentation-live=9,treatment-dispatch=16' });
    const [live, bulk, dispatch] = [worker(), worker(), worker()];
    applyQueueConcurrency(live, QUEUE.segmentationLive, c);
    applyQueueConcurrency(bulk, QUEUE.segmentation, c);
    applyQueueConcurrency(dispatch, QUEUE.treatmentDispatch, c);
    expect([live.concurrency, bulk.concurrency, dispatch.concurrency]).toEqual([9, 3, 16]);
  });

  it('stops the boot on a queue name that does not exist', () => {
    expect(() => applyQueueConcurrency(worker(), QUEUE.segmentation, config({ WORKER_QUEUE_CONCURRENCY: 'segmentaton=2' }))).toThrow(
      /WORKER_QUEUE_CONCURRENCY names unknown queue\(s\): segmentaton/,
    );
  });

  it('refuses a malformed setting at config load, naming it', () => {
    expect(() => config({ WORKER_QUEUE_CONCURRENCY: 'segmentation-live=0' })).toThrow(/WORKER_QUEUE_CONCURRENCY/);
    expect(() => config({ WORKER_QUEUE_CONCURRENCY: 'segmentation-live' })).toThrow(/WORKER_QUEUE_CONCURRENCY/);
  });
});
