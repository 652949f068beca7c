import { SegmentCounts } from './transition-matrix';

export type SegmentationRunKind = 'full' | 'preview';
export type SegmentationRunStatus = 'running' | 'completed' | 'superseded' | 'failed';

export interface SegmentationRun {
  id: string;
  kind: SegmentationRunKind;
  status: SegmentationRunStatus;
  /** full: the set being applied. */
  setVersion: number | null;
  /** The live set when the run started: what transitions are counted from. */
  baselineVersion: number | null;
  evaluatedAt: Date;
  progress: RunProgress;
  result: FullRunResult | PreviewResult | null;
  error: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

export interface RunProgress {
  /** Customers to evaluate, counted when the run started. */
  total: number;
  done: number;
  percent: number;
  chunksTotal: number;
  chunksDone: number;
  /** Chunks not done yet that a worker lost (stalled) or that failed an attempt: they are being retried. */
  chunksRetrying: number;
  /** Times a chunk of this run stalled (its worker died or froze) and was taken over. */
  stalls: number;
  /** Chunk attempts that failed with a retryable error. */
  failedAttempts: number;
}

export interface ChunkTrouble {
  chunksRetrying: number;
  stalls: number;
  failedAttempts: number;
}

export interface FullRunResult {
  customers: number;
  changed: number;
  perPersona: Record<string, number>;
  lastHistoryId: string | null;
}

export type PreviewResult = SegmentCounts & { moved: number };

const NO_TROUBLE: ChunkTrouble = { chunksRetrying: 0, stalls: 0, failedAttempts: 0 };

export function progressOf(total: number, done: number, chunksTotal: number, chunksDone: number, trouble: ChunkTrouble = NO_TROUBLE): RunProgress {
  const percent = chunksTotal === 0 ? 100 : Math.min(100, Math.round((done / Math.max(total, 1)) * 1000) / 10);
  return { total, done, percent: chunksDone === chunksTotal ? 100 : percent, chunksTotal, chunksDone, ...trouble };
}
