/** Settings from CDK context (`cdk deploy -c key=value` or cdk.json): converted, and typos reported. */
import { describe, expect, it } from 'vitest';
import { propsFromContext, SETTING_NAMES } from '../../infra/context.js';
import { DEFAULTS } from '../../infra/props.js';

describe('propsFromContext', () => {
  it('converts command-line strings to the props they name', () => {
    expect(
      propsFromContext({
        shardCount: '2',
        streamMode: 'provisioned',
        sinks: 'prometheus, timestream',
        grafana: 'true',
        tracing: 'false',
        alarmEmail: 'ops@example.com',
      }),
    ).toEqual({ shardCount: 2, streamMode: 'provisioned', sinks: ['prometheus', 'timestream'], grafana: true, tracing: false, alarmEmail: 'ops@example.com' });
  });

  it('takes typed values from cdk.json as they are', () => {
    expect(propsFromContext({ batchSize: 100, sinks: ['timestream'], grafana: false })).toEqual({ batchSize: 100, sinks: ['timestream'], grafana: false });
  });

  it("leaves the CDK's own context keys and the stack name alone", () => {
    expect(propsFromContext({ '@aws-cdk/aws-iam:minimizePolicies': true, 'aws:cdk:bundling-stacks': [], stackName: 'VigilProd' })).toEqual({});
  });

  it('reports a key that is not a setting, with the known ones', () => {
    expect(() => propsFromContext({ alarmEmial: 'ops@example.com' })).toThrow(
      /alarmEmial is "ops@example.com" \(from CDK context\): not a vigil setting; use one of .*alarmEmail/,
    );
  });

  it.each([
    ['shardCount', 'two', 'not a number; give a number, e.g. -c shardCount=2'],
    ['grafana', 'yes', 'not true or false; give true or false, e.g. -c grafana=true'],
    ['sinks', 42, 'not a list; give a comma-separated list'],
  ])('reports %s=%j with the way to write it', (key, value, fix) => {
    expect(() => propsFromContext({ [key]: value })).toThrow(`${key} is ${JSON.stringify(value)} (from CDK context): ${fix}`);
  });

  it('knows every setting that has a default', () => {
    for (const name of Object.keys(DEFAULTS).filter((n) => n !== 'provisionedShardCount')) expect(SETTING_NAMES).toContain(name);
  });
});
