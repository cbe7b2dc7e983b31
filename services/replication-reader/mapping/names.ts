/**
 * Avro names from PostgreSQL names. Avro allows [A-Za-z_][A-Za-z0-9_]* only; PostgreSQL identifiers may hold
 * spaces, dashes, accents... Invalid characters become `_` and a leading digit gets a `_` prefix, as
 * Debezium's field name adjustment does. Collisions are detected by the schema builder, not papered over.
 */

export function avroName(name: string): string {
  const replaced = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(replaced) ? replaced : `_${replaced}`;
}

/** A topic name (`core.public.missions`) as an Avro namespace, segment by segment. */
export function avroNamespace(topic: string): string {
  return topic.split('.').map(avroName).join('.');
}
