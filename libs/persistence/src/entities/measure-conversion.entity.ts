import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * How many `converted` outcomes each decision has (kept by the outcomes trigger): its row lock
 * makes "converted at least once" flip exactly once under concurrent conversions.
 */
@Entity('measure_conversions')
export class MeasureConversionEntity {
  @PrimaryColumn('bigint', { name: 'decision_id' })
  decisionId: string;

  @Column('integer')
  n: number;
}
