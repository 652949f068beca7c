import { Injectable } from '@nestjs/common';
import { PERSONA_CHANGES } from '@corridor/contracts';
import { JobProducer } from '@corridor/jobs';

/**
 * Tells consumers (CRM write-back now, treatments later) that persona_history has grown. One
 * notice per batch of changes, never one job per customer: a publish can move a million.
 */
@Injectable()
export class PersonaChangeNotifier {
  constructor(private readonly jobs: JobProducer) {}

  async changed(toHistoryId: string, count: number): Promise<void> {
    await this.jobs.enqueue(PERSONA_CHANGES, { toHistoryId, count });
  }
}
