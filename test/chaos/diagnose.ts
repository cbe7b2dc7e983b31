/**
 * After a failed comparison: what happened to the first few keys that differ. Names only, never values: which
 * columns differ, and the raw row's bookkeeping (last operation, deleted flag, source position, Kafka partition
 * and offset), which says whether the change never arrived, arrived out of order, or was undone by a truncate.
 */
import pg from 'pg';
import { allConnectors } from '../../connectors/index.ts';
import { quoteIdentifier } from '../../lib/postgres/index.ts';
import type { TableComparison } from './verify.ts';

/** Keys examined per table and kind of difference. */
const examined = 5;

export interface RawBookkeeping {
  op: string;
  deleted: boolean;
  commitLsn: string;
  lsn: string;
  partition: number;
  offset: string;
}

export interface KeyDiagnosis {
  table: string;
  key: string;
  kind: 'missing in raw' | 'extra in raw' | 'different values';
  /** Columns whose text forms differ (different values only). */
  columns?: string[];
  /** The raw row's bookkeeping, soft-deleted rows included; null when raw has no row for the key. */
  raw: RawBookkeeping | null;
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, options: '-c TimeZone=UTC' });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

function keyMatch(key: readonly string[]): string {
  return `concat(${key.map((column) => `${quoteIdentifier(column)}::text`).join(`, ':', `)}) = $1`;
}

async function columnHashes(client: pg.Client, from: string, result: TableComparison, key: string) {
  const list = result.columns.map((column) => `md5(quote_nullable(${quoteIdentifier(column)}::text))`);
  const { rows } = await client.query<{ hashes: string[] }>(
    `SELECT ARRAY[${list.join(', ')}] AS hashes FROM ${from} WHERE ${keyMatch(result.key)}`,
    [key],
  );
  return rows[0]?.hashes;
}

async function bookkeeping(raw: pg.Client, rawTable: string, result: TableComparison, key: string) {
  const { rows } = await raw.query<RawBookkeeping>(
    `SELECT _op AS op, _deleted AS deleted, _source_commit_lsn::text AS "commitLsn", _source_lsn::text AS lsn,
            _kafka_partition AS partition, _kafka_offset::text AS offset
       FROM ${rawTable} WHERE ${keyMatch(result.key)}`,
    [key],
  );
  return rows[0] ?? null;
}

export async function diagnose(
  coreUrl: string,
  analyticsUrl: string,
  comparisons: readonly TableComparison[],
): Promise<KeyDiagnosis[]> {
  const [core, raw] = [await connect(coreUrl), await connect(analyticsUrl)];
  const found: KeyDiagnosis[] = [];
  try {
    for (const result of comparisons.filter((table) => !table.ok)) {
      const connector = allConnectors.find((c) => c.name === result.table);
      if (!connector) continue;
      const coreTable = `${quoteIdentifier(connector.source.schema)}.${quoteIdentifier(connector.source.table)}`;
      const rawTable = `analytics_raw.${quoteIdentifier(connector.destination.table)}`;
      const kinds: [KeyDiagnosis['kind'], string[]][] = [
        ['missing in raw', result.missingInRaw.first],
        ['extra in raw', result.extraInRaw.first],
        ['different values', result.differing.first],
      ];
      for (const [kind, keys] of kinds) {
        for (const key of keys.slice(0, examined)) {
          const diagnosis: KeyDiagnosis = {
            table: result.table,
            key,
            kind,
            raw: await bookkeeping(raw, rawTable, result, key),
          };
          if (kind === 'different values') {
            const [a, b] = [
              await columnHashes(core, coreTable, result, key),
              await columnHashes(raw, rawTable, result, key),
            ];
            diagnosis.columns = result.columns.filter((_, index) => a?.[index] !== b?.[index]);
          }
          found.push(diagnosis);
        }
      }
    }
  } finally {
    await Promise.all([core.end(), raw.end()].map((p) => p.catch(() => undefined)));
  }
  return found;
}

export function describeDiagnosis(diagnosis: KeyDiagnosis): string {
  const raw = diagnosis.raw
    ? `raw: _op ${diagnosis.raw.op}, _deleted ${diagnosis.raw.deleted}, source ${diagnosis.raw.commitLsn}/${diagnosis.raw.lsn}, kafka ${diagnosis.raw.partition}@${diagnosis.raw.offset}`
    : 'raw: no row';
  const columns = diagnosis.columns ? `, columns ${diagnosis.columns.join(', ')}` : '';
  return `${diagnosis.table} ${diagnosis.key}: ${diagnosis.kind}${columns}; ${raw}`;
}
