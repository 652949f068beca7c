import { SYNC_CONNECTION } from '@corridor/contracts';
import { SyncRun } from '@corridor/domain';
import { eventually } from '@corridor/testing';
import type { SyncHarness } from './crm-sync-harness';

/**
 * A sync as production runs it: a `sync-connection` job on the crm-sync queue, taken by the
 * worker's processor and dispatcher; resolves with the run it created once that run has ended.
 */
export async function syncThroughQueue(h: SyncHarness, connectionId: string, mode: 'full' | 'incremental', timeoutMs = 240_000): Promise<SyncRun> {
  const before = new Set((await h.store.listRuns(connectionId)).map((r) => r.id));
  await h.jobs.enqueue(SYNC_CONNECTION, { connectionId, mode, trigger: 'manual' });
  return eventually(
    async () => (await h.store.listRuns(connectionId)).find((r) => !before.has(r.id) && (r.status === 'completed' || r.status === 'failed')),
    `a ${mode} sync of connection ${connectionId} to end`,
    timeoutMs,
    100,
  );
}
