import { Injectable } from '@nestjs/common';
import { compileStrategy, customerTimeZone, DEFAULT_CONTACT_POLICIES, DEFAULT_EXPERIENCE_SETTINGS, journeyOrder, previewTouchpoint, type CompiledStrategy } from '@corridor/domain';
import { AgentReads } from '@corridor/persistence';
import { CustomersService } from '../customers/customers.service';
import type { CustomerStrategyDto } from './customer-strategy.dto';
import { experienceSummary } from './experience-summary';

/** Caps count at most a calendar month back (as the decide worker does). */
const CAP_LOOKBACK_MS = 33 * 86_400_000;

/**
 * The agent's view: the customer's persona and why, then what each touchpoint of the live strategy
 * would do for them now and why, and their recent touchpoint events with decisions and deliveries.
 * The per-touchpoint answer is the pure previewTouchpoint over the same inputs the worker uses.
 */
@Injectable()
export class CustomerStrategyService {
  private readonly compiled = new Map<number, CompiledStrategy>();

  private readonly decisions;
  private readonly strategies;
  private readonly attributes;
  private readonly experience;

  /** Reads only, on the read replica when one is configured (AgentReads). */
  constructor(
    private readonly customers: CustomersService,
    reads: AgentReads,
  ) {
    this.decisions = reads.decisions;
    this.strategies = reads.strategies;
    this.attributes = reads.attributes;
    this.experience = reads.experience;
  }

  async view(ref: string, options: { events?: number; now?: number } = {}): Promise<CustomerStrategyDto> {
    const now = options.now ?? Date.now();
    const view = await this.customers.viewByRef(ref);
    const customer = view.customer;
    const [persona, strategy, counted, recentEvents, experience, settings] = await Promise.all([
      this.decisions.livePersona(customer.id),
      this.liveStrategy(),
      this.decisions.countedDeliveries(customer.id, new Date(now - CAP_LOOKBACK_MS)),
      this.decisions.recentEvents(customer.id, options.events ?? 20),
      this.experience.experience(customer.id),
      this.experience.settings(),
    ]);
    const personaKey = customer.deleted ? null : (view.persona?.key ?? null);
    const stages = new Map((strategy?.strategy.stages ?? []).map((s) => [s.key, s.name]));
    const touchpoints = strategy
      ? journeyOrder(strategy).map((touchpoint) => {
          const p = previewTouchpoint({ now, strategy, touchpoint, personaKey, customer: { id: customer.id, attributes: customer.attributes }, counted });
          const t = p.treatment;
          return {
            key: touchpoint.key,
            name: touchpoint.name,
            stageKey: touchpoint.stageKey,
            stageName: stages.get(touchpoint.stageKey) ?? touchpoint.stageKey,
            channel: touchpoint.channel,
            major: touchpoint.major,
            momentOfTruth: touchpoint.momentOfTruth,
            owner: touchpoint.owner,
            outcome: p.outcome,
            treatment: t ? { key: t.key, name: t.name, type: t.type, channel: t.channel, ...(t.type === 'agent_script' ? { script: t.config.script } : {}) } : null,
            optionIndex: p.optionIndex,
            dependsOnEvent: p.dependsOnEvent,
            options: p.options,
            reasons: p.reasons,
          };
        })
      : [];
    return {
      customer: { id: customer.id, email: customer.email, connectionId: customer.connectionId, externalId: customer.externalId },
      persona: view.persona
        ? {
            key: view.persona.key,
            name: view.persona.name,
            description: persona?.description ?? '',
            setVersion: view.persona.setVersion,
            evaluatedAt: view.persona.evaluatedAt,
            explanation: view.persona.explanation,
          }
        : null,
      strategyVersion: strategy?.strategy.version ?? null,
      timeZone: customerTimeZone(strategy?.strategy.policies ?? DEFAULT_CONTACT_POLICIES, customer.attributes),
      asOf: new Date(now),
      touchpoints,
      recentEvents,
      experience: experienceSummary(experience, settings ?? DEFAULT_EXPERIENCE_SETTINGS),
      timeline: `/v1/customers/${customer.id}/timeline`,
    };
  }

  private async liveStrategy(): Promise<CompiledStrategy | null> {
    const [latest] = await this.strategies.list(1);
    if (!latest) return null;
    let c = this.compiled.get(latest.version);
    if (!c) {
      const [strategy, catalog] = await Promise.all([this.strategies.get(latest.version), this.attributes.loadCatalog()]);
      if (!strategy) return null;
      c = compileStrategy(strategy, catalog);
      this.compiled.set(latest.version, c);
      for (const old of [...this.compiled.keys()].sort((a, b) => a - b).slice(0, -3)) this.compiled.delete(old);
    }
    return c;
  }
}
