import { Injectable } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import {
  AttributeCatalog,
  buildPersonaSet,
  collectAttributes,
  compileRule,
  compileSetSnapshot,
  ConflictError,
  NotFoundError,
  Persona,
  PersonaOrder,
  PersonaSetDraft,
  SegmentationRun,
  ValidationError,
} from '@corridor/domain';
import { enqueueAfterCommit, JobProducer } from '@corridor/jobs';
import { AgentReads, AttributeRepository, PersonaRepository, PersonaSetRepository, PersonaTransaction, RunPlan, SegmentationStore } from '@corridor/persistence';
import { awaitRun } from '../segmentation/await-run';
import { CreatePersonaDto, DraftPersonaDto, UpdatePersonaDto } from './persona.dto';

/** Keys that GET /v1/personas/:key could not reach, because a route of the same path comes first. */
const RESERVED_KEYS = new Set(['order']);

/** What an admin does to personas: edit the draft, preview it, publish it. */
@Injectable()
export class PersonasService {
  constructor(
    private readonly personas: PersonaRepository,
    private readonly attributes: AttributeRepository,
    private readonly store: SegmentationStore,
    private readonly sets: PersonaSetRepository,
    private readonly jobs: JobProducer,
    private readonly config: AppConfig,
    private readonly reads: AgentReads,
  ) {}

  list(): Promise<Persona[]> {
    return this.personas.list();
  }

  /** The draft in evaluation order, and which personas the live set holds (an agent read: on the replica when configured). */
  async listWithLive(): Promise<{ personas: Persona[]; live: { version: number; liveAt: Date | null; members: string[] } }> {
    const [personas, live] = await Promise.all([this.reads.personas.list(), this.reads.personaSets.live()]);
    return { personas, live: { version: live.version, liveAt: live.liveAt, members: live.members.map((m) => m.key) } };
  }

  /** A page of the customers the live set puts in this persona, by id (an agent read: on the replica when configured). */
  async members(idOrKey: string, page: { limit: number; afterId?: string; connectionId?: string }) {
    const persona = await this.reads.personas.find(idOrKey);
    if (!persona) throw new NotFoundError('Persona', idOrKey, 'PERSONA_NOT_FOUND');
    const ids = await this.reads.segmentation.customersInPersona(persona.id, page);
    return { persona: persona.key, customerIds: ids, nextAfterId: ids.length === page.limit ? ids[ids.length - 1] : null };
  }

  /** The run once it leaves `running`, or as it is when `timeoutMs` is up. */
  awaitRun(runId: string, timeoutMs: number): Promise<SegmentationRun> {
    return awaitRun(this.store, runId, timeoutMs);
  }

  async get(idOrKey: string): Promise<Persona> {
    const persona = await this.personas.find(idOrKey);
    if (!persona) throw new NotFoundError('Persona', idOrKey, 'PERSONA_NOT_FOUND');
    return persona;
  }

  async versions(idOrKey: string) {
    return this.personas.versions((await this.get(idOrKey)).id);
  }

  /** Checks a rule against the catalog without storing anything; throws InvalidRuleError with paths. */
  async validateRule(rule: unknown, field = 'rule'): Promise<{ attributes: string[] }> {
    const catalog = await this.attributes.loadCatalog();
    this.compileOrExplain(rule, catalog, field);
    return { attributes: [...collectAttributes(rule, new Set())].sort() };
  }

  async create(dto: CreatePersonaDto, changedBy: string | null): Promise<Persona> {
    const catalog = await this.attributes.loadCatalog();
    this.compileOrExplain(dto.rule, catalog, 'rule');
    if (RESERVED_KEYS.has(dto.key)) {
      throw new ValidationError(`${JSON.stringify(dto.key)} cannot be a persona key`, [
        { field: 'key', message: `is reserved: /v1/personas/${dto.key} is a route of its own`, code: 'PERSONA_KEY_RESERVED' },
      ]);
    }
    return this.personas.transaction(async (tx) => {
      if (await tx.keyTaken(dto.key)) {
        throw new ConflictError(`A persona with key ${JSON.stringify(dto.key)} exists`, [
          { field: 'key', message: 'is already used by another persona (archived ones keep their key)', code: 'PERSONA_KEY_TAKEN' },
        ]);
      }
      const ordered = (await tx.list()).filter((p) => !p.isFallback);
      const position = dto.priority ?? ordered.length + 1;
      if (position > ordered.length + 1) {
        throw new ValidationError('priority is past the end of the order', [
          { field: 'priority', message: `must be between 1 and ${ordered.length + 1}`, code: 'PRIORITY_OUT_OF_RANGE' },
        ]);
      }
      // Make room: personas at or after the position move down one. The move is one change of
      // the order, recorded once below, not a version of each persona moved.
      await tx.setPriorities(ordered.filter((o) => (o.priority ?? 0) >= position).map((o) => ({ id: o.id, priority: (o.priority ?? 0) + 1 })));
      const created = await tx.create(
        { key: dto.key, name: dto.name, description: dto.description ?? '', priority: position, enabled: dto.enabled ?? true, rule: dto.rule },
        changedBy,
      );
      await tx.recordOrder('create', created.key, changedBy);
      return created;
    });
  }

  async update(idOrKey: string, dto: UpdatePersonaDto, changedBy: string | null): Promise<Persona> {
    const persona = await this.get(idOrKey);
    if (persona.isFallback && (dto.rule !== undefined || dto.enabled === false)) {
      throw new ValidationError('The fallback persona catches every customer no other persona matches', [
        { field: dto.rule !== undefined ? 'rule' : 'enabled', message: 'cannot be set on the fallback persona', code: 'FALLBACK_IMMUTABLE' },
      ]);
    }
    if (dto.rule !== undefined) this.compileOrExplain(dto.rule, await this.attributes.loadCatalog(), 'rule');
    const change = dto.enabled === false && persona.enabled ? 'disable' : dto.enabled === true && !persona.enabled ? 'enable' : 'update';
    return this.personas.transaction((tx) =>
      tx.update(persona.id, { name: dto.name, description: dto.description, enabled: dto.enabled, rule: dto.rule }, change, changedBy),
    );
  }

  /** The evaluation order's recorded changes, newest first. */
  orders(): Promise<PersonaOrder[]> {
    return this.personas.orders();
  }

  async reorder(keys: string[], changedBy: string | null): Promise<Persona[]> {
    return this.personas.transaction(async (tx) => {
      await this.applyOrder(tx, keys);
      await tx.recordOrder('reorder', null, changedBy);
      return tx.list();
    });
  }

  async archive(idOrKey: string, changedBy: string | null): Promise<void> {
    const persona = await this.get(idOrKey);
    if (persona.isFallback) {
      throw new ValidationError('The fallback persona cannot be removed', [{ field: 'key', message: 'is the fallback', code: 'FALLBACK_IMMUTABLE' }]);
    }
    await this.personas.transaction(async (tx) => {
      await tx.update(persona.id, { priority: null }, 'archive', changedBy);
      const remaining = (await tx.list()).filter((p) => !p.isFallback).map((p) => p.key);
      await this.applyOrder(tx, remaining);
      await tx.recordOrder('archive', persona.key, changedBy);
    });
  }

  /** Runs a draft set over every customer, counting where each would land; nothing is published. */
  async preview(drafts: DraftPersonaDto[] | undefined): Promise<SegmentationRun> {
    const catalog = await this.attributes.loadCatalog();
    const draft = drafts ? await this.inlineDraft(drafts, catalog) : await this.currentDraft(catalog);
    const plan = await this.store.planPreview({ ...draft, timeZone: this.config.SEGMENTATION_TIMEZONE }, this.runOptions());
    await this.enqueue(plan);
    return plan.run;
  }

  /** Freezes the draft into a new persona set and re-segments everyone; it goes live when the run completes. */
  async publish(publishedBy: string | null): Promise<{ setVersion: number; run: SegmentationRun }> {
    const draft = await this.currentDraft(await this.attributes.loadCatalog());
    const { set, plan } = (await this.store.publish(draft, { ...this.runOptions(), timeZone: this.config.SEGMENTATION_TIMEZONE, publishedBy }))!;
    await enqueueAfterCommit('run', { runId: plan.run.id }, () => this.jobs.enqueueSegmentationRun(plan.run.id, plan.chunks));
    return { setVersion: set.version, run: plan.run };
  }

  private runOptions() {
    return { chunkSize: this.config.SEGMENTATION_CHUNK_SIZE, now: new Date() };
  }

  private async enqueue(plan: RunPlan): Promise<void> {
    await this.jobs.enqueueSegmentationRun(plan.run.id, plan.chunks);
  }

  private async currentDraft(catalog: AttributeCatalog): Promise<PersonaSetDraft> {
    const draft = buildPersonaSet(await this.personas.draftWithVersionIds(), catalog);
    this.compileDraft(draft, (i) => `personas[${draft.members[i].key}].rule`);
    return draft;
  }

  private async inlineDraft(drafts: DraftPersonaDto[], catalog: AttributeCatalog): Promise<PersonaSetDraft> {
    const keys = new Set<string>();
    drafts.forEach((d, i) => {
      if (keys.has(d.key)) throw new ValidationError('Persona keys must be unique', [{ field: `personas[${i}].key`, message: 'repeats an earlier key', code: 'DUPLICATE_KEY' }]);
      keys.add(d.key);
    });
    const current = await this.personas.list();
    const byKey = new Map(current.map((p) => [p.key, p]));
    const fallback = current.find((p) => p.isFallback)!;
    const members = drafts.map((d, i) => ({
      id: byKey.get(d.key)?.id ?? `draft:${d.key}`,
      versionId: 'draft',
      key: d.key,
      name: d.name ?? byKey.get(d.key)?.name ?? d.key,
      priority: i + 1,
      enabled: d.enabled ?? true,
      isFallback: false,
      rule: d.rule,
      version: 0,
    }));
    const draft = buildPersonaSet([...members, { ...fallback, versionId: 'draft' }], catalog);
    const index = new Map(drafts.map((d, i) => [d.key, i]));
    this.compileDraft(draft, (i) => `personas[${index.get(draft.members[i].key)}].rule`);
    return draft;
  }

  /** Compiles every member so a bad rule is a 400 now, not a failed job later. */
  private compileDraft(draft: PersonaSetDraft, fieldOf: (memberIndex: number) => string): void {
    try {
      compileSetSnapshot(draft.members, draft.catalog, this.config.SEGMENTATION_TIMEZONE);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      // Recompile one by one to name the persona whose rule is wrong.
      const catalog = new Map(draft.catalog.map((c) => [c.name, c] as const));
      draft.members.forEach((m, i) => {
        if (!m.isFallback) this.compileOrExplain(m.rule, catalog as AttributeCatalog, fieldOf(i));
      });
      throw e;
    }
  }

  private compileOrExplain(rule: unknown, catalog: AttributeCatalog, field: string): void {
    try {
      compileRule(rule, catalog);
    } catch (e) {
      if (e instanceof ValidationError) {
        throw new ValidationError(
          `${field} is not a valid rule`,
          e.details.map((d) => ({ ...d, field: `${field}.${d.field}` })),
          e.code,
        );
      }
      throw e;
    }
  }

  private async applyOrder(tx: PersonaTransaction, keys: string[]): Promise<void> {
    const ordered = (await tx.list()).filter((p) => !p.isFallback);
    const known = new Set(ordered.map((p) => p.key));
    const given = new Set(keys);
    const missing = [...known].filter((k) => !given.has(k));
    const unknown = keys.filter((k) => !known.has(k));
    if (missing.length || unknown.length || given.size !== keys.length) {
      throw new ValidationError('keys must list every persona except the fallback exactly once', [
        ...missing.map((k) => ({ field: 'keys', message: `is missing ${k}`, code: 'ORDER_INCOMPLETE' })),
        ...unknown.map((k) => ({ field: 'keys', message: `names no persona: ${k}`, code: 'UNKNOWN_PERSONA' })),
        ...(given.size !== keys.length ? [{ field: 'keys', message: 'lists a persona twice', code: 'DUPLICATE_KEY' }] : []),
      ]);
    }
    const byKey = new Map(ordered.map((p) => [p.key, p]));
    await tx.setPriorities(keys.map((key, i) => ({ id: byKey.get(key)!.id, priority: i + 1 })));
  }
}
