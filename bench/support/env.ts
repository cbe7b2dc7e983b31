/** What every scenario connects to: the stack's variables (see `npm run stack -- env`). */
export interface BenchEnv {
  /** Core database as the table owner: scratch databases, DDL, the writer. */
  ownerUrl: string;
  /** Core database as the reader's role: slots and replication. */
  readerUrl: string;
  /** Analytics database as the sink's role (scratch databases are migrated and written as this role). */
  analyticsUrl: string;
  brokers: string[];
  registryUrl: string;
}

export function benchEnv(variables: Record<string, string | undefined>): BenchEnv {
  const read = (name: string) => {
    const value = variables[name];
    if (!value) throw new Error(`${name} is not set (npm run stack -- env)`);
    return value;
  };
  return {
    ownerUrl: read('DATABASE_URL_CORE_OWNER'),
    readerUrl: read('DATABASE_URL_CORE'),
    analyticsUrl: read('DATABASE_URL_ANALYTICS'),
    brokers: read('KAFKA_BROKERS').split(','),
    registryUrl: read('SCHEMA_REGISTRY_URL'),
  };
}
