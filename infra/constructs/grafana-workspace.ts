/**
 * Optional Amazon Managed Grafana workspace, signed in through IAM Identity Center (which must be
 * enabled in the account), with a role that reads the Prometheus workspace, the Timestream table
 * when that sink is on, and CloudWatch metrics (the dashboards' pipeline-health panels).
 * Dashboards are published separately (`npm run grafana:publish`).
 */
import { Stack } from 'aws-cdk-lib';
import { CfnWorkspace } from 'aws-cdk-lib/aws-grafana';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.js';
import type { PrometheusWorkspace } from './prometheus-workspace.js';
import type { TimestreamStore } from './timestream-store.js';

export interface GrafanaWorkspaceProps {
  readonly prometheus: PrometheusWorkspace | undefined;
  readonly timestream: TimestreamStore | undefined;
}

export class GrafanaWorkspace extends Construct {
  readonly workspace: CfnWorkspace;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: GrafanaWorkspaceProps) {
    super(scope, id);
    const { account } = Stack.of(this);
    this.role = new Role(this, 'Role', {
      description: 'vigil Grafana workspace: reads the vigil Prometheus workspace and Timestream table',
      assumedBy: new ServicePrincipal('grafana.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': account } } }),
    });
    props.prometheus?.grantQuery(this.role);
    props.timestream?.grantQuery(this.role);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ sid: 'ReadPipelineMetrics', actions: ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics'], resources: ['*'] }),
    );
    acknowledge(this.role, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "cloudwatch:GetMetricData and ListMetrics (the dashboards' pipeline-health panels) and Timestream's account-level actions support no resource-level permission; the role only reads.",
    });
    this.workspace = new CfnWorkspace(this, 'Workspace', {
      accountAccessType: 'CURRENT_ACCOUNT',
      authenticationProviders: ['AWS_SSO'],
      permissionType: 'CUSTOMER_MANAGED',
      roleArn: this.role.roleArn,
      dataSources: [...(props.prometheus ? ['PROMETHEUS'] : []), ...(props.timestream ? ['TIMESTREAM'] : []), 'CLOUDWATCH'],
      description: 'vigil: host anomaly dashboards',
    });
  }
}
