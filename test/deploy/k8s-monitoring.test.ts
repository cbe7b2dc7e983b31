/**
 * k8s/ carries copies of the monitoring files, because kustomize reads only files inside the folder it builds:
 * the alert rules and the dashboard (k8s/monitoring/files/, turned into ConfigMaps) and the PrometheusRule
 * (k8s/components/prometheus-operator/). They must stay the files in monitoring/: after changing those, run
 * `npx vitest run test/monitoring -u` (the PrometheusRule), then this file with `-u` (the copies).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/deploy/k8s/tools.ts';

const update = 'run `npx vitest run test/deploy/k8s-monitoring.test.ts -u`';

function read(file: string): string {
  return readFileSync(path.join(repoRoot, file), 'utf8');
}

/** The generated PrometheusRule with this copy's own header instead of the original's. */
function componentPrometheusRule(original: string): string {
  const body = original.slice(original.search(/^apiVersion:/m));
  return [
    '# Copy of k8s/monitoring/prometheus-rule.yaml (generated from monitoring/prometheus/rules/): do not edit.',
    '# test/deploy/k8s-monitoring.test.ts keeps it identical; after `npx vitest run test/monitoring -u`, run',
    '# `npx vitest run test/deploy/k8s-monitoring.test.ts -u`.',
    body,
  ].join('\n');
}

describe('the monitoring files in k8s/', () => {
  it.each([
    ['monitoring/prometheus/rules/cdc-pipeline.rules.yml', 'k8s/monitoring/files/cdc-pipeline.rules.yml'],
    ['monitoring/grafana/dashboards/cdc-pipeline.json', 'k8s/monitoring/files/cdc-pipeline.json'],
  ])('copy %s', async (source, copy) => {
    await expect(read(source), `${copy} is stale: ${update}`).toMatchFileSnapshot(path.join(repoRoot, copy));
  });

  it('give the prometheus-operator component the same PrometheusRule', async () => {
    const original = read('k8s/monitoring/prometheus-rule.yaml');
    expect(original).toMatch(/^kind: PrometheusRule$/m);
    await expect(
      componentPrometheusRule(original),
      `k8s/components/prometheus-operator/prometheus-rule.yaml is stale: ${update}`,
    ).toMatchFileSnapshot(path.join(repoRoot, 'k8s/components/prometheus-operator/prometheus-rule.yaml'));
  });

  it('are what the kustomizations read', () => {
    const monitoring = read('k8s/monitoring/kustomization.yaml')
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('#'))
      .join('\n');
    expect(monitoring).toContain('=files/cdc-pipeline.rules.yml');
    expect(monitoring).toContain('=files/cdc-pipeline.json');
    // Nothing from outside the folder: kustomize's default load restrictor would refuse it.
    expect(monitoring).not.toContain('../');
    expect(read('k8s/components/prometheus-operator/kustomization.yaml')).toMatch(
      /^\s+- prometheus-rule\.yaml$/m,
    );
  });
});
