/**
 * The Alertmanager definition the stack gives the Prometheus workspace is a real Alertmanager
 * configuration: `amtool check-config` (the Alertmanager package's own checker) accepts it, and it
 * routes every alert to the SNS topic.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { alertmanagerConfig } from '../../infra/constructs/prometheus-workspace.js';
import { which } from '../../local/prometheus.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-am-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:vigil-alerts';

describe('Alertmanager definition', () => {
  const definition = parse(alertmanagerConfig(TOPIC, 'eu-west-1')) as { alertmanager_config: string };

  it('wraps an Alertmanager configuration the way Amazon Managed Service for Prometheus takes it', () => {
    expect(Object.keys(definition)).toEqual(['alertmanager_config']);
    const config = parse(definition.alertmanager_config) as {
      route: { receiver: string; group_by: string[] };
      receivers: { name: string; sns_configs: { topic_arn: string; sigv4: { region: string } }[] }[];
    };
    expect(config.route).toMatchObject({ receiver: 'sns', group_by: ['alertname', 'host'] });
    expect(config.receivers).toEqual([{ name: 'sns', sns_configs: [{ topic_arn: TOPIC, sigv4: { region: 'eu-west-1' } }] }]);
  });

  it('passes amtool check-config', () => {
    const amtool = which('amtool');
    if (!amtool) throw new Error('amtool is not installed: run `npm run setup` (Debian package prometheus-alertmanager)');
    const file = join(dir, 'alertmanager.yml');
    writeFileSync(file, definition.alertmanager_config);
    const output = execFileSync(amtool, ['check-config', file], { encoding: 'utf8' });
    expect(output).toContain('SUCCESS');
    expect(output).toMatch(/- 1 receivers/);
  });
});
