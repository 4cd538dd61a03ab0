/**
 * What `npm run grafana:publish` needs, from environment variables, checked in one schema: errors
 * name the variable, the value given and what to set.
 */
import * as z from 'zod';
import { DEFAULT_TIMESTREAM_DATABASE, DEFAULT_TIMESTREAM_TABLE } from '../../core/stored-result.js';
import { ALL_SOURCES, type DataSourceKind } from '../boards/common.js';

const url = (example: string) => z.url({ protocol: /^https?$/, error: `expected an http(s) URL such as ${example}` }).transform((u) => u.replace(/\/+$/, ''));

export const PublishEnvSchema = z.object({
  GRAFANA_URL: url('https://g-abc123def4.grafana-workspace.us-east-1.amazonaws.com'),
  GRAFANA_TOKEN: z.string({ error: 'required: a Grafana service account token (Admin role, to manage data sources)' }).min(1, 'must not be empty'),
  /** The Prometheus query endpoint: an AMP workspace URL (…/workspaces/ws-…/) or a plain Prometheus. */
  VIGIL_PROMETHEUS_QUERY_URL: url('https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-0123abcd/'),
  /** SigV4 for AMP; by default on exactly when the URL is an amazonaws.com one. */
  VIGIL_PROMETHEUS_SIGV4: z.enum(['true', 'false'], { error: 'expected true or false' }).optional(),
  AWS_REGION: z
    .string({ error: 'required: the region of the stack (Timestream, CloudWatch, AMP), e.g. us-east-1' })
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected a region such as us-east-1'),
  VIGIL_TIMESTREAM_DATABASE: z.string().min(1).default(DEFAULT_TIMESTREAM_DATABASE),
  VIGIL_TIMESTREAM_TABLE: z.string().min(1).default(DEFAULT_TIMESTREAM_TABLE),
  /** The scoring function's name (the stack's ScoreFunctionName output), for the iterator-age panel. */
  VIGIL_SCORE_FUNCTION_NAME: z.string().min(1).optional(),
  /** How Grafana signs its AWS calls: the workspace's IAM role in Amazon Managed Grafana, else the SDK's default chain. */
  VIGIL_GRAFANA_AWS_AUTH: z
    .enum(['ec2_iam_role', 'default'], { error: 'expected ec2_iam_role (Amazon Managed Grafana workspace role) or default (AWS SDK chain)' })
    .default('ec2_iam_role'),
  /** Folder the dashboards go to. */
  VIGIL_GRAFANA_FOLDER: z.string().min(1).default('vigil'),
  /** The data sources the stack has: Timestream with its sink, CloudWatch where Grafana may read the function's metrics. */
  VIGIL_DASHBOARD_SOURCES: z
    .string()
    .default(ALL_SOURCES.join(','))
    .transform((v) => [
      ...new Set(
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(
      z
        .array(z.enum(ALL_SOURCES, { error: `expected a comma list of ${ALL_SOURCES.join(', ')}` }))
        .refine((sources) => sources.includes('prometheus'), 'must include prometheus (every dashboard reads it)'),
    ),
});

export interface PublishConfig {
  readonly grafanaUrl: string;
  readonly token: string;
  readonly prometheusUrl: string;
  readonly prometheusSigV4: boolean;
  readonly region: string;
  readonly timestreamDatabase: string;
  readonly timestreamTable: string;
  readonly scoreFunctionName?: string;
  readonly awsAuthType: 'ec2_iam_role' | 'default';
  readonly folderTitle: string;
  /** The data sources to create and the dashboards' panels to keep. */
  readonly sources: readonly DataSourceKind[];
}

export function publishConfigFromEnv(env: NodeJS.ProcessEnv): PublishConfig {
  const checked = PublishEnvSchema.safeParse(env);
  if (!checked.success) {
    const lines = checked.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const value = env[name];
      const shown = name === 'GRAFANA_TOKEN' ? (value ? '(hidden)' : 'not set') : value === undefined ? 'not set' : JSON.stringify(value);
      return `  ${name} = ${shown}: ${issue.message}`;
    });
    throw new Error(`missing or invalid environment variables:\n${lines.join('\n')}`);
  }
  const e = checked.data;
  return {
    grafanaUrl: e.GRAFANA_URL,
    token: e.GRAFANA_TOKEN,
    prometheusUrl: e.VIGIL_PROMETHEUS_QUERY_URL,
    prometheusSigV4: e.VIGIL_PROMETHEUS_SIGV4 ? e.VIGIL_PROMETHEUS_SIGV4 === 'true' : new URL(e.VIGIL_PROMETHEUS_QUERY_URL).hostname.endsWith('.amazonaws.com'),
    region: e.AWS_REGION,
    timestreamDatabase: e.VIGIL_TIMESTREAM_DATABASE,
    timestreamTable: e.VIGIL_TIMESTREAM_TABLE,
    ...(e.VIGIL_SCORE_FUNCTION_NAME ? { scoreFunctionName: e.VIGIL_SCORE_FUNCTION_NAME } : {}),
    awsAuthType: e.VIGIL_GRAFANA_AWS_AUTH,
    folderTitle: e.VIGIL_GRAFANA_FOLDER,
    sources: e.VIGIL_DASHBOARD_SOURCES,
  };
}
