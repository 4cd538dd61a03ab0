/**
 * `npm run grafana:publish`: pushes vigil's data sources and dashboards to a Grafana (an Amazon
 * Managed Grafana workspace) with a service account token. Idempotent: run it after every deploy.
 */
import { fileURLToPath } from 'node:url';
import { buildDashboards } from './boards/index.js';
import { publishConfigFromEnv } from './provisioning/config.js';
import { publishToGrafana } from './provisioning/publish.js';

const USAGE = `Usage: npm run grafana:publish

Pushes the vigil data sources (Prometheus, Timestream, CloudWatch) and dashboards to Grafana.
Environment:
  GRAFANA_URL                  workspace URL, e.g. https://g-abc123def4.grafana-workspace.us-east-1.amazonaws.com
  GRAFANA_TOKEN                service account token with the Admin role
  VIGIL_PROMETHEUS_QUERY_URL   Prometheus query URL, e.g. the AMP workspace's https://aps-workspaces.<region>.amazonaws.com/workspaces/ws-.../
  AWS_REGION                   region of the stack
  VIGIL_TIMESTREAM_DATABASE    default vigil          VIGIL_TIMESTREAM_TABLE   default host_scores
  VIGIL_SCORE_FUNCTION_NAME    the stack's ScoreFunctionName output (iterator-age panel)
  VIGIL_PROMETHEUS_SIGV4       true/false; default true for *.amazonaws.com
  VIGIL_GRAFANA_AWS_AUTH       ec2_iam_role (workspace role, default) or default (AWS SDK chain)
  VIGIL_GRAFANA_FOLDER         folder title, default vigil
  VIGIL_DASHBOARD_SOURCES      data sources the stack has, default prometheus,timestream,cloudwatch;
                               prometheus alone for the stack's defaults (panels of the others left out)

Example:
  GRAFANA_URL=https://g-abc123def4.grafana-workspace.us-east-1.amazonaws.com GRAFANA_TOKEN=glsa_... \\
  VIGIL_PROMETHEUS_QUERY_URL=https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-0123abcd/ \\
  AWS_REGION=us-east-1 npm run grafana:publish
`;

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    const config = publishConfigFromEnv(env);
    const dashboards = buildDashboards({ sources: config.sources, ...(config.scoreFunctionName ? { scoreFunctionName: config.scoreFunctionName } : {}) }).map(
      (d) => d.model,
    );
    const report = await publishToGrafana(config, dashboards);
    console.log(`Grafana ${report.grafanaVersion ?? ''} at ${config.grafanaUrl}`);
    for (const what of report.created) console.log(`  created   ${what}`);
    for (const what of report.updated) console.log(`  updated   ${what}`);
    for (const what of report.unchanged) console.log(`  unchanged ${what}`);
    return 0;
  } catch (error) {
    console.error(`grafana:publish failed: ${(error as Error).message}`);
    return 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2), process.env);
}
