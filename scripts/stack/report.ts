/** How `up` and `status` print the stack: a table for people, JSON for scripts. Pure formatting. */
import type { ServiceStatus, StopReport } from './lifecycle.ts';

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

export function formatStatusTable(statuses: readonly ServiceStatus[]): string {
  return table(
    ['SERVICE', 'ADDRESS', 'PID', 'HEALTH', 'LOG', 'DETAIL'],
    statuses.map((s) => [
      s.service,
      s.address,
      s.pid === undefined ? (s.pidState === 'n/a' ? '-' : s.pidState) : String(s.pid),
      s.health.ok ? 'healthy' : 'DOWN',
      s.logFile,
      s.health.detail,
    ]),
  );
}

export function formatStatusJson(statuses: readonly ServiceStatus[]): string {
  return JSON.stringify(
    statuses.map((s) => ({
      service: s.service,
      address: s.address,
      pid: s.pid ?? null,
      pidState: s.pidState,
      healthy: s.health.ok,
      detail: s.health.detail,
      logFile: s.logFile,
    })),
    null,
    2,
  );
}

export function formatStopTable(reports: readonly StopReport[]): string {
  return table(
    ['SERVICE', 'PID', 'OUTCOME'],
    reports.map((r) => [r.service, r.pid === undefined ? '-' : String(r.pid), r.outcome]),
  );
}

/** Values are single-quoted so `eval "$(npm run -s stack -- env)"` keeps URLs with `&` or `?` intact. */
export function formatEnvExports(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([key, value]) => `export ${key}='${value.replaceAll("'", `'\\''`)}'`)
    .join('\n');
}
