import { AppConfig } from '@corridor/config';
import { ALL_QUEUES, QueueName } from '@corridor/contracts';
import { Worker } from 'bullmq';

/**
 * Sets a processor's BullMQ worker to its queue's concurrency (WORKER_QUEUE_CONCURRENCY, else
 * WORKER_CONCURRENCY). Every processor calls it at bootstrap; a setting that names no queue of
 * ours stops the boot rather than be silently ignored.
 */
export function applyQueueConcurrency(worker: Worker, queue: QueueName, config: AppConfig): void {
  const unknown = [...config.queueConcurrency().keys()].filter((q) => !(ALL_QUEUES as readonly string[]).includes(q));
  if (unknown.length) throw new Error(`WORKER_QUEUE_CONCURRENCY names unknown queue(s): ${unknown.join(', ')} (queues: ${ALL_QUEUES.join(', ')})`);
  worker.concurrency = config.concurrencyOf(queue);
}
