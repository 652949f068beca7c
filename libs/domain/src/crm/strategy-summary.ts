import type { PublishedStrategy } from '../treatments/strategy';

/** What a persona's write-back summary is built from: only published data (never a draft). */
export interface StrategySummaryInput {
  personaKey: string;
  personaName: string;
  personaDescription: string;
  /** The live strategy, if one has been published. */
  strategy?: PublishedStrategy | null;
}

/** Salesforce text fields hold 255 characters; HubSpot more. One limit keeps both CRMs alike. */
export const STRATEGY_SUMMARY_MAX = 255;

/** Moments of truth named in the summary: enough to brief an agent, short enough for 255 characters. */
const MOMENTS_IN_SUMMARY = 3;

/**
 * The short text written to `corridor_strategy` / `Corridor_Strategy__c`: the persona, its
 * description, then what the published strategy does for it at its moments of truth in journey
 * order ("Onboarding call: Welcome script"), the first option of each cell (conditions are left to
 * the agent's view; this is a headline). "no action" cells are left out; none at all reads "none".
 */
export function strategySummaryOf(input: StrategySummaryInput): string {
  const description = oneLine(input.personaDescription);
  let text = description ? `${input.personaName}: ${description}` : input.personaName;
  const moments = momentsOfTruthFor(input.personaKey, input.strategy);
  if (moments) text = `${text} | Next moments: ${moments}`;
  return text.length <= STRATEGY_SUMMARY_MAX ? text : `${text.slice(0, STRATEGY_SUMMARY_MAX - 1)}…`;
}

function momentsOfTruthFor(personaKey: string, strategy: PublishedStrategy | null | undefined): string | null {
  if (!strategy) return null;
  const stageOrder = new Map(strategy.stages.map((s) => [s.key, s.position]));
  const treatments = new Map(strategy.treatments.map((t) => [t.key, t]));
  const cells = new Map(strategy.cells.filter((c) => c.personaKey === personaKey).map((c) => [c.touchpointKey, c]));
  const parts = strategy.touchpoints
    .filter((t) => t.momentOfTruth)
    .sort((a, b) => (stageOrder.get(a.stageKey) ?? 0) - (stageOrder.get(b.stageKey) ?? 0) || a.position - b.position || a.key.localeCompare(b.key))
    .map((t) => {
      const first = cells.get(t.key)?.options[0];
      const treatment = first ? treatments.get(first.treatmentKey) : undefined;
      return treatment && treatment.type !== 'no_action' ? `${oneLine(t.name)}: ${oneLine(treatment.name)}` : null;
    })
    .filter((p): p is string => p !== null)
    .slice(0, MOMENTS_IN_SUMMARY);
  return parts.length ? parts.join('; ') : 'none';
}

function oneLine(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}
