/**
 * End to end over the wire: the scoring function's Prometheus sink writes a host's results to a real
 * Prometheus that evaluates the vigil rules (fast hold times, same generator as production) and sends
 * to a real Alertmanager; a local webhook receives the firing notification, then the resolved one
 * after the host returns to normal.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScoredSample } from '../../core/scored-sample.js';
import { PrometheusSink } from '../../functions/sinks/prometheus.js';
import { ALERT_NAMES, PRODUCTION_TIMINGS, renderRules, type RuleTimings } from '../../alerting/rules.js';
import type { RunningServer } from '../../local/process.js';
import { startAlertmanager, startPrometheus } from '../../local/prometheus.js';
import { uniqueName } from '../aws-env.js';
import { startWebhookReceiver, waitUntil, type WebhookAlert, type WebhookReceiver } from './webhook-receiver.js';

/** Production rules with second-scale hold times: one sample a second, a 4 s hold. */
const FAST: RuleTimings = { ...PRODUCTION_TIMINGS, sampleIntervalSeconds: 1, anomalyHoldSeconds: 4, arrivalAllowanceSeconds: 1, silentAfterSeconds: 30 };
const THRESHOLD = 0.6;
const MODEL_CREATED_MS = Date.UTC(2026, 10, 1);

describe('alerts end to end: sink -> Prometheus rules -> Alertmanager -> webhook', () => {
  const servers: RunningServer[] = [];
  let webhook: WebhookReceiver;
  let sink: PrometheusSink;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-alerts-e2e-'));
    const rulesFile = join(dir, 'vigil-rules.yml');
    writeFileSync(rulesFile, renderRules(FAST));
    webhook = await startWebhookReceiver();
    const alertmanager = await startAlertmanager({
      dataDir: join(dir, 'alertmanager'),
      webhookUrl: webhook.url,
      groupWait: '1s',
      groupInterval: '1s',
      repeatInterval: '1h',
    });
    servers.push(alertmanager);
    const prometheus = await startPrometheus({
      dataDir: join(dir, 'prometheus'),
      ruleFiles: [rulesFile],
      alertmanagerUrl: alertmanager.url,
      evaluationInterval: '1s',
    });
    servers.push(prometheus);
    sink = new PrometheusSink({ url: `${prometheus.url}/api/v1/write` });
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await webhook?.close();
  });

  it('a host anomalous past the hold pages with its severity and top metric, then resolves when it is normal again; a 2-sample spike does not page', async () => {
    const host = uniqueName('e2e-web');
    const spiky = uniqueName('e2e-spike');
    let seq = 0;
    let anomalousFrom: number | undefined;
    // Sample times on an exact 1 s grid, as an agent stamps them, even if a write runs late on a busy machine.
    const start = Date.now();
    const scored = (name: string, s: number, anomalous: boolean): ScoredSample => ({
      host: name,
      tags: { env: 'e2e' },
      seq: s,
      time: start + s * FAST.sampleIntervalSeconds * 1000,
      metrics: { cpu_pct: anomalous ? 97 : 20, mem_used_pct: 41 },
      score: anomalous ? 0.81 : 0.42,
      anomaly: anomalous,
      severity: anomalous ? 'high' : 'normal',
      confidence: 0.9,
      topMetric: 'cpu_pct',
      rankedMetrics: ['cpu_pct'],
      modelVersion: 'e2e-model',
      recordVersion: MODEL_CREATED_MS,
    });
    const writeOne = async (): Promise<void> => {
      const s = seq++;
      const anomalous = anomalousFrom !== undefined && s >= anomalousFrom;
      // The spiky host is anomalous for the first two samples of the anomaly only: shorter than any hold.
      const spiking = anomalousFrom !== undefined && s >= anomalousFrom && s < anomalousFrom + 2;
      const samples = [scored(host, s, anomalous), scored(spiky, s, spiking)];
      const time = samples[0]!.time;
      const outcome = await sink.prepare({ samples, store: [true, true], threshold: THRESHOLD, modelCreatedMs: MODEL_CREATED_MS, scoredAt: time + 50 }).send();
      if (outcome.written !== 2) throw new Error(`the sink did not write the samples: ${JSON.stringify(outcome)}`);
    };
    const normalAgain = (): void => {
      anomalousFrom = undefined;
    };
    // One sample a second, like an agent at a 1 s interval; the mode switches under it.
    let writing = Promise.resolve();
    let failure: unknown;
    const timer = setInterval(() => {
      writing = writing.then(writeOne).catch((error: unknown) => void (failure = error));
    }, FAST.sampleIntervalSeconds * 1000);
    const forHost = (alertname: string, status: WebhookAlert['status']) => (a: WebhookAlert) =>
      a.labels.alertname === alertname && a.labels.host === host && a.status === status;
    try {
      await waitUntil(() => seq >= 3, 10_000, 'three normal samples written');
      anomalousFrom = seq + 1;
      const firing = await webhook.waitForAlert(forHost(ALERT_NAMES.hostAnomaly, 'firing'), 25_000, `${ALERT_NAMES.hostAnomaly} firing for ${host}`);
      expect(firing.labels).toMatchObject({ host, env: 'e2e', severity: 'critical', vigil_severity: 'high', component: 'host' });
      expect(firing.annotations.summary).toBe(`Host ${host} is anomalous for 4s`);
      expect(firing.annotations.description).toContain('Most anomalous metric: cpu_pct. Latest score 0.810, threshold 0.600.');
      expect(firing.annotations.dashboard).toBe(`/d/vigil-host-detail?var-host=${host}`);
      const sustained = await webhook.waitForAlert(forHost(ALERT_NAMES.sustainedAnomaly, 'firing'), 10_000, `${ALERT_NAMES.sustainedAnomaly} firing`);
      expect(sustained.labels).toMatchObject({ host, severity: 'critical', vigil_severity: 'high' });
      // Nothing resolved while the host stayed anomalous.
      expect(webhook.notifications.flatMap((n) => n.alerts).filter(forHost(ALERT_NAMES.hostAnomaly, 'resolved'))).toEqual([]);

      normalAgain();
      const resolved = await webhook.waitForAlert(forHost(ALERT_NAMES.hostAnomaly, 'resolved'), 25_000, `${ALERT_NAMES.hostAnomaly} resolved for ${host}`);
      expect(resolved.labels).toMatchObject({ host, severity: 'critical', vigil_severity: 'high' });
      await webhook.waitForAlert(forHost(ALERT_NAMES.sustainedAnomaly, 'resolved'), 15_000, `${ALERT_NAMES.sustainedAnomaly} resolved`);
      // By now the spike is many holds old: it never paged.
      expect(webhook.notifications.flatMap((n) => n.alerts).filter((a) => a.labels.host === spiky)).toEqual([]);
    } finally {
      clearInterval(timer);
      await writing;
    }
    expect(failure).toBeUndefined();
  }, 90_000);
});
