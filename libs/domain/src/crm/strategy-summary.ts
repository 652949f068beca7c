/** What a persona's write-back summary is built from; the touchpoint-strategy issue adds its fields here. */
export interface StrategySummaryInput {
  personaName: string;
  personaDescription: string;
}

/** Salesforce text fields hold 255 characters; HubSpot more. One limit keeps both CRMs alike. */
export const STRATEGY_SUMMARY_MAX = 255;

/** The short text written to `corridor_strategy` / `Corridor_Strategy__c`. */
export function strategySummaryOf(input: StrategySummaryInput): string {
  const description = input.personaDescription.trim().replace(/\s+/g, ' ');
  const text = description ? `${input.personaName}: ${description}` : input.personaName;
  return text.length <= STRATEGY_SUMMARY_MAX ? text : `${text.slice(0, STRATEGY_SUMMARY_MAX - 1)}…`;
}
