export * from './crm-connector.port';
export * from './crm-connection';
export * from './crm-errors';
export * from './field-mapping';
export * from './search-window-planner';
export * from './strategy-summary';
export * from './sync-run';
export * from './webhook-event';
