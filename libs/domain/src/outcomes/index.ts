export * from './outcome';
export * from './outcome-input';
export * from './treatment-fatigue';
