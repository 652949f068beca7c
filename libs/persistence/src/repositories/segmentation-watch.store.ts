import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** One worker process at a time runs the watchdog's pass (session lock, tried, never waited for). */
const WATCHDOG_LOCK = `hashtext('corridor.watchdog')`;

export interface UnfinishedRun {
  runId: string;
  /** Chunks not done yet, in order. */
  pendingChunks: number[];
}

/**
 * What the worker's watchdog reads to rebuild lost queue state (Postgres is the source of truth),
 * and what a run's progress shows about chunks being retried.
 */
@Injectable()
export class SegmentationWatchStore {
  constructor(private readonly db: DataSource) {}

  /**
   * Runs still `running`, started at least `graceSeconds` ago (a younger run may be between its
   * commit and its enqueue), with the chunks they still need.
   */
  async unfinishedRuns(graceSeconds: number): Promise<UnfinishedRun[]> {
    const rows: Array<{ id: string; pending: number[] | null }> = await this.db.query(
      `SELECT r.id, array_agg(c.chunk ORDER BY c.chunk) FILTER (WHERE NOT c.done) AS pending
         FROM segmentation_runs r LEFT JOIN segmentation_chunks c ON c.run_id = r.id
        WHERE r.status = 'running' AND r.started_at < now() - make_interval(secs => $1)
        GROUP BY r.id ORDER BY min(r.started_at)`,
      [graceSeconds],
    );
    return rows.map((r) => ({ runId: r.id, pendingChunks: r.pending ?? [] }));
  }

  /** The full run (publish or refresh) in progress, if any: what a refresh defers to. */
  async runningFullRun(): Promise<string | null> {
    const [row] = await this.db.query(`SELECT id FROM segmentation_runs WHERE kind = 'full' AND status = 'running' ORDER BY started_at DESC LIMIT 1`);
    return row?.id ?? null;
  }

  /** Runs `pass` unless another process is running one; returns false when it was skipped. */
  async exclusively(pass: () => Promise<void>): Promise<boolean> {
    const qr = this.db.createQueryRunner();
    await qr.connect();
    try {
      const [{ locked }] = await qr.query(`SELECT pg_try_advisory_lock(${WATCHDOG_LOCK}) AS locked`);
      if (!locked) return false;
      try {
        await pass();
      } finally {
        await qr.query(`SELECT pg_advisory_unlock(${WATCHDOG_LOCK})`);
      }
      return true;
    } finally {
      await qr.release();
    }
  }

  /** A worker lost the chunk (killed, or its lock lapsed) and BullMQ handed it to another. */
  async recordChunkStall(runId: string, chunk: number): Promise<void> {
    await this.db.query(`UPDATE segmentation_chunks SET stalls = stalls + 1 WHERE run_id = $1 AND chunk = $2 AND NOT done`, [runId, chunk]);
  }

  /** An attempt failed with an error BullMQ will retry. */
  async recordChunkFailure(runId: string, chunk: number, error: string): Promise<void> {
    await this.db.query(`UPDATE segmentation_chunks SET failures = failures + 1, last_error = $3 WHERE run_id = $1 AND chunk = $2 AND NOT done`, [
      runId,
      chunk,
      error.slice(0, 1000),
    ]);
  }
}
