import { Injectable } from '@nestjs/common';
import { cellFigures, CellFigures, DomainError, LIFT_MIN_SAMPLE, NotFoundError, parsePeriod, Period, TargetGap, targetGaps } from '@corridor/domain';
import { MeasureStore, MeasureTargetStore, StoredTarget } from '@corridor/persistence';

/** The cell statistics and the expectation-versus-experience report, from the counters. */
@Injectable()
export class MeasuresService {
  constructor(
    private readonly measures: MeasureStore,
    private readonly targets: MeasureTargetStore,
  ) {}

  async cells(from: string, to: string, filter: { personaKey?: string; touchpointKey?: string }): Promise<{ period: Period; cells: CellFigures[]; minimumSample: number }> {
    const period = parsePeriod(from, to);
    const counters = await this.measures.cells(period, filter);
    return { period, cells: counters.map((c) => cellFigures(c, LIFT_MIN_SAMPLE)), minimumSample: LIFT_MIN_SAMPLE };
  }

  listTargets(filter: { personaKey?: string; touchpointKey?: string }): Promise<StoredTarget[]> {
    return this.targets.list(filter);
  }

  async putTarget(personaKey: string, touchpointKey: string, input: { measure?: 'csat'; target: number; note?: string }, updatedBy: string | null): Promise<{ target: StoredTarget; created: boolean }> {
    const known = await this.targets.known(personaKey, touchpointKey);
    const details = [
      ...(known.persona ? [] : [{ field: 'personaKey', message: `No persona has the key ${JSON.stringify(personaKey)}`, code: 'unknown' }]),
      ...(known.touchpoint ? [] : [{ field: 'touchpointKey', message: `No touchpoint has the key ${JSON.stringify(touchpointKey)}`, code: 'unknown' }]),
    ];
    if (details.length) throw new DomainError('CELL_NOT_FOUND', 'The cell names a persona or touchpoint that does not exist', 'not_found', details);
    return this.targets.put({ personaKey, touchpointKey, measure: input.measure ?? 'csat', target: input.target, note: input.note ?? '', updatedBy });
  }

  async removeTarget(personaKey: string, touchpointKey: string): Promise<void> {
    if (!(await this.targets.remove(personaKey, touchpointKey))) throw new NotFoundError('Target', `${personaKey}/${touchpointKey}`, 'TARGET_NOT_FOUND');
  }

  /** Every target against the CSAT average measured over the period, worst first. */
  async report(from: string, to: string): Promise<{ period: Period; items: TargetGap[] }> {
    const period = parsePeriod(from, to);
    const targets = await this.targets.list();
    if (targets.length === 0) return { period, items: [] };
    const counters = await this.measures.cells(period);
    const byCell = new Map(counters.map((c) => [`${c.personaKey ?? ''}\u0000${c.touchpointKey}`, { sum: c.csatSum, count: c.csatCount }]));
    return { period, items: targetGaps(targets, (p, t) => byCell.get(`${p}\u0000${t}`)) };
  }
}
