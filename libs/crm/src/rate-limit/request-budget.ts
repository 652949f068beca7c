/** hubspot: burst (rolling 10 s) and search (per second); salesforce: burst only when configured. */
export type BudgetLane = 'burst' | 'search';

export interface LaneLimit {
  max: number;
  windowMs: number;
}

/**
 * A connection's request budget, shared by every worker process that calls the CRM for it.
 * `acquire` resolves when a request may be sent; `pause` makes every process hold off (after a 429).
 */
export interface RequestBudget {
  acquire(lane: BudgetLane): Promise<void>;
  pause(ms: number): Promise<void>;
}

export const UNLIMITED_BUDGET: RequestBudget = {
  acquire: async () => undefined,
  pause: async () => undefined,
};
