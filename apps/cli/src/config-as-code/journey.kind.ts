import { CHANNELS } from '@corridor/domain';
import { brief, ConfigKind, same } from './config-kind';

export interface TouchpointEntry {
  key: string;
  name: string;
  stageKey: string;
  channel: string;
  major: boolean;
  momentOfTruth: boolean;
  owner: string;
  description: string;
  eventProperties: Array<{ name: string; type: string; enumValues?: string[] }>;
}

/** Stages in journey order, and the touchpoints admins defined (built-in ones are Corridor's and stay out). */
export interface JourneyDoc {
  stages: Array<{ key: string; name: string }>;
  touchpoints: TouchpointEntry[];
}

const KEY = '^[a-z][a-z0-9_]{0,62}$';
const FIELDS = ['name', 'stageKey', 'channel', 'major', 'momentOfTruth', 'owner', 'description', 'eventProperties'] as const;

export const journeyKind: ConfigKind<JourneyDoc> = {
  kind: 'journey',
  schema: {
    type: 'object',
    required: ['stages', 'touchpoints'],
    additionalProperties: false,
    properties: {
      stages: {
        type: 'array',
        items: { type: 'object', required: ['key', 'name'], additionalProperties: false, properties: { key: { type: 'string', pattern: KEY }, name: { type: 'string', minLength: 1, maxLength: 200 } } },
      },
      touchpoints: {
        type: 'array',
        items: {
          type: 'object',
          required: ['key', 'name', 'stageKey', 'channel'],
          additionalProperties: false,
          properties: {
            key: { type: 'string', pattern: KEY },
            name: { type: 'string', minLength: 1, maxLength: 200 },
            stageKey: { type: 'string', pattern: KEY },
            channel: { enum: [...CHANNELS] },
            major: { type: 'boolean' },
            momentOfTruth: { type: 'boolean' },
            owner: { type: 'string', maxLength: 200 },
            description: { type: 'string', maxLength: 2000 },
            eventProperties: {
              type: 'array',
              items: {
                type: 'object',
                required: ['name', 'type'],
                additionalProperties: false,
                properties: { name: { type: 'string', pattern: KEY }, type: { enum: ['string', 'number', 'boolean', 'date', 'enum', 'string_list'] }, enumValues: { type: 'array', items: { type: 'string' } } },
              },
            },
          },
        },
      },
    },
  },

  section: 'nested',

  live(config) {
    // The journey has no versions of its own (a published strategy freezes it): the API's token hashes its content.
    return { doc: journeyKind.normalize(config.journey as Record<string, unknown>), base: {}, version: config.versions.journey };
  },

  normalize(value) {
    const v = value as { stages: JourneyDoc['stages']; touchpoints: Array<Partial<TouchpointEntry>> };
    return {
      stages: v.stages.map((s) => ({ key: s.key, name: s.name })),
      touchpoints: v.touchpoints.map((t) => ({
        key: t.key!,
        name: t.name!,
        stageKey: t.stageKey!,
        channel: t.channel!,
        major: t.major ?? false,
        momentOfTruth: t.momentOfTruth ?? false,
        owner: t.owner ?? '',
        description: t.description ?? '',
        eventProperties: t.eventProperties ?? [],
      })),
    };
  },

  toFile(doc) {
    return {
      stages: doc.stages,
      touchpoints: doc.touchpoints.map((t) => ({
        key: t.key,
        name: t.name,
        stageKey: t.stageKey,
        channel: t.channel,
        ...(t.major ? { major: true } : {}),
        ...(t.momentOfTruth ? { momentOfTruth: true } : {}),
        ...(t.owner ? { owner: t.owner } : {}),
        ...(t.description ? { description: t.description } : {}),
        ...(t.eventProperties.length ? { eventProperties: t.eventProperties } : {}),
      })),
    };
  },

  crossCheck(doc) {
    const stages = new Set<string>();
    const problems = doc.stages.flatMap((s, i) => {
      const dup = stages.has(s.key);
      stages.add(s.key);
      return dup ? [{ path: `stages[${i}].key`, message: `repeats ${s.key}` }] : [];
    });
    const keys = new Set<string>();
    doc.touchpoints.forEach((t, i) => {
      if (keys.has(t.key)) problems.push({ path: `touchpoints[${i}].key`, message: `repeats ${t.key}` });
      keys.add(t.key);
      if (!stages.has(t.stageKey)) problems.push({ path: `touchpoints[${i}].stageKey`, message: `names no stage of the file: ${t.stageKey}` });
    });
    return problems;
  },

  diff(live, next) {
    const lines: string[] = [];
    const stageBefore = new Map(live.stages.map((s) => [s.key, s]));
    for (const s of next.stages) {
      const old = stageBefore.get(s.key);
      if (!old) lines.push(`+ stage ${s.key} "${s.name}"`);
      else if (old.name !== s.name) lines.push(`~ stage ${s.key}: name ${brief(old.name)} → ${brief(s.name)}`);
    }
    const oldOrder = live.stages.map((s) => s.key);
    const newOrder = next.stages.map((s) => s.key).filter((k) => stageBefore.has(k));
    if (oldOrder.filter((k) => newOrder.includes(k)).join() !== newOrder.join()) lines.push(`~ stage order: ${oldOrder.join(', ')} → ${next.stages.map((s) => s.key).join(', ')}`);
    const before = new Map(live.touchpoints.map((t) => [t.key, t]));
    const after = new Set(next.touchpoints.map((t) => t.key));
    for (const t of next.touchpoints) {
      const old = before.get(t.key);
      if (!old) lines.push(`+ touchpoint ${t.key} "${t.name}" in ${t.stageKey} (${t.channel}${t.major ? ', major' : ''}${t.momentOfTruth ? ', moment of truth' : ''})`);
      else for (const f of FIELDS) if (!same(old[f], t[f])) lines.push(`~ touchpoint ${t.key}: ${f} ${brief(old[f])} → ${brief(t[f])}`);
    }
    for (const t of live.touchpoints) if (!after.has(t.key)) lines.push(`- touchpoint ${t.key} "${t.name}"`);
    return lines;
  },

  async validate(_api, doc, live) {
    // Stages are never removed: touchpoints and published strategies name them.
    const kept = new Set(doc.stages.map((s) => s.key));
    return live.stages.filter((s) => !kept.has(s.key)).map((s) => ({ path: 'stages', message: `is missing stage ${s.key}: stages cannot be removed (rename or reorder it)` }));
  },

  async preview(_api, doc, print) {
    const major = doc.touchpoints.filter((t) => t.major).length;
    print(`  journey: ${doc.stages.length} stages, ${doc.touchpoints.length} touchpoints (${major} major, ${doc.touchpoints.filter((t) => t.momentOfTruth).length} moments of truth); treatments follow from the strategy`);
    if (major > 10) print(`  warning: ${major} major touchpoints; past ten, teams are usually mapping their org chart rather than the customer's journey`);
    return {};
  },

  body(doc) {
    return { journey: doc };
  },

  reroot: (field) => field.replace(/^journey\./, ''),

  applied(result, print) {
    if (result.strategy) print(`  strategy v${result.strategy.version} live with the new journey`);
    else print('  the journey is live for new strategy versions: publish the strategy to freeze it into one');
    return {};
  },
};
