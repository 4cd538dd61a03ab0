/**
 * `cdk synth` from the command line, as an operator runs it: cdk.json's app, settings from `-c`,
 * cdk-nag and CloudFormation validation on, local esbuild bundling. Nothing unacknowledged.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/vigil-stack.js';

const outdir = mkdtempSync(join(tmpdir(), 'vigil-cdk-cli-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function cdk(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('npx', ['cdk', ...args, '--no-notices', '--output', outdir], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', AWS_EC2_METADATA_DISABLED: 'true', CDK_DISABLE_VERSION_CHECK: 'true' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npx cdk synth', () => {
  it('synthesizes every option with nothing unacknowledged', { timeout: 240_000 }, () => {
    const run = cdk(
      'synth',
      '--quiet',
      '-c',
      'stackName=VigilCliTest',
      '-c',
      'sinks=prometheus,timestream',
      '-c',
      'grafana=true',
      '-c',
      'alarmEmail=ops@example.com',
      '-c',
      'streamMode=provisioned',
      '-c',
      'shardCount=2',
    );
    expect(run.stderr).not.toMatch(/^(ERROR|WARNING)\b/m);
    expect(run.status, run.stderr).toBe(0);
    const template = JSON.parse(readFileSync(join(outdir, 'VigilCliTest.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const types = Object.values(template.Resources).map((r) => r.Type);
    for (const type of [
      'AWS::Kinesis::Stream',
      'AWS::Lambda::Function',
      'AWS::Lambda::EventSourceMapping',
      'AWS::APS::Workspace',
      'AWS::Timestream::Table',
      'AWS::Grafana::Workspace',
      'AWS::SNS::Subscription',
    ]) {
      expect(types).toContain(type);
    }
    const stream = Object.values(template.Resources).find((r) => r.Type === 'AWS::Kinesis::Stream')!;
    expect(stream.Properties.ShardCount).toBe(2);
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; conclusion: string; violations: unknown[] }[];
    };
    for (const plugin of report.pluginReports) {
      expect(plugin.violations, plugin.pluginName).toEqual([]);
      expect(plugin.conclusion).toBe('success');
    }
  });

  it('stops on a bad setting with the setting, its value and the fix, and no stack trace', { timeout: 120_000 }, () => {
    const run = cdk('synth', '--quiet', '-c', 'batchSize=0', '-c', 'alarmEmail=ops');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('batchSize is 0: less than 1; use a whole number from 1 to 10,000');
    expect(run.stderr).toContain('alarmEmail is "ops": not one email address; give one email address such as ops@example.com');
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});
