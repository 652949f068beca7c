import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BehaviouralAttribute, computeBehaviour, EventWindowFacts, ExperienceFacts, planBehaviour } from './behaviour';

interface BehaviourCase {
  name: string;
  now?: string;
  timezone?: string;
  attributes: BehaviouralAttribute[];
  events: Array<{ touchpoint: string; occurredAt: string }>;
  experience?: ExperienceFacts | null;
  expected: { values: Record<string, number>; nextChangeAt: string | null };
}

const DIR = join(__dirname, '../../../../conformance/behaviour');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

describe.each(files)('behaviour conformance: %s', (file) => {
  const json = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as { defaults?: { now?: string; timezone?: string }; cases: BehaviourCase[] };
  it.each(json.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const now = Date.parse(c.now ?? json.defaults?.now ?? '2026-11-23T12:00:00Z');
    const timeZone = c.timezone ?? json.defaults?.timezone ?? 'UTC';
    const plan = planBehaviour(c.attributes, now, timeZone);
    // Each window answered as the SQL does: same touchpoint, occurred at or after its start.
    const windows = plan.windows.map((w): EventWindowFacts | undefined => {
      const times = c.events.filter((e) => e.touchpoint === w.touchpoint && Date.parse(e.occurredAt) >= w.since).map((e) => Date.parse(e.occurredAt));
      return times.length ? { count: times.length, first: Math.min(...times), last: Math.max(...times) } : undefined;
    });
    const r = computeBehaviour(c.attributes, plan, { windows, experience: c.experience ?? null }, now, timeZone);
    expect({ values: r.values, nextChangeAt: r.nextChangeAt === null ? null : new Date(r.nextChangeAt).toISOString() }).toEqual({
      values: c.expected.values,
      nextChangeAt: c.expected.nextChangeAt === null ? null : new Date(c.expected.nextChangeAt).toISOString(),
    });
  });
});
