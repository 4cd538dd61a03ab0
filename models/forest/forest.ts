/**
 * Isolation Forest training on top of ml-isolation-forest 0.1.0, and its scoring in plain JS.
 *
 * Package quirks and what this module does about each:
 * - No subsampling: every tree grows on the whole training set. Here each tree is trained on its
 *   own random subsample of `subsample` rows (default 256, as in the paper), drawn without
 *   replacement, by handing the package a one-tree forest per subsample.
 * - No seed: splits come from Math.random. Here Math.random is replaced by a seeded PRNG
 *   (models/forest/random.ts) for the duration of training and restored afterwards (also on
 *   error), so the same rows and seed give the same forest.
 * - c(n), the normaliser, is 2 ln(n-1) + 0.57721 - 2(n-1)/n: the paper's 2(ln(n-1) + 0.5772)
 *   doubles the Euler constant. Kept as the package has it, so Forest.score is exactly the
 *   package's anomaly score; it only shifts the scale, and the threshold is calibrated on the
 *   training scores anyway. The score normalises by c(subsample size), not c(all rows).
 * - Leaf path length is depth + c(rows in the leaf). The package grows while depth <= ceil(log2(n)),
 *   so its leaves sit up to one level deeper than the paper's height limit ceil(log2(n)). Here each
 *   tree is cut at the paper's limit: a node at depth ceil(log2(n)) becomes a leaf holding the rows
 *   of the subtree below it (the tree the paper grows, the same split draws above the limit): half
 *   the nodes and faster scoring (its effect on detection: docs/detection.md, experiment log).
 *   Empty leaves (c(0) = 0) occur.
 * - A row goes left when x < split, right otherwise. So NaN goes right at every split (NaN < s is
 *   false), +Infinity right, -Infinity left; the ONNX export does the same (models/onnx/export.ts).
 * - No types, no save/load: types/ml-isolation-forest.d.ts declares what is used; trees are
 *   flattened into arrays here and saved as ONNX.
 * - Training rows with NaN break its min/max; training refuses values that are not finite as
 *   float32 instead.
 *
 * Precision: the model's input contract is float32 (ONNX `features` float32 [N, F]), so training
 * data and scored rows are rounded to float32 first; the JS forest and the ONNX graph then see
 * the same numbers and branch the same way.
 */
import { IsolationForest, type IsolationTreeNode } from 'ml-isolation-forest';
import { sampleIndices, seededRandom } from './random.js';

export interface ForestOptions {
  /** Number of trees. Default 100. */
  readonly trees?: number;
  /** Rows per tree, drawn without replacement. Default 256 (fewer when there are fewer rows). */
  readonly subsample?: number;
  /** Seed of the PRNG used for subsampling and splits. Default 1. */
  readonly seed?: number;
}

export const FOREST_DEFAULTS = { trees: 100, subsample: 256, seed: 1 } as const;

/** One tree in arrays, nodes in pre-order (root first). A node is a leaf when left[i] < 0. */
export interface FlatTree {
  readonly feature: Int32Array;
  /** Split values as trained (float64); a row goes left when float32(x) < split. */
  readonly split: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Path length of a leaf: its depth + c(rows in the leaf); 0 for inner nodes. */
  readonly pathLength: Float64Array;
}

/** The package's average path length of an unsuccessful search in a tree of n rows (see above). */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * Math.log(n - 1) + 0.57721 - (2 * (n - 1)) / n;
}

export class Forest {
  /** c(rows per tree): mean path lengths are divided by it. */
  readonly normaliser: number;

  constructor(
    readonly trees: readonly FlatTree[],
    readonly features: number,
    /** Rows each tree was grown on. */
    readonly sampleSize: number,
    private readonly packageTrees: readonly IsolationTreeNode[],
  ) {
    this.normaliser = averagePathLength(sampleSize);
  }

  /** Anomaly score per row, 0..1, higher = more anomalous: 2^(-mean path length / c(sampleSize)). */
  score(rows: readonly ArrayLike<number>[]): Float64Array {
    const scores = new Float64Array(rows.length);
    const x = new Float32Array(this.features);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      if (row.length !== this.features) throw new Error(`row ${r} has ${row.length} values; this forest was trained on ${this.features} features`);
      x.set(row); // float32, as the ONNX model sees it
      scores[r] = 2 ** (-this.meanPathLength(x) / this.normaliser);
    }
    return scores;
  }

  /** The same trees as a package IsolationForest, for comparisons with its predict(). */
  toPackageForest(): IsolationForest {
    const forest = new IsolationForest({ nEstimators: this.trees.length });
    forest.forest = [...this.packageTrees];
    forest.trainingSet = { length: this.sampleSize }; // predict() reads only its length
    return forest;
  }

  private meanPathLength(x: Float32Array): number {
    let total = 0;
    for (const tree of this.trees) {
      let node = 0;
      while (tree.left[node]! >= 0) node = x[tree.feature[node]!]! < tree.split[node]! ? tree.left[node]! : tree.right[node]!;
      total += tree.pathLength[node]!;
    }
    return total / this.trees.length;
  }
}

export function trainForest(rows: readonly ArrayLike<number>[], options: ForestOptions = {}): Forest {
  const trees = options.trees ?? FOREST_DEFAULTS.trees;
  const subsample = options.subsample ?? FOREST_DEFAULTS.subsample;
  const seed = options.seed ?? FOREST_DEFAULTS.seed;
  if (!Number.isInteger(trees) || trees < 1) throw new Error(`trees must be a positive integer; got ${trees}`);
  if (!Number.isInteger(subsample) || subsample < 2) throw new Error(`subsample must be an integer >= 2; got ${subsample}`);
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer; got ${seed}`);
  const width = checkRows(rows);
  const sampleSize = Math.min(subsample, rows.length);
  const random = seededRandom(seed);
  const packageTrees: IsolationTreeNode[] = [];
  const original = Math.random;
  Math.random = random; // the package draws its splits from Math.random
  try {
    for (let t = 0; t < trees; t++) {
      // Only the sampled rows are copied (as float32 values): memory stays trees x subsample rows.
      const sample = Array.from(sampleIndices(rows.length, sampleSize, random), (i) => Array.from(rows[i]!, Math.fround));
      const oneTree = new IsolationForest({ nEstimators: 1 });
      oneTree.train(sample);
      const root = oneTree.forest[0]!;
      cutAtHeight(root, 0, heightLimit(sampleSize));
      packageTrees.push(root);
    }
  } finally {
    Math.random = original;
  }
  return new Forest(packageTrees.map(flatten), width, sampleSize, packageTrees);
}

/** Checks the rows (at least 2, same width, finite values); returns the width. */
function checkRows(rows: readonly ArrayLike<number>[]): number {
  if (rows.length < 2) throw new Error(`training needs at least 2 rows; got ${rows.length}: give it more history`);
  const width = rows[0]!.length;
  if (width < 1) throw new Error('training rows need at least one feature; row 0 is empty');
  rows.forEach((row, r) => {
    if (row.length !== width) throw new Error(`training row ${r} has ${row.length} values, row 0 has ${width}: every row needs the same features`);
    for (let f = 0; f < width; f++) {
      // Finite as float32 too: the model's input type; 1e39 would become Infinity there.
      if (!Number.isFinite(Math.fround(row[f]!))) {
        throw new Error(
          `training row ${r}, feature ${f} is ${row[f]}: training needs finite float32 values (|x| < 3.4e38); compute the features with the feature pipeline`,
        );
      }
    }
  });
  return width;
}

/** The paper's height limit for trees grown on n rows: ceil(log2(n)). */
export function heightLimit(n: number): number {
  return Math.ceil(Math.log2(n));
}

/** Makes every node at depth `limit` a leaf holding the rows of its subtree (the package tree, in place). */
function cutAtHeight(node: IsolationTreeNode, depth: number, limit: number): void {
  if (node.isLeafNode()) return;
  if (depth < limit) {
    cutAtHeight(node.left!, depth + 1, limit);
    cutAtHeight(node.right!, depth + 1, limit);
    return;
  }
  const rows: (readonly number[])[] = [];
  const collect = (n: IsolationTreeNode): void => {
    if (n.isLeafNode()) rows.push(...(n.trainingSet ?? []));
    else {
      collect(n.left!);
      collect(n.right!);
    }
  };
  collect(node);
  node.left = undefined;
  node.right = undefined;
  node.trainingSet = rows;
}

function flatten(root: IsolationTreeNode): FlatTree {
  const feature: number[] = [];
  const split: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const pathLength: number[] = [];
  const visit = (node: IsolationTreeNode, depth: number): number => {
    const id = feature.length;
    if (node.isLeafNode()) {
      feature.push(0);
      split.push(0);
      left.push(-1);
      right.push(-1);
      pathLength.push(depth + averagePathLength(node.numberDataPoints()));
      return id;
    }
    feature.push(node.splitColumn!);
    split.push(node.splitValue!);
    left.push(-1);
    right.push(-1);
    pathLength.push(0);
    left[id] = visit(node.left!, depth + 1);
    right[id] = visit(node.right!, depth + 1);
    return id;
  };
  visit(root, 0);
  return {
    feature: Int32Array.from(feature),
    split: Float64Array.from(split),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    pathLength: Float64Array.from(pathLength),
  };
}
