import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One slice of a run's customers by id range; `done` flips in the same transaction as its writes. */
@Entity('segmentation_chunks')
export class SegmentationChunkEntity {
  @PrimaryColumn('uuid', { name: 'run_id' })
  runId: string;

  @PrimaryColumn('int')
  chunk: number;

  @Column('bigint', { name: 'from_id' })
  fromId: string;

  @Column('bigint', { name: 'to_id' })
  toId: string;

  @Column('boolean', { default: false })
  done: boolean;

  @Column('int', { default: 0 })
  customers: number;

  /** Preview: counts per persona key and transitions "from>to" → n. */
  @Column('jsonb', { nullable: true })
  counts: unknown;

  /** host:pid of the worker process that did it (operations; tests check work was shared). */
  @Column('text', { name: 'processed_by', nullable: true })
  processedBy: string | null;

  /** Times a worker lost the chunk (killed, or its lock lapsed) and another took it over. */
  @Column('int', { default: 0 })
  stalls: number;

  /** Attempts that failed with an error BullMQ retries. */
  @Column('int', { default: 0 })
  failures: number;

  @Column('text', { name: 'last_error', nullable: true })
  lastError: string | null;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt: Date | null;
}
