/**
 * Optional Amazon Managed Grafana workspace, signed in through IAM Identity Center (which must be
 * enabled in the account), with a role that reads the Prometheus workspace and, when that sink is
 * on, the Timestream table. Dashboards are published separately (`npm run grafana:publish`).
 */
import { Stack } from 'aws-cdk-lib';
import { CfnWorkspace } from 'aws-cdk-lib/aws-grafana';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
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
    this.workspace = new CfnWorkspace(this, 'Workspace', {
      accountAccessType: 'CURRENT_ACCOUNT',
      authenticationProviders: ['AWS_SSO'],
      permissionType: 'CUSTOMER_MANAGED',
      roleArn: this.role.roleArn,
      dataSources: [...(props.prometheus ? ['PROMETHEUS'] : []), ...(props.timestream ? ['TIMESTREAM'] : [])],
      description: 'vigil: host anomaly dashboards',
    });
  }
}
