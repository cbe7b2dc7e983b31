/**
 * A scratch core database with tables, a publication and a logical slot of its own, plus the sessions a test
 * starts on it. `cleanup()` stops every session, waits for the walsender to let go of the slot, drops the slot
 * (before the database: a slot pins its database) and then the database.
 */
import pg from 'pg';
import { expect } from 'vitest';
import {
  createLogicalSlot,
  dropReplicationSlot,
  type Lsn,
  readReplicationSlot,
} from '../../../lib/postgres/index.ts';
import {
  type ReplicationMessage,
  ReplicationSession,
  type ReplicationSessionOptions,
} from '../../../services/replication-reader/replication/index.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../support/databases.ts';
import { uniqueName } from '../../support/names.ts';

export interface ReplicationFixture {
  database: ScratchDatabase;
  /** As the application (cdc_owner): writes the data. */
  owner: pg.Client;
  /** As the reader role, over an ordinary connection: slot and statistics queries. */
  reader: pg.Client;
  slot: string;
  publication: string;
  /** The slot's consistent point. */
  createdAt: Lsn;
  session(options?: Partial<ReplicationSessionOptions>): ReplicationSession;
  /** A session streaming from `startLsn` (default: the slot's confirmed_flush_lsn). */
  started(startLsn?: Lsn, options?: Partial<ReplicationSessionOptions>): Promise<ReplicationSession>;
  confirmedFlush(): Promise<Lsn>;
  waitForSlotInactive(timeoutMs?: number): Promise<void>;
  cleanup(): Promise<void>;
}

/** `setup` runs as the owner; it must create `publication` (named by the fixture) and grant SELECT to cdc_reader. */
export async function createReplicationFixture(
  prefix: string,
  setup: (names: { publication: string; database: string }) => string,
): Promise<ReplicationFixture> {
  const database = await createScratchDatabase(prefix);
  const owner = new pg.Client({ connectionString: database.url('DATABASE_URL_CORE_OWNER') });
  await owner.connect();
  const publication = uniqueName('pub');
  await owner.query(setup({ publication, database: database.name }));
  const reader = new pg.Client({ connectionString: database.url('DATABASE_URL_CORE') });
  await reader.connect();
  const slot = uniqueName('slot');
  const createdAt = await createLogicalSlot(reader, slot);
  const sessions: ReplicationSession[] = [];

  const fixture: ReplicationFixture = {
    database,
    owner,
    reader,
    slot,
    publication,
    createdAt,
    session(options = {}) {
      const session = new ReplicationSession({ connection: database.url('DATABASE_URL_CORE'), ...options });
      sessions.push(session);
      return session;
    },
    async started(startLsn, options) {
      const session = fixture.session(options);
      await session.start({
        slot,
        publications: [publication],
        startLsn: startLsn ?? (await fixture.confirmedFlush()),
      });
      return session;
    },
    async confirmedFlush() {
      const state = await readReplicationSlot(reader, slot);
      if (state?.confirmedFlushLsn === undefined) throw new Error(`slot ${slot} has no confirmed_flush_lsn`);
      return state.confirmedFlushLsn;
    },
    async waitForSlotInactive(timeoutMs = 10_000) {
      await expect
        .poll(async () => (await readReplicationSlot(reader, slot))?.active, {
          timeout: timeoutMs,
          interval: 50,
        })
        .toBe(false);
    },
    async cleanup() {
      for (const session of sessions) await session.stop().catch(() => undefined);
      await fixture.waitForSlotInactive().catch(() => undefined);
      await dropReplicationSlot(reader, slot).catch(() => undefined);
      await reader.end().catch(() => undefined);
      await owner.end().catch(() => undefined);
      await database.drop();
    },
  };
  return fixture;
}

/** Reads messages until `done` says so, failing after `timeoutMs`; returns every message read. */
export async function collect(
  session: ReplicationSession,
  done: (messages: ReplicationMessage[]) => boolean,
  timeoutMs = 20_000,
): Promise<ReplicationMessage[]> {
  const messages: ReplicationMessage[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    while (!done(messages)) {
      const message = await Promise.race([session.next(), timedOut]);
      if (message === undefined) throw new Error('session ended');
      messages.push(message);
    }
  } finally {
    clearTimeout(timer);
  }
  return messages;
}

/** Row changes only, without the framing. */
export function changesOf(messages: ReplicationMessage[]) {
  return messages.flatMap((message) => (message.kind === 'change' ? [message.change] : []));
}

export const commitCount = (messages: ReplicationMessage[]) =>
  messages.filter((message) => message.kind === 'commit').length;
