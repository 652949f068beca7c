export * from './outcome';
export * from './experience-score';
