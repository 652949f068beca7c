import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface WorkerHeartbeat {
  id: string;
  host: string;
  pid: number;
  queues: string[];
  startedAt: Date;
  lastSeen: Date;
}

/** Worker processes' heartbeats (worker_heartbeats) and what readiness asks of them. */
@Injectable()
export class WorkerHeartbeatStore {
  constructor(private readonly db: DataSource) {}

  /** Writes (or refreshes) one process's row; rows unseen for a day go with it (processes long gone). */
  async beat(worker: Pick<WorkerHeartbeat, 'id' | 'host' | 'pid' | 'queues'>): Promise<void> {
    await this.db.query(
      `WITH gone AS (DELETE FROM worker_heartbeats WHERE last_seen < now() - interval '1 day')
       INSERT INTO worker_heartbeats (id, host, pid, queues) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET last_seen = now(), queues = EXCLUDED.queues`,
      [worker.id, worker.host, worker.pid, worker.queues],
    );
  }

  /** Workers seen within `seconds`, most recent first, and how long ago the last one was seen. */
  async seenWithin(seconds: number): Promise<{ live: WorkerHeartbeat[]; lastSeenSecondsAgo: number | null }> {
    const rows: Array<{ id: string; host: string; pid: number; queues: string[]; started_at: Date; last_seen: Date; age: number; live: boolean }> =
      await this.db.query(
        `SELECT id, host, pid, queues, started_at, last_seen, extract(epoch FROM now() - last_seen)::float8 AS age,
                last_seen >= now() - make_interval(secs => $1) AS live
           FROM worker_heartbeats ORDER BY last_seen DESC LIMIT 100`,
        [seconds],
      );
    return {
      live: rows.filter((r) => r.live).map((r) => ({ id: r.id, host: r.host, pid: r.pid, queues: r.queues, startedAt: r.started_at, lastSeen: r.last_seen })),
      lastSeenSecondsAgo: rows.length ? rows[0].age : null,
    };
  }
}
