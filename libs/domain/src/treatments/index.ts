export * from './journey';
export * from './treatment';
export * from './strategy';
export * from './decision';
