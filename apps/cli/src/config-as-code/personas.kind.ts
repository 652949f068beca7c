import { SegmentationRun } from '@corridor/domain';
import { printable } from '../cli-output';
import { ApiClient, ApiError } from './api-client';
import { brief, ConfigKind, problemsOf, same } from './config-kind';

export interface PersonaEntry {
  key: string;
  name: string;
  description: string;
  enabled: boolean;
  rule: unknown;
}

/** The personas in evaluation order (first match wins); the built-in fallback is not part of the file. */
export interface PersonasDoc {
  personas: PersonaEntry[];
}

const KEY = '^[a-z][a-z0-9_]{0,62}$';

export const personasKind: ConfigKind<PersonasDoc> = {
  kind: 'personas',
  schema: {
    type: 'object',
    required: ['personas'],
    additionalProperties: false,
    properties: {
      personas: {
        type: 'array',
        items: {
          type: 'object',
          required: ['key', 'name', 'rule'],
          additionalProperties: false,
          properties: {
            key: { type: 'string', pattern: KEY },
            name: { type: 'string', minLength: 1, maxLength: 200 },
            description: { type: 'string', maxLength: 2000 },
            enabled: { type: 'boolean' },
            rule: { type: 'object' },
          },
        },
      },
    },
  },

  section: 'top',

  live(config) {
    return { doc: { personas: config.personas as PersonaEntry[] }, base: { personaSet: config.live.personaSet }, version: config.versions.personas };
  },

  normalize(value) {
    const personas = (value.personas as Array<Partial<PersonaEntry>>).map((p) => ({
      key: p.key!,
      name: p.name!,
      description: p.description ?? '',
      enabled: p.enabled ?? true,
      rule: p.rule,
    }));
    return { personas };
  },

  toFile(doc) {
    return {
      personas: doc.personas.map((p) => ({
        key: p.key,
        name: p.name,
        ...(p.description ? { description: p.description } : {}),
        ...(p.enabled ? {} : { enabled: false }),
        rule: p.rule,
      })),
    };
  },

  crossCheck(doc) {
    const seen = new Set<string>();
    return doc.personas.flatMap((p, i) => {
      const dup = seen.has(p.key);
      seen.add(p.key);
      return dup ? [{ path: `personas[${i}].key`, message: `repeats ${p.key}` }] : [];
    });
  },

  diff(live, next) {
    const lines: string[] = [];
    const before = new Map(live.personas.map((p) => [p.key, p]));
    const after = new Map(next.personas.map((p) => [p.key, p]));
    next.personas.forEach((p, i) => {
      const old = before.get(p.key);
      if (!old) {
        lines.push(`+ persona ${p.key} "${p.name}" at position ${i + 1}: ${brief(p.rule)}`);
        return;
      }
      if (old.name !== p.name) lines.push(`~ persona ${p.key}: name ${brief(old.name)} → ${brief(p.name)}`);
      if (old.description !== p.description) lines.push(`~ persona ${p.key}: description ${brief(old.description)} → ${brief(p.description)}`);
      if (old.enabled !== p.enabled) lines.push(`~ persona ${p.key}: ${p.enabled ? 'enabled' : 'disabled'}`);
      if (!same(old.rule, p.rule)) {
        lines.push(`~ persona ${p.key}: rule`);
        lines.push(`    - ${brief(old.rule)}`);
        lines.push(`    + ${brief(p.rule)}`);
      }
    });
    for (const p of live.personas) if (!after.has(p.key)) lines.push(`- persona ${p.key} "${p.name}" (archived; its key stays taken)`);
    const oldOrder = live.personas.map((p) => p.key).filter((k) => after.has(k));
    const newOrder = next.personas.map((p) => p.key).filter((k) => before.has(k));
    if (oldOrder.join() !== newOrder.join()) lines.push(`~ order: ${oldOrder.join(', ')} → ${newOrder.join(', ')}`);
    return lines;
  },

  async validate(api, doc) {
    // The API's own rule check (catalog, operators valid for the type, values), one persona at a time.
    const problems = [];
    for (const [i, p] of doc.personas.entries()) {
      try {
        await api.call('POST', '/v1/personas/validate', { rule: p.rule });
      } catch (e) {
        if (!(e instanceof ApiError) || e.status !== 400) throw e;
        problems.push(...problemsOf(e.details, (f) => `personas[${i}].${f}`));
      }
    }
    return problems;
  },

  async preview(api, doc, print, waitSeconds) {
    const run = await previewRun(api, doc, waitSeconds);
    if (run.status !== 'completed' || !run.result) {
      print(`  persona preview ${run.status} (run ${run.id}); follow it with GET /v1/segmentation/runs/${run.id}`);
      return { previewRunId: run.id, previewStatus: run.status };
    }
    const result = run.result as { total: number; moved: number; perPersona: Record<string, number>; transitions: Record<string, Record<string, number>> };
    print(`  preview over ${result.total.toLocaleString('en-US')} customers: ${result.moved.toLocaleString('en-US')} would change persona`);
    const moves = Object.entries(result.transitions)
      .flatMap(([from, tos]) => Object.entries(tos).filter(([to]) => to !== from).map(([to, n]) => ({ from, to, n })))
      .sort((a, b) => b.n - a.n);
    for (const m of moves.slice(0, 15)) print(`    ${printable(m.from)} → ${printable(m.to)}: ${m.n.toLocaleString('en-US')}`);
    if (moves.length > 15) print(`    … and ${moves.length - 15} smaller moves`);
    print(`  customers per persona after: ${Object.entries(result.perPersona).map(([k, n]) => `${printable(k)} ${n.toLocaleString('en-US')}`).join(', ')}`);
    return { previewTotal: result.total, moved: result.moved };
  },

  body(doc) {
    return { personas: doc.personas };
  },

  reroot: (field) => field,

  applied(result, print) {
    if (!result.personas) return {};
    const { setVersion, run } = result.personas;
    const outcome = run.result as { customers: number; changed: number; perPersona: Record<string, number> } | null;
    print(
      run.status === 'completed' && outcome
        ? `  persona set v${setVersion} live: ${outcome.customers.toLocaleString('en-US')} customers re-segmented, ${outcome.changed.toLocaleString('en-US')} changed persona`
        : `  persona set v${setVersion} published; re-segmentation ${run.status} (run ${run.id}), live when it completes`,
    );
    return { setVersion, runId: run.id, runStatus: run.status, result: outcome };
  },
};

async function previewRun(api: ApiClient, doc: PersonasDoc, waitSeconds: number): Promise<SegmentationRun> {
  return api.call<SegmentationRun>('POST', '/v1/personas/preview', {
    personas: doc.personas.map((p) => ({ key: p.key, name: p.name, enabled: p.enabled, rule: p.rule })),
    wait: waitSeconds,
  });
}

