import { api, type Schemas } from '../api/client';

type Run = Schemas['SegmentationRunDto'];

/** Polls a segmentation run (preview or publish) until it is no longer running. */
export async function waitForRun(run: Run, onProgress: (run: Run) => void): Promise<Run> {
  let current = run;
  onProgress(current);
  while (current.status === 'running') {
    await new Promise((r) => setTimeout(r, 500));
    const { data } = await api.GET('/v1/segmentation/runs/{id}', { params: { path: { id: current.id } } });
    if (data) current = data;
    onProgress(current);
  }
  return current;
}

export function RunProgress({ run }: { run: Run }) {
  return (
    <div className="progress-line">
      <label htmlFor={`run-${run.id}`}>
        {run.kind === 'preview' ? 'Preview' : 'Re-segmentation'}: {run.progress.done.toLocaleString('en-US')} of {run.progress.total.toLocaleString('en-US')} customers
      </label>
      <progress id={`run-${run.id}`} max={100} value={run.progress.percent} />
      {run.progress.chunksRetrying > 0 && <span className="warn"> {run.progress.chunksRetrying} chunk(s) being retried</span>}
    </div>
  );
}
