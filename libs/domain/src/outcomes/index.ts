export * from './outcome';
export * from './experience-score';
export * from './outcome-input';
export * from './treatment-fatigue';
export * from './measures';
