/**
 * The alert rules through Prometheus' own tool: they load (`promtool check rules`), they fire and stay quiet
 * when they should (`promtool test rules`, monitoring/prometheus/tests/), both Prometheus configurations load,
 * and every dashboard query is valid PromQL. promtool comes from the Debian package `prometheus`; without it
 * these tests fail rather than skip, so a missing install is never mistaken for passing alerts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/stack/topology.ts';

const rulesFile = 'monitoring/prometheus/rules/cdc-pipeline.rules.yml';
const rulesTestFile = 'monitoring/prometheus/tests/cdc-pipeline.rules.test.yml';
const configFiles = ['monitoring/prometheus/prometheus.yml', 'monitoring/prometheus/prometheus.local.yml'];
const dashboardFile = 'monitoring/grafana/dashboards/cdc-pipeline.json';

const missingPromtool =
  'promtool not found on PATH: install the Debian package `prometheus` ' +
  '(`apt-get install -y --no-install-recommends prometheus`), which provides it';

function promtool(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
    throw new Error(missingPromtool);
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function expectSuccess(result: { status: number | null; output: string }): void {
  expect(result.status, result.output).toBe(0);
}

/** Grafana's macros and variables replaced by values Prometheus accepts, so promtool can parse the query. */
function withoutGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$__(rate_interval|interval|range)\b/g, '5m')
    .replace(/\$\{?[A-Za-z_]\w*(:\w+)?\}?/g, '.*');
}

describe('promtool', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'cdc-promtool-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('accepts the rules file', () => {
    expectSuccess(promtool('check', 'rules', rulesFile));
  });

  it('passes the rules unit tests', () => {
    const result = promtool('test', 'rules', rulesTestFile);
    expectSuccess(result);
    expect(result.output).toContain('SUCCESS');
  });

  it.each(configFiles)('accepts %s', (file) => {
    expectSuccess(promtool('check', 'config', file));
  });

  it('parses every dashboard query', () => {
    interface Panel {
      id: number;
      targets?: { refId: string; expr?: string }[];
      panels?: Panel[];
    }
    const dashboard = JSON.parse(readFileSync(path.join(repoRoot, dashboardFile), 'utf8')) as {
      panels: Panel[];
    };
    const flatten = (panels: readonly Panel[]): Panel[] =>
      panels.flatMap((panel) => [panel, ...flatten(panel.panels ?? [])]);
    // Each query as a recording rule: `check rules` parses every expression and names the one that fails.
    const rules = flatten(dashboard.panels).flatMap((panel) =>
      (panel.targets ?? []).map(
        (target) =>
          `      - record: dashboard:panel_${panel.id}:${target.refId}\n` +
          `        expr: ${JSON.stringify(withoutGrafanaVariables(target.expr ?? ''))}`,
      ),
    );
    expect(rules.length).toBeGreaterThan(0);
    const file = path.join(scratch, 'dashboard-queries.yml');
    writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
    expectSuccess(promtool('check', 'rules', file));
  });
});
