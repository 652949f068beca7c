export * from './behaviour';
