import type { ExperienceSettings } from '@corridor/domain';
import type { CustomerExperience } from '@corridor/persistence';
import type { ExperienceSummaryDto } from './customer-strategy.dto';

/** What an agent sees of a customer's experience row (nulls before any feedback). */
export function experienceSummary(row: CustomerExperience | null, settings: ExperienceSettings): ExperienceSummaryDto {
  return {
    score: row?.score ?? null,
    feedbackCount: row?.feedbackCount ?? 0,
    windowDays: settings.windowDays,
    lastCsat: row?.lastCsat ?? null,
    lastNps: row?.lastNps ?? null,
    lastEffort: row?.lastEffort ?? null,
    lastFeedbackAt: row?.lastFeedbackAt ?? null,
    updatedAt: row?.updatedAt ?? null,
  };
}
