/** The debezium-compat scenario's printed result. */
import { integer as f } from '../support/results.ts';
import type { runDebeziumCompatBench } from './compat-scenario.ts';

type Result = Awaited<ReturnType<typeof runDebeziumCompatBench>>;

function columnLines(result: Result): string[] {
  return result.comparison.columns.map((c) => {
    const type =
      c.targetType === undefined ? 'MISSING' : c.targetType === c.sourceType ? 'same type' : c.targetType;
    const differences =
      c.strictDifferences === 0
        ? 'equal'
        : `${f(c.strictDifferences)} rows differ as text, ${f(c.valueDifferences)} as values; e.g. id ${c.example?.id}: ${JSON.stringify(c.example?.source)} → ${JSON.stringify(c.example?.target)}`;
    return `  ${c.column.padEnd(12)} ${c.sourceType.padEnd(26)} ${type.padEnd(26)} ${differences}`;
  });
}

export function printCompatReport(result: Result, file: string): void {
  const c = result.comparison;
  const sent = Object.entries(result.sent)
    .map(([label, n]) => `${label}: ${f(n)}`)
    .join(', ');
  const truncate = result.truncate
    ? `${result.truncate.outcome.caughtUp ? 'consumed' : `not consumed: ${result.truncate.outcome.failure}`}; rows left in the target: ${f(result.truncate.rowsLeft)}`
    : 'not tried (the change events did not go through)';
  console.log(`
debezium-compat: Debezium JDBC sink ${result.versions.jdbcSink} reading our topic through Apicurio AvroConverter ${result.versions.apicurioConverter} (Confluent framing)

  sent on our topic: ${sent}
  sink: ${result.changes.caughtUp ? 'consumed every event' : `did NOT consume the topic:\n${result.changes.failure}`}
  rows: source ${f(c.sourceRows)}, target ${f(c.targetRows)}; missing in target ${f(c.missingIds.count)} ${JSON.stringify(c.missingIds.sample)}, extra ${f(c.extraIds.count)} ${JSON.stringify(c.extraIds.sample)}

  column       source type                target type                values
${columnLines(result).join('\n')}
  extra target columns: ${c.extraTargetColumns.length === 0 ? 'none' : c.extraTargetColumns.map((x) => `${x.column} ${x.type}`).join(', ')}
  truncate: ${truncate}
  verdict: ${c.equal ? 'EQUAL' : 'DIFFERENT (see above)'}
${result.logWarnings.length > 0 ? `  Connect warnings/errors (last):\n    ${result.logWarnings.join('\n    ')}\n` : ''}
  JSON: ${file}`);
}
