import { Column } from 'typeorm';

/**
 * The counter columns shared by the appended deltas and the folded daily cells (one table each:
 * TypeORM copies an abstract base's columns into every entity that extends it).
 */
export abstract class MeasureCounters {
  @Column('bigint', { name: 'decisions', default: '0' })
  decisions: string;

  @Column('bigint', { name: 'treated', default: '0' })
  treated: string;

  @Column('bigint', { name: 'held', default: '0' })
  held: string;

  @Column('bigint', { name: 'suppressed', default: '0' })
  suppressed: string;

  @Column('bigint', { name: 'held_out', default: '0' })
  heldOut: string;

  @Column('bigint', { name: 'no_treatment', default: '0' })
  noTreatment: string;

  @Column('bigint', { name: 'deliveries', default: '0' })
  deliveries: string;

  @Column('bigint', { name: 'sent', default: '0' })
  sent: string;

  @Column('bigint', { name: 'dead', default: '0' })
  dead: string;

  @Column('bigint', { name: 'outcome_delivered', default: '0' })
  outcomeDelivered: string;

  @Column('bigint', { name: 'outcome_opened', default: '0' })
  outcomeOpened: string;

  @Column('bigint', { name: 'outcome_clicked', default: '0' })
  outcomeClicked: string;

  @Column('bigint', { name: 'outcome_converted', default: '0' })
  outcomeConverted: string;

  @Column('bigint', { name: 'outcome_dismissed', default: '0' })
  outcomeDismissed: string;

  @Column('bigint', { name: 'outcome_ignored', default: '0' })
  outcomeIgnored: string;

  @Column('bigint', { name: 'outcome_feedback', default: '0' })
  outcomeFeedback: string;

  @Column('bigint', { name: 'treated_converted', default: '0' })
  treatedConverted: string;

  @Column('bigint', { name: 'holdout_converted', default: '0' })
  holdoutConverted: string;

  @Column('bigint', { name: 'csat_sum', default: '0' })
  csatSum: string;

  @Column('bigint', { name: 'csat_count', default: '0' })
  csatCount: string;

  @Column('bigint', { name: 'nps_sum', default: '0' })
  npsSum: string;

  @Column('bigint', { name: 'nps_count', default: '0' })
  npsCount: string;

  @Column('bigint', { name: 'nps_promoters', default: '0' })
  npsPromoters: string;

  @Column('bigint', { name: 'nps_detractors', default: '0' })
  npsDetractors: string;

  @Column('bigint', { name: 'effort_sum', default: '0' })
  effortSum: string;

  @Column('bigint', { name: 'effort_count', default: '0' })
  effortCount: string;
  @Column('numeric', { name: 'conversion_value', default: '0' })
  conversionValue: string;
}
