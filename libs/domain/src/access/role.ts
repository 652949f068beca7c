/**
 * admin: defines personas, touchpoints, strategies, connections.
 * agent: reads customers and their strategy.
 * integration: sends events and customer data.
 */
export const ROLES = ['admin', 'agent', 'integration'] as const;
export type Role = (typeof ROLES)[number];
