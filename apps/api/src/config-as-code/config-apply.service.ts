import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import {
  AttributeCatalog,
  buildPersonaSet,
  checkStrategyDraft,
  compileRule,
  compileSetSnapshot,
  ConflictError,
  ContactPolicies,
  DEFAULT_CONTACT_POLICIES,
  ErrorDetail,
  SegmentationRun,
  Touchpoint,
  ValidationError,
} from '@corridor/domain';
import { enqueueAfterCommit, JobProducer } from '@corridor/jobs';
import { AttributeRepository, ConfigApplyStore, ConfigTransaction, ConfigVersions, RunPlan, SegmentationStore } from '@corridor/persistence';
import { awaitRun } from '../segmentation/await-run';
import { isTimeZone, mergePolicies, toCell } from '../strategy/strategy.service';
import { checkEventProperties } from '../touchpoints/touchpoints.service';
import { ApplyConfigDto, ConfigApplyResultDto, ConfigDocumentDto, ConfigJourneyDto, ConfigPersonaDto, ConfigStrategyDto } from './config.dto';

type Kind = keyof ConfigVersions;
const KINDS: Kind[] = ['personas', 'journey', 'strategy'];
const TOUCHPOINT_FIELDS = ['name', 'stageKey', 'channel', 'major', 'momentOfTruth', 'owner', 'description', 'eventProperties'] as const;

/** Thrown inside the transaction to roll a dry run back with its result. */
class DryRun {
  constructor(readonly result: Omit<ConfigApplyResultDto, 'personas'> & { plan: RunPlan | null; setVersion: number | null }) {}
}

/**
 * Configuration as code: the whole document (personas, journey, strategy, any of them) read in
 * one snapshot, and applied in one transaction after an optimistic check of the versions the
 * change was reviewed against. A problem anywhere (a rule late in the list, a cell naming a
 * persona the same document removes) rolls back everything: nothing is half-applied.
 */
@Injectable()
export class ConfigApplyService {
  constructor(
    private readonly store: ConfigApplyStore,
    private readonly attributes: AttributeRepository,
    private readonly segmentation: SegmentationStore,
    private readonly jobs: JobProducer,
    private readonly config: AppConfig,
  ) {}

  read(): Promise<ConfigDocumentDto> {
    return this.store.read(async (tx) => {
      // One after another, never Promise.all: a transaction is one connection, which runs one query at a time.
      const versions = await tx.versions();
      const personas = await tx.personas.list();
      const stages = await tx.journey.stages();
      const touchpoints = await tx.journey.touchpoints();
      const draft = await tx.strategyDraft();
      const live = await tx.liveStrategy();
      const personaSet = await tx.livePersonaSet();
      const { holdoutSalt: _salt, ...policies } = draft?.policies ?? live?.policies ?? DEFAULT_CONTACT_POLICIES;
      void _salt;
      return {
        versions,
        live: { personaSet, strategyVersion: live?.version ?? null },
        personas: personas.filter((p) => !p.isFallback && p.priority !== null).map((p) => ({ key: p.key, name: p.name, description: p.description, enabled: p.enabled, rule: p.rule })),
        journey: { stages: stages.map((s) => ({ key: s.key, name: s.name })), touchpoints: touchpoints.filter((t) => !t.builtIn).map(touchpointFields) },
        strategy: { cells: draft?.cells ?? [], policies },
      };
    });
  }

  async apply(dto: ApplyConfigDto, by: string | null): Promise<ConfigApplyResultDto> {
    const given = KINDS.filter((k) => dto[k] !== undefined);
    if (!given.length) throw new ValidationError('The document is empty', [{ field: 'personas', message: 'give personas, journey or strategy (or several)', code: 'CONFIG_EMPTY' }]);
    const unexpected = given.filter((k) => dto.expectedVersions[k] === undefined);
    if (unexpected.length) {
      throw new ValidationError('Every kind applied needs the version it was reviewed against', unexpected.map((k) => ({ field: `expectedVersions.${k}`, message: 'is required (from GET /v1/config)', code: 'VERSION_REQUIRED' })));
    }
    const catalog = await this.attributes.loadCatalog();
    // Rules first, outside the transaction: every bad rule named at once, no lock held meanwhile.
    if (dto.personas) this.checkRules(dto.personas, catalog);
    let outcome: DryRun['result'];
    try {
      outcome = await this.store.transaction(async (tx) => {
        const now = await tx.versions();
        const moved = given.filter((k) => dto.expectedVersions[k] !== now[k]);
        if (moved.length) {
          throw new ConflictError(
            `The live ${moved.join(', ')} changed since the document was diffed: diff again`,
            moved.map((k) => ({ field: `expectedVersions.${k}`, message: `is ${dto.expectedVersions[k]}, but the live ${k} is now ${now[k]}`, code: 'CONFIG_STALE' })),
            'CONFIG_STALE',
          );
        }
        const changes = { personas: 0, journey: 0, strategy: 0 };
        if (dto.personas) changes.personas = await this.applyPersonas(tx, dto.personas, by);
        if (dto.journey) changes.journey = await this.applyJourney(tx, dto.journey, dto.strategy === undefined);
        let strategy: ConfigApplyResultDto['strategy'] = null;
        if (dto.strategy) ({ changes: changes.strategy, published: strategy } = await this.applyStrategy(tx, dto.strategy, catalog, changes.journey > 0, by));
        let plan: RunPlan | null = null;
        let setVersion: number | null = null;
        if (changes.personas) {
          const draft = buildPersonaSet(await tx.personaDraftWithVersionIds(), catalog);
          compileSetSnapshot(draft.members, draft.catalog, this.config.SEGMENTATION_TIMEZONE);
          const published = (await tx.publishPersonaSet(draft, { chunkSize: this.config.SEGMENTATION_CHUNK_SIZE, now: new Date(), timeZone: this.config.SEGMENTATION_TIMEZONE, publishedBy: by }))!;
          plan = published.plan;
          setVersion = published.set.version;
        }
        const applied = changes.personas + changes.journey + changes.strategy > 0;
        const result = { applied: applied && !dto.dryRun, changes, versions: await tx.versions(), strategy, plan, setVersion };
        if (dto.dryRun) throw new DryRun({ ...result, versions: now, strategy: null, plan: null, setVersion: null });
        return result;
      });
    } catch (e) {
      if (!(e instanceof DryRun)) throw e;
      outcome = e.result;
    }
    const { plan, setVersion, ...rest } = outcome;
    let personas: ConfigApplyResultDto['personas'] = null;
    if (plan && setVersion !== null) {
      // After commit: the run's chunks are in Postgres, so with Redis away the watchdog queues them later.
      await enqueueAfterCommit('run', { runId: plan.run.id }, () => this.jobs.enqueueSegmentationRun(plan.run.id, plan.chunks));
      const run: SegmentationRun = await awaitRun(this.segmentation, plan.run.id, (dto.wait ?? 0) * 1000);
      personas = { setVersion, run };
    }
    return { ...rest, personas };
  }

  private checkRules(personas: ConfigPersonaDto[], catalog: AttributeCatalog): void {
    const details: ErrorDetail[] = [];
    personas.forEach((p, i) => {
      try {
        compileRule(p.rule, catalog);
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        details.push(...e.details.map((d) => ({ ...d, field: `personas[${i}].rule.${d.field}` })));
      }
    });
    if (details.length) throw new ValidationError('Some persona rules are not valid', details, 'INVALID_RULE');
  }

  /** The draft becomes the document's list: created, changed, archived, in its order. Returns the number of changes. */
  private async applyPersonas(tx: ConfigTransaction, personas: ConfigPersonaDto[], by: string | null): Promise<number> {
    const current = await tx.personas.list();
    const byKey = new Map(current.map((p) => [p.key, p]));
    const details: ErrorDetail[] = [];
    const seen = new Set<string>();
    for (const [i, p] of personas.entries()) {
      if (seen.has(p.key)) details.push({ field: `personas[${i}].key`, message: `repeats ${p.key}`, code: 'DUPLICATE_KEY' });
      seen.add(p.key);
      const old = byKey.get(p.key);
      if (old?.isFallback) details.push({ field: `personas[${i}].key`, message: 'names the fallback persona, which is not part of the file', code: 'FALLBACK_IMMUTABLE' });
      else if (!old && (p.key === 'order' || (await tx.personas.keyTaken(p.key)))) {
        details.push({ field: `personas[${i}].key`, message: `${p.key} is reserved or kept by an archived persona`, code: 'PERSONA_KEY_TAKEN' });
      }
    }
    if (details.length) throw new ValidationError('The personas are not valid', details);
    let changes = 0;
    const ids: string[] = [];
    for (const [i, p] of personas.entries()) {
      const fields = { name: p.name, description: p.description ?? '', enabled: p.enabled ?? true, rule: p.rule };
      const old = byKey.get(p.key);
      if (!old) {
        ids.push((await tx.personas.create({ key: p.key, priority: i + 1, ...fields }, by)).id);
        changes++;
        continue;
      }
      ids.push(old.id);
      // Compared here regardless of key order: a rule read back from jsonb is the same rule.
      if (same({ name: old.name, description: old.description, enabled: old.enabled, rule: old.rule }, fields)) continue;
      await tx.personas.update(old.id, fields, fields.enabled && !old.enabled ? 'enable' : !fields.enabled && old.enabled ? 'disable' : 'update', by);
      changes++;
    }
    for (const p of current) {
      if (!p.isFallback && !seen.has(p.key)) {
        await tx.personas.update(p.id, { priority: null }, 'archive', by);
        changes++;
      }
    }
    const reordered = current.filter((p) => !p.isFallback && seen.has(p.key)).map((p) => p.key).join() !== personas.filter((p) => byKey.has(p.key)).map((p) => p.key).join();
    await tx.personas.setPriorities(ids.map((id, i) => ({ id, priority: i + 1 })));
    await tx.personas.recordOrder('reorder', null, by);
    return changes + (reordered ? 1 : 0);
  }

  /** Stages added, renamed, reordered (never removed); the admins' touchpoints created, changed, removed. */
  private async applyJourney(tx: ConfigTransaction, journey: ConfigJourneyDto, checkDraft: boolean): Promise<number> {
    const stages = await tx.journey.stages();
    const touchpoints = await tx.journey.touchpoints();
    const details: ErrorDetail[] = [];
    const stageKeys = new Set(journey.stages.map((s) => s.key));
    if (stageKeys.size !== journey.stages.length) details.push({ field: 'journey.stages', message: 'lists a stage twice', code: 'DUPLICATE_KEY' });
    for (const s of stages) if (!stageKeys.has(s.key)) details.push({ field: 'journey.stages', message: `is missing stage ${s.key}: stages cannot be removed (rename or reorder it)`, code: 'STAGE_REMOVED' });
    const byKey = new Map(touchpoints.map((t) => [t.key, t]));
    const keep = new Set<string>();
    journey.touchpoints.forEach((t, i) => {
      if (keep.has(t.key)) details.push({ field: `journey.touchpoints[${i}].key`, message: `repeats ${t.key}`, code: 'DUPLICATE_KEY' });
      keep.add(t.key);
      if (byKey.get(t.key)?.builtIn) details.push({ field: `journey.touchpoints[${i}].key`, message: `${t.key} is built in: leave it out of the file`, code: 'TOUCHPOINT_BUILT_IN' });
      if (!stageKeys.has(t.stageKey)) details.push({ field: `journey.touchpoints[${i}].stageKey`, message: `names no stage of the document: ${t.stageKey}`, code: 'UNKNOWN_STAGE' });
      try {
        checkEventProperties(t.eventProperties ?? []);
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        details.push(...e.details.map((d) => ({ ...d, field: `journey.touchpoints[${i}].${d.field}` })));
      }
    });
    const removed = touchpoints.filter((t) => !t.builtIn && !keep.has(t.key));
    if (checkDraft && removed.length) {
      // Without a strategy in the same document, the saved draft must not lose a touchpoint it uses.
      const cells = (await tx.strategyDraft())?.cells ?? [];
      for (const t of removed) {
        const used = cells.filter((c) => c.touchpointKey === t.key).map((c) => c.personaKey);
        if (used.length) details.push({ field: 'journey.touchpoints', message: `removes ${t.key}, which the strategy draft uses for ${used.join(', ')}`, code: 'TOUCHPOINT_IN_USE' });
      }
    }
    if (details.length) throw new ValidationError('The journey is not valid', details);

    let changes = 0;
    const stageBefore = new Map(stages.map((s) => [s.key, s]));
    for (const [i, s] of journey.stages.entries()) {
      const old = stageBefore.get(s.key);
      if (!old) changes += (await tx.journey.createStage({ key: s.key, name: s.name, position: stages.length + i + 1 })) ? 1 : 0;
      else if (old.name !== s.name) changes += (await tx.journey.renameStage(s.key, s.name)) ? 1 : 0;
    }
    if (stages.map((s) => s.key).join() !== journey.stages.filter((s) => stageBefore.has(s.key)).map((s) => s.key).join()) changes++;
    await tx.journey.setStageOrder(journey.stages.map((s) => s.key));
    for (const t of journey.touchpoints) {
      const next = touchpointFields({ ...t, major: t.major ?? false, momentOfTruth: t.momentOfTruth ?? false, owner: t.owner ?? '', description: t.description ?? '', eventProperties: checkEventProperties(t.eventProperties ?? []) } as Touchpoint);
      const old = byKey.get(t.key);
      if (!old) {
        await tx.journey.createTouchpoint(next as never);
        changes++;
        continue;
      }
      const before = touchpointFields(old);
      const changed = Object.fromEntries(TOUCHPOINT_FIELDS.filter((f) => !same(before[f], next[f])).map((f) => [f, next[f]]));
      if (Object.keys(changed).length) {
        await tx.journey.updateTouchpoint(t.key, changed);
        changes++;
      }
    }
    for (const t of removed) {
      await tx.journey.deleteTouchpoint(t.key);
      changes++;
    }
    return changes;
  }

  /** Checks the strategy against the personas and journey as this transaction leaves them, saves it and publishes it. */
  private async applyStrategy(
    tx: ConfigTransaction,
    doc: ConfigStrategyDto,
    catalog: AttributeCatalog,
    journeyChanged: boolean,
    by: string | null,
  ): Promise<{ changes: number; published: ConfigApplyResultDto['strategy'] }> {
    const draft = await tx.strategyDraft();
    const live = await tx.liveStrategy();
    const personas = await tx.personas.list();
    const stages = await tx.journey.stages();
    const touchpoints = await tx.journey.touchpoints();
    const treatments = await tx.treatments();
    const base: ContactPolicies = draft?.policies ?? live?.policies ?? { ...DEFAULT_CONTACT_POLICIES, holdoutSalt: randomBytes(16).toString('hex') };
    const cells = doc.cells.map(toCell);
    const policies = doc.policies ? mergePolicies(base, doc.policies) : base;
    const { errors } = checkStrategyDraft({ cells, policies }, { personaKeys: new Set(personas.map((p) => p.key)), touchpoints, treatments, catalog, isTimeZone });
    if (errors.length) throw new ValidationError('The strategy is not valid', errors.map((d) => ({ ...d, field: `strategy.${d.field}` })), 'STRATEGY_INVALID');
    const draftChanged = !draft || !same(draft.cells, cells) || !same(draft.policies, policies);
    const liveDiffers = !live || !same(live.cells, cells) || !same(live.policies, policies);
    if (!draftChanged && !liveDiffers && !journeyChanged) return { changes: 0, published: null };
    const revision = draftChanged ? await tx.saveStrategyDraft({ cells, policies }, by) : draft!.revision;
    const published = (await tx.publishStrategy({ stages, touchpoints, treatments, cells, policies }, by))!;
    return { changes: draftChanged || liveDiffers ? 1 : 0, published: { version: published.version, draftRevision: revision } };
  }
}

/** Equal as JSON regardless of key order (jsonb stores keys in an order of its own). */
function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

function touchpointFields(t: Touchpoint) {
  return {
    key: t.key,
    name: t.name,
    stageKey: t.stageKey,
    channel: t.channel,
    major: t.major,
    momentOfTruth: t.momentOfTruth,
    owner: t.owner,
    description: t.description,
    eventProperties: t.eventProperties.map((p) => ({ name: p.name, type: p.type, ...(p.enumValues ? { enumValues: [...p.enumValues] } : {}) })),
  };
}
