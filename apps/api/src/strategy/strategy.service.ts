import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import {
  checkStrategyDraft,
  ConflictError,
  ContactPolicies,
  DEFAULT_CONTACT_POLICIES,
  ErrorDetail,
  NotFoundError,
  PublishedStrategy,
  StrategyCell,
  StrategyCheckContext,
  StrategyGap,
  strategyGaps,
  StrategyPreview,
  StrategyPreviewer,
  ValidationError,
} from '@corridor/domain';
import {
  AttributeRepository,
  JourneyRepository,
  PersonaRepository,
  PersonaSetRepository,
  StrategyDraftRepository,
  StrategyPreviewStore,
  StrategyPublishStore,
  StrategyVersionRepository,
  TreatmentRepository,
} from '@corridor/persistence';
import { ContactPoliciesDto, InlineDraftDto, PublishStrategyDto, SaveDraftDto } from './strategy.dto';

const PREVIEW_PAGE = 5000;

export interface DraftView {
  revision: number;
  savedAt: Date | null;
  savedBy: string | null;
  cells: StrategyCell[];
  policies: ContactPolicies;
  liveVersion: number | null;
  warnings: ErrorDetail[];
}

/**
 * The strategy: a draft (cells + contact policies, every save a new revision), validated,
 * previewed over today's customers, published as a frozen version (stages, touchpoints,
 * treatments, cells, policies), and a gap report over the moments of truth.
 */
@Injectable()
export class StrategyService {
  constructor(
    private readonly drafts: StrategyDraftRepository,
    private readonly versions: StrategyVersionRepository,
    private readonly journey: JourneyRepository,
    private readonly treatments: TreatmentRepository,
    private readonly personas: PersonaRepository,
    private readonly sets: PersonaSetRepository,
    private readonly attributes: AttributeRepository,
    private readonly previewStore: StrategyPreviewStore,
    private readonly publishStore: StrategyPublishStore,
    private readonly config: AppConfig,
  ) {}

  async draft(): Promise<DraftView> {
    const [current, live] = await Promise.all([this.drafts.current(), this.versions.live()]);
    const cells = current?.cells ?? [];
    const policies = current?.policies ?? live?.policies ?? DEFAULT_CONTACT_POLICIES;
    const { warnings } = checkStrategyDraft({ cells, policies }, await this.checkContext());
    return { revision: current?.revision ?? 0, savedAt: current?.savedAt ?? null, savedBy: current?.savedBy ?? null, cells, policies, liveVersion: live?.version ?? null, warnings };
  }

  revisions() {
    return this.drafts.list();
  }

  async revision(revision: number) {
    const found = await this.drafts.get(revision);
    if (!found) throw new NotFoundError('Strategy draft revision', String(revision), 'DRAFT_REVISION_NOT_FOUND');
    return found;
  }

  /** Saves the draft as a new revision once it is valid (400 naming every problem). */
  async save(dto: SaveDraftDto, savedBy: string | null): Promise<DraftView> {
    const { cells, policies } = await this.resolve(dto);
    const { warnings } = await this.check(cells, policies);
    const saved = await this.drafts.save({ cells, policies }, savedBy, dto.expectedRevision);
    if (!saved) throw draftStale(dto.expectedRevision!);
    const live = await this.versions.live();
    return { revision: saved.revision, savedAt: saved.savedAt, savedBy: saved.savedBy, cells: saved.cells, policies: saved.policies, liveVersion: live?.version ?? null, warnings };
  }

  /** Checks a draft (inline, or the saved one) without storing anything. */
  async validate(dto: InlineDraftDto): Promise<{ valid: true; warnings: ErrorDetail[] }> {
    const { cells, policies } = await this.resolve(dto);
    return { valid: true, ...(await this.check(cells, policies)) };
  }

  /**
   * For today's customers and their live personas: how many would get each option at each
   * touchpoint under the draft, and how that differs from the live strategy. Options whose
   * condition reads `event.*` are reported as depending on the event, not guessed.
   */
  async preview(dto: InlineDraftDto): Promise<StrategyPreview & { warnings: ErrorDetail[] }> {
    const { cells, policies } = await this.resolve(dto);
    const { warnings } = await this.check(cells, policies);
    const [touchpoints, treatments, live, set, catalog] = await Promise.all([
      this.journey.touchpoints(),
      this.treatments.list(),
      this.versions.live(),
      this.sets.live(),
      this.attributes.loadCatalog(),
    ]);
    const previewer = new StrategyPreviewer(
      { touchpoints, treatments, cells },
      live,
      catalog,
      { now: Date.now(), timeZone: this.config.SEGMENTATION_TIMEZONE },
      set.members.map((m) => m.key),
    );
    let afterId = '0';
    for (;;) {
      const page = await this.previewStore.customersWithLivePersona(afterId, PREVIEW_PAGE);
      for (const c of page) previewer.add(c.personaKey, c.attributes);
      if (page.length < PREVIEW_PAGE) break;
      afterId = page[page.length - 1].id;
    }
    return { ...previewer.result(), warnings };
  }

  /**
   * Freezes the saved draft with the current stages, touchpoints and treatments into the next
   * version, in one insert. `expectedRevision` / `expectedLiveVersion` make it optimistic: 409
   * when the draft or the live strategy changed since the admin looked.
   */
  async publish(dto: PublishStrategyDto, publishedBy: string | null): Promise<{ version: number; publishedAt: string; draftRevision: number; warnings: ErrorDetail[] }> {
    const catalog = await this.attributes.loadCatalog();
    const personaKeys = new Set((await this.personas.list()).map((p) => p.key));
    const salt = await this.withSalt(DEFAULT_CONTACT_POLICIES);
    // One snapshot: the draft revision checked is the one frozen, with the journey and treatments as they were then.
    return this.publishStore.transaction(async (tx) => {
      const current = await tx.draft();
      const revision = current?.revision ?? 0;
      if (dto.expectedRevision !== undefined && dto.expectedRevision !== revision) throw draftStale(dto.expectedRevision, revision);
      // One after another, never Promise.all: a transaction is one connection, which runs one query at a time.
      const stages = await tx.journey.stages();
      const touchpoints = await tx.journey.touchpoints();
      const treatments = await tx.treatments();
      const liveVersion = await tx.live();
      const live = liveVersion === null ? null : await this.versions.get(liveVersion);
      const cells = current?.cells ?? [];
      const policies = current?.policies ?? live?.policies ?? salt;
      const { errors, warnings } = checkStrategyDraft({ cells, policies }, { personaKeys, touchpoints, treatments, catalog, isTimeZone });
      if (errors.length) throw new ValidationError('The strategy is not valid', errors, 'STRATEGY_INVALID');
      const published = await tx.publish({ stages, touchpoints, treatments, cells, policies }, publishedBy, dto.expectedLiveVersion);
      if (!published) {
        throw new ConflictError('Another strategy version was published since', [
          { field: 'expectedLiveVersion', message: `is ${dto.expectedLiveVersion}, but the live version is ${liveVersion ?? 'none'} or newer`, code: 'STRATEGY_STALE' },
        ], 'STRATEGY_STALE');
      }
      return { version: published.version, publishedAt: published.publishedAt, draftRevision: revision, warnings };
    });
  }

  async listVersions() {
    const versions = await this.versions.list();
    return { liveVersion: versions[0]?.version ?? null, versions };
  }

  async version(version: number): Promise<PublishedStrategy> {
    const found = await this.versions.get(version);
    if (!found) throw new NotFoundError('Strategy version', String(version), 'STRATEGY_VERSION_NOT_FOUND');
    return found;
  }

  /** Moments of truth that some live persona has no treatment for, in the live strategy or the draft. */
  async gaps(of: 'live' | 'draft'): Promise<{ of: string; version: number | null; personas: string[]; momentsOfTruth: string[]; gaps: StrategyGap[] }> {
    const set = await this.sets.live();
    const personas = set.members.map((m) => m.key);
    if (of === 'live') {
      const live = await this.versions.live();
      // Before the first publish nothing is treated: every moment of truth is a gap for everyone.
      const matrix = live ?? { touchpoints: await this.journey.touchpoints(), treatments: [], cells: [] };
      return { of, version: live?.version ?? null, personas, momentsOfTruth: momentsOf(matrix.touchpoints), gaps: strategyGaps(matrix, personas) };
    }
    const [touchpoints, treatments, draft] = await Promise.all([this.journey.touchpoints(), this.treatments.list(), this.drafts.current()]);
    return { of, version: null, personas, momentsOfTruth: momentsOf(touchpoints), gaps: strategyGaps({ touchpoints, treatments, cells: draft?.cells ?? [] }, personas) };
  }

  /** The draft a request means: inline parts over the saved draft; policies merged field by field. */
  private async resolve(dto: InlineDraftDto): Promise<{ cells: StrategyCell[]; policies: ContactPolicies }> {
    const current = await this.drafts.current();
    const base = current?.policies ?? (await this.versions.live())?.policies ?? (await this.withSalt(DEFAULT_CONTACT_POLICIES));
    const cells = dto.cells ? dto.cells.map(toCell) : (current?.cells ?? []);
    return { cells, policies: dto.policies ? mergePolicies(base, dto.policies) : base };
  }

  private async check(cells: StrategyCell[], policies: ContactPolicies): Promise<{ warnings: ErrorDetail[] }> {
    const { errors, warnings } = checkStrategyDraft({ cells, policies }, await this.checkContext());
    if (errors.length) throw new ValidationError('The strategy is not valid', errors, 'STRATEGY_INVALID');
    return { warnings };
  }

  private async checkContext(): Promise<StrategyCheckContext> {
    const [personas, touchpoints, treatments, catalog] = await Promise.all([this.personas.list(), this.journey.touchpoints(), this.treatments.list(), this.attributes.loadCatalog()]);
    return { personaKeys: new Set(personas.map((p) => p.key)), touchpoints, treatments, catalog, isTimeZone };
  }

  private async withSalt(p: ContactPolicies): Promise<ContactPolicies> {
    // The holdout hash key is chosen once, when the first draft is saved, so the holdout is stable.
    return { ...p, holdoutSalt: randomBytes(16).toString('hex') };
  }
}

export function toCell(c: { personaKey: string; touchpointKey: string; options: Array<{ treatmentKey: string; condition?: unknown }> }): StrategyCell {
  return {
    personaKey: c.personaKey,
    touchpointKey: c.touchpointKey,
    options: c.options.map((o) => (o.condition === undefined || o.condition === null ? { treatmentKey: o.treatmentKey } : { treatmentKey: o.treatmentKey, condition: o.condition })),
  };
}

export function mergePolicies(base: ContactPolicies, dto: ContactPoliciesDto): ContactPolicies {
  return {
    consent: dto.consent ? dto.consent.map((c) => ({ channel: c.channel, attribute: c.attribute, ...(c.refusedWhen !== undefined ? { refusedWhen: c.refusedWhen } : {}) })) : base.consent,
    caps: dto.caps ? dto.caps.map((c) => ({ scope: c.scope, key: c.key, period: c.period, max: c.max })) : base.caps,
    quietHours: dto.quietHours === undefined ? base.quietHours : dto.quietHours === null ? null : { start: dto.quietHours.start, end: dto.quietHours.end, channels: dto.quietHours.channels },
    holdoutPercent: dto.holdoutPercent ?? base.holdoutPercent,
    holdoutSalt: base.holdoutSalt,
    timeZoneAttribute: dto.timeZoneAttribute ?? base.timeZoneAttribute,
    defaultTimeZone: dto.defaultTimeZone ?? base.defaultTimeZone,
  };
}

function momentsOf(touchpoints: ReadonlyArray<{ key: string; momentOfTruth: boolean }>): string[] {
  return touchpoints.filter((t) => t.momentOfTruth).map((t) => t.key);
}

function draftStale(expected: number, actual?: number): ConflictError {
  return new ConflictError('The strategy draft changed since', [
    { field: 'expectedRevision', message: `is ${expected}, but the draft is at revision ${actual ?? 'a newer one'}`, code: 'DRAFT_STALE' },
  ], 'DRAFT_STALE');
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
