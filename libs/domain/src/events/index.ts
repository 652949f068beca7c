export * from './touchpoint-event-input';
export * from './segment-call';
