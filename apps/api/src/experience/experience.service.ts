import { Injectable } from '@nestjs/common';
import { DEFAULT_EXPERIENCE_SETTINGS, type ExperienceSettings, validateExperienceSettings, ValidationError } from '@corridor/domain';
import { AgentReads, ExperienceStore, type TimelinePosition } from '@corridor/persistence';
import { experienceSummary } from '../customer-strategy/experience-summary';
import { CustomersService } from '../customers/customers.service';
import type { CustomerTimelineDto, ExperienceSettingsViewDto } from './experience.dto';

const CURSOR = /^(-?[0-9]{1,20})\.([0-9]{1,19})$/;

/** The experience settings, and a customer's journey timeline for agents (docs/experience.md). */
@Injectable()
export class ExperienceApiService {
  constructor(
    private readonly store: ExperienceStore,
    private readonly reads: AgentReads,
    private readonly customers: CustomersService,
  ) {}

  async settings(): Promise<ExperienceSettingsViewDto> {
    const saved = await this.store.settings();
    return { ...(saved ?? DEFAULT_EXPERIENCE_SETTINGS), saved: saved !== null };
  }

  async saveSettings(input: ExperienceSettings): Promise<ExperienceSettingsViewDto> {
    const s = validateExperienceSettings({
      averageWeight: input.averageWeight,
      peakWeight: input.peakWeight,
      endWeight: input.endWeight,
      momentOfTruthWeight: input.momentOfTruthWeight,
      windowDays: input.windowDays,
      recoveryThreshold: input.recoveryThreshold,
    });
    await this.store.saveSettings(s);
    return { ...s, saved: true };
  }

  async timeline(ref: string, options: { limit?: number; before?: string }): Promise<CustomerTimelineDto> {
    const before = options.before === undefined ? null : decodeCursor(options.before);
    let customer = await this.customers.resolve(ref);
    // A merged-away record answers with the survivor (as GET /v1/customers/:ref does).
    for (let hops = 0; customer.mergedIntoId && hops < 10; hops++) customer = await this.customers.resolve(customer.mergedIntoId);
    const [page, experience, settings] = await Promise.all([
      this.reads.timeline.page(customer.id, options.limit ?? 20, before),
      this.reads.experience.experience(customer.id),
      this.reads.experience.settings(),
    ]);
    return {
      customer: { id: customer.id, email: customer.email, connectionId: customer.connectionId, externalId: customer.externalId },
      experience: experienceSummary(experience, settings ?? DEFAULT_EXPERIENCE_SETTINGS),
      events: page.events,
      next: page.next ? encodeCursor(page.next) : null,
    };
  }
}

function encodeCursor(p: TimelinePosition): string {
  return Buffer.from(`${p.micros}.${p.id}`).toString('base64url');
}

function decodeCursor(text: string): TimelinePosition {
  const m = /^[A-Za-z0-9_-]+$/.test(text) ? CURSOR.exec(Buffer.from(text, 'base64url').toString('utf8')) : null;
  if (!m) throw new ValidationError('before is not a timeline cursor', [{ field: 'before', message: "must be a previous page's `next`", code: 'INVALID_CURSOR' }]);
  return { micros: m[1], id: m[2] };
}
