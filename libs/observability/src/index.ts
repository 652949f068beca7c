export * from './correlation';
export * from './redact';
export * from './pino-options';
export * from './logging.module';
export * from './worker-metrics';
export * from './tracing';
export * from './with-timeout';
