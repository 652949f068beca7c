import { Injectable } from '@nestjs/common';
import { SyncMode } from '@corridor/domain';
import { DataSource } from 'typeorm';

export interface UnheldManualSyncRun {
  runId: string;
  connectionId: string;
  mode: SyncMode;
  /** Seconds since the run last changed (claimed, committed a page, released after an attempt). */
  quietSeconds: number;
}

/** What the worker's watchdog reads to give a manual sync run back its job when Redis lost it, or to end it when its job failed for good. */
@Injectable()
export class SyncRunWatchStore {
  constructor(private readonly db: DataSource) {}

  /**
   * Manual runs still queued or running that no worker holds (no lease, or an expired one), started at
   * least `graceSeconds` ago (a younger one may be between the API's commit and its enqueue). A
   * scheduled run needs none of this: the connection's next tick resumes the active run.
   */
  async unheldManualRuns(graceSeconds: number): Promise<UnheldManualSyncRun[]> {
    const rows: Array<{ id: string; connection_id: string; mode: SyncMode; quiet_seconds: number }> = await this.db.query(
      `SELECT id, connection_id, mode, extract(epoch FROM now() - updated_at)::float8 AS quiet_seconds FROM sync_runs
        WHERE status IN ('queued', 'running') AND trigger = 'manual'
          AND (lease_owner IS NULL OR lease_until < now())
          AND started_at < now() - make_interval(secs => $1)
        ORDER BY started_at`,
      [graceSeconds],
    );
    return rows.map((r) => ({ runId: r.id, connectionId: r.connection_id, mode: r.mode, quietSeconds: r.quiet_seconds }));
  }
}
