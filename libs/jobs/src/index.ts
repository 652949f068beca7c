export * from './jobs.module';
export * from './job-producer';
export * from './redis-connection';
export * from './job-schedules';
export * from './enqueue-after-commit';
export * from './sync-job-options';
