/**
 * The settings of the pipeline, one zod schema per concern, keyed by environment variable name so every error
 * names the variable to fix. Services pick the sections they need (see load.ts).
 * Names follow the seed jobs where they exist (DATABASE_URL_CORE, DATABASE_URL_ANALYTICS, BATCH_SIZE, ENV,
 * SENTRY_DSN).
 */
import { z } from 'zod';

/** A host, a numeric port when one is given, a database: `postgres://user:pw@/db` parses but connects nowhere. */
function isPostgresUrl(value: string): boolean {
  if (!/^postgres(ql)?:\/\/[^/]+\/[^/?]+/.test(value)) return false;
  try {
    const url = new URL(value);
    return url.hostname !== '' && url.pathname.length > 1;
  } catch {
    return false; // a non-numeric port, among others
  }
}

const postgresUrl = z.string().refine(isPostgresUrl, {
  message: 'must be a postgres:// URL with a host and a database name',
});

const positiveInt = z.coerce.number().int().positive();

const booleanFlag = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

export const runtimeSection = z
  .object({
    ENV: z.enum(['development', 'test', 'staging', 'production']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SENTRY_DSN: z.url().optional(),
    SENTRY_TRACES_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(0),
  })
  .transform((env) => ({
    env: env.ENV,
    logLevel: env.LOG_LEVEL,
    sentry: env.SENTRY_DSN
      ? { dsn: env.SENTRY_DSN, tracesSampleRate: env.SENTRY_TRACES_SAMPLE_RATE }
      : undefined,
  }));

export const coreDatabaseSection = z
  .object({ DATABASE_URL_CORE: postgresUrl })
  .transform((env) => ({ url: env.DATABASE_URL_CORE }));

/** The core database as its owner (the product application): seed, workload and test set-up only. */
export const coreOwnerDatabaseSection = z
  .object({ DATABASE_URL_CORE_OWNER: postgresUrl })
  .transform((env) => ({ url: env.DATABASE_URL_CORE_OWNER }));

export const analyticsDatabaseSection = z
  .object({ DATABASE_URL_ANALYTICS: postgresUrl })
  .transform((env) => ({ url: env.DATABASE_URL_ANALYTICS }));

/** dbt may run as its own role; by default it uses the analytics URL, as the seed's dbt-env.sh did. */
export const dbtSection = z
  .object({
    DBT_DATABASE_URL: postgresUrl.optional(),
    DATABASE_URL_ANALYTICS: postgresUrl.optional(),
    DBT_VENV: z.string().min(1).optional(),
    DBT_THREADS: positiveInt.max(32).default(4),
  })
  .superRefine((env, context) => {
    if (!env.DBT_DATABASE_URL && !env.DATABASE_URL_ANALYTICS) {
      context.addIssue({
        code: 'custom',
        path: ['DATABASE_URL_ANALYTICS'],
        message: 'is required (or set DBT_DATABASE_URL)',
      });
    }
  })
  .transform((env) => ({
    url: (env.DBT_DATABASE_URL ?? env.DATABASE_URL_ANALYTICS) as string,
    venv: env.DBT_VENV,
    threads: env.DBT_THREADS,
  }));

export const batchSection = z
  .object({ BATCH_SIZE: positiveInt.max(100_000).default(500) })
  .transform((env) => ({ size: env.BATCH_SIZE }));

const saslMechanisms = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

export const kafkaSection = z
  .object({
    KAFKA_BROKERS: z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((broker) => broker.trim())
          .filter(Boolean),
      )
      .pipe(
        z
          .array(z.string().regex(/^[^\s:]+:\d{1,5}$/, { message: 'each broker must be host:port' }))
          .min(1, { message: 'needs at least one host:port' }),
      ),
    KAFKA_CLIENT_ID: z.string().min(1).default('cdc-pipeline'),
    KAFKA_SSL: booleanFlag.default(false),
    KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
    KAFKA_SASL_MECHANISM: z.enum(saslMechanisms).optional(),
    KAFKA_SASL_USERNAME: z.string().min(1).optional(),
    KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
    KAFKA_TOPIC_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, { message: 'may only contain letters, digits, _ and -' })
      .default('core'),
    KAFKA_TOPIC_PARTITIONS: positiveInt.max(1000).default(3),
    KAFKA_TOPIC_REPLICATION_FACTOR: positiveInt.max(10).default(1),
  })
  .superRefine((env, context) => {
    if (env.KAFKA_SASL_MECHANISM) {
      for (const key of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const) {
        if (!env[key]) {
          context.addIssue({
            code: 'custom',
            path: [key],
            message: 'is required when KAFKA_SASL_MECHANISM is set',
          });
        }
      }
    }
  })
  .transform((env) => ({
    brokers: env.KAFKA_BROKERS,
    clientId: env.KAFKA_CLIENT_ID,
    ssl: env.KAFKA_SSL ? { caFile: env.KAFKA_SSL_CA_FILE } : undefined,
    sasl:
      env.KAFKA_SASL_MECHANISM && env.KAFKA_SASL_USERNAME && env.KAFKA_SASL_PASSWORD
        ? {
            mechanism: env.KAFKA_SASL_MECHANISM,
            username: env.KAFKA_SASL_USERNAME,
            password: env.KAFKA_SASL_PASSWORD,
          }
        : undefined,
    topics: {
      prefix: env.KAFKA_TOPIC_PREFIX,
      partitions: env.KAFKA_TOPIC_PARTITIONS,
      replicationFactor: env.KAFKA_TOPIC_REPLICATION_FACTOR,
    },
  }));

export const registrySection = z
  .object({
    SCHEMA_REGISTRY_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }),
    SCHEMA_REGISTRY_USERNAME: z.string().min(1).optional(),
    SCHEMA_REGISTRY_PASSWORD: z.string().min(1).optional(),
  })
  .superRefine((env, context) => {
    if (Boolean(env.SCHEMA_REGISTRY_USERNAME) !== Boolean(env.SCHEMA_REGISTRY_PASSWORD)) {
      const missing = env.SCHEMA_REGISTRY_USERNAME ? 'SCHEMA_REGISTRY_PASSWORD' : 'SCHEMA_REGISTRY_USERNAME';
      context.addIssue({
        code: 'custom',
        path: [missing],
        message: 'registry credentials need both username and password',
      });
    }
  })
  .transform((env) => ({
    url: env.SCHEMA_REGISTRY_URL,
    auth:
      env.SCHEMA_REGISTRY_USERNAME && env.SCHEMA_REGISTRY_PASSWORD
        ? { username: env.SCHEMA_REGISTRY_USERNAME, password: env.SCHEMA_REGISTRY_PASSWORD }
        : undefined,
  }));

export const defaultSlotName = 'cdc_reader';
export const defaultPublicationName = 'cdc_publication';
/** PostgreSQL's own rule for slot names (ReplicationSlotValidateName). */
export const slotNamePattern = /^[a-z0-9_]{1,63}$/;
const publicationNamePattern = /^[a-z_][a-z0-9_]{0,62}$/;

/** The one slot and publication the replication reader owns (and the operator CLI inspects). */
export const replicationSection = z
  .object({
    CDC_SLOT_NAME: z
      .string()
      .regex(slotNamePattern, { message: 'must be 1-63 characters of a-z, 0-9 and _' })
      .default(defaultSlotName),
    CDC_PUBLICATION_NAME: z
      .string()
      .regex(publicationNamePattern, { message: 'must be a lower-case SQL identifier' })
      .default(defaultPublicationName),
  })
  .transform((env) => ({ slotName: env.CDC_SLOT_NAME, publicationName: env.CDC_PUBLICATION_NAME }));

/** Shorter keys make pseudonyms guessable by brute force; 32 characters of a random secret are plenty. */
export const minimumPseudonymisationKeyLength = 32;

/** The HMAC key of pseudonymised columns: a secret, never logged. */
export const pseudonymisationSection = z
  .object({
    CDC_PSEUDONYMISATION_KEY: z.string().min(minimumPseudonymisationKeyLength, {
      message: `must be at least ${minimumPseudonymisationKeyLength} characters`,
    }),
  })
  .transform((env) => ({ key: env.CDC_PSEUDONYMISATION_KEY }));

export const readerKafkaClients = ['platformatic', 'kafkajs'] as const;

/** Tuning of the replication reader; the defaults suit the demo stack and a small production database. */
export const readerSection = z
  .object({
    READER_STATUS_INTERVAL_MS: positiveInt.max(30_000).default(10_000),
    // The producing client: @platformatic/kafka uses about 40% less CPU per change than kafkajs (bench/).
    READER_KAFKA_CLIENT: z.enum(readerKafkaClients).default('platformatic'),
    READER_LINGER_MS: z.coerce.number().int().min(0).max(1_000).default(10),
    // kafkajs groups a batch per partition in time quadratic in its size: 1,000 is its sweet spot.
    READER_MAX_BATCH_MESSAGES: positiveInt.max(100_000).default(1_000),
    READER_MAX_BUFFERED_BYTES: positiveInt.min(1024 * 1024).default(32 * 1024 * 1024),
    READER_SLOT_LAG_POLL_MS: positiveInt.default(10_000),
    // How often a paused table's rejected schema is offered to the registry again.
    READER_PAUSED_RETRY_MS: positiveInt.min(100).default(30_000),
  })
  .transform((env) => ({
    statusIntervalMs: env.READER_STATUS_INTERVAL_MS,
    kafkaClient: env.READER_KAFKA_CLIENT,
    lingerMs: env.READER_LINGER_MS,
    maxBatchMessages: env.READER_MAX_BATCH_MESSAGES,
    maxBufferedBytes: env.READER_MAX_BUFFERED_BYTES,
    slotLagPollMs: env.READER_SLOT_LAG_POLL_MS,
    pausedRetryMs: env.READER_PAUSED_RETRY_MS,
  }));

/** The raw sink's consumer group: its cursor rows in cdc.consumer_offsets are keyed by it. */
export const sinkSection = z
  .object({
    SINK_GROUP_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/, { message: 'may only contain letters, digits, ., _ and -' })
      .default('cdc-raw-sink'),
    // How often paused tables (cdc.table_state) are read and a paused table's cause checked again.
    SINK_PAUSED_POLL_MS: positiveInt.min(100).default(10_000),
    // How long the group waits for a silent member before giving its partitions to the others (the broker
    // accepts 6 s to 5 min by default). Shorter: faster takeover after a crash; longer: fewer false alarms.
    SINK_SESSION_TIMEOUT_MS: positiveInt.min(6_000).max(300_000).default(30_000),
    // Messages per analytics transaction: large enough to amortise the commit, small enough that a slice
    // finishes well within the session timeout (a heartbeat goes out between slices).
    SINK_MAX_BATCH_MESSAGES: positiveInt.max(100_000).default(2_000),
    // Partitions applied at once, each on its own analytics connection.
    SINK_PARTITIONS_CONCURRENCY: positiveInt.max(64).default(3),
  })
  .transform((env) => ({
    groupId: env.SINK_GROUP_ID,
    pausedPollMs: env.SINK_PAUSED_POLL_MS,
    sessionTimeoutMs: env.SINK_SESSION_TIMEOUT_MS,
    maxBatchMessages: env.SINK_MAX_BATCH_MESSAGES,
    partitionsConcurrency: env.SINK_PARTITIONS_CONCURRENCY,
  }));

/** The marts builder's schedule: one micro-batch build per tick, never two at once, backing off after failures. */
export const martsSection = z
  .object({
    MARTS_TICK_SECONDS: positiveInt.max(86_400).default(60),
    // After a failed build the next tick waits twice as long each time, up to this.
    MARTS_MAX_BACKOFF_SECONDS: positiveInt.max(86_400).default(600),
    // A dbt node selection (`--select`) when only some marts should be built; default: the whole project.
    MARTS_DBT_SELECT: z.string().min(1).optional(),
    // Micro-batched facts are rebuilt from this long before the watermark each tick: changes to older events
    // (late updates, deletes) reach the marts if they are younger than this.
    MARTS_LOOKBACK_HOURS: positiveInt.max(24 * 366).default(72),
    // The first day the event marts cover (dbt's var marts_begin, passed on so both agree).
    MARTS_BEGIN: z.iso.date().default('2026-09-01'),
    // Every this often a build recomputes every day from MARTS_BEGIN (dimension changes reach old facts).
    MARTS_FULL_REBUILD_HOURS: positiveInt.max(24 * 366).default(24),
    // Raw tables of events and their event-time column: a changed old event widens the next build back to it.
    MARTS_EVENT_TIME_SOURCES: z
      .string()
      .regex(/^\s*[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*(\s*,\s*[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*)*\s*$/, {
        message: 'must be table.column[,table.column...]',
      })
      .default('stat_events.created_at'),
  })
  .transform((env) => ({
    tickSeconds: env.MARTS_TICK_SECONDS,
    maxBackoffSeconds: env.MARTS_MAX_BACKOFF_SECONDS,
    select: env.MARTS_DBT_SELECT,
    lookbackHours: env.MARTS_LOOKBACK_HOURS,
    begin: env.MARTS_BEGIN,
    fullRebuildHours: env.MARTS_FULL_REBUILD_HOURS,
    eventTimeSources: env.MARTS_EVENT_TIME_SOURCES,
  }));

/** Who runs an operator command, for the audit trail (cdc.operator_actions); the OS user when unset. */
export const operatorSection = z
  .object({ CDC_ACTOR: z.string().min(1).max(200).optional() })
  .transform((env) => ({ actor: env.CDC_ACTOR }));

/** Where a service serves /metrics, /healthz and /readyz. */
export const opsSection = z
  .object({
    OPS_HOST: z.string().min(1).default('0.0.0.0'),
    OPS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  })
  .transform((env) => ({ host: env.OPS_HOST, port: env.OPS_PORT }));

/**
 * What `cdc status` and the ops service call healthy, and where they find the services' /metrics. The
 * thresholds match the Prometheus alert rules (monitoring/prometheus/rules) so the CLI, the dashboard and the
 * pager agree.
 */
const urlList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  )
  .pipe(z.array(z.url()));

export const healthSection = z
  .object({
    HEALTH_SLOT_LAG_WARN_BYTES: positiveInt.default(1024 ** 3),
    HEALTH_SLOT_LAG_FAIL_BYTES: positiveInt.default(10 * 1024 ** 3),
    HEALTH_CONSUMER_LAG_WARN_SECONDS: positiveInt.default(300),
    HEALTH_CONSUMER_LAG_FAIL_SECONDS: positiveInt.default(1800),
    HEALTH_MARTS_WARN_SECONDS: positiveInt.default(1800),
    HEALTH_MARTS_FAIL_SECONDS: positiveInt.default(7200),
    // The services' /metrics, comma-separated when there are several replicas (sinks).
    OPS_READER_METRICS_URLS: urlList.default(['http://127.0.0.1:9101/metrics']),
    OPS_SINK_METRICS_URLS: urlList.default(['http://127.0.0.1:9102/metrics']),
    OPS_MARTS_METRICS_URLS: urlList.default(['http://127.0.0.1:9103/metrics']),
    // How often the ops service gathers the pipeline's state for the dashboard and its metrics.
    OPS_SAMPLE_SECONDS: z.coerce.number().min(0.2).max(300).default(5),
  })
  .transform((env) => ({
    slotLagBytes: { warn: env.HEALTH_SLOT_LAG_WARN_BYTES, fail: env.HEALTH_SLOT_LAG_FAIL_BYTES },
    consumerLagSeconds: {
      warn: env.HEALTH_CONSUMER_LAG_WARN_SECONDS,
      fail: env.HEALTH_CONSUMER_LAG_FAIL_SECONDS,
    },
    martsFreshnessSeconds: { warn: env.HEALTH_MARTS_WARN_SECONDS, fail: env.HEALTH_MARTS_FAIL_SECONDS },
    scrape: {
      reader: env.OPS_READER_METRICS_URLS,
      sink: env.OPS_SINK_METRICS_URLS,
      marts: env.OPS_MARTS_METRICS_URLS,
    },
    sampleSeconds: env.OPS_SAMPLE_SECONDS,
  }));

/** Alerts to people (lib/notify): Slack when a webhook is set; the webhook URL is a credential. */
export const alertsSection = z
  .object({
    SLACK_WEBHOOK_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
    // Only legacy webhooks honour a channel override; an app's webhook posts to the channel it was made for.
    SLACK_CHANNEL: z
      .string()
      .regex(/^[#@]?[A-Za-z0-9._-]{1,80}$/, { message: 'must be a channel name such as #data-alerts' })
      .optional(),
    // At most one notification per service and subject per interval; recoveries always go through.
    ALERTS_MIN_INTERVAL_SECONDS: positiveInt.max(86_400).default(300),
    // The label in every message; default: ENV.
    ALERTS_ENVIRONMENT: z.string().min(1).max(50).optional(),
    ENV: z.string().optional(),
  })
  .transform((env) => ({
    slack: env.SLACK_WEBHOOK_URL
      ? { webhookUrl: env.SLACK_WEBHOOK_URL, channel: env.SLACK_CHANNEL }
      : undefined,
    minIntervalSeconds: env.ALERTS_MIN_INTERVAL_SECONDS,
    environment: env.ALERTS_ENVIRONMENT ?? env.ENV ?? 'development',
  }));

export const sections = {
  runtime: runtimeSection,
  coreDatabase: coreDatabaseSection,
  coreOwnerDatabase: coreOwnerDatabaseSection,
  analyticsDatabase: analyticsDatabaseSection,
  dbt: dbtSection,
  marts: martsSection,
  batch: batchSection,
  kafka: kafkaSection,
  registry: registrySection,
  replication: replicationSection,
  pseudonymisation: pseudonymisationSection,
  reader: readerSection,
  sink: sinkSection,
  operator: operatorSection,
  ops: opsSection,
  alerts: alertsSection,
  health: healthSection,
} as const;

export type SectionName = keyof typeof sections;

/** Variables whose values must never be printed or logged (URLs carry passwords; a DSN carries a key). */
export const secretVariables = [
  'DATABASE_URL_CORE',
  'DATABASE_URL_CORE_OWNER',
  'DATABASE_URL_ANALYTICS',
  'DBT_DATABASE_URL',
  'KAFKA_SASL_PASSWORD',
  'SCHEMA_REGISTRY_PASSWORD',
  'SENTRY_DSN',
  'SLACK_WEBHOOK_URL',
  'CDC_PSEUDONYMISATION_KEY',
] as const;
