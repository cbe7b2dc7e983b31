/**
 * Unchanged TOAST without a value to keep (issue: no NULL ever stands in for a value). An update that did not
 * touch a large column carries a marker, and the MERGE keeps the raw row's value. That is right only when the
 * raw row is the version just before this one; otherwise (no live row, a gap in what the sink read, a version in
 * between dead-lettered, a repair already pending: see incomplete-rows-sql.ts) the version is set aside, never
 * written (raw would show NULL, or a stale value), and recorded in `cdc.incomplete_rows`. The sink then asks the
 * reader to re-read exactly those keys from core (repair/), and the re-read lands like any newer version; the
 * entry is resolved as soon as raw holds a version at least as new (or the key's delete).
 */
import type pg from 'pg';
import { classifyError } from '../../../lib/errors/index.ts';
import { formatLsn } from '../../../lib/postgres/index.ts';
import { type PgText, unchanged } from '../values/pg-text.ts';
import type { RowChange } from './coalesce.ts';
import { incompleteRowsStatements } from './incomplete-rows-sql.ts';
import type { RawTableShape } from './merge-sql.ts';

type Verdict = 'complete' | 'stale' | 'missing' | 'gap' | 'pending' | 'lost-version';

const statements = new WeakMap<RawTableShape, ReturnType<typeof incompleteRowsStatements>>();

function statementsOf(shape: RawTableShape) {
  let built = statements.get(shape);
  if (!built) {
    built = incompleteRowsStatements(shape);
    statements.set(shape, built);
  }
  return built;
}

const keyArrays = (shape: RawTableShape, rows: readonly RowChange[]) =>
  shape.conflictColumns.map((column) => rows.map((row) => textOf(row.values[column])));

const textOf = (value: PgText | undefined) => (value === undefined || value === unchanged ? null : value);

const unchangedColumns = (row: RowChange) =>
  Object.entries(row.values).flatMap(([column, value]) => (value === unchanged ? [column] : []));

/** Runs `work` under a savepoint; a data exception (a key its column type refuses) gives `undefined`. */
async function guarded<T>(client: pg.ClientBase, work: () => Promise<T>): Promise<T | undefined> {
  await client.query('SAVEPOINT cdc_incomplete');
  try {
    const result = await work();
    await client.query('RELEASE SAVEPOINT cdc_incomplete');
    return result;
  } catch (error) {
    if (classifyError(error) !== 'dead-letter') throw error;
    await client.query('ROLLBACK TO SAVEPOINT cdc_incomplete');
    await client.query('RELEASE SAVEPOINT cdc_incomplete');
    return undefined;
  }
}

async function classify(
  client: pg.ClientBase,
  shape: RawTableShape,
  rows: readonly RowChange[],
): Promise<Verdict[] | undefined> {
  const { rows: verdicts } = await client.query<{ index: number; verdict: Verdict }>(
    statementsOf(shape).classify,
    [
      shape.table,
      rows.map((_, index) => index),
      rows.map((row) => formatLsn(row.commitLsn)),
      rows.map((row) => formatLsn(row.lsn)),
      rows.map((row) => row.partition),
      rows.map((row) => String(row.unbrokenSince ?? 0n)),
      ...keyArrays(shape, rows),
    ],
  );
  const byIndex: Verdict[] = [];
  for (const { index, verdict } of verdicts) byIndex[index] = verdict;
  return byIndex;
}

export interface SetAside {
  /** What the MERGE applies (complete versions; stale ones are dropped, the MERGE would ignore them). */
  merge: RowChange[];
  /** Versions recorded in cdc.incomplete_rows instead. */
  incomplete: RowChange[];
}

/** Splits a segment's rows (module header). */
export async function setAsideIncomplete(
  client: pg.ClientBase,
  shape: RawTableShape,
  rows: readonly RowChange[],
  origin: { topic: string; connector: string },
): Promise<SetAside> {
  const candidates = rows.filter((row) => row.op === 'u' && unchangedColumns(row).length > 0);
  if (candidates.length === 0) return { merge: [...rows], incomplete: [] };
  const verdicts = new Map<RowChange, Verdict>();
  const together = await guarded(client, () => classify(client, shape, candidates));
  if (together) {
    for (const [index, row] of candidates.entries()) verdicts.set(row, together[index] ?? 'complete');
  } else {
    // One key its column type refuses spoils the set: judge each alone; the MERGE then rejects that one.
    for (const row of candidates) {
      const alone = await guarded(client, () => classify(client, shape, [row]));
      verdicts.set(row, alone?.[0] ?? 'complete');
    }
  }
  const incomplete = candidates.filter((row) => !['complete', 'stale'].includes(verdicts.get(row) ?? ''));
  if (incomplete.length > 0) await record(client, shape, incomplete, origin);
  const setAside = new Set(candidates.filter((row) => verdicts.get(row) !== 'complete'));
  return { merge: rows.filter((row) => !setAside.has(row)), incomplete };
}

async function record(
  client: pg.ClientBase,
  shape: RawTableShape,
  rows: readonly RowChange[],
  origin: { topic: string; connector: string },
): Promise<void> {
  const sourceKey = (row: RowChange) =>
    JSON.stringify(
      row.sourceKey ??
        Object.fromEntries(shape.conflictColumns.map((column) => [column, row.values[column]])),
    );
  await client.query(statementsOf(shape).record, [
    shape.table,
    origin.topic,
    origin.connector,
    rows.map(sourceKey),
    rows.map((row) => unchangedColumns(row).join(',')),
    rows.map((row) => formatLsn(row.commitLsn)),
    rows.map((row) => formatLsn(row.lsn)),
    rows.map((row) => row.partition),
    rows.map((row) => String(row.offset)),
    ...keyArrays(shape, rows),
  ]);
}

/** After a segment's MERGE: forgets the waiting keys of these rows that raw now holds as new as needed. */
export async function resolveIncomplete(
  client: pg.ClientBase,
  shape: RawTableShape,
  rows: readonly RowChange[],
): Promise<void> {
  if (rows.length === 0) return;
  await guarded(client, () =>
    client.query(statementsOf(shape).resolve, [shape.table, ...keyArrays(shape, rows)]),
  );
}

/** Forgets every waiting key of the table that raw now holds as new as needed; returns how many. */
export async function resolveAllIncomplete(
  client: pg.Pool | pg.ClientBase,
  shape: RawTableShape,
): Promise<number> {
  return (await client.query(statementsOf(shape).resolveAll, [shape.table])).rowCount ?? 0;
}
