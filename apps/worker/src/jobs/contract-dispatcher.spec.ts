import { UnrecoverableError } from 'bullmq';
import { QUEUE, RECONCILE_ASSIGNMENTS, REFRESH_BEHAVIOUR, REFRESH_SEGMENTS, RUN_CHUNK, RUN_FINALIZE, SEGMENTATION_JOBS } from '@corridor/contracts';
import { DomainError, ValidationError } from '@corridor/domain';
import { bind, ContractDispatcher } from './contract-dispatcher';

const job = (name: string, data: unknown) => ({ name, data, id: '1' }) as any;
const noop = async () => undefined;

describe('ContractDispatcher', () => {
  it('refuses to boot when a contract of the queue has no handler', () => {
    expect(() => new ContractDispatcher(QUEUE.segmentation, SEGMENTATION_JOBS, [bind(RUN_CHUNK, noop)])).toThrow(
      /no handler for: run-finalize, reconcile-assignments, refresh-segments, refresh-behaviour/,
    );
  });

  const all = (handle = noop as any) =>
    new ContractDispatcher(QUEUE.segmentation, SEGMENTATION_JOBS, [
      bind(RUN_CHUNK, handle),
      bind(RUN_FINALIZE, handle),
      bind(RECONCILE_ASSIGNMENTS, handle),
      bind(REFRESH_SEGMENTS, handle),
      bind(REFRESH_BEHAVIOUR, handle),
    ]);

  it('passes a validated payload to the handler', async () => {
    const seen: unknown[] = [];
    await all(async (p: unknown) => seen.push(p)).dispatch(job('run-chunk', { runId: '5b6a2b0e-8c55-4f7e-9f0e-0a1b2c3d4e5f', chunk: 3 }));
    expect(seen).toEqual([{ runId: '5b6a2b0e-8c55-4f7e-9f0e-0a1b2c3d4e5f', chunk: 3 }]);
  });

  it('never retries an invalid payload or a permanent domain error', async () => {
    await expect(all().dispatch(job('run-chunk', { runId: 'x' }))).rejects.toBeInstanceOf(UnrecoverableError);
    const permanent = all(async () => {
      throw new ValidationError('bad', []);
    });
    await expect(permanent.dispatch(job('run-finalize', { runId: '5b6a2b0e-8c55-4f7e-9f0e-0a1b2c3d4e5f' }))).rejects.toBeInstanceOf(
      UnrecoverableError,
    );
  });

  it('lets transient errors through for BullMQ to retry with backoff', async () => {
    const transient = all(async () => {
      throw new DomainError('CRM_UNAVAILABLE', 'try later', 'unavailable');
    });
    const p = transient.dispatch(job('run-finalize', { runId: '5b6a2b0e-8c55-4f7e-9f0e-0a1b2c3d4e5f' }));
    await expect(p).rejects.toThrow('try later');
    await expect(p).rejects.not.toBeInstanceOf(UnrecoverableError);
  });
});
