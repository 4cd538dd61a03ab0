/**
 * The real `vigil train`, `publish` and `models` commands, run as a user runs them, against moto.
 * Each command is a Node process (about a second or two), hence the longer test timeouts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClientSettings } from '../../core/aws.js';
import { HOST_FEATURE_SET } from '../../core/features.js';
import { HOST_METRICS } from '../../core/host-metrics.js';
import { readModelDir } from '../../model-store/artifact.js';
import { seededRandom } from '../../models/forest/random.js';
import { fetchCurrentModel } from '../../model-store/s3-store.js';
import { uniqueName, useLocalAws } from '../aws-env.js';
import { runVigil, type CliRun } from '../vigil-cli.js';

useLocalAws();
const work = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const vigil = (...args: string[]): Promise<CliRun> => runVigil(args, { cwd: work });

/** A day of one-minute host metrics with a daily shape and noise. */
function hostCsv(path: string, seed: number, metrics: readonly string[] = HOST_METRICS): string {
  const random = seededRandom(seed);
  const start = Date.UTC(2026, 10, 1);
  const lines = [`timestamp,${metrics.join(',')}`];
  for (let i = 0; i < 1440; i++) {
    const daily = Math.sin((2 * Math.PI * i) / 1440);
    lines.push([new Date(start + i * 60_000).toISOString(), ...metrics.map((_, k) => (50 + 20 * daily + 5 * random() + k).toFixed(3))].join(','));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

let bucket: string;
beforeAll(async () => {
  bucket = uniqueName('cli');
  await new S3Client(awsClientSettings()).send(new CreateBucketCommand({ Bucket: bucket }));
});

describe('vigil train / publish / models', () => {
  it('trains, publishes two models, lists them and rolls back', async () => {
    const csv = hostCsv(join(work, 'host.csv'), 1);
    const [first, second] = await Promise.all([
      vigil('train', '--in', csv, '--out', 'model-a', '--seed', '3', '--name', 'fleet-a'),
      vigil('train', '--in', csv, '--out', 'model-b', '--seed', '4', '--name', 'fleet-b'),
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    expect(first.stdout).toMatch(/wrote model-a\/model\.onnx \(\d+ bytes\) and model-a\/manifest\.json/);
    const a = readModelDir(join(work, 'model-a'));
    expect(a.manifest.featureSet.names).toEqual(HOST_FEATURE_SET.names);
    // 1,440 one-minute rows are one day, all of it feature warm-up: training keeps the later half.
    expect(a.manifest.training).toMatchObject({ rows: 720, seed: 3, source: csv });
    // One host's file is its history: each metric's level (on its own scale) gets its own dwell band (model-store/dwell.ts).
    const dwellReach = a.manifest.baseline.dwell!.reach;
    expect(dwellReach.flatMap((r, f) => (r === null ? [] : [a.manifest.featureSet.names[f]]))).toEqual(
      a.manifest.featureSet.metrics.map((metric) => `${metric}.level`),
    );

    const publishA = await vigil('publish', '--model', 'model-a', '--bucket', bucket);
    expect(publishA.code, publishA.stderr).toBe(0);
    expect(publishA.stdout).toContain(`published fleet-a version ${a.manifest.version} to s3://${bucket}/models/versions/${a.manifest.version}/model.onnx`);
    const publishB = await vigil('publish', '--model', 'model-b', '--bucket', bucket);
    expect(publishB.stdout).toContain(`(previous: ${a.manifest.version}`);

    const list = await vigil('models', 'list', '--bucket', bucket, '--json');
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { name: string; current: boolean }[]).map((m) => [m.name, m.current]).sort()).toEqual([
      ['fleet-a', false],
      ['fleet-b', true],
    ]);

    const rollback = await vigil('models', 'rollback', '--bucket', bucket);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.stdout).toContain(`current -> ${a.manifest.version}`);
    const current = await fetchCurrentModel(new S3Client(awsClientSettings()), { bucket, prefix: 'models' });
    expect(current.manifest.name).toBe('fleet-a');
    expect(Buffer.from(current.onnx).equals(Buffer.from(a.onnx))).toBe(true);

    const table = await vigil('models', 'list', '--bucket', bucket);
    expect(table.stdout).toMatch(new RegExp(`^\\*\\s+${a.manifest.version}\\s+fleet-a`, 'm'));
  }, 120_000);

  it('stops with a message naming the file and the fix on bad input', async () => {
    const cpuCsv = hostCsv(join(work, 'cpu.csv'), 2, ['cpu_usage']);
    const cpuOnly = await vigil('train', '--in', cpuCsv, '--out', 'cpu-model');
    expect(cpuOnly.code, cpuOnly.stderr).toBe(0);
    const [missing, mismatch, noModel, badSeed, noBucket] = await Promise.all([
      vigil('train', '--in', 'nope.csv', '--out', 'x'),
      vigil('publish', '--model', 'cpu-model', '--bucket', bucket, '--prefix', 'cpu'),
      vigil('publish', '--model', 'nowhere', '--bucket', bucket),
      vigil('train', '--in', cpuCsv, '--out', 'x', '--seed', 'abc'),
      vigil('models', 'list', '--bucket', uniqueName('missing')),
    ]);
    for (const run of [missing, mismatch, noModel, badSeed, noBucket]) expect(run.code, run.stderr).toBe(1);
    expect(missing.stderr).toMatch(/train: cannot read nope\.csv: .*check the path/);
    expect(mismatch.stderr).toMatch(
      /publish: cpu-model\/manifest\.json does not fit the agent's features: .*Train on a CSV with the columns timestamp,cpu_pct,.*or pass --any-features/,
    );
    expect(noModel.stderr).toMatch(/nowhere\/manifest\.json does not exist: .*vigil train/);
    expect(badSeed.stderr).toContain('--seed must be an integer; got "abc"');
    expect(noBucket.stderr).toMatch(/models list: bucket .* does not exist: create it or pass the right --bucket/);

    const forced = await vigil('publish', '--model', 'cpu-model', '--bucket', bucket, '--prefix', 'cpu', '--any-features');
    expect(forced.code, forced.stderr).toBe(0);
  }, 120_000);

  it("trains on Grafana's CSV export (Time column, semicolons, decimal commas) and on a named time column", async () => {
    const rows = readFileSync(hostCsv(join(work, 'plain.csv'), 5, ['cpu']), 'utf8')
      .split('\n')
      .filter(Boolean);
    const grafana = join(work, 'grafana.csv');
    writeFileSync(
      grafana,
      ['"Time";"cpu"', ...rows.slice(1).map((r) => r.replace('T', ' ').replace('.000Z', '').replace(',', ';').replace('.', ','))].join('\n'),
    );
    const named = join(work, 'named.csv');
    writeFileSync(named, ['sampled_at,cpu', ...rows.slice(1)].join('\n'));
    const [fromGrafana, fromNamed, both] = await Promise.all([
      vigil('train', '--in', grafana, '--out', 'grafana-model'),
      vigil('train', '--in', named, '--out', 'named-model', '--timestamp-column', 'sampled_at'),
      vigil('train', '--in', named, '--out', 'x', '--timestamp-column', 'sampled_at', '--interval-seconds', '60'),
    ]);
    expect(fromGrafana.code, fromGrafana.stderr).toBe(0);
    expect(fromNamed.code, fromNamed.stderr).toBe(0);
    expect(readModelDir(join(work, 'grafana-model')).manifest.training.rows).toBe(720);
    expect(readModelDir(join(work, 'named-model')).manifest.featureSet.metrics).toEqual(['cpu']);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('--timestamp-column sampled_at and --interval-seconds 60: give one');
  }, 120_000);
});
