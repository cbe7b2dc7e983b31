/**
 * Preflight findings for a terminal: one aligned line per check, then the fixes of everything not ok, numbered
 * so an operator can work through them. `--json` prints the findings themselves instead.
 */
import type { Finding } from '../../../lib/source/preflight.ts';

const marks = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

export function formatFindings(findings: readonly Finding[]): string {
  const width = Math.max(...findings.map((finding) => finding.check.length), 5);
  const lines = findings.map(
    (finding) => `${marks[finding.status]}  ${finding.check.padEnd(width)}  ${finding.detail}`,
  );
  const toFix = findings.filter((finding) => finding.status !== 'ok' && finding.fix);
  const fixes = toFix.map(
    (finding, index) =>
      `${index + 1}. [${finding.status}] ${finding.check}\n${(finding.fix ?? '')
        .split('\n')
        .map((line) => `   ${line}`)
        .join('\n')}`,
  );
  const counts = summarise(findings);
  return [
    ...lines,
    '',
    `${counts.fail} failed, ${counts.warn} warning(s), ${counts.ok} ok`,
    ...(fixes.length > 0 ? ['', 'How to fix:', ...fixes] : []),
    '',
  ].join('\n');
}

export function summarise(findings: readonly Finding[]): { ok: number; warn: number; fail: number } {
  return {
    ok: findings.filter((finding) => finding.status === 'ok').length,
    warn: findings.filter((finding) => finding.status === 'warn').length,
    fail: findings.filter((finding) => finding.status === 'fail').length,
  };
}
