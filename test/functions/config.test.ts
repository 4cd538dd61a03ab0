/** The score function's environment: defaults, derived settings, and errors that name the fix. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/score/config.js';

const base = { VIGIL_MODEL_BUCKET: 'vigil-models', VIGIL_SINKS: 'timestream', VIGIL_DEAD_LETTER_QUEUE_URL: 'http://127.0.0.1:5000/123456789012/dlq' };

describe('parseConfig', () => {
  it('fills the documented defaults', () => {
    expect(parseConfig(base)).toEqual({
      modelBucket: 'vigil-models',
      modelPrefix: 'models',
      modelRecheckMs: 60_000,
      sinks: ['timestream'],
      timestream: { database: 'vigil', table: 'host_scores' },
      deadLetterQueueUrl: base.VIGIL_DEAD_LETTER_QUEUE_URL,
      normalResolutionMs: 0,
      functionName: 'vigil-score',
    });
    expect(parseConfig({ ...base, AWS_LAMBDA_FUNCTION_NAME: 'Vigil-ScoreFunction-1A2B' }).functionName).toBe('Vigil-ScoreFunction-1A2B');
  });

  it('signs remote write by default for Amazon Managed Service for Prometheus only', () => {
    const amp = 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write';
    expect(parseConfig({ ...base, VIGIL_SINKS: 'prometheus', VIGIL_PROMETHEUS_URL: amp }).prometheus).toEqual({
      url: amp,
      sigv4: true,
      policy: { detailSeconds: 60 },
    });
    expect(parseConfig({ ...base, VIGIL_SINKS: 'prometheus', VIGIL_PROMETHEUS_URL: 'http://127.0.0.1:9090/api/v1/write' }).prometheus?.sigv4).toBe(false);
    expect(parseConfig({ ...base, VIGIL_SINKS: 'prometheus', VIGIL_PROMETHEUS_URL: amp, VIGIL_PROMETHEUS_SIGV4: 'false' }).prometheus?.sigv4).toBe(false);
  });

  it('archives to the bucket named, under the default prefix unless one is given; a bad name says the fix', () => {
    expect(parseConfig({ ...base, VIGIL_ARCHIVE_BUCKET: 'vigil-archive' }).archive).toEqual({ bucket: 'vigil-archive', prefix: 'archive' });
    expect(parseConfig({ ...base, VIGIL_ARCHIVE_BUCKET: 'vigil-archive', VIGIL_ARCHIVE_PREFIX: 'h/scored' }).archive).toEqual({
      bucket: 'vigil-archive',
      prefix: 'h/scored',
    });
    expect(() => parseConfig({ ...base, VIGIL_ARCHIVE_BUCKET: 'Not_A_Bucket' })).toThrow(
      /VIGIL_ARCHIVE_BUCKET is "Not_A_Bucket": not an S3 bucket name; set it to the bucket the history archive is written to/,
    );
  });

  it('reads the Prometheus write policy, and refuses a detail interval the rules cannot read', () => {
    const remote = { ...base, VIGIL_SINKS: 'prometheus', VIGIL_PROMETHEUS_URL: 'http://127.0.0.1:9090/api/v1/write' };
    expect(parseConfig({ ...remote, VIGIL_PROMETHEUS_DETAIL_SECONDS: '0' }).prometheus?.policy).toEqual({ detailSeconds: 0 });
    expect(parseConfig({ ...remote, VIGIL_PROMETHEUS_DETAIL_SECONDS: '120' }).prometheus?.policy).toEqual({ detailSeconds: 120 });
    expect(() => parseConfig({ ...remote, VIGIL_PROMETHEUS_DETAIL_SECONDS: '300' })).toThrow(
      /VIGIL_PROMETHEUS_DETAIL_SECONDS is "300": expected 120 or less; set it to seconds between two detail points/,
    );
  });

  it('reads sinks as a comma list, seconds as milliseconds', () => {
    const config = parseConfig({ ...base, VIGIL_SINKS: ' log, timestream ,log', VIGIL_MODEL_RECHECK_SECONDS: '1', VIGIL_NORMAL_RESOLUTION_SECONDS: '60' });
    expect(config.sinks).toEqual(['log', 'timestream']);
    expect(config.modelRecheckMs).toBe(1000);
    expect(config.normalResolutionMs).toBe(60_000);
  });

  it('names the variable, the value and the fix for every problem', () => {
    const attempt = (): unknown =>
      parseConfig({ ...base, VIGIL_SINKS: 'timestream,influx', VIGIL_MODEL_RECHECK_SECONDS: 'soon', VIGIL_MODEL_BUCKET: undefined });
    expect(attempt).toThrow(/VIGIL_SINKS is "timestream,influx": unknown sink \(known: timestream, prometheus, log\); set it to a comma list/);
    expect(attempt).toThrow(/VIGIL_MODEL_RECHECK_SECONDS is "soon": expected a number of seconds; set it to how often/);
    expect(attempt).toThrow(/VIGIL_MODEL_BUCKET is not set: set it to the bucket/);
  });

  it('needs a remote-write URL when the prometheus sink is on', () => {
    expect(() => parseConfig({ ...base, VIGIL_SINKS: 'prometheus' })).toThrow(
      /VIGIL_PROMETHEUS_URL is not set: VIGIL_SINKS includes prometheus, which needs it; set it to the remote-write URL/,
    );
  });
});
