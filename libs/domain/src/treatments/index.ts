export * from './journey';
export * from './treatment';
export * from './strategy';
export * from './decision';
export * from './strategy-conditions';
export * from './dispatch';
