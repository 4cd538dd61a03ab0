/** ONNX export parity: onnxruntime-node scores like the JS forest, also on the awkward values. */
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { ONNX_INPUT, ONNX_OUTPUT } from '../../core/manifest.js';
import { trainForest, type Forest } from '../../models/forest/forest.js';
import { seededRandom } from '../../models/forest/random.js';
import { exportForestToOnnx, roundUpToFloat32 } from '../../models/onnx/export.js';

const F = 6;
const random = seededRandom(2026);
const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** The next float32 below a float32 value. */
function previousFloat32(x: number): number {
  const bits = new Int32Array(new Float32Array([x]).buffer);
  bits[0] = x > 0 ? bits[0]! - 1 : x < 0 ? bits[0]! + 1 : -2147483647;
  return new Float32Array(bits.buffer)[0]!;
}

let forest: Forest;
let session: ort.InferenceSession;
beforeAll(async () => {
  const training = Array.from({ length: 3000 }, () => Array.from({ length: F }, (_, f) => gaussian() * (f + 1) + f * 100));
  forest = trainForest(training, { seed: 5 });
  session = await ort.InferenceSession.create(exportForestToOnnx(forest), { intraOpNumThreads: 1, interOpNumThreads: 1 });
});

async function onnxScores(rows: readonly number[][]): Promise<Float32Array> {
  const data = new Float32Array(rows.length * F);
  rows.forEach((row, r) => data.set(row, r * F));
  const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', data, [rows.length, F]) });
  expect(out[ONNX_OUTPUT]!.dims).toEqual([rows.length]);
  return out[ONNX_OUTPUT]!.data as Float32Array;
}

/** 10,000 rows: ordinary, NaN, ±Infinity, huge and tiny, and values exactly on split points. */
function parityRows(): { kind: string; row: number[] }[] {
  const splitsByFeature: number[][] = Array.from({ length: F }, () => []);
  for (const tree of forest.trees) tree.left.forEach((l, i) => l >= 0 && splitsByFeature[tree.feature[i]!]!.push(tree.split[i]!));
  const ordinary = (): number[] => Array.from({ length: F }, (_, f) => gaussian() * (f + 1) * 1.5 + f * 100);
  const rows: { kind: string; row: number[] }[] = [];
  const add = (kind: string, count: number, make: (row: number[]) => void): void => {
    for (let i = 0; i < count; i++) {
      const row = ordinary();
      make(row);
      rows.push({ kind, row });
    }
  };
  add('ordinary', 4000, () => undefined);
  add('NaN', 1000, (row) => (row[Math.floor(random() * F)] = Number.NaN));
  add('Infinity', 1000, (row) => (row[Math.floor(random() * F)] = pick([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])));
  add(
    'huge',
    1000,
    (row) => (row[Math.floor(random() * F)] = pick([1e30, -1e30, 3.4028234663852886e38, -3.4028234663852886e38, 1e300, -1e300, 1e-45, -1e-45, 0])),
  );
  // Every feature on a split point of that feature: the float64 split itself, the float32 at or
  // just above it (the exported threshold) and the float32 just below.
  for (const variant of ['split', 'rounded up', 'below'] as const) {
    add(`on split (${variant})`, 1000, (row) => {
      for (let f = 0; f < F; f++) {
        const split = pick(splitsByFeature[f]!);
        row[f] = variant === 'split' ? split : variant === 'rounded up' ? roundUpToFloat32(split) : previousFloat32(roundUpToFloat32(split));
      }
    });
  }
  return rows;
}

describe('ONNX export', () => {
  it('has the contract input and output', () => {
    expect(session.inputNames).toEqual([ONNX_INPUT]);
    expect(session.outputNames).toEqual([ONNX_OUTPUT]);
  });

  it('scores 10,000 rows within 1e-6 of the JS forest, including NaN, ±Infinity, huge values and split points', async () => {
    const cases = parityRows();
    expect(cases).toHaveLength(10_000);
    const js = forest.score(cases.map((c) => c.row));
    const onnx = await onnxScores(cases.map((c) => c.row));
    const worst = new Map<string, number>();
    cases.forEach((c, i) => worst.set(c.kind, Math.max(worst.get(c.kind) ?? 0, Math.abs(js[i]! - onnx[i]!))));
    for (const [kind, diff] of worst) expect(diff, kind).toBeLessThan(1e-6);
    for (const s of onnx) expect(Number.isFinite(s) && s > 0 && s <= 1).toBe(true);
  });

  it('branches on split points as x < split: a value just below a split scores differently from one on it', async () => {
    // One tree's root split, all other features at their training centre.
    const tree = forest.trees[0]!;
    const f = tree.feature[0]!;
    const split = roundUpToFloat32(tree.split[0]!);
    const centre = Array.from({ length: F }, (_, k) => k * 100);
    const onSplit = centre.map((v, k) => (k === f ? split : v));
    const below = centre.map((v, k) => (k === f ? previousFloat32(split) : v));
    const [jsOn, jsBelow] = forest.score([onSplit, below]);
    const [onnxOn, onnxBelow] = await onnxScores([onSplit, below]);
    expect(jsOn).not.toBe(jsBelow);
    expect(Math.abs(onnxOn! - jsOn!)).toBeLessThan(1e-6);
    expect(Math.abs(onnxBelow! - jsBelow!)).toBeLessThan(1e-6);
  });

  it('handles an empty batch', async () => {
    const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', new Float32Array(0), [0, F]) });
    expect(out[ONNX_OUTPUT]!.dims).toEqual([0]);
  });
});

describe('roundUpToFloat32', () => {
  it('returns the smallest float32 at or above the value', () => {
    for (const x of [0.1, -0.1, 1 / 3, -1 / 3, 1e-46, -1e-46, 3.4028235e38, 123456789.123, 0, 1.5]) {
      const up = roundUpToFloat32(x);
      expect(Math.fround(up)).toBe(up);
      expect(up).toBeGreaterThanOrEqual(x);
      expect(previousFloat32(up)).toBeLessThan(x);
    }
    expect(roundUpToFloat32(1.5)).toBe(1.5);
    expect(roundUpToFloat32(1e300)).toBe(Number.POSITIVE_INFINITY);
    expect(roundUpToFloat32(-1e300)).toBe(-3.4028234663852886e38);
  });
});
