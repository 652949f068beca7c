import { Injectable, Logger } from '@nestjs/common';
import { ExperienceStore } from '@corridor/persistence';
import { ExperienceService } from './experience.service';

/** Customers recomputed per run at most; the rest wait for the next run (one a day). */
export const REFRESH_LIMIT = 10_000;
const PAGE = 500;

/**
 * The daily refresh: feedback ages out of the window with nothing arriving, so customers whose row
 * counted feedback that has since left the window are recomputed (bounded per run).
 */
@Injectable()
export class ExperienceRefresh {
  private readonly logger = new Logger(ExperienceRefresh.name);

  constructor(
    private readonly store: ExperienceStore,
    private readonly experience: ExperienceService,
  ) {}

  async run(options: { now?: number; limit?: number } = {}): Promise<{ recomputed: number; changed: number }> {
    const limit = options.limit ?? REFRESH_LIMIT;
    const settings = await this.experience.settings();
    let after = '0';
    let recomputed = 0;
    let changed = 0;
    while (recomputed < limit) {
      const ids = await this.store.windowDropped(settings.windowDays, after, Math.min(PAGE, limit - recomputed));
      if (ids.length === 0) break;
      for (const id of ids) {
        if ((await this.experience.recompute(id, { now: options.now, settings })).changed) changed++;
      }
      recomputed += ids.length;
      after = ids[ids.length - 1];
    }
    if (recomputed) this.logger.log({ msg: 'experience refresh', recomputed, changed });
    return { recomputed, changed };
  }
}
