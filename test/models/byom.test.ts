/**
 * Bring your own model: any ONNX graph honouring the contract (input `features` float32 [N, F],
 * output `score` float32 [N]) plus a manifest is published, fetched and scored like a trained one.
 * Here: a z-score model of standard ONNX ops, built in the test, nothing like a tree ensemble.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { awsClientSettings } from '../../core/aws.js';
import { featureSetFor, featureSetMismatch } from '../../core/features.js';
import { ONNX_INPUT, ONNX_OUTPUT, severityOf, type Manifest } from '../../core/manifest.js';
import { buildManifest, readModelDir, writeModelDir } from '../../model-store/artifact.js';
import { DataType, attr, encodeModel, tensor } from '../../models/onnx/proto.js';
import { fetchCurrentModel, listModels, publishModel, rollbackModel } from '../../model-store/s3-store.js';
import { trainModel } from '../../models/train.js';
import { uniqueName, useLocalAws } from '../aws-env.js';

useLocalAws();
const featureSet = featureSetFor(['cpu_pct', 'mem_pct']);
const F = featureSet.names.length;
const mean = Array.from({ length: F }, (_, k) => 10 * k);
const std = Array.from({ length: F }, (_, k) => 1 + k);

/** score = sigmoid(max_k |x_k - mean_k| / std_k - 3): about 0.5 at a 3-sigma deviation. */
function zScoreModel(): Uint8Array {
  return encodeModel({
    graph: {
      name: 'zscore',
      nodes: [
        { opType: 'Sub', input: [ONNX_INPUT, 'mean'], output: ['centred'] },
        { opType: 'Div', input: ['centred', 'std'], output: ['z'] },
        { opType: 'Abs', input: ['z'], output: ['abs_z'] },
        { opType: 'ReduceMax', input: ['abs_z'], output: ['max_z'], attribute: [attr.ints('axes', [1]), attr.int('keepdims', 0)] },
        { opType: 'Sub', input: ['max_z', 'three'], output: ['shifted'] },
        { opType: 'Sigmoid', input: ['shifted'], output: [ONNX_OUTPUT] },
      ],
      inputs: [{ name: ONNX_INPUT, elemType: DataType.FLOAT, shape: ['N', F] }],
      outputs: [{ name: ONNX_OUTPUT, elemType: DataType.FLOAT, shape: ['N'] }],
      initializers: [tensor.float('mean', [F], mean), tensor.float('std', [F], std), tensor.float('three', [], [3])],
    },
    opsets: { '': 13 },
    docString: 'z-score model built outside vigil training',
  });
}

/** The z-score model with the manifest a person publishing it would write. */
function zScoreArtifact(version?: string): { onnx: Uint8Array; manifest: Manifest } {
  const onnx = zScoreModel();
  const manifest = buildManifest({
    name: 'zscore-byom',
    ...(version ? { version } : {}),
    onnx,
    featureSet,
    threshold: 0.5,
    severity: { low: 0.5, medium: 0.7, high: 0.9, critical: 0.99 },
    baseline: { center: mean, scale: std },
    training: { algorithm: 'z-score (hand-built ONNX)', rows: 0, params: {} },
  });
  return { onnx, manifest };
}

const expected = (row: readonly number[]): number => 1 / (1 + Math.exp(-(Math.max(...row.map((x, k) => Math.abs(x - mean[k]!) / std[k]!)) - 3)));

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('bring your own model', () => {
  it('publishes a hand-built z-score ONNX model, fetches it from S3 and scores it with onnxruntime', async () => {
    const { onnx, manifest } = zScoreArtifact(uniqueName('byom'));
    // Through a model directory, as `vigil publish --model DIR` reads it.
    const dir = mkdtempSync(join(tmpdir(), 'vigil-byom-'));
    dirs.push(dir);
    writeModelDir(dir, { onnx, manifest });
    const local = readModelDir(dir);

    const s3 = new S3Client(awsClientSettings());
    const bucket = uniqueName('byom');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await publishModel(s3, { bucket, prefix: 'models', ...local });
    const fetched = await fetchCurrentModel(s3, { bucket, prefix: 'models' });
    expect(fetched.manifest.training.algorithm).toBe('z-score (hand-built ONNX)');
    expect(featureSetMismatch(featureSet, fetched.manifest.featureSet)).toBeUndefined();

    const session = await ort.InferenceSession.create(fetched.onnx, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    expect([session.inputNames, session.outputNames]).toEqual([[ONNX_INPUT], [ONNX_OUTPUT]]);
    const rows = [mean, mean.map((m, k) => m + 6 * std[k]!), mean.map((m, k) => (k === 3 ? m - 4 * std[k]! : m))];
    const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, F]) });
    const scores = out[ONNX_OUTPUT]!.data as Float32Array;
    expect(out[ONNX_OUTPUT]!.dims).toEqual([rows.length]);
    rows.forEach((row, i) => expect(Math.abs(scores[i]! - expected(row))).toBeLessThan(1e-6));
    expect(rows.map((_, i) => severityOf(scores[i]!, fetched.manifest))).toEqual(['normal', 'high', 'medium']);
  });

  it('replaces a trained forest with the hand-built model and rolls back to the forest', async () => {
    const s3 = new S3Client(awsClientSettings());
    const bucket = uniqueName('byom');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const location = { bucket, prefix: '' };
    const rows = Array.from({ length: 300 }, (_, r) => Array.from({ length: F }, (_, k) => mean[k]! + std[k]! * Math.sin(r * (k + 1))));
    const forest = trainModel(rows, featureSet, { trees: 10, name: 'forest' });
    await publishModel(s3, { ...location, onnx: forest.onnx, manifest: forest.manifest });
    const { onnx, manifest: byom } = zScoreArtifact();
    await publishModel(s3, { ...location, onnx, manifest: byom });
    expect((await fetchCurrentModel(s3, location)).manifest.name).toBe('zscore-byom');
    expect((await listModels(s3, location)).map((m) => m.name).sort()).toEqual(['forest', 'zscore-byom']);
    await rollbackModel(s3, location);
    const back = await fetchCurrentModel(s3, location);
    expect(back.manifest.name).toBe('forest');
    expect(Buffer.from(back.onnx).equals(Buffer.from(forest.onnx))).toBe(true);
  });
});
