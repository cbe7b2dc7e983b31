/**
 * The connector configs the Debezium scenarios run in Kafka Connect (connect.ts): Debezium's PostgreSQL source,
 * Debezium's JDBC sink, and the converters between them and Kafka.
 *
 * Converters: Confluent's Avro converter is not on Maven Central (it lives in Confluent's own repository), so
 * the Debezium source writes Kafka's JsonConverter output: without schemas for the capture benchmarks (plain JSON
 * payloads, the cheapest for Debezium) and with schemas when the JDBC sink has to read it (it needs a schema to
 * build its table). Apicurio's AvroConverter (2.6.x, the last line whose parent pom is on Maven Central) reads
 * Confluent framing from our registry's v2 API: `as-confluent` selects the 4-byte-id wire format without
 * headers, and `use-id=contentId` because Apicurio 3's ccompat API hands out content ids as Confluent ids.
 */

/** Converter config, for a connector's `key.converter*` or `value.converter*` keys. */
export type ConverterConfig = Record<string, string>;

export function jsonConverter(schemas: boolean): ConverterConfig {
  return { '': 'org.apache.kafka.connect.json.JsonConverter', '.schemas.enable': String(schemas) };
}

/** Apicurio's v2 REST API next to the ccompat one (both served by the stack's Apicurio 3 registry). */
export function apicurioV2Url(schemaRegistryUrl: string): string {
  const url = new URL(schemaRegistryUrl);
  url.pathname = '/apis/registry/v2';
  return url.toString().replace(/\/$/, '');
}

/** `register`: a writer (Debezium's source in Avro) registers its schemas; a reader (the JDBC sink) never does. */
export function apicurioAvroConverter(schemaRegistryUrl: string, register = false): ConverterConfig {
  return {
    '': 'io.apicurio.registry.utils.converter.AvroConverter',
    '.apicurio.registry.url': apicurioV2Url(schemaRegistryUrl),
    '.apicurio.registry.as-confluent': 'true',
    // as-confluent implies this handler, but the converter also passes its default one (a warning says which
    // wins); naming it leaves no doubt.
    '.apicurio.registry.id-handler': 'io.apicurio.registry.serde.Legacy4ByteIdHandler',
    '.apicurio.registry.use-id': 'contentId',
    '.apicurio.registry.headers.enabled': 'false',
    '.apicurio.registry.auto-register': String(register),
  };
}

function converters(key: ConverterConfig, value: ConverterConfig): Record<string, string> {
  return Object.fromEntries([
    ...Object.entries(key).map(([suffix, v]) => [`key.converter${suffix}`, v]),
    ...Object.entries(value).map(([suffix, v]) => [`value.converter${suffix}`, v]),
  ]);
}

export interface PostgresSourceOptions {
  name: string;
  /** The core database as a role with REPLICATION and SELECT on the table (the reader's role). */
  databaseUrl: string;
  slot: string;
  publication: string;
  table: string;
  topicPrefix: string;
  partitions: number;
  /** Omitted: the worker's default (JSON without schemas). */
  converter?: ConverterConfig;
}

export function postgresSource(options: PostgresSourceOptions): Record<string, string> {
  const database = new URL(options.databaseUrl);
  return {
    name: options.name,
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'tasks.max': '1',
    'plugin.name': 'pgoutput',
    'database.hostname': database.hostname,
    'database.port': database.port || '5432',
    'database.user': decodeURIComponent(database.username),
    'database.password': decodeURIComponent(database.password),
    'database.dbname': database.pathname.slice(1),
    'topic.prefix': options.topicPrefix,
    'slot.name': options.slot,
    'publication.name': options.publication,
    // The bench creates the publication (the reader's role does not own the table) and the slot (before the
    // workload, so Debezium streams exactly the WAL our reader streams, and snapshots nothing).
    'publication.autocreate.mode': 'disabled',
    'snapshot.mode': 'no_data',
    'table.include.list': `public.${options.table}`,
    'topic.creation.default.replication.factor': '1',
    'topic.creation.default.partitions': String(options.partitions),
    // Debezium's defaults are kept (poll.interval.ms 500, max.batch.size 2048): the comparison is out of the box.
    ...(process.env.BENCH_DEBEZIUM_POLL_MS && { 'poll.interval.ms': process.env.BENCH_DEBEZIUM_POLL_MS }),
    ...(options.converter && converters(options.converter, options.converter)),
  };
}

export interface JdbcSinkOptions {
  name: string;
  /** The analytics database as the role that owns `schema` (postgres://…). */
  databaseUrl: string;
  /** Created by the bench beforehand; the sink creates its table there (`currentSchema` of the JDBC URL). */
  schema: string;
  table: string;
  topic: string;
  key: ConverterConfig;
  value: ConverterConfig;
}

/** Upserts by the record key, applies deletes and truncates, creates its table from the first record's schema. */
export function jdbcSink(options: JdbcSinkOptions): Record<string, string> {
  const database = new URL(options.databaseUrl);
  return {
    name: options.name,
    'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
    'tasks.max': '1',
    topics: options.topic,
    'connection.url': `jdbc:postgresql://${database.hostname}:${database.port || '5432'}${database.pathname}?currentSchema=${options.schema}`,
    'connection.username': decodeURIComponent(database.username),
    'connection.password': decodeURIComponent(database.password),
    'insert.mode': 'upsert',
    'primary.key.mode': 'record_key',
    'delete.enabled': 'true',
    'truncate.enabled': 'true',
    'schema.evolution': 'basic',
    'collection.name.format': options.table,
    'use.time.zone': 'UTC',
    // Fail on the first bad record: the compatibility check wants the error, not a skipped row.
    'errors.tolerance': 'none',
    ...converters(options.key, options.value),
  };
}
