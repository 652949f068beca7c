import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';
import { DestinationAllowList } from '@corridor/domain';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/**
 * Every setting Corridor reads, validated once at boot. This is the only place that knows the
 * environment variable names; everything else receives an AppConfig.
 */
export class AppConfig {
  /** `development`, `test` or `production` (production requires `SECRETS_KEY`). */
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  /** Postgres. `migration:run` creates the database if missing. */
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/corridor';

  /**
   * A read replica (a streaming standby of DATABASE_URL) for the agent's read routes: customer
   * lookup and view, strategy view, timeline, persona lists. Unset: they read the primary.
   * The replica lags the primary by its replay delay, so these reads may be slightly behind.
   */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_READ_URL must be a postgres:// URL' })
  DATABASE_READ_URL?: string;

  /**
   * One server (`redis://`, `rediss://` for TLS) or a Redis Cluster: `redis+cluster://host:port,host:port`
   * (`rediss+cluster://` for TLS), the nodes being seeds from which the client discovers the rest.
   */
  @Matches(/^(rediss?:\/\/.+|rediss?\+cluster:\/\/([^@/]+@)?[^/,@]+:\d+(,[^/,@]+:\d+)*\/?)$/, {
    message: 'REDIS_URL must be a redis:// URL, or redis+cluster://host:port,host:port,... for a Redis Cluster',
  })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /**
   * Prefix of every Redis key (queues, rate budgets), so deployments or test runs can share a Redis.
   */
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'REDIS_PREFIX may hold letters, digits, _ . - (1-64)' })
  REDIS_PREFIX = 'corridor';

  /** API port. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /**
   * After SIGTERM, how long the API keeps taking connections (seconds, 0 – 60) while `/health` and
   * `/health/ready` answer 503 `draining`, so a load balancer stops sending before the listener
   * closes; then it answers the requests in flight (up to 20 s) and exits. Keep this plus 20 s under
   * the orchestrator's grace period (Kubernetes: 30 s by default).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60)
  SHUTDOWN_DELAY_SECONDS = 5;

  /** `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`. */
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /**
   * 32 bytes (base64 or hex) encrypting CRM credentials and webhook secrets at rest (AES-256-GCM).
   * Required in production: `openssl rand -base64 32`; development and tests fall back to a fixed,
   * publicly known key.
   */
  @IsOptional()
  @Matches(/^([A-Za-z0-9+/]{43}=|[0-9a-fA-F]{64})$/, { message: 'SECRETS_KEY must be 32 bytes as base64 (44 chars) or hex (64 chars)' })
  SECRETS_KEY?: string;

  /**
   * Comma-separated former SECRETS_KEYs (same format): they still open secrets sealed before a
   * rotation, never seal. Remove them after `corridor secrets reencrypt`.
   */
  @IsString()
  @Matches(/^$|^\s*([A-Za-z0-9+/]{43}=|[0-9a-fA-F]{64})\s*(,\s*([A-Za-z0-9+/]{43}=|[0-9a-fA-F]{64})\s*)*$/, {
    message: 'SECRETS_KEYS_OLD must be 32-byte keys (base64 or hex) separated by commas',
  })
  SECRETS_KEYS_OLD = '';

  /** IANA zone in which segmentation reads dates and timestamps without an offset. */
  @IsString()
  SEGMENTATION_TIMEZONE = 'UTC';

  /** Customers per re-segmentation chunk job (100 – 1,000,000). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(1_000_000)
  SEGMENTATION_CHUNK_SIZE = 50_000;

  /**
   * How often the worker re-evaluates customers whose persona is older than their data (a lost job);
   * `0` turns it off.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(24 * 60)
  SEGMENTATION_RECONCILE_MINUTES = 10;

  /**
   * When to re-apply the live rules to every customer (cron, in `SEGMENTATION_TIMEZONE`; 5 fields,
   * or 6 with seconds first) so relative-date conditions follow the calendar; empty turns it off.
   */
  @IsString()
  @Matches(/^$|^(\S+\s+){4,5}\S+$/, { message: 'SEGMENTATION_REFRESH_CRON must be a 5-field cron pattern (6 with seconds first) or empty' })
  SEGMENTATION_REFRESH_CRON = '0 3 * * *';

  /**
   * When (cron, UTC) to recompute experience scores whose window dropped feedback, at most 10,000
   * customers a run; empty turns it off. See [docs/experience.md](docs/experience.md#keeping-it-up-to-date).
   */
  @IsString()
  @Matches(/^$|^(\S+\s+){4,5}\S+$/, { message: 'EXPERIENCE_REFRESH_CRON must be a 5-field cron pattern (6 with seconds first) or empty' })
  EXPERIENCE_REFRESH_CRON = '0 4 * * *';

  /** Jobs a worker process runs at once per queue (1 – 64). */
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

  /**
   * Attempts at one sync job (manual or scheduled) before it fails for good; transient CRM errors
   * between them resume at the run's checkpoint. A manual run whose last attempt fails ends `failed`.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(50)
  SYNC_MAX_ATTEMPTS = 8;

  /** Delay after a sync job's first failed attempt; doubles each attempt (BullMQ exponential backoff). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  SYNC_BACKOFF_BASE_MS = 1000;

  /**
   * The longest one request to a CRM may take, answer body included, before it is retried as a
   * dropped connection (a connection cut part-way through a body would otherwise hang a sync); the
   * timed-out request is aborted and its socket closed. 0: no bound.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  CRM_CALL_TIMEOUT_MS = 60_000;

  /** Delay after a delivery's first failed attempt; doubles each attempt, half of it jittered. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  DISPATCH_BACKOFF_BASE_MS = 1000;

  /**
   * The longest backoff between attempts (a receiver's `Retry-After` may ask for longer, up to a
   * day).
   */
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
  /**
   * Per-queue overrides, `queue=n` pairs separated by commas (e.g. `segmentation-live=8,treatment-dispatch=16`); the others use `WORKER_CONCURRENCY`. See [Queues](#queues).
   */
  WORKER_QUEUE_CONCURRENCY = '';

  /**
   * How often the worker infers `ignored` for delivered treatments whose response window closed with
   * no engagement, and pauses treatments ignored too often in a row (0 – 86400; `0` turns it off).
   * See [docs/experience.md](docs/experience.md#ignored-inferred).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(24 * 3600)
  OUTCOME_IGNORED_SWEEP_SECONDS = 300;

  /**
   * How often each worker re-derives lost Redis state from Postgres (1 – 3600): missing schedules,
   * unfinished runs whose jobs are gone; also how soon a publish (persona set or strategy) starts
   * re-writing CRM records of customers who keep their persona ([docs/crm-sync.md](docs/crm-sync.md#write-back)). See [docs/segmentation.md](docs/segmentation.md#when-redis-loses-work).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  WORKER_WATCHDOG_SECONDS = 30;

  /**
   * Port on which each worker process serves its own `/metrics` (Prometheus) and `/health`; 0 turns
   * it off. Several workers on one host need one port each.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  WORKER_METRICS_PORT = 0;

  /** How often (seconds) each worker process writes its heartbeat row (worker_heartbeats). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  WORKER_HEARTBEAT_SECONDS = 10;

  /**
   * The api's readiness (`/health/ready`) fails when no worker wrote a heartbeat for this long
   * (seconds); 0 leaves workers out of readiness.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(86_400)
  WORKER_STALE_SECONDS = 60;

  /**
   * How often the worker's outbox relay looks for new rows when its last look found none (10 –
   * 10000). See [docs/treatments.md](docs/treatments.md#events-in).
   */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(10_000)
  OUTBOX_POLL_MS = 100;

  /**
   * How often the outbox reconciler re-queues, from Postgres, events without a decision and
   * deliveries past due (1 – 3600).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  OUTBOX_RECONCILE_SECONDS = 10;

  /**
   * How often the worker folds the measure counters' deltas into their daily rows (0 – 3600; `0`
   * never: figures stay exact, reads slow down as deltas pile up). See
   * [docs/experience.md](docs/experience.md#measures).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3600)
  MEASURES_ROLLUP_SECONDS = 10;

  /**
   * How many days touchpoint events, their decisions and deliveries are kept (0 – 36500; `0` keeps
   * them all). Whole months go at once: a month is dropped when all of it is older than this, so
   * rows live this long and at most a month more. Measure counters keep their figures; timelines,
   * explanations and behaviour windows lose what is dropped: keep it longer than the longest
   * behaviour-rule window and frequency cap. See
   * [docs/capacity.md](docs/capacity.md#partitions-and-retention).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(36500)
  EVENT_RETENTION_DAYS = 0;

  /**
   * When (cron, UTC) the worker creates the event tables' monthly partitions ahead and drops those
   * past EVENT_RETENTION_DAYS. See [docs/capacity.md](docs/capacity.md#partitions-and-retention).
   */
  @IsString()
  @Matches(/^(\S+\s+){4,5}\S+$/, { message: 'PARTITION_MAINTENANCE_CRON must be a 5-field cron pattern (6 with seconds first)' })
  PARTITION_MAINTENANCE_CRON = '30 2 * * *';

  /**
   * How long an event may wait for its decision, or a delivery past its time, before the reconciler
   * looks at it: either is re-queued only if the jobs that hold it are gone from the queue (one still
   * waiting behind a backlog is left to them; one active for longer than this is taken as lost) (1 – 86400).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  OUTBOX_RECONCILE_GRACE_SECONDS = 30;

  /**
   * OTLP/HTTP collector base URL (e.g. `http://otel-collector:4318`): when set, the api and the
   * workers export OpenTelemetry traces to `<url>/v1/traces` (a request, the jobs it enqueued and
   * the jobs those enqueued share one trace). Unset: no tracing. The SDK's own `OTEL_*` variables
   * (headers, sampling) apply as usual.
   */
  @IsOptional()
  @Matches(/^https?:\/\/.+/, { message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL' })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  /**
   * Connections of the pool each api process keeps for `POST /v1/events` group commit, on top of
   * its main pool of 10: one less than this many groups are written at once, the last one
   * is for writing a failed group's requests one by one. Counts in the Postgres connection budget:
   * see [docs/capacity.md](docs/capacity.md#connections).
   */
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(33)
  EVENT_GROUP_POOL_SIZE = 3;

  /**
   * Postgres cancels a group commit's statement running past this (ms): the group is
   * rolled back and each of its requests answered 503 `EVENT_WRITE_TIMEOUT`. A group's statement
   * takes milliseconds; one this slow is a stalled server, and holds a slot every event waits for.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  EVENT_GROUP_STATEMENT_TIMEOUT_MS = 4000;

  /**
   * A group commit's statement waiting this long (ms; at most
   * EVENT_GROUP_STATEMENT_TIMEOUT_MS) on a lock another session holds (a transaction writing the
   * same idempotency key, a DDL) fails the same way: 503 `EVENT_WRITE_TIMEOUT`, nothing written.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  EVENT_GROUP_LOCK_TIMEOUT_MS = 1000;

  /**
   * 1: single-event `POST /v1/events` requests from integration keys are answered by a lean path in
   * front of Express and Nest (same checks, same answers, a fraction of the CPU; docs/treatments.md
   * "Events in"). 0: every request goes through the framework. A switch to rule the lean path out
   * when investigating, not a tuning knob.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1)
  EVENTS_LEAN_PATH = 1;

  /** The window over which RATE_LIMIT_* count requests (seconds). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  RATE_LIMIT_WINDOW_SECONDS = 60;

  /** Requests per window for one admin key (0: unlimited). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  RATE_LIMIT_ADMIN = 6000;

  /** Requests per window for one agent key (0: unlimited). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  RATE_LIMIT_AGENT = 6000;

  /** Requests per window for one integration key (0: unlimited); event ingest runs at thousands a second. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  RATE_LIMIT_INTEGRATION = 1_200_000;

  /** Requests per window from one IP address to public routes (signed webhooks, health) (0: unlimited). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  RATE_LIMIT_ANONYMOUS = 6000;

  /**
   * Requests refused with 401 (no key, a bad key) one client IP may make per
   * RATE_LIMIT_WINDOW_SECONDS; past it the address gets 429 with Retry-After for a window, before
   * any key it sends is checked, so keys cannot be guessed at speed. Valid keys are not counted. 0: off.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  AUTH_FAILURE_LIMIT = 30;

  /**
   * Which proxies in front of the api to believe about the client's address (X-Forwarded-For), as
   * Express's `trust proxy`: empty trusts none (the socket's peer is the client); `true` any; a number
   * of hops; or comma-separated addresses and subnets (`loopback, 10.0.0.0/8`). Behind a load
   * balancer set it, or every client shares the balancer's address in per-IP limits (AUTH_FAILURE_LIMIT, RATE_LIMIT_ANONYMOUS).
   */
  @IsString()
  @Matches(/^$|^true$|^\d{1,2}$|^\s*[0-9A-Za-z.:/_-]+\s*(,\s*[0-9A-Za-z.:/_-]+\s*)*$/, {
    message: 'TRUST_PROXY must be empty, true, a number of hops, or comma-separated addresses or subnets',
  })
  TRUST_PROXY = '';

  /** Where Corridor is reachable from outside (webhook URLs shown to admins, signature checks). */
  @IsOptional()
  @Matches(/^https?:\/\/.+/, { message: 'PUBLIC_URL must be an http(s) URL' })
  PUBLIC_URL?: string;

  /** Where the `corridor` CLI's config-as-code, `customers` and `sync` commands reach the API (default: PUBLIC_URL, else http://127.0.0.1:PORT). */
  @Matches(/^(https?:\/\/.+)?$/, { message: 'CORRIDOR_API_URL must be an http(s) URL' })
  CORRIDOR_API_URL = '';

  /** The API key those CLI commands send (admin for export, diff and apply of configuration; agent is enough for explain). Never printed. */
  @IsString()
  CORRIDOR_API_KEY = '';

  /**
   * Comma-separated host names, IP addresses and CIDR ranges (`hooks.internal, 10.1.0.0/16,
   * 127.0.0.1`) that webhook destinations may use although they are loopback, private or link-local.
   * Otherwise such addresses are refused, checked after DNS resolution (see
   * [docs/treatments.md](docs/treatments.md#journey-and-strategy-admin)).
   */
  @IsString()
  DESTINATION_ALLOWED_HOSTS = '';

  /**
   * The same, for CRM connections: host names, IP addresses and CIDR ranges that a HubSpot base URL,
   * a Salesforce login or instance URL (including the instance URL a login answers with) may use
   * although they are loopback, private or link-local (a CRM sandbox on 127.0.0.1). Checked when a
   * connection is saved and again, after DNS resolution, on every connection the CRM client opens.
   */
  @IsString()
  CRM_ALLOWED_HOSTS = '';

  /** The request limit per window for a key of this role, or for requests without a key; 0: unlimited. */
  rateLimitOf(who: 'admin' | 'agent' | 'integration' | 'anonymous'): number {
    return { admin: this.RATE_LIMIT_ADMIN, agent: this.RATE_LIMIT_AGENT, integration: this.RATE_LIMIT_INTEGRATION, anonymous: this.RATE_LIMIT_ANONYMOUS }[who];
  }

  /** SECRETS_KEYS_OLD as a list. */
  get secretsKeysOld(): string[] {
    return this.SECRETS_KEYS_OLD.split(',').map((k) => k.trim()).filter(Boolean);
  }

  /** DESTINATION_ALLOWED_HOSTS as a list. */
  get destinationAllowedHosts(): string[] {
    return this.DESTINATION_ALLOWED_HOSTS.split(',').map((h) => h.trim()).filter(Boolean);
  }

  /** CRM_ALLOWED_HOSTS as a list. */
  get crmAllowedHosts(): string[] {
    return this.CRM_ALLOWED_HOSTS.split(',').map((h) => h.trim()).filter(Boolean);
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
/** TRUST_PROXY as Express's `trust proxy` value, or undefined to leave Express's default (trust none). */
export function trustProxySetting(value: string): boolean | number | string | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  return v;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  const input: Record<string, unknown> = {};
  for (const key of [...known, 'SECRETS_KEY', 'PUBLIC_URL', 'DATABASE_READ_URL', 'OTEL_EXPORTER_OTLP_ENDPOINT']) {
    if (env[key] !== undefined && (env[key] !== '' || key === 'SEGMENTATION_REFRESH_CRON' || key === 'EXPERIENCE_REFRESH_CRON' || key === 'WORKER_QUEUE_CONCURRENCY')) input[key] = env[key];
  }
  const config = plainToInstance(AppConfig, input);
  const errors = validateSync(config, { skipMissingProperties: false });
  const problems = errors.flatMap((e) => Object.values(e.constraints ?? {}).map((m) => `${e.property}: ${m}`));
  if (!isTimeZone(config.SEGMENTATION_TIMEZONE)) {
    problems.push(`SEGMENTATION_TIMEZONE: ${JSON.stringify(config.SEGMENTATION_TIMEZONE)} is not an IANA time zone`);
  }
  for (const problem of DestinationAllowList.problems(config.destinationAllowedHosts)) problems.push(`DESTINATION_ALLOWED_HOSTS: ${problem}`);
  for (const problem of DestinationAllowList.problems(config.crmAllowedHosts)) problems.push(`CRM_ALLOWED_HOSTS: ${problem}`);
  if (config.EVENT_GROUP_LOCK_TIMEOUT_MS > config.EVENT_GROUP_STATEMENT_TIMEOUT_MS) {
    // The statement timeout would always fire first: the lock bound would be a promise not kept.
    problems.push(
      `EVENT_GROUP_LOCK_TIMEOUT_MS: ${config.EVENT_GROUP_LOCK_TIMEOUT_MS} exceeds EVENT_GROUP_STATEMENT_TIMEOUT_MS (${config.EVENT_GROUP_STATEMENT_TIMEOUT_MS}); a lock wait counts within the statement's time`,
    );
  }
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
