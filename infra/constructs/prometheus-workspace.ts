/**
 * Amazon Managed Service for Prometheus: the workspace the scoring function remote-writes to, the
 * repository's alert rules loaded into it, and an Alertmanager that routes every alert to SNS.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Stack } from 'aws-cdk-lib';
import { CfnRuleGroupsNamespace, CfnWorkspace } from 'aws-cdk-lib/aws-aps';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import { SettingsError } from '../props.js';
import type { RemoteWriteTarget } from './prometheus-endpoint.js';

export interface PrometheusWorkspaceProps {
  /** The text of a Prometheus rule file (`groups:` ...): readRuleFile's, or alerting/rules.ts renderRules'. */
  readonly rules: string;
  /** Where Alertmanager sends alerts. */
  readonly alertTopic: ITopic;
}

/** The rule groups namespace in the workspace that holds vigil's rules. */
export const RULES_NAMESPACE = 'vigil';

export class PrometheusWorkspace extends Construct implements RemoteWriteTarget {
  readonly sigv4 = true;
  readonly workspace: CfnWorkspace;
  readonly rules: CfnRuleGroupsNamespace;
  /** `.../workspaces/<id>/api/v1/remote_write` */
  readonly remoteWriteUrl: string;
  /** `.../workspaces/<id>/`: Grafana's Prometheus data source URL. */
  readonly queryUrl: string;

  constructor(scope: Construct, id: string, props: PrometheusWorkspaceProps) {
    super(scope, id);
    this.workspace = new CfnWorkspace(this, 'Workspace', {
      alertManagerDefinition: alertmanagerConfig(props.alertTopic.topicArn, Stack.of(this).region),
    });
    this.rules = new CfnRuleGroupsNamespace(this, 'Rules', {
      workspace: this.workspace.attrArn,
      name: RULES_NAMESPACE,
      data: props.rules,
    });
    // The endpoint attribute ends with a slash.
    this.queryUrl = this.workspace.attrPrometheusEndpoint;
    this.remoteWriteUrl = `${this.workspace.attrPrometheusEndpoint}api/v1/remote_write`;
  }

  grantRemoteWrite(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ sid: 'RemoteWriteScores', actions: ['aps:RemoteWrite'], resources: [this.workspace.attrArn] }),
    );
  }

  grantQuery(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'QueryScores',
        actions: ['aps:QueryMetrics', 'aps:GetSeries', 'aps:GetLabels', 'aps:GetMetricMetadata'],
        resources: [this.workspace.attrArn],
      }),
    );
  }
}

/** Alertmanager configuration: every alert to the topic, one notification per alert name and host. */
export function alertmanagerConfig(topicArn: string, region: string): string {
  return [
    'alertmanager_config: |',
    '  route:',
    '    receiver: sns',
    '    group_by: [alertname, host]',
    '    group_wait: 30s',
    '    group_interval: 5m',
    '    repeat_interval: 4h',
    '  receivers:',
    '    - name: sns',
    '      sns_configs:',
    `        - topic_arn: ${topicArn}`,
    '          sigv4:',
    `            region: ${region}`,
    '',
  ].join('\n');
}

/** The rule file's text after checking it is a Prometheus rule file, so a broken one fails at synth, not in AWS. */
export function readRuleFile(path: string): string {
  if (!existsSync(path)) {
    throw new SettingsError(
      `alertRulesFile: no file at ${path}; write the Prometheus rule file there (grafana/alerts/vigil-rules.yml in this repository) or pass alertRulesFile`,
    );
  }
  const text = readFileSync(path, 'utf8');
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new SettingsError(`alertRulesFile ${path} is not valid YAML (${(error as Error).message}); check it with \`promtool check rules ${path}\``, {
      cause: error,
    });
  }
  const groups = (doc as { groups?: unknown } | null)?.groups;
  if (!Array.isArray(groups) || groups.length === 0) {
    throw new SettingsError(
      `alertRulesFile ${path} has no rule groups (expected a top-level \`groups:\` list); check it with \`promtool check rules ${path}\``,
    );
  }
  groups.forEach((group: unknown, index) => {
    const { name, rules } = (group ?? {}) as { name?: unknown; rules?: unknown };
    if (typeof name !== 'string' || !Array.isArray(rules) || rules.length === 0) {
      throw new SettingsError(
        `alertRulesFile ${path}: group ${index + 1} needs a \`name\` and a non-empty \`rules\` list; check it with \`promtool check rules ${path}\``,
      );
    }
  });
  return text;
}
