import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderLog4j2Properties, renderServerProperties } from '../../scripts/stack/kafka-config.ts';
import { renderPgHba, renderPostgresConf } from '../../scripts/stack/postgres-config.ts';
import { formatEnvExports } from '../../scripts/stack/report.ts';
import { ports, repoRoot, roles } from '../../scripts/stack/topology.ts';

function settings(text: string, separator: string): Map<string, string> {
  const entries = text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const at = line.indexOf(separator);
      return [line.slice(0, at).trim(), line.slice(at + separator.length).trim()] as const;
    });
  return new Map(entries);
}

describe('postgres configuration', () => {
  const conf = settings(renderPostgresConf({ port: ports.postgres, socketDir: '/stack/postgres/run' }), '=');

  it('enables logical replication with bounded slot retention', () => {
    expect(conf.get('wal_level')).toBe('logical');
    expect(conf.get('max_replication_slots')).toBe('32');
    expect(conf.get('max_wal_senders')).toBe('32');
    expect(conf.get('max_slot_wal_keep_size')).toBe('2GB');
    expect(conf.get('wal_sender_timeout')).toBe('60s');
  });

  it('listens on loopback only, on the topology port, with the socket inside the stack folder', () => {
    expect(conf.get('listen_addresses')).toBe("'127.0.0.1'");
    expect(conf.get('port')).toBe(String(ports.postgres));
    expect(conf.get('unix_socket_directories')).toBe("'/stack/postgres/run'");
  });

  it('trusts only the superuser on the socket and asks every role for a scram password on 127.0.0.1', () => {
    const rows = renderPgHba('postgres')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => line.split(/\s+/));
    expect(rows).toEqual([
      ['local', 'all', 'postgres', 'trust'],
      ['host', 'replication', roles.reader.name, '127.0.0.1/32', 'scram-sha-256'],
      ['host', 'all', 'all', '127.0.0.1/32', 'scram-sha-256'],
    ]);
  });
});

describe('kafka configuration', () => {
  const props = settings(
    renderServerProperties({
      port: ports.kafka,
      controllerPort: ports.kafkaController,
      dataDir: '/stack/kafka/data',
    }),
    '=',
  );

  it('runs one KRaft node as broker and controller on loopback', () => {
    expect(props.get('process.roles')).toBe('broker,controller');
    expect(props.get('listeners')).toBe(
      `PLAINTEXT://127.0.0.1:${ports.kafka},CONTROLLER://127.0.0.1:${ports.kafkaController}`,
    );
    expect(props.get('controller.quorum.bootstrap.servers')).toBe(`127.0.0.1:${ports.kafkaController}`);
    expect(props.get('log.dirs')).toBe('/stack/kafka/data');
  });

  it('never creates topics implicitly and fits internal topics on one broker', () => {
    expect(props.get('auto.create.topics.enable')).toBe('false');
    expect(props.get('offsets.topic.replication.factor')).toBe('1');
    expect(props.get('transaction.state.log.replication.factor')).toBe('1');
    expect(props.get('group.initial.rebalance.delay.ms')).toBe('0');
  });

  it('configures log4j2 with a properties file', () => {
    expect(renderLog4j2Properties()).toMatch(/^rootLogger\.appenderRef\.stdout\.ref = STDOUT$/m);
  });
});

describe('env output', () => {
  it('quotes values so a shell eval keeps them whole', () => {
    expect(formatEnvExports({ A: 'postgres://u:p@h:1/db?sslmode=disable&x=1', B: "it's" })).toBe(
      "export A='postgres://u:p@h:1/db?sslmode=disable&x=1'\nexport B='it'\\''s'",
    );
  });
});

describe('agreement with topology.ts', () => {
  const initSql = fs
    .readdirSync(path.join(repoRoot, 'db', 'init'))
    .filter((file) => file.endsWith('.sql'))
    .map((file) => fs.readFileSync(path.join(repoRoot, 'db', 'init', file), 'utf8'))
    .join('\n');

  it('db/init creates every role with the password topology.ts gives it', () => {
    for (const { name, password } of Object.values(roles)) {
      expect(initSql).toContain(`ALTER ROLE ${name} WITH LOGIN`);
      expect(initSql).toMatch(new RegExp(`ALTER ROLE ${name} WITH [^;]*PASSWORD '${password}';`));
    }
  });

  it('docker-compose.yml publishes the topology ports on loopback', () => {
    const compose = fs.readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain(`"127.0.0.1:${ports.postgres}:5432"`);
    expect(compose).toContain(`"127.0.0.1:${ports.kafka}:${ports.kafka}"`);
    expect(compose).toContain(`PLAINTEXT://127.0.0.1:${ports.kafka}`);
    expect(compose).toContain(`"127.0.0.1:${ports.schemaRegistry}:8080"`);
    for (const { name, password } of [roles.registry]) {
      expect(compose).toContain(`APICURIO_DATASOURCE_USERNAME: ${name}`);
      expect(compose).toContain(`APICURIO_DATASOURCE_PASSWORD: ${password}`);
    }
  });
});
