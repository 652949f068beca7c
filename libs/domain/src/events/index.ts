export * from './touchpoint-event-input';
export * from './segment-call';
export * from './crm-property-touchpoint';
