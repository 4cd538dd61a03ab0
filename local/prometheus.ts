/**
 * Debian's Prometheus and Alertmanager on loopback, configured as the pipeline needs: the
 * remote-write receiver on, an out-of-order window (late samples from a retried batch are kept),
 * and optionally rule files plus an Alertmanager to send alerts to. Installed on first use
 * (scripts/setup.sh prometheus) where they are missing.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startServer, type RunningServer } from './process.js';
import { ensureInstalled } from './setup.js';

export function which(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The alerts page of a running Prometheus: `/alerts` where the web UI is built in, `/classic/alerts`
 * where only the classic UI is (Debian's package). Asked of the server itself, 2 s a page; the
 * server's address when neither answers.
 */
export async function alertsPage(url: string): Promise<string> {
  for (const page of [`${url}/alerts`, `${url}/classic/alerts`]) {
    const answer = await fetch(page, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
    await answer?.body?.cancel();
    if (answer?.ok) return page;
  }
  return url;
}

export interface PrometheusOptions {
  dataDir: string;
  ruleFiles?: string[];
  alertmanagerUrl?: string;
  /** How often rules are evaluated; short in tests. */
  evaluationInterval?: string;
}

export async function startPrometheus(options: PrometheusOptions): Promise<RunningServer> {
  if (!which('prometheus')) ensureInstalled(['prometheus']);
  const bin = which('prometheus');
  if (!bin) throw new Error('prometheus is still not on PATH after the set-up installed it: apt-get install prometheus');
  const configFile = join(options.dataDir, 'prometheus.yml');
  const config = {
    global: { evaluation_interval: options.evaluationInterval ?? '15s', scrape_interval: '1m' },
    storage: { tsdb: { out_of_order_time_window: '2h' } },
    ...(options.ruleFiles ? { rule_files: options.ruleFiles } : {}),
    ...(options.alertmanagerUrl ? { alerting: { alertmanagers: [{ static_configs: [{ targets: [new URL(options.alertmanagerUrl).host] }] }] } } : {}),
  };
  return startServer({
    name: 'prometheus',
    command: bin,
    dataDir: options.dataDir,
    readyPath: '/-/ready',
    args: (port) => {
      writeFileSync(configFile, stringify(config));
      return [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(options.dataDir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--web.enable-remote-write-receiver',
        '--web.enable-lifecycle',
      ];
    },
  });
}

export interface AlertmanagerOptions {
  dataDir: string;
  /** Where notifications go (a webhook receiver); without it, alerts are only kept. */
  webhookUrl?: string;
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
}

export async function startAlertmanager(options: AlertmanagerOptions): Promise<RunningServer> {
  const alertmanager = (): string | undefined => which('prometheus-alertmanager') ?? which('alertmanager');
  if (!alertmanager()) ensureInstalled(['prometheus']);
  const bin = alertmanager();
  if (!bin) throw new Error('alertmanager is still not on PATH after the set-up installed it: apt-get install prometheus-alertmanager');
  const configFile = join(options.dataDir, 'alertmanager.yml');
  const receiver = options.webhookUrl ? { name: 'webhook', webhook_configs: [{ url: options.webhookUrl, send_resolved: true }] } : { name: 'null' };
  const config = {
    route: {
      receiver: receiver.name,
      group_by: ['alertname', 'host'],
      group_wait: options.groupWait ?? '30s',
      group_interval: options.groupInterval ?? '5m',
      repeat_interval: options.repeatInterval ?? '4h',
    },
    receivers: [receiver],
  };
  return startServer({
    name: 'alertmanager',
    command: bin,
    dataDir: options.dataDir,
    readyPath: '/-/ready',
    args: (port) => {
      writeFileSync(configFile, stringify(config));
      return [
        `--config.file=${configFile}`,
        `--storage.path=${join(options.dataDir, 'am-data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ];
    },
  });
}
