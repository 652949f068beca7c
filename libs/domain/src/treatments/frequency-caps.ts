import { DateTime } from 'luxon';
import type { Channel } from './journey';
import type { CapPeriod, FrequencyCap } from './strategy';

/** A delivery that counts against the caps: what went out (or will) on which channel, and when. */
export interface CountedDelivery {
  id: string;
  treatmentKey: string;
  channel: Channel;
  /** When it reaches the customer: sent (created) or, when held, its release; epoch ms. */
  at: number;
  momentOfTruth: boolean;
  /** Not yet out (held for quiet hours): a moment of truth may take its place under a cap. */
  bumpable: boolean;
}

export interface CapCandidate {
  treatmentKey: string;
  channel: Channel;
  at: number;
}

/** The calendar period containing `at` in the zone ([start, end) epoch ms): day, ISO week (Monday), month. */
export function capPeriodWindow(period: CapPeriod, at: number, zone: string): { start: number; end: number } {
  const start = DateTime.fromMillis(at, { zone }).startOf(period);
  return { start: start.toMillis(), end: start.plus({ [`${period}s`]: 1 }).toMillis() };
}

export function capApplies(cap: FrequencyCap, c: { treatmentKey: string; channel: Channel }): boolean {
  return cap.scope === 'channel' ? cap.key === c.channel : cap.key === c.treatmentKey;
}

export interface CapReached {
  cap: FrequencyCap;
  /** Deliveries already counted in the period. */
  count: number;
  /** When the period ends, in the customer's zone: the cap allows again from then. */
  until: number;
  /** Of those counted, the ones a moment of truth may displace (held, not moments of truth). */
  displaceable: CountedDelivery[];
}

/**
 * The first cap this candidate would exceed, counting deliveries in the same calendar period of
 * the customer's zone as the candidate's own instant (a held treatment counts where it lands).
 */
export function firstCapReached(caps: readonly FrequencyCap[], candidate: CapCandidate, counted: readonly CountedDelivery[], zone: string): CapReached | null {
  for (const cap of caps) {
    if (!capApplies(cap, candidate)) continue;
    const { start, end } = capPeriodWindow(cap.period, candidate.at, zone);
    const inPeriod = counted.filter((d) => capApplies(cap, d) && d.at >= start && d.at < end);
    if (inPeriod.length >= cap.max) {
      return { cap, count: inPeriod.length, until: end, displaceable: inPeriod.filter((d) => d.bumpable && !d.momentOfTruth) };
    }
  }
  return null;
}

/**
 * Priority under caps: a moment of truth that finds a cap full may take the place of held treatments
 * that are not moments of truth (latest first), one per cap it exceeds; returns the ids to displace,
 * or null when it cannot fit (caps full of deliveries already out, or of other moments of truth).
 */
export function displacementsFor(caps: readonly FrequencyCap[], candidate: CapCandidate, counted: readonly CountedDelivery[], zone: string): string[] | null {
  const displaced = new Set<string>();
  let remaining = [...counted];
  for (let guard = 0; guard <= caps.length; guard++) {
    const reached = firstCapReached(caps, candidate, remaining, zone);
    if (!reached) return [...displaced];
    const victim = [...reached.displaceable].sort((a, b) => b.at - a.at)[0];
    if (!victim) return null;
    displaced.add(victim.id);
    remaining = remaining.filter((d) => d.id !== victim.id);
  }
  return null;
}
