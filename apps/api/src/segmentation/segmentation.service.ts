import { Injectable } from '@nestjs/common';
import { NotFoundError, PersonaSet, SegmentationRun } from '@corridor/domain';
import { PersonaSetRepository, SegmentationStore } from '@corridor/persistence';

/** What the API shows of re-segmentation runs and published persona sets. */
@Injectable()
export class SegmentationService {
  constructor(
    private readonly store: SegmentationStore,
    private readonly sets: PersonaSetRepository,
  ) {}

  runs(limit: number): Promise<SegmentationRun[]> {
    return this.store.listRuns(limit);
  }

  async run(id: string): Promise<SegmentationRun> {
    const run = await this.store.getRun(id);
    if (!run) throw new NotFoundError('Segmentation run', id, 'RUN_NOT_FOUND');
    return run;
  }

  publishedSets(): Promise<PersonaSet[]> {
    return this.sets.list();
  }

  async publishedSet(version: string): Promise<PersonaSet> {
    const set = /^[0-9]{1,9}$/.test(version) ? await this.sets.get(Number(version)) : null;
    if (!set) throw new NotFoundError('Persona set', version, 'SET_NOT_FOUND');
    return set;
  }
}
