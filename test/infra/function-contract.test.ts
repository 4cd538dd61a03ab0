/**
 * The stack and the score function agree: the environment the stack gives the function parses with
 * the function's own configuration schema, and the alarms watch metrics the function emits.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/score/config.js';
import { METRICS_NAMESPACE, SCORE_SERVICE_NAME } from '../../core/score-function.js';
import { CONFIGURATIONS, synthVigil, scoreFunction } from './synth.js';

/** Deploy-time values CloudFormation would put in place of the intrinsics, plausible for each attribute. */
function deployed(value: unknown): string {
  if (typeof value === 'string') return value;
  const object = value as Record<string, unknown>;
  if ('Ref' in object) {
    const ref = String(object.Ref);
    if (ref.startsWith('Queues')) return `https://sqs.eu-west-1.amazonaws.com/123456789012/${ref}`;
    if (ref.startsWith('Models')) return 'vigil-modelsbucket-1a2b3c4d5e6f';
    return ref.toLowerCase();
  }
  if ('Fn::GetAtt' in object) {
    const [id, attribute] = object['Fn::GetAtt'] as [string, string];
    if (attribute === 'PrometheusEndpoint') return 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-0123/';
    return `${id}-${attribute}`.toLowerCase();
  }
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(deployed).join(separator);
  }
  throw new Error(`no stand-in for ${JSON.stringify(value)}`);
}

describe('score function contract', () => {
  it.each(Object.entries(CONFIGURATIONS))('the environment of the %s stack parses with functions/score/config.ts', (_name, props) => {
    const { template, stack } = synthVigil(props);
    const variables = (scoreFunction(template).Environment as { Variables: Record<string, unknown> }).Variables;
    const env = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, deployed(v)]));
    const config = parseConfig(env);
    expect(config.sinks).toEqual(stack.config.sinks);
    expect(config.modelPrefix).toBe(stack.config.modelPrefix);
    expect(env.POWERTOOLS_SERVICE_NAME).toBe(SCORE_SERVICE_NAME);
    expect(env.POWERTOOLS_METRICS_NAMESPACE).toBe(METRICS_NAMESPACE);
    if (stack.config.sinks.includes('prometheus')) {
      expect(config.prometheus).toEqual({
        url: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-0123/api/v1/remote_write',
        sigv4: true,
        // The stack's write policy reaches the function.
        policy: { detailSeconds: stack.config.prometheusDetailSeconds },
      });
    }
    if (stack.config.sinks.includes('timestream')) {
      expect(config.timestream.database).not.toBe('vigil');
      expect(config.timestream.table).toMatch(/timestreamtable\w+-name/);
    }
  });
});
