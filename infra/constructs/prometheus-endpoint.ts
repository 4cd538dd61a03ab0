/**
 * A Prometheus remote-write endpoint the operator already runs (Prometheus, Mimir, Thanos, Grafana
 * Cloud, or an Amazon Managed Service for Prometheus workspace made elsewhere), used instead of a
 * workspace this stack creates. An Amazon Managed Service for Prometheus URL is signed with SigV4
 * and the function may remote-write to that one workspace; any other URL is sent unsigned and needs
 * no IAM permission. The alert rules are then the operator's to load
 * (grafana/alerts/vigil-rules.yml).
 */
import { Stack } from 'aws-cdk-lib';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/** Where the score function remote-writes, whether it signs, and the permission it needs. */
export interface RemoteWriteTarget {
  readonly remoteWriteUrl: string;
  /** Amazon Managed Service for Prometheus takes SigV4-signed remote writes only. */
  readonly sigv4: boolean;
  grantRemoteWrite(grantee: IGrantable): void;
}

/** `https://aps-workspaces.<region>.amazonaws.com[.cn]/workspaces/<id>/api/v1/remote_write` */
const MANAGED_REMOTE_WRITE = /^https:\/\/aps-workspaces\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/workspaces\/(ws-[A-Za-z0-9-]+)\/api\/v1\/remote_write$/;

/** The region and workspace id of an Amazon Managed Service for Prometheus remote-write URL, else undefined. */
export function managedWorkspaceOf(url: string): { region: string; workspaceId: string } | undefined {
  const match = MANAGED_REMOTE_WRITE.exec(url);
  return match ? { region: match[1]!, workspaceId: match[2]! } : undefined;
}

export class ExistingPrometheus implements RemoteWriteTarget {
  readonly sigv4: boolean;
  private readonly workspaceArn: string | undefined;

  constructor(
    scope: Construct,
    readonly remoteWriteUrl: string,
  ) {
    const managed = managedWorkspaceOf(remoteWriteUrl);
    this.sigv4 = managed !== undefined;
    const { partition, account } = Stack.of(scope);
    this.workspaceArn = managed && `arn:${partition}:aps:${managed.region}:${account}:workspace/${managed.workspaceId}`;
  }

  grantRemoteWrite(grantee: IGrantable): void {
    if (!this.workspaceArn) return;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ sid: 'RemoteWriteScores', actions: ['aps:RemoteWrite'], resources: [this.workspaceArn] }),
    );
  }
}
