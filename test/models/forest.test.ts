/** The Isolation Forest: reproducible, subsampled, scores like the package, refuses bad rows. */
import type { IsolationTreeNode } from 'ml-isolation-forest';
import { describe, expect, it } from 'vitest';
import { averagePathLength, heightLimit, trainForest, type FlatTree } from '../../models/forest/forest.js';
import { seededRandom } from '../../models/forest/random.js';

/** Rows of a correlated 3-feature Gaussian cluster around (10, -5, 0). */
function cluster(n: number, seed: number): number[][] {
  const random = seededRandom(seed);
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Array.from({ length: n }, () => {
    const a = gaussian();
    return [10 + a, -5 + 0.5 * a + gaussian(), gaussian() * 3];
  });
}

function leaves(node: IsolationTreeNode): IsolationTreeNode[] {
  return node.isLeafNode() ? [node] : [...leaves(node.left!), ...leaves(node.right!)];
}

function leafDepths(tree: FlatTree): number[] {
  const depths: number[] = [];
  const visit = (node: number, depth: number): void => {
    if (tree.left[node]! < 0) depths.push(depth);
    else {
      visit(tree.left[node]!, depth + 1);
      visit(tree.right[node]!, depth + 1);
    }
  };
  visit(0, 0);
  return depths;
}

describe('trainForest', () => {
  const rows = cluster(2000, 7);

  it('gives the same forest and scores for the same data and seed, another forest for another seed', () => {
    const a = trainForest(rows, { seed: 42, trees: 20 });
    const b = trainForest(rows, { seed: 42, trees: 20 });
    const c = trainForest(rows, { seed: 43, trees: 20 });
    expect(b.trees).toEqual(a.trees);
    expect(b.score(rows)).toEqual(a.score(rows));
    expect(c.trees).not.toEqual(a.trees);
  });

  it('restores Math.random after training, also when training fails', () => {
    const original = Math.random;
    trainForest(rows, { trees: 3 });
    expect(Math.random).toBe(original);
    expect(() => trainForest([[1], [Number.NaN]])).toThrow();
    expect(Math.random).toBe(original);
  });

  it('grows each tree on its own subsample of distinct rows', () => {
    const forest = trainForest(rows, { trees: 10, subsample: 128 });
    expect(forest.sampleSize).toBe(128);
    const trees = forest.toPackageForest().forest;
    const firstLeafSets: string[] = [];
    for (const tree of trees) {
      const sampled = leaves(tree).flatMap((leaf) => leaf.trainingSet ?? []);
      expect(sampled).toHaveLength(128);
      expect(new Set(sampled.map((row) => row.join())).size).toBe(128); // without replacement (the rows are all different)
      firstLeafSets.push(JSON.stringify(sampled.map((r) => r.join()).sort()));
    }
    expect(new Set(firstLeafSets).size).toBe(trees.length);
    // The paper's height limit ceil(log2(n)) = 7: no leaf deeper, and every tree reaches it here.
    for (const tree of forest.trees) expect(Math.max(...leafDepths(tree))).toBe(heightLimit(128));
    expect(heightLimit(128)).toBe(7);
    const longest = Math.max(...forest.trees.flatMap((t) => [...t.pathLength].filter((_, i) => t.left[i]! < 0)));
    expect(longest).toBeLessThanOrEqual(7 + averagePathLength(128));
  });

  it('uses all rows when there are fewer than the subsample size', () => {
    expect(trainForest(rows.slice(0, 50), { trees: 2 }).sampleSize).toBe(50);
  });

  it('scores exactly like the package predict() on the same trees, for float32 rows', () => {
    const forest = trainForest(rows, { trees: 50 });
    const probe = cluster(300, 99).map((r) => r.map(Math.fround));
    const ours = forest.score(probe);
    const theirs = forest.toPackageForest().predict(probe);
    for (let i = 0; i < probe.length; i++) expect(ours[i]).toBeCloseTo(theirs[i]!, 12);
  });

  it('scores far-away rows above the training rows', () => {
    const forest = trainForest(rows);
    const inliers = [...forest.score(rows)].sort((a, b) => a - b);
    const [centre, farInEveryFeature, ...farInOne] = forest.score([
      [10, -5, 0],
      [40, 30, 40],
      [30, -5, 0],
      [10, 20, 0],
      [10, -5, -40],
    ]);
    expect(farInEveryFeature).toBeGreaterThan(inliers.at(-1)!);
    // Beyond the data range a single feature cannot isolate faster than the most extreme training
    // row (splits are drawn between min and max), so such rows score like that row: well above normal.
    const median = inliers[inliers.length >> 1]!;
    for (const s of farInOne) expect(s).toBeGreaterThan(Math.max(centre!, median) + 0.1);
    for (const s of [inliers[0]!, farInEveryFeature!]) {
      expect(s).toBeGreaterThan(0);
      expect(s).toBeLessThanOrEqual(1);
    }
  });

  it('sends NaN right at every split, like +Infinity', () => {
    const forest = trainForest(rows, { trees: 30 });
    const [withNaN, withInfinity, withMinusInfinity] = forest.score([
      [10, Number.NaN, 0],
      [10, Number.POSITIVE_INFINITY, 0],
      [10, Number.NEGATIVE_INFINITY, 0],
    ]);
    expect(withNaN).toBe(withInfinity);
    expect(withMinusInfinity).not.toBe(withInfinity);
  });

  it('refuses bad training data and bad options with a message naming the problem', () => {
    expect(() => trainForest([[1, 2]])).toThrow(/at least 2 rows; got 1/);
    expect(() => trainForest([[1, 2], [3]])).toThrow(/training row 1 has 1 values, row 0 has 2/);
    expect(() =>
      trainForest([
        [1, 2],
        [3, Number.POSITIVE_INFINITY],
      ]),
    ).toThrow(/training row 1, feature 1 is Infinity/);
    expect(() =>
      trainForest([
        [1, 2],
        [3, 1e39],
      ]),
    ).toThrow(/training row 1, feature 1 is 1e\+39: training needs finite float32 values/);
    expect(() => trainForest(rows, { trees: 0 })).toThrow(/trees must be a positive integer; got 0/);
    expect(() => trainForest(rows, { subsample: 1 })).toThrow(/subsample must be an integer >= 2; got 1/);
    expect(() => trainForest(rows, { trees: 1 }).score([[1, 2]])).toThrow(/row 0 has 2 values; this forest was trained on 3 features/);
  });
});
