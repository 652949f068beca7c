import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';

/** Thrown at boot on a database that lacks migrations this build knows. */
export class UnmigratedDatabaseError extends Error {
  constructor() {
    super('The database lacks migrations this version needs: run `corridor migrate` (the migrate service) before starting the api');
    this.name = 'UnmigratedDatabaseError';
  }
}

/**
 * Migrations applied: the api refuses to start on a database behind its code (an upgrade that
 * skipped `migrate` would otherwise fail request by request), and readiness says so if one is
 * reverted under a running api.
 */
@Injectable()
export class MigrationsHealthIndicator implements OnApplicationBootstrap {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly db: DataSource,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (await this.db.showMigrations()) throw new UnmigratedDatabaseError();
  }

  async check<const Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const session = this.indicators.check(key);
    try {
      return (await this.db.showMigrations()) ? session.down({ message: 'migrations pending' }) : session.up();
    } catch (e) {
      return session.down({ message: (e as Error).message });
    }
  }
}
