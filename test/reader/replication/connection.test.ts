import { describe, expect, it } from 'vitest';
import {
  replicationClientConfig,
  sessionSettings,
  startReplicationCommand,
} from '../../../services/replication-reader/replication/connection.ts';

describe('replication connection settings', () => {
  it('adds replication mode, session settings and an application name to a URL', () => {
    const config = replicationClientConfig('postgres://reader:secret@db:5432/core?sslmode=disable', 'reader');
    expect((config as { replication?: string }).replication).toBe('database');
    const url = new URL(config.connectionString ?? '');
    expect(url.searchParams.get('options')).toBe(sessionSettings);
    expect(url.searchParams.get('application_name')).toBe('reader');
    expect(url.searchParams.get('sslmode')).toBe('disable');
  });

  it("keeps the caller's own options, ours last so they win", () => {
    const config = replicationClientConfig(
      'postgres://db/core?options=-c%20wal_sender_timeout%3D5s',
      'reader',
    );
    expect(new URL(config.connectionString ?? '').searchParams.get('options')).toBe(
      `-c wal_sender_timeout=5s ${sessionSettings}`,
    );
    const fromObject = replicationClientConfig({ host: 'db', options: '-c statement_timeout=0' }, 'reader');
    expect(fromObject.options).toBe(`-c statement_timeout=0 ${sessionSettings}`);
    expect(fromObject.application_name).toBe('reader');
  });

  it('sets DateStyle, TimeZone and extra_float_digits for exact text values', () => {
    expect(sessionSettings).toContain('DateStyle=ISO');
    expect(sessionSettings).toContain('TimeZone=UTC');
    expect(sessionSettings).toContain('extra_float_digits=3');
  });
});

describe('START_REPLICATION command', () => {
  it('always names an explicit start position and protocol version 1', () => {
    expect(
      startReplicationCommand({ slot: 'cdc_core', publications: ['cdc_core'], startLsn: 0x16b3748n }),
    ).toBe(
      `START_REPLICATION SLOT "cdc_core" LOGICAL 0/16B3748 (proto_version '1', publication_names '"cdc_core"', messages 'true')`,
    );
  });

  it('quotes publication names as identifiers inside one literal', () => {
    const command = startReplicationCommand({
      slot: 's',
      publications: ['Mixed', "o'neil", 'a,b'],
      startLsn: 0n,
    });
    expect(command).toContain(`publication_names '"Mixed","o''neil","a,b"'`);
  });

  it('refuses bad slot names and an empty publication list', () => {
    expect(() => startReplicationCommand({ slot: 'bad"slot', publications: ['p'], startLsn: 0n })).toThrow(
      /slot name/,
    );
    expect(() => startReplicationCommand({ slot: 's', publications: [], startLsn: 0n })).toThrow(
      /publication/,
    );
  });
});
