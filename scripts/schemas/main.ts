/**
 * `npm run schemas -- check | write`: the generated key and row schemas of every connector, from the live core
 * database (DATABASE_URL_CORE), against the reviewed snapshots in schemas/tables/. `check` prints the drift and
 * exits 1 when there is any; `write` refreshes the snapshots (review the diff, then commit it).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { connectorCatalogue } from '../../connectors/index.ts';
import { PipelineError } from '../../lib/errors/index.ts';
import { configure, runMain } from '../../lib/runtime/index.ts';
import { loadConnectorTable } from '../../services/replication-reader/catalog/index.ts';
import { buildRowSchemas, type RecordSchema } from '../../services/replication-reader/mapping/index.ts';
import { repoRoot } from '../stack/topology.ts';
import { compareRowSchemas } from './drift.ts';

const directory = path.join(repoRoot, 'schemas', 'tables');
const usage = 'usage: npm run schemas -- check | write';

await runMain('schemas', async () => {
  const command = process.argv[2];
  if (command !== 'check' && command !== 'write') throw new PipelineError('INVALID_ARGUMENT', usage);
  const { config } = configure('schemas', ['coreDatabase', 'kafka']);
  const catalogue = connectorCatalogue(config.kafka.topics.prefix);
  const client = new pg.Client({ connectionString: config.coreDatabase.url });
  await client.connect();
  let drifted = 0;
  try {
    mkdirSync(directory, { recursive: true });
    for (const connector of catalogue.connectors) {
      const table = await loadConnectorTable(client, connector);
      const live = buildRowSchemas(table, connector, { namespace: catalogue.topicOf(connector) });
      for (const [part, schema] of [
        ['key', live.keySchema],
        ['value', live.rowSchema],
      ] as const) {
        const file = path.join(directory, `${connector.name}.${part}.avsc.json`);
        const text = `${JSON.stringify(schema, null, 2)}\n`;
        if (command === 'write') {
          writeFileSync(file, text);
          continue;
        }
        if (!existsSync(file)) {
          console.log(`${connector.name} ${part}: no reviewed snapshot (${path.relative(repoRoot, file)})`);
          drifted++;
          continue;
        }
        const drift = compareRowSchemas(JSON.parse(readFileSync(file, 'utf8')) as RecordSchema, schema);
        for (const { field, change } of drift) console.log(`${connector.name} ${part}: ${field} ${change}`);
        drifted += drift.length;
      }
    }
  } finally {
    await client.end();
  }
  if (command === 'write') {
    console.log(`wrote ${catalogue.connectors.length * 2} schemas to ${path.relative(repoRoot, directory)}`);
    return 0;
  }
  console.log(
    drifted === 0 ? 'no drift: the live tables match the reviewed schemas' : `${drifted} difference(s)`,
  );
  return drifted === 0 ? 0 : 1;
});
