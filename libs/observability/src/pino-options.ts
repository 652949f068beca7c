import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DestinationStream, LoggerOptions } from 'pino';
import type { Options } from 'pino-http';
import { currentCorrelationId } from './correlation';
import { errorForLog, REDACT_PATHS, redactSecrets, redactUrl } from './redact';

export interface LoggingSettings {
  /** Which process wrote the line: api, worker, cli. */
  app: string;
  level: string;
  /** Where lines go; stdout when absent. Tests pass a memory stream. */
  destination?: DestinationStream;
}

/** Errors are logged by an allow-list of fields (see errorForLog), never with pino's copy-everything default. */
const logError = (e: unknown) => (e instanceof Error ? errorForLog(e) : e);
const ERROR_SERIALIZERS = { err: logError, error: logError };

/** Liveness probes and scrapes every few seconds would drown the request log. */
const QUIET_PATHS = new Set(['/health', '/metrics']);

/**
 * pino options shared by every Corridor process: one JSON object per line, the app's name, the
 * correlation id of the request or job in hand, and secrets censored.
 */
export function loggerOptions(settings: LoggingSettings): LoggerOptions {
  return {
    level: settings.level,
    base: { app: settings.app },
    messageKey: 'msg',
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redactSecrets(object),
      bindings: (bindings) => redactSecrets(bindings),
    },
    serializers: ERROR_SERIALIZERS,
    mixin: () => {
      const correlationId = currentCorrelationId();
      return correlationId ? { correlationId } : {};
    },
  };
}

/** pino-http options: request logs at a level by status, quiet for probes, URLs censored. */
export function httpLoggerOptions(settings: LoggingSettings): Options {
  return {
    ...loggerOptions(settings),
    ...(settings.destination ? { stream: settings.destination } : {}),
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
      err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.has((req.url ?? '').split('?')[0]) },
    serializers: {
      ...ERROR_SERIALIZERS,
      req: (req: { id?: unknown; method?: string; url?: string; headers?: Record<string, unknown>; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url ?? ''),
        userAgent: req.headers?.['user-agent'],
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
  };
}
