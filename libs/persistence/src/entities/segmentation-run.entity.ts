import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A full re-segmentation (after a publish) or a preview of a draft set, split into chunk jobs. */
@Entity('segmentation_runs')
export class SegmentationRunEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** full | preview */
  @Column('text')
  kind: string;

  /** running | completed | superseded | failed */
  @Column('text')
  status: string;

  /** The set being applied (full) or null (preview: the draft is in `draft`). */
  @Column('int', { name: 'set_version', nullable: true })
  setVersion: number | null;

  /** The live set when the run started: the baseline for transitions. */
  @Column('int', { name: 'baseline_version', nullable: true })
  baselineVersion: number | null;

  @Column('jsonb', { nullable: true })
  draft: unknown;

  /** The evaluation instant, fixed for the whole run so every chunk sees the same `now`. */
  @Column('timestamptz', { name: 'evaluated_at' })
  evaluatedAt: Date;

  @Column('int', { default: 0 })
  total: number;

  @Column('int', { name: 'chunks_total', default: 0 })
  chunksTotal: number;

  @Column('jsonb', { nullable: true })
  result: unknown;

  @Column('text', { nullable: true })
  error: string | null;

  @CreateDateColumn({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt: Date | null;
}
