import { Injectable } from '@nestjs/common';

/**
 * Whether this API process is shutting down. Set once on SIGTERM, before the listener closes, so
 * readiness turns red while the process still answers and a load balancer takes it out of rotation.
 */
@Injectable()
export class ShutdownState {
  private since: Date | null = null;

  get draining(): boolean {
    return this.since !== null;
  }

  /** When the drain began (null: not draining). */
  get drainingSince(): Date | null {
    return this.since;
  }

  startDraining(): void {
    this.since ??= new Date();
  }
}
