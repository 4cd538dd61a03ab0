/**
 * A vigil function's log group and execution role, made the same way for every function: an
 * explicit role instead of the AWSLambdaBasicExecutionRole managed policy, allowed to write to its
 * own log group only. Created in `scope` as `Logs` and `Role`.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export function functionLogsAndRole(scope: Construct, options: { description: string; logRetention: RetentionDays }): { logGroup: LogGroup; role: Role } {
  const logGroup = new LogGroup(scope, 'Logs', { retention: options.logRetention, removalPolicy: RemovalPolicy.DESTROY });
  const role = new Role(scope, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: options.description });
  role.addToPrincipalPolicy(
    new PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
  );
  return { logGroup, role };
}
