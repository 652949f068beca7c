export interface ClockState {
  now: number;
  iso: string;
  frozen: boolean;
  offsetMs: number;
}

/**
 * The sandbox's notion of "now" for data: modification stamps, search indexing lag, session and
 * cursor expiry. Tests freeze or shift it to make watermarks deterministic; rate windows use real
 * time instead, since they are about how fast requests actually arrive.
 */
export class SandboxClock {
  private frozenAt: number | undefined;
  private offsetMs = 0;

  now(): number {
    return this.frozenAt ?? Date.now() + this.offsetMs;
  }

  /** Frozen by default: time stands still until advanced, so equal timestamps are reproducible. */
  set(time: number | string | Date, options: { frozen?: boolean } = {}): void {
    const ms = toMs(time);
    if (options.frozen ?? true) {
      this.frozenAt = ms;
    } else {
      this.frozenAt = undefined;
      this.offsetMs = ms - Date.now();
    }
  }

  advance(ms: number): void {
    if (this.frozenAt !== undefined) this.frozenAt += ms;
    else this.offsetMs += ms;
  }

  useRealTime(): void {
    this.frozenAt = undefined;
    this.offsetMs = 0;
  }

  state(): ClockState {
    const now = this.now();
    return { now, iso: new Date(now).toISOString(), frozen: this.frozenAt !== undefined, offsetMs: this.offsetMs };
  }
}

export function toMs(time: number | string | Date): number {
  if (time instanceof Date) return time.getTime();
  if (typeof time === 'number') return time;
  const asNumber = Number(time);
  if (time.trim() !== '' && Number.isFinite(asNumber)) return asNumber;
  const parsed = Date.parse(time);
  if (Number.isNaN(parsed)) throw new Error(`Invalid time: ${time}`);
  return parsed;
}
