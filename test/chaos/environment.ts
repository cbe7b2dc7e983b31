/**
 * Everything the chaos run may kill, owned by the run: a PostgreSQL cluster for core and another for analytics
 * (two clusters, so that crashing one database never takes the other down with it) and a Kafka broker. Only the
 * schema registry is the shared stack's, and it is never touched. Names (slot, publication, topic prefix,
 * consumer group) are unique per run, so the shared registry's subjects of one run never meet another's.
 */
import pg from 'pg';
import { allConnectors } from '../../connectors/index.ts';
import { syncPublication } from '../../lib/source/publication.ts';
import { runDbmate } from '../../scripts/db/dbmate.ts';
import { seedCore } from '../../scripts/demo/domain/seed-core.ts';
import { uniqueName } from '../support/names.ts';
import { ThrowawayBroker } from '../support/throwaway-broker.ts';
import { ThrowawayPostgres } from '../support/throwaway-postgres.ts';
import { hardDeleteNodeOptions } from './hard-deletes/index.ts';

/** dbmate's driver insists on TLS unless told otherwise; the throwaway clusters listen on loopback only. */
const plain = (url: string) => `${url}?sslmode=disable`;

export interface EnvironmentOptions {
  seed: number;
  registryUrl: string;
  /** Base data set before the run (stat events; the other tables keep the seed's defaults). */
  seedStatEvents: number;
}

export class ChaosEnvironment {
  readonly prefix = uniqueName('chaos').replaceAll('_', '');
  readonly slot = uniqueName('chaos_slot');
  readonly publication = uniqueName('chaos_pub');
  readonly groupId = uniqueName('chaos-sink');
  readonly pseudonymisationKey = 'chaos-suite-pseudonymisation-key-not-a-secret';

  private constructor(
    readonly core: ThrowawayPostgres,
    readonly analytics: ThrowawayPostgres,
    readonly broker: ThrowawayBroker,
    readonly registryUrl: string,
  ) {}

  /** Creates, starts, migrates and seeds everything; on a failure half-way, removes what it created. */
  static async create(options: EnvironmentOptions, log: (line: string) => void): Promise<ChaosEnvironment> {
    const created: { destroy(): Promise<void> }[] = [];
    try {
      const track = <T extends { destroy(): Promise<void> }>(thing: T): T => {
        created.push(thing);
        return thing;
      };
      const [core, analytics, broker] = await Promise.all([
        ThrowawayPostgres.create().then(track),
        ThrowawayPostgres.create().then(track),
        ThrowawayBroker.create().then(track),
      ]);
      await broker.start();
      const environment = new ChaosEnvironment(core, analytics, broker, options.registryUrl);
      process.once('exit', environment.killOnExit);
      log(
        `core PostgreSQL on :${core.port}, analytics PostgreSQL on :${analytics.port}, Kafka on :${broker.port}`,
      );
      await environment.migrate();
      await environment.seedAndPublish(options);
      return environment;
    } catch (error) {
      await Promise.all(created.map((thing) => thing.destroy().catch(() => undefined)));
      throw error;
    }
  }

  get coreOwnerUrl(): string {
    return this.core.url('owner', 'core');
  }

  get coreReaderUrl(): string {
    return this.core.url('reader', 'core');
  }

  get analyticsUrl(): string {
    return this.analytics.url('sink', 'analytics');
  }

  get brokers(): string {
    return this.broker.brokers.join(',');
  }

  /** The repository's own migrations, as `npm run core:migrate` and `npm run db:migrate` run them. */
  private async migrate(): Promise<void> {
    for (const [target, url] of [
      ['core', this.coreOwnerUrl],
      ['analytics', this.analyticsUrl],
    ] as const) {
      const result = await runDbmate({ target, url: plain(url), args: ['up'], capture: true });
      if (result.code !== 0) throw new Error(`dbmate could not migrate ${target}:\n${result.output}`);
    }
  }

  private async seedAndPublish(options: EnvironmentOptions): Promise<void> {
    const client = new pg.Client({ connectionString: this.coreOwnerUrl });
    await client.connect();
    try {
      await seedCore(client, { seed: options.seed, statEvents: options.seedStatEvents, largeTextRatio: 0.2 });
      // As the table owner: the reader role may only read (the demo does the same).
      await syncPublication(client, { publication: this.publication, connectors: allConnectors });
    } finally {
      await client.end();
    }
  }

  readerEnv(): Record<string, string> {
    return {
      DATABASE_URL_CORE: this.coreReaderUrl,
      KAFKA_BROKERS: this.brokers,
      KAFKA_TOPIC_PREFIX: this.prefix,
      SCHEMA_REGISTRY_URL: this.registryUrl,
      CDC_SLOT_NAME: this.slot,
      CDC_PUBLICATION_NAME: this.publication,
      CDC_PSEUDONYMISATION_KEY: this.pseudonymisationKey,
      READER_STATUS_INTERVAL_MS: '1000',
    };
  }

  sinkEnv(): Record<string, string> {
    return {
      DATABASE_URL_ANALYTICS: this.analyticsUrl,
      KAFKA_BROKERS: this.brokers,
      KAFKA_TOPIC_PREFIX: this.prefix,
      SCHEMA_REGISTRY_URL: this.registryUrl,
      SINK_GROUP_ID: this.groupId,
      // The broker's minimum: a killed sink's partitions move to the other one quickly.
      SINK_SESSION_TIMEOUT_MS: '6000',
      // Many analytics transactions per fetched batch, so that kills land between and inside them.
      SINK_MAX_BATCH_MESSAGES: '500',
      SINK_PAUSED_POLL_MS: '1000',
      // Some connectors with hard deletes (hard-deletes/): only the sinks apply deletes, so only they need it.
      NODE_OPTIONS: hardDeleteNodeOptions(),
    };
  }

  /**
   * Last resort when the run's process ends without `destroy()` (a test timeout, an uncaught error): the kill
   * signals go out synchronously, so no server outlives the run.
   */
  private readonly killOnExit = () => {
    void this.broker.stop();
    void this.core.kill();
    void this.analytics.kill();
  };

  async destroy(): Promise<void> {
    process.off('exit', this.killOnExit);
    // The broker first: it may still be down after a fault, and nothing needs it any more.
    await this.broker.destroy().catch(() => undefined);
    await Promise.all([this.core.destroy(), this.analytics.destroy()].map((p) => p.catch(() => undefined)));
  }
}
