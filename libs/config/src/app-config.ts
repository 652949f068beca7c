import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';
import { DestinationAllowList } from '@corridor/domain';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/**
 * Every setting Corridor reads, validated once at boot. This is the only place that knows the
 * environment variable names; everything else receives an AppConfig.
 */
export class AppConfig {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/corridor';

  /**
   * One server (`redis://`, `rediss://` for TLS) or a Redis Cluster: `redis+cluster://host:port,host:port`
   * (`rediss+cluster://` for TLS), the nodes being seeds from which the client discovers the rest.
   */
  @Matches(/^(rediss?:\/\/.+|rediss?\+cluster:\/\/([^@/]+@)?[^/,@]+:\d+(,[^/,@]+:\d+)*\/?)$/, {
    message: 'REDIS_URL must be a redis:// URL, or redis+cluster://host:port,host:port,... for a Redis Cluster',
  })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Namespaces every Redis key (queues, rate budgets), so several deployments or test runs share one Redis. */
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'REDIS_PREFIX may hold letters, digits, _ . - (1-64)' })
  REDIS_PREFIX = 'corridor';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /**
   * 32 bytes, base64 or hex: encrypts CRM credentials and webhook secrets at rest (AES-256-GCM).
   * Required in production; development and tests fall back to a fixed, publicly known key.
   */
  @IsOptional()
  @Matches(/^([A-Za-z0-9+/]{43}=|[0-9a-fA-F]{64})$/, { message: 'SECRETS_KEY must be 32 bytes as base64 (44 chars) or hex (64 chars)' })
  SECRETS_KEY?: string;

  /** IANA zone in which segmentation reads plain dates and timestamps without an offset. */
  @IsString()
  SEGMENTATION_TIMEZONE = 'UTC';

  /** Customers per re-segmentation chunk job. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(1_000_000)
  SEGMENTATION_CHUNK_SIZE = 50_000;

  /**
   * How often (minutes) the worker looks for customers whose assignment is older than their data
   * (a lost job, a crash between a write and its enqueue) and re-evaluates them; 0 turns it off.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(24 * 60)
  SEGMENTATION_RECONCILE_MINUTES = 10;

  /**
   * When to re-apply the live rules to everyone (cron, in SEGMENTATION_TIMEZONE), so relative-date
   * conditions follow the calendar; empty turns it off.
   */
  @IsString()
  @Matches(/^$|^(\S+\s+){4,5}\S+$/, { message: 'SEGMENTATION_REFRESH_CRON must be a 5-field cron pattern (6 with seconds first) or empty' })
  SEGMENTATION_REFRESH_CRON = '0 3 * * *';

  /**
   * When to recompute experience scores whose window dropped feedback (cron, UTC); empty turns it
   * off (docs/experience.md#keeping-it-up-to-date).
   */
  @IsString()
  @Matches(/^$|^(\S+\s+){4,5}\S+$/, { message: 'EXPERIENCE_REFRESH_CRON must be a 5-field cron pattern (6 with seconds first) or empty' })
  EXPERIENCE_REFRESH_CRON = '0 4 * * *';

  /** Jobs a worker process runs at once per queue. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  WORKER_CONCURRENCY = 4;


  /** Attempts at a delivery before it becomes a dead letter (a replay grants as many again). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  DISPATCH_MAX_ATTEMPTS = 8;

  /** Delay after a delivery's first failed attempt; doubles each attempt (half of it jittered). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  DISPATCH_BACKOFF_BASE_MS = 1000;

  /** The longest backoff between two attempts (a receiver's Retry-After may ask for longer). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  DISPATCH_BACKOFF_MAX_MS = 600_000;

  /**
   * Concurrency of particular queues, overriding WORKER_CONCURRENCY for them:
   * `queue=n` pairs separated by commas, e.g. `segmentation-live=8,treatment-dispatch=16`.
   * The worker refuses to boot on a name that is not one of its queues.
   */
  @Matches(/^$|^[a-z][a-z-]{0,63}=([1-9]|[1-5][0-9]|6[0-4])(,[a-z][a-z-]{0,63}=([1-9]|[1-5][0-9]|6[0-4]))*$/, {
    message: 'WORKER_QUEUE_CONCURRENCY must be queue=n pairs separated by commas (n 1 – 64), e.g. segmentation-live=8',
  })
  WORKER_QUEUE_CONCURRENCY = '';

  /**
   * How often (seconds) the worker infers `ignored` for delivered treatments whose response window
   * closed with no engagement (and pauses treatments ignored too often in a row); 0 turns it off.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(24 * 3600)
  OUTCOME_IGNORED_SWEEP_SECONDS = 300;

  /**
   * How often (seconds) each worker's watchdog re-derives lost Redis state from Postgres: schedules
   * that are missing, and unfinished runs whose jobs are gone; and write-back jobs for connections
   * whose CRM records are behind the latest publish.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  WORKER_WATCHDOG_SECONDS = 30;

  /** How often (ms) the worker's outbox relay looks for new rows when the last look found none. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(10_000)
  OUTBOX_POLL_MS = 100;

  /** How often (seconds) the outbox reconciler re-queues events and deliveries the queue lost. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  OUTBOX_RECONCILE_SECONDS = 10;

  /** How often the worker folds the measure counters' deltas into daily rows (seconds; 0: never, reads stay exact but slow down). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3600)
  MEASURES_ROLLUP_SECONDS = 10;

  /** An event without a decision, or a delivery past due, this long (seconds) is re-queued by the reconciler. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  OUTBOX_RECONCILE_GRACE_SECONDS = 30;

  /** Base URL where Corridor is reachable from outside (webhook URLs shown to admins; signature checks). */
  @IsOptional()
  @Matches(/^https?:\/\/.+/, { message: 'PUBLIC_URL must be an http(s) URL' })
  PUBLIC_URL?: string;

  /**
   * Comma-separated host names, IP addresses and CIDR ranges that webhook destinations may use
   * although they are loopback, private or link-local (refused otherwise, after DNS resolution).
   */
  @IsString()
  DESTINATION_ALLOWED_HOSTS = '';

  /** DESTINATION_ALLOWED_HOSTS as a list. */
  get destinationAllowedHosts(): string[] {
    return this.DESTINATION_ALLOWED_HOSTS.split(',').map((h) => h.trim()).filter(Boolean);
  }

  /** Jobs a worker process runs at once on `queue`: its own setting, else WORKER_CONCURRENCY. */
  concurrencyOf(queue: string): number {
    return this.queueConcurrency().get(queue) ?? this.WORKER_CONCURRENCY;
  }

  /** The queues WORKER_QUEUE_CONCURRENCY names, with their concurrency. */
  queueConcurrency(): Map<string, number> {
    const pairs = this.WORKER_QUEUE_CONCURRENCY ? this.WORKER_QUEUE_CONCURRENCY.split(',') : [];
    return new Map(pairs.map((p) => p.split('=')).map(([q, n]) => [q, Number(n)] as const));
  }

  get isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const DEV_SECRETS_KEY = Buffer.alloc(32, 'corridor-development-only-key!!').toString('base64');

/** Reads and validates the environment. Throws ConfigError naming every bad or missing variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  const input: Record<string, unknown> = {};
  for (const key of [...known, 'SECRETS_KEY', 'PUBLIC_URL']) {
    if (env[key] !== undefined && (env[key] !== '' || key === 'SEGMENTATION_REFRESH_CRON' || key === 'EXPERIENCE_REFRESH_CRON' || key === 'WORKER_QUEUE_CONCURRENCY')) input[key] = env[key];
  }
  const config = plainToInstance(AppConfig, input);
  const errors = validateSync(config, { skipMissingProperties: false });
  const problems = errors.flatMap((e) => Object.values(e.constraints ?? {}).map((m) => `${e.property}: ${m}`));
  if (!isTimeZone(config.SEGMENTATION_TIMEZONE)) {
    problems.push(`SEGMENTATION_TIMEZONE: ${JSON.stringify(config.SEGMENTATION_TIMEZONE)} is not an IANA time zone`);
  }
  for (const problem of DestinationAllowList.problems(config.destinationAllowedHosts)) problems.push(`DESTINATION_ALLOWED_HOSTS: ${problem}`);
  if (config.isProduction && !config.SECRETS_KEY) {
    problems.push('SECRETS_KEY: required when NODE_ENV=production (32 bytes, base64 or hex)');
  }
  if (problems.length) throw new ConfigError(problems);
  config.SECRETS_KEY ??= DEV_SECRETS_KEY;
  return config;
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
