import { SegmentationRun } from '@corridor/domain';
import { SegmentationStore } from '@corridor/persistence';

/** Polls a run until it leaves `running` or the time is up (clients may also poll GET /v1/segmentation/runs/:id). */
export async function awaitRun(store: SegmentationStore, runId: string, timeoutMs: number): Promise<SegmentationRun> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = (await store.getRun(runId))!;
    if (run.status !== 'running' || Date.now() >= deadline) return run;
    await new Promise((r) => setTimeout(r, Math.min(200, Math.max(10, deadline - Date.now()))));
  }
}
