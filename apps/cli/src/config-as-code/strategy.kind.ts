import { CHANNELS, ContactPolicies, DEFAULT_CONTACT_POLICIES, StrategyCell, StrategyPreview } from '@corridor/domain';
import { printable } from '../cli-output';
import { ApiError } from './api-client';
import { brief, ConfigKind, problemsOf, same } from './config-kind';

/** Contact policies as a file holds them: the holdout's hash key stays Corridor's (changing it would reshuffle the holdout). */
export type FilePolicies = Omit<ContactPolicies, 'holdoutSalt'>;

/** The persona × touchpoint cells (options tried in order, first whose condition holds wins) and the contact policies. */
export interface StrategyDoc {
  policies: FilePolicies;
  cells: StrategyCell[];
}

const KEY = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' };
const HHMM = { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' };

export const strategyKind: ConfigKind<StrategyDoc> = {
  kind: 'strategy',
  schema: {
    type: 'object',
    required: ['cells'],
    additionalProperties: false,
    properties: {
      policies: {
        type: 'object',
        additionalProperties: false,
        properties: {
          consent: {
            type: 'array',
            items: {
              type: 'object',
              required: ['channel', 'attribute'],
              additionalProperties: false,
              properties: { channel: { enum: [...CHANNELS] }, attribute: { type: 'string' }, refusedWhen: { type: ['string', 'number', 'boolean'] } },
            },
          },
          caps: {
            type: 'array',
            items: {
              type: 'object',
              required: ['scope', 'key', 'period', 'max'],
              additionalProperties: false,
              properties: { scope: { enum: ['channel', 'treatment'] }, key: { type: 'string' }, period: { enum: ['day', 'week', 'month'] }, max: { type: 'integer', minimum: 1 } },
            },
          },
          quietHours: {
            oneOf: [
              { type: 'null' },
              {
                type: 'object',
                required: ['start', 'end', 'channels'],
                additionalProperties: false,
                properties: { start: HHMM, end: HHMM, channels: { type: 'array', items: { enum: [...CHANNELS] } } },
              },
            ],
          },
          holdoutPercent: { type: 'number', minimum: 0, maximum: 50 },
          timeZoneAttribute: { type: 'string' },
          defaultTimeZone: { type: 'string' },
        },
      },
      cells: {
        type: 'array',
        items: {
          type: 'object',
          required: ['personaKey', 'touchpointKey', 'options'],
          additionalProperties: false,
          properties: {
            personaKey: KEY,
            touchpointKey: KEY,
            options: {
              type: 'array',
              items: { type: 'object', required: ['treatmentKey'], additionalProperties: false, properties: { treatmentKey: KEY, condition: { type: 'object' } } },
            },
          },
        },
      },
    },
  },

  section: 'nested',

  live(config) {
    const doc = strategyKind.normalize(config.strategy as Record<string, unknown>);
    return { doc, base: { strategyVersion: config.live.strategyVersion }, version: config.versions.strategy };
  },

  normalize(value) {
    const v = value as { policies?: Partial<FilePolicies>; cells: StrategyCell[] };
    return { policies: normalizePolicies(v.policies ?? {}), cells: v.cells.map(normalizeCell) };
  },

  toFile(doc) {
    return { policies: doc.policies, cells: doc.cells };
  },

  crossCheck(doc) {
    const seen = new Set<string>();
    return doc.cells.flatMap((c, i) => {
      const id = `${c.personaKey} × ${c.touchpointKey}`;
      const dup = seen.has(id);
      seen.add(id);
      return dup ? [{ path: `cells[${i}]`, message: `repeats the cell ${id}` }] : [];
    });
  },

  diff(live, next) {
    const lines: string[] = [];
    for (const f of Object.keys(next.policies) as Array<keyof FilePolicies>) {
      if (!same(live.policies[f], next.policies[f])) lines.push(`~ policies.${f}: ${brief(live.policies[f])} → ${brief(next.policies[f])}`);
    }
    const id = (c: StrategyCell) => `${c.personaKey} × ${c.touchpointKey}`;
    const show = (c: StrategyCell) => c.options.map((o) => (o.condition === undefined ? o.treatmentKey : `${o.treatmentKey} if ${brief(o.condition)}`)).join(', else ') || '(no treatment)';
    const before = new Map(live.cells.map((c) => [id(c), c]));
    const after = new Set(next.cells.map(id));
    for (const c of next.cells) {
      const old = before.get(id(c));
      if (!old) lines.push(`+ ${id(c)}: ${show(c)}`);
      else if (!same(old.options, c.options)) lines.push(`~ ${id(c)}: ${show(old)} → ${show(c)}`);
    }
    for (const c of live.cells) if (!after.has(id(c))) lines.push(`- ${id(c)}: ${show(c)}`);
    return lines;
  },

  async validate(api, doc) {
    try {
      await api.call('POST', '/v1/strategy/validate', { cells: doc.cells, policies: doc.policies });
      return [];
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) return problemsOf(e.details);
      throw e;
    }
  },

  async preview(api, doc, print) {
    const preview = await api.call<StrategyPreview>('POST', '/v1/strategy/preview', { cells: doc.cells, policies: doc.policies });
    const changes = preview.touchpoints.flatMap((t) => t.changes.map((c) => ({ touchpoint: t.touchpointKey, ...c })));
    const total = changes.reduce((s, c) => s + c.customers, 0);
    print(`  preview over ${preview.customers.toLocaleString('en-US')} customers (live strategy ${preview.liveVersion === null ? 'none yet' : `v${preview.liveVersion}`}): ${total.toLocaleString('en-US')} customer × touchpoint treatments change`);
    for (const t of preview.touchpoints) {
      for (const c of t.changes) print(`    at ${printable(t.touchpointKey)}: ${printable(c.personaKey)} ${printable(c.from)} → ${printable(c.to)} for ${c.customers.toLocaleString('en-US')} customers`);
    }
    return { treatmentChanges: total };
  },

  body(doc) {
    return { strategy: { cells: doc.cells, policies: doc.policies } };
  },

  reroot: (field) => field.replace(/^strategy\./, ''),

  applied(result, print) {
    if (!result.strategy) return {};
    print(`  strategy v${result.strategy.version} live (draft revision ${result.strategy.draftRevision})`);
    return { version: result.strategy.version, draftRevision: result.strategy.draftRevision };
  },
};

function normalizeCell(c: StrategyCell): StrategyCell {
  return {
    personaKey: c.personaKey,
    touchpointKey: c.touchpointKey,
    options: c.options.map((o) => (o.condition === undefined || o.condition === null ? { treatmentKey: o.treatmentKey } : { treatmentKey: o.treatmentKey, condition: o.condition })),
  };
}

function normalizePolicies(p: Partial<FilePolicies>): FilePolicies {
  const d = DEFAULT_CONTACT_POLICIES;
  return {
    consent: (p.consent ?? d.consent).map((c) => ({ channel: c.channel, attribute: c.attribute, ...(c.refusedWhen !== undefined ? { refusedWhen: c.refusedWhen } : {}) })),
    caps: (p.caps ?? d.caps).map((c) => ({ scope: c.scope, key: c.key, period: c.period, max: c.max })),
    quietHours: p.quietHours === undefined ? d.quietHours : p.quietHours === null ? null : { start: p.quietHours.start, end: p.quietHours.end, channels: [...p.quietHours.channels] },
    holdoutPercent: p.holdoutPercent ?? d.holdoutPercent,
    timeZoneAttribute: p.timeZoneAttribute ?? d.timeZoneAttribute,
    defaultTimeZone: p.defaultTimeZone ?? d.defaultTimeZone,
  };
}
