/**
 * The monitoring files against the code: the Grafana dashboard is well formed, every cdc_* metric the
 * dashboard and the alert rules query is one the services export (a renamed metric would otherwise leave a
 * silent alert and an empty panel), and the Kubernetes PrometheusRule carries the same rules as the rules file.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/stack/topology.ts';

const rulesPath = path.join(repoRoot, 'monitoring/prometheus/rules/cdc-pipeline.rules.yml');
const dashboardPath = path.join(repoRoot, 'monitoring/grafana/dashboards/cdc-pipeline.json');
const prometheusRulePath = path.join(repoRoot, 'k8s/monitoring/prometheus-rule.yaml');

const metricsFiles = [
  'services/replication-reader/metrics.ts',
  'services/raw-sink/metrics.ts',
  'services/marts-builder/metrics.ts',
];
const opsMetricsFile = 'services/ops/server/metrics.ts';
// The ops service's metrics as its brief defines them, used until services/ops/server/metrics.ts exists.
const plannedOpsMetrics = [
  'cdc_ops_consumer_lag_messages',
  'cdc_ops_consumer_lag_seconds',
  'cdc_ops_slot_lag_bytes',
  'cdc_ops_slot_active',
  'cdc_ops_dlq_messages',
  'cdc_ops_marts_freshness_seconds',
  'cdc_ops_table_paused',
  'cdc_ops_check_level',
  'cdc_ops_source_up',
];
const histogramSuffixes = ['_bucket', '_sum', '_count'];
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, which the panels must carry.
const datasourceVariable = '${datasource}';

interface Target {
  refId?: string;
  expr?: string;
}

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}

interface Dashboard {
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: unknown; definition?: string }[] };
}

function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(dashboardPath, 'utf8')) as Dashboard;
}

/** Every panel, those inside collapsed rows included. */
function allPanels(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);
}

/** The metric names written as string literals in a metrics module (`name: 'cdc_...'` or a names table). */
function metricNamesIn(file: string): string[] {
  const source = readFileSync(path.join(repoRoot, file), 'utf8');
  return [...source.matchAll(/['"`](cdc_[a-z0-9_]+)['"`]/g)].map((match) => match[1] as string);
}

function knownMetricNames(): Set<string> {
  const names = metricsFiles.flatMap(metricNamesIn);
  names.push(
    ...(existsSync(path.join(repoRoot, opsMetricsFile)) ? metricNamesIn(opsMetricsFile) : plannedOpsMetrics),
  );
  return new Set(names);
}

function isKnownMetric(name: string, known: ReadonlySet<string>): boolean {
  if (known.has(name)) return true;
  const suffix = histogramSuffixes.find((candidate) => name.endsWith(candidate));
  return suffix !== undefined && known.has(name.slice(0, -suffix.length));
}

function metricNamesReferenced(expr: string): string[] {
  return [...expr.matchAll(/\bcdc_[a-z0-9_]+\b/g)].map((match) => match[0]);
}

/**
 * The `expr:` values of a rules file, inline or block scalars. Line-based, for the layout our rules file
 * uses, since the project has no YAML parser: an expression this misses would also be missing from the
 * count checked below.
 */
function ruleExpressions(text: string): string[] {
  const lines = text.split('\n');
  const expressions: string[] = [];
  for (let index = 0; index < lines.length; index++) {
    const match = /^(\s*)expr:\s*(.*)$/.exec(lines[index] as string);
    if (!match) continue;
    const [, indent = '', value = ''] = match;
    if (!/^[|>][-+]?$/.test(value)) {
      expressions.push(value.replace(/^(['"])(.*)\1$/, '$2'));
      continue;
    }
    const block: string[] = [];
    while (index + 1 < lines.length) {
      const next = lines[index + 1] as string;
      if (next.trim() !== '' && next.search(/\S/) <= indent.length) break;
      block.push(next.trim());
      index++;
    }
    expressions.push(block.join('\n').trim());
  }
  return expressions;
}

function alertNames(text: string): string[] {
  return [...text.matchAll(/^\s*- alert:\s*(\S+)\s*$/gm)].map((match) => match[1] as string).sort();
}

function ruleCount(text: string): number {
  return [...text.matchAll(/^\s*- (alert|record):/gm)].length;
}

/**
 * The PrometheusRule is the rules file's `groups:` under `spec:`, so the Prometheus Operator and a plain
 * Prometheus evaluate the same rules. Written by `npx vitest run test/monitoring -u`.
 */
function prometheusRuleFrom(rules: string): string {
  const groups = rules.slice(rules.search(/^groups:/m));
  const indented = groups
    .split('\n')
    .map((line) => (line === '' ? line : `  ${line}`))
    .join('\n');
  return [
    '# Generated from monitoring/prometheus/rules/cdc-pipeline.rules.yml by test/monitoring/dashboard.test.ts:',
    '# do not edit; after changing the rules, run `npx vitest run test/monitoring -u`. For clusters running the',
    '# Prometheus Operator; see monitoring/README.md.',
    'apiVersion: monitoring.coreos.com/v1',
    'kind: PrometheusRule',
    'metadata:',
    '  name: cdc-pipeline',
    '  labels:',
    '    app.kubernetes.io/part-of: cdc-pipeline',
    '    app.kubernetes.io/component: monitoring',
    'spec:',
    indented,
  ].join('\n');
}

describe('Grafana dashboard', () => {
  const dashboard = readDashboard();
  const panels = allPanels(dashboard.panels);
  // Rows only group panels: they query nothing.
  const queryPanels = panels.filter((panel) => panel.type !== 'row');

  it('is a current schema with a Prometheus data source variable', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    const variable = dashboard.templating.list.find((entry) => entry.name === 'datasource');
    expect(variable).toMatchObject({ type: 'datasource', query: 'prometheus' });
  });

  it('gives every panel a unique id', () => {
    const ids = panels.map((panel) => panel.id);
    expect(ids.filter((id, index) => ids.indexOf(id) !== index)).toEqual([]);
  });

  it('queries the data source variable with at least one expression in every panel', () => {
    expect(queryPanels.length).toBeGreaterThan(20);
    for (const panel of queryPanels) {
      expect(panel.datasource?.uid, `panel ${panel.id} "${panel.title}"`).toBe(datasourceVariable);
      expect(panel.targets?.length ?? 0, `panel ${panel.id} "${panel.title}" has no target`).toBeGreaterThan(
        0,
      );
      for (const target of panel.targets ?? []) {
        expect(target.expr?.trim(), `panel ${panel.id} "${panel.title}" target ${target.refId}`).toBeTruthy();
      }
    }
  });

  it('queries only metrics the services export', () => {
    const known = knownMetricNames();
    const expressions = [
      ...queryPanels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr ?? '')),
      ...dashboard.templating.list.map((variable) => variable.definition ?? ''),
    ];
    const unknown = expressions.flatMap(metricNamesReferenced).filter((name) => !isKnownMetric(name, known));
    expect(unknown, `not exported by ${[...metricsFiles, opsMetricsFile].join(', ')}`).toEqual([]);
  });
});

describe('alert rules', () => {
  const rules = readFileSync(rulesPath, 'utf8');

  it('query only metrics the services export', () => {
    const expressions = ruleExpressions(rules);
    // One expression per rule: the line-based reader above saw them all.
    expect(expressions).toHaveLength(ruleCount(rules));
    const known = knownMetricNames();
    const unknown = expressions.flatMap(metricNamesReferenced).filter((name) => !isKnownMetric(name, known));
    expect(unknown, `not exported by ${[...metricsFiles, opsMetricsFile].join(', ')}`).toEqual([]);
  });

  it('give every alert a severity, a summary and a description', () => {
    const blocks = rules.split(/^\s*- alert:/m).slice(1);
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      const name = block.trim().split('\n')[0];
      expect(block, `${name}`).toMatch(/^\s+severity: (critical|warning|info)$/m);
      expect(block, `${name}`).toMatch(/^\s+summary: /m);
      expect(block, `${name}`).toMatch(/^\s+description: /m);
    }
  });

  it('are the same in the Kubernetes PrometheusRule', async () => {
    const prometheusRule = prometheusRuleFrom(rules);
    expect(alertNames(prometheusRule)).toEqual(alertNames(rules));
    // The file on disk is exactly the generated one (`-u` rewrites it), so it lists the same alerts too.
    await expect(
      prometheusRule,
      'k8s/monitoring/prometheus-rule.yaml is stale: run `npx vitest run test/monitoring -u`',
    ).toMatchFileSnapshot(prometheusRulePath);
  });
});
