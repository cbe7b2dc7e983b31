/**
 * `npm run raw -- migration <connector...> | --all [--print]`: writes the dbmate migration that creates a
 * connector's raw table in `analytics_raw`, from its reviewed row schema in schemas/tables/ (refresh those
 * with `npm run schemas -- write` first). No database is needed. A connector whose raw table already has a
 * migration is refused: later columns are added by the sink at run time (additive only).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { allConnectors } from '../../connectors/index.ts';
import type { ConnectorDefinition } from '../../connectors/types.ts';
import { PipelineError } from '../../lib/errors/index.ts';
import { type RowSchemaFields, rawMigrationSql } from '../../lib/raw/raw-table.ts';
import { runMain } from '../../lib/runtime/index.ts';
import { repoRoot } from '../stack/topology.ts';

const usage = 'usage: npm run raw -- migration <connector...> | --all [--print]';
const schemasDirectory = path.join(repoRoot, 'schemas', 'tables');
const migrationsDirectory = path.join(repoRoot, 'db', 'migrations');

function readSchema(connector: ConnectorDefinition, part: 'key' | 'value'): RowSchemaFields {
  const file = path.join(schemasDirectory, `${connector.name}.${part}.avsc.json`);
  if (!existsSync(file)) {
    throw new PipelineError(
      'CONFIG_INVALID',
      `${connector.name}: no reviewed schema ${path.relative(repoRoot, file)} (run npm run schemas -- write, review, commit)`,
    );
  }
  return JSON.parse(readFileSync(file, 'utf8')) as RowSchemaFields;
}

function rawMigration(connector: ConnectorDefinition): string {
  return rawMigrationSql(connector, readSchema(connector, 'value'), readSchema(connector, 'key'));
}

function migrationExists(table: string): string | undefined {
  return readdirSync(migrationsDirectory).find((file) => file.endsWith(`_create_raw_${table}.sql`));
}

function timestamp(date: Date): string {
  return date.toISOString().replaceAll(/[-:T]/g, '').slice(0, 14);
}

await runMain('raw', async () => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { all: { type: 'boolean', default: false }, print: { type: 'boolean', default: false } },
  });
  const [command, ...names] = positionals;
  if (command !== 'migration' || (names.length === 0) === !values.all) {
    throw new PipelineError('INVALID_ARGUMENT', usage);
  }
  const connectors = values.all
    ? [...allConnectors]
    : names.map((name) => {
        const connector = allConnectors.find((candidate) => candidate.name === name);
        if (!connector) {
          throw new PipelineError(
            'INVALID_ARGUMENT',
            `no connector named ${name} (known: ${allConnectors.map((known) => known.name).join(', ')})\n${usage}`,
          );
        }
        return connector;
      });
  const started = Date.now();
  let written = 0;
  for (const [index, connector] of connectors.entries()) {
    const sql = rawMigration(connector);
    if (values.print) {
      process.stdout.write(`${sql}\n`);
      continue;
    }
    const existing = migrationExists(connector.destination.table);
    if (existing) {
      console.log(
        `${connector.name}: analytics_raw.${connector.destination.table} already has ${existing}; skipped`,
      );
      continue;
    }
    // One second apart, so several tables generated together keep a stable order.
    const file = `${timestamp(new Date(started + index * 1000))}_create_raw_${connector.destination.table}.sql`;
    writeFileSync(path.join(migrationsDirectory, file), sql);
    console.log(`${connector.name}: wrote db/migrations/${file}`);
    written++;
  }
  if (!values.print) console.log(`${written} migration(s) written; apply them with npm run db:migrate`);
  return 0;
});
