/**
 * The alert rules: the committed file is what the generator makes, promtool accepts it, and the
 * promtool unit tests in grafana/alerts/tests pass, with a firing case and a near miss for every alert.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SERIES } from '../../core/alert-series.js';
import { promDuration } from '../../alerting/duration.js';
import { ALERT_NAMES, PRODUCTION_TIMINGS, renderRules, vigilRules } from '../../alerting/rules.js';
import { RULES_FILE } from '../../grafana/build.js';
import { which } from '../../local/prometheus.js';

const TESTS_DIR = join('grafana', 'alerts', 'tests');
const testFiles = readdirSync(TESTS_DIR)
  .filter((f) => f.endsWith('.test.yml'))
  .sort();

function promtool(...args: string[]): string {
  const bin = which('promtool');
  if (!bin) throw new Error('promtool is not installed: apt-get install prometheus (or run bash scripts/setup.sh)');
  try {
    return execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

describe('promDuration', () => {
  it('writes seconds as Prometheus durations', () => {
    expect([120, 90, 3600, 7 * 86_400, 0.5, 49.999].map(promDuration)).toEqual(['2m', '1m30s', '1h', '7d', '500ms', '49s999ms']);
  });
  it('rejects what is not a positive whole number of milliseconds, naming the value', () => {
    expect(() => promDuration(0)).toThrow(/got 0 s/);
    expect(() => promDuration(-5)).toThrow(/got -5 s/);
    expect(() => promDuration(0.0001)).toThrow(/got 0.0001 s/);
  });
});

describe('alert rule file', () => {
  it('the committed grafana/alerts/vigil-rules.yml is the production variant of alerting/rules.ts (run npm run grafana:build)', () => {
    expect(readFileSync(RULES_FILE, 'utf8')).toBe(renderRules(PRODUCTION_TIMINGS));
  });

  it('defines every alert once, each with a warning or critical severity, vigil’s own level, summary, description, dashboard and runbook', () => {
    const rules = vigilRules().groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert).sort()).toEqual(Object.values(ALERT_NAMES).sort());
    for (const rule of rules) {
      // The host anomaly's levels come from its value: a template choosing between the same names.
      expect(
        rule.labels
          .severity!.replace(/\{\{[^}]*\}\}/g, ' ')
          .trim()
          .split(/\s+/),
        rule.alert,
      ).toSatisfy((names: string[]) => names.every((name) => name === 'warning' || name === 'critical'));
      expect(rule.labels.vigil_severity, rule.alert).toBeTruthy();
      expect(Object.keys(rule.annotations).sort(), rule.alert).toEqual(['dashboard', 'description', 'runbook_url', 'summary']);
      expect(rule.annotations.dashboard, rule.alert).toMatch(/^\/d\/vigil-/);
      expect(rule.annotations.runbook_url, rule.alert).toBe(`docs/runbooks/${rule.alert}.md`);
      // Every alert has its runbook in this repository.
      expect(existsSync(join(import.meta.dirname, '../..', rule.annotations.runbook_url!)), rule.alert).toBe(true);
    }
    expect(vigilRules().groups[0]!.rules.find((r) => r.alert === ALERT_NAMES.sustainedAnomaly)!.labels).toMatchObject({
      severity: 'critical',
      vigil_severity: 'high',
    });
  });

  it('links to the Grafana and runbooks given, absolute for an e-mail', () => {
    const rules = vigilRules(PRODUCTION_TIMINGS, {
      grafanaUrl: 'https://g-1.grafana-workspace.eu-west-1.amazonaws.com',
      runbookUrl: 'https://wiki.example/vigil',
    }).groups.flatMap((g) => g.rules);
    const stale = rules.find((r) => r.alert === ALERT_NAMES.modelStale)!;
    expect(stale.annotations.dashboard).toBe('https://g-1.grafana-workspace.eu-west-1.amazonaws.com/d/vigil-pipeline-health');
    expect(stale.annotations.runbook_url).toBe('https://wiki.example/vigil/VigilModelStale.md');
  });

  it('queries only the series of the alert-series contract', () => {
    const known = new Set<string>(Object.values(SERIES));
    // The expressions and the annotations' queries (labels such as vigil_severity are not series).
    const text = JSON.stringify(vigilRules().groups.flatMap((g) => g.rules.map((r) => [r.expr, r.annotations])));
    const used = new Set(text.match(/\bvigil_[a-z_]+\b/g) ?? []);
    expect([...used].filter((name) => !known.has(name))).toEqual([]);
    expect(used.size).toBeGreaterThan(5);
  });

  it('promtool accepts the production file and a fast variant', () => {
    expect(promtool('check', 'rules', RULES_FILE)).toMatch(/SUCCESS: 7 rules found/);
    const fast = renderRules({ ...PRODUCTION_TIMINGS, sampleIntervalSeconds: 1, anomalyHoldSeconds: 3, arrivalAllowanceSeconds: 1, silentAfterSeconds: 5 });
    const file = join(mkdtempSync(join(tmpdir(), 'vigil-rules-')), 'fast-rules.yml');
    writeFileSync(file, fast);
    expect(promtool('check', 'rules', file)).toMatch(/SUCCESS: 7 rules found/);
  });
});

describe('promtool test rules', () => {
  it.each(testFiles)('%s passes', (file) => {
    expect(promtool('test', 'rules', join(TESTS_DIR, file))).toMatch(/SUCCESS/);
  });

  it('every alert has a case where it fires and a near miss where it must not', () => {
    interface AlertTest {
      alertname: string;
      exp_alerts?: unknown[];
    }
    const cases = testFiles.flatMap((file) => {
      const suite = parse(readFileSync(join(TESTS_DIR, file), 'utf8')) as { tests: { alert_rule_test?: AlertTest[] }[] };
      return suite.tests.flatMap((t) => t.alert_rule_test ?? []);
    });
    for (const alert of Object.values(ALERT_NAMES)) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect(
        mine.some((c) => (c.exp_alerts ?? []).length > 0),
        `${alert} fires somewhere`,
      ).toBe(true);
      expect(
        mine.some((c) => (c.exp_alerts ?? []).length === 0),
        `${alert} has a near miss`,
      ).toBe(true);
    }
  });
});
