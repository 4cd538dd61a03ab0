/** Props validation: every bad setting is reported at synth time with the prop, the value and the fix. */
import { App, Token } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, resolveProps, VigilPropsError } from '../../infra/props.js';
import type { VigilProps } from '../../infra/props.js';
import { VigilStack } from '../../infra/vigil-stack.js';

/** The problems resolveProps reports for these props (fails the test if it accepts them). */
function problemsOf(props: VigilProps): readonly string[] {
  try {
    resolveProps(props);
  } catch (error) {
    expect(error).toBeInstanceOf(VigilPropsError);
    return (error as VigilPropsError).problems;
  }
  return expect.fail(`props ${JSON.stringify(props)} were accepted`);
}

describe('resolveProps', () => {
  it('applies the documented defaults', () => {
    const config = resolveProps({});
    expect(config).toMatchObject({
      streamMode: 'on-demand',
      shardCount: undefined,
      sinks: ['prometheus'],
      batchSize: 500,
      retryAttempts: 3,
      maxRecordAgeSeconds: 3600,
      parallelizationFactor: 1,
      functionMemoryMb: 1024,
      functionTimeoutSeconds: 60,
      grafana: false,
      tracing: false,
      alarmEmail: undefined,
      alertRulesFile: undefined,
      grafanaUrl: undefined,
      runbookUrl: 'docs/runbooks',
      prometheusDetailSeconds: 60,
    });
    expect(config.streamRetentionHours).toBe(DEFAULTS.streamRetentionHours);
  });

  it('defaults a provisioned stream to one shard', () => {
    expect(resolveProps({ streamMode: 'provisioned' }).shardCount).toBe(1);
  });

  it.each([
    [{ batchSize: 0 }, 'batchSize is 0: less than 1; use a whole number from 1 to 10,000'],
    [{ batchSize: 10_001 }, 'batchSize is 10001: more than 10,000; use a whole number from 1 to 10,000'],
    [{ batchSize: 2.5 }, 'batchSize is 2.5: not a whole number; use a whole number'],
    [{ streamMode: 'provisioned', shardCount: 0 }, 'shardCount is 0: less than 1; use a whole number from 1 to 10,000'],
    [{ shardCount: 2 }, `shardCount is 2: only a provisioned stream has shards, and streamMode is "on-demand"; set streamMode to 'provisioned'`],
    [{ streamMode: 'burst' as never }, `streamMode is "burst": not a stream mode; use 'on-demand' or 'provisioned'`],
    [{ streamRetentionHours: 12 }, 'streamRetentionHours is 12: less than 24; use a whole number from 24 to 8,760'],
    [{ sinks: [] }, `sinks is []: names no sink; give at least one of 'prometheus', 'timestream'`],
    [{ sinks: ['influx' as never] }, `sinks is ["influx"]: unknown sink "influx"; each sink is one of 'prometheus', 'timestream'`],
    [{ sinks: ['prometheus', 'prometheus'] }, 'sinks is ["prometheus","prometheus"]: names a sink more than once; name each sink once'],
    [
      { timestreamMemoryRetentionHours: 24 },
      `timestreamMemoryRetentionHours is 24: only the 'timestream' sink uses it, and sinks is ["prometheus"]; add 'timestream' to sinks`,
    ],
    [
      { sinks: ['timestream'], timestreamMemoryRetentionHours: 9_000 },
      'timestreamMemoryRetentionHours is 9000: more than 8,766; use a whole number from 1 to 8,766',
    ],
    [{ sinks: ['timestream'], timestreamMagneticRetentionDays: 0 }, 'timestreamMagneticRetentionDays is 0: less than 1; use a whole number from 1 to 73,000'],
    [{ modelPrefix: '/models/' }, `modelPrefix is "/models/": not an S3 key prefix; use S3 key segments`],
    [{ prometheusDetailSeconds: 300 }, 'prometheusDetailSeconds is 300: more than 120; use a whole number from 0 to 120'],
    [{ functionMemoryMb: 64 }, 'functionMemoryMb is 64: less than 128; use a whole number from 128 to 10,240'],
    [{ functionTimeoutSeconds: 901 }, 'functionTimeoutSeconds is 901: more than 900; use a whole number from 1 to 900'],
    [{ maxBatchingWindowSeconds: 301 }, 'maxBatchingWindowSeconds is 301: more than 300; use a whole number from 0 to 300'],
    [{ retryAttempts: -1 }, 'retryAttempts is -1: less than 0; use a whole number from 0 to 10,000'],
    [{ maxRecordAgeSeconds: 30 }, 'maxRecordAgeSeconds is 30: less than 60; use a whole number from 60 to 604,800'],
    [
      { maxRecordAgeSeconds: 100_000 },
      'maxRecordAgeSeconds is 100000: longer than the stream keeps records (streamRetentionHours 24 = 86400 s); lower maxRecordAgeSeconds or raise streamRetentionHours',
    ],
    [{ parallelizationFactor: 11 }, 'parallelizationFactor is 11: more than 10; use a whole number from 1 to 10'],
    [{ deadLetterRetentionDays: 15 }, 'deadLetterRetentionDays is 15: more than 14; use a whole number from 1 to 14'],
    [{ logRetentionDays: 10 }, 'logRetentionDays is 10: not a CloudWatch Logs retention; use a value CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30'],
    [{ alarmEmail: 'ops at example.com' }, 'alarmEmail is "ops at example.com": not one email address; give one email address such as ops@example.com'],
    [{ alarmEmail: 'a@b.com,c@d.com' }, 'alarmEmail is "a@b.com,c@d.com": not one email address; give one email address'],
    [{ iteratorAgeAlarmSeconds: 5 }, 'iteratorAgeAlarmSeconds is 5: less than 10; use a whole number from 10 to 86,400'],
    [{ grafana: 'yes' as never }, 'grafana is "yes": not a boolean; use true or false'],
  ] as [VigilProps, string][])('rejects %j naming the prop, the value and the fix', (props, message) => {
    const problems = problemsOf(props);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ batchSize: 0, parallelizationFactor: 0, alarmEmail: 'nope' });
    expect(problems.map((p) => p.split(' ')[0])).toEqual(['batchSize', 'parallelizationFactor', 'alarmEmail']);
  });

  it('accepts the edges of each range', () => {
    expect(() =>
      resolveProps({
        batchSize: 10_000,
        maxBatchingWindowSeconds: 300,
        retryAttempts: 0,
        parallelizationFactor: 10,
        streamRetentionHours: 8_760,
        maxRecordAgeSeconds: 604_800,
        functionMemoryMb: 10_240,
        functionTimeoutSeconds: 900,
      }),
    ).not.toThrow();
    expect(() =>
      resolveProps({ sinks: ['timestream'], timestreamMemoryRetentionHours: 1, timestreamMagneticRetentionDays: 73_000, modelPrefix: 'vigil/models' }),
    ).not.toThrow();
  });

  it('leaves values known only at deploy time to CloudFormation', () => {
    expect(() => resolveProps({ batchSize: Token.asNumber({ Ref: 'BatchSize' }), alarmEmail: Token.asString({ Ref: 'Email' }) })).not.toThrow();
  });
});

describe('VigilStack', () => {
  it('fails at synth with the validation message before creating any resource', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() => new VigilStack(app, 'Vigil', { batchSize: 20_000 })).toThrow(
      /invalid vigil stack props:\n {2}- batchSize is 20000: more than 10,000; use a whole number from 1 to 10,000/,
    );
  });

  it('names a missing or broken alert rule file and the fix', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() => new VigilStack(app, 'Missing', { alertRulesFile: '/nonexistent/rules.yml' })).toThrow(
      /alertRulesFile: no file at \/nonexistent\/rules.yml; write the Prometheus rule file there/,
    );
    expect(() => new VigilStack(app, 'NotRules', { alertRulesFile: new URL('../../package.json', import.meta.url).pathname })).toThrow(
      /has no rule groups \(expected a top-level `groups:` list\)/,
    );
  });
});

describe('grafanaUrl and runbookUrl', () => {
  it('are kept without a trailing slash', () => {
    const config = resolveProps({ grafanaUrl: 'https://g-1.grafana-workspace.eu-west-1.amazonaws.com/', runbookUrl: 'https://wiki.example.com/vigil/' });
    expect(config).toMatchObject({ grafanaUrl: 'https://g-1.grafana-workspace.eu-west-1.amazonaws.com', runbookUrl: 'https://wiki.example.com/vigil' });
  });

  it('must be absolute URLs (a runbook path too), and not with a rule file of your own', () => {
    expect(problemsOf({ grafanaUrl: 'g-1.grafana-workspace.eu-west-1.amazonaws.com' })).toEqual([
      expect.stringMatching(/grafanaUrl is "g-1.grafana-workspace.eu-west-1.amazonaws.com": not an absolute http\(s\) URL; give the Grafana address/),
    ]);
    expect(problemsOf({ runbookUrl: 'see the wiki' })).toEqual([
      expect.stringMatching(/runbookUrl is "see the wiki": neither an absolute http\(s\) URL nor a path/),
    ]);
    expect(problemsOf({ grafanaUrl: 'https://grafana.example.com', alertRulesFile: 'my-rules.yml' })).toEqual([
      expect.stringMatching(
        /grafanaUrl is "https:\/\/grafana.example.com": the links are written into the rules the stack renders.*npm run grafana:build -- --grafana-url/,
      ),
    ]);
  });
});

describe('prometheusRemoteWriteUrl', () => {
  it('is kept as given, and undefined by default', () => {
    expect(resolveProps({}).prometheusRemoteWriteUrl).toBeUndefined();
    expect(resolveProps({ prometheusRemoteWriteUrl: 'https://mimir.example.com/api/v1/push' }).prometheusRemoteWriteUrl).toBe(
      'https://mimir.example.com/api/v1/push',
    );
  });

  it('must be an http(s) URL, needs the prometheus sink, and rules out alertRulesFile', () => {
    expect(problemsOf({ prometheusRemoteWriteUrl: 'prometheus:9090' })).toEqual([
      expect.stringMatching(/prometheusRemoteWriteUrl is "prometheus:9090".*not an http\(s\) URL.*https:\/\/prometheus\.example\.com\/api\/v1\/write/),
    ]);
    expect(problemsOf({ sinks: ['timestream'], prometheusRemoteWriteUrl: 'http://127.0.0.1:9090/api/v1/write' })).toEqual([
      expect.stringMatching(/prometheusRemoteWriteUrl .*only the 'prometheus' sink uses it.*add 'prometheus' to sinks/),
    ]);
    expect(problemsOf({ prometheusRemoteWriteUrl: 'http://127.0.0.1:9090/api/v1/write', alertRulesFile: 'my-rules.yml' })).toEqual([
      expect.stringMatching(/alertRulesFile is "my-rules.yml".*load the rule file into your Prometheus yourself/),
    ]);
  });
});
