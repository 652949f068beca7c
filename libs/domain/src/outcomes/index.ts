export * from './outcome';
export * from './measures';
