/**
 * The trained forest as an ONNX graph that onnxruntime scores exactly like Forest.score:
 *
 *   features float32 [N, F] -> ai.onnx.ml TreeEnsembleRegressor (opset 3, AVERAGE of leaf path
 *   lengths = E[h]) -> Mul by -ln2 / c(n) -> Exp -> Reshape to [N] -> score float32 [N]
 *
 * which is 2^(-E[h] / c(n)), the package's anomaly score.
 *
 * With an extremeness branch (models/extremeness.ts, the hybrid model score), the forest's score
 * column is combined with the extremeness score, per row:
 *
 *   features -> Gather the branch's features as [N, metrics, features of a metric] -> IsNaN / Where (NaN -> center)
 *   -> Sub center -> Abs -> Div reach -> ReduceMax per metric (axes as an attribute at opset 17) = d
 *   -> min(d, 1 + ln(max(d, 1))) = c
 *   -> Min (c, METRIC_EVIDENCE_CAP) -> Sub (Min (habituation, METRIC_EVIDENCE_CAP) x weight) -> Relu
 *   -> TopK (all metrics, largest first) -> Mul CORROBORATION^rank -> ReduceSum
 *   -> Max with (lone metric: ReduceMax of Min (Relu (c - habituation x weight), previous_distance)
 *      >= the always-anomalous E ? that E : 0)
 *   -> Max with ReduceMax of dwell_distance (a branch with a dwell band) = E
 *   -> Mul ln(1 - threshold) -> Exp
 *   -> 1 - that = extremeness score
 *   score = extremeness score + FOREST_WEIGHT x Relu(forest score - extremeness score)
 *
 * all standard ops, so every consumer of the model file (scoring function, evaluate) scores the same.
 * Such a model has a second input, `habituation` float32 [N, metrics]: per metric of the branch the
 * largest distance of an excursion the host's metric ended in the past hours (model-store/habituation.ts),
 * of which HABITUATION_WEIGHT is taken off the metric's distance; zeros score as a model without it.
 * And a third, `previous_distance` float32 [N, metrics]: per metric its habituated distance on the host's
 * previous sample, so a lone metric gives the always-anomalous E only when out that far on both samples;
 * +Infinity scores as a model without it. A branch with a dwell band (model-store/dwell.ts) adds a fourth,
 * `dwell_distance` float32 [N, metrics]: per metric its dwell distance; zeros score as a model without it.
 *
 * Branching: BRANCH_LT sends a row to the true branch (left) when x < threshold, like the package.
 * onnxruntime compares float32 inputs with float32 thresholds, so each split is rounded UP to the
 * next float32: for a float32 x, x < split exactly when x < roundUp(split). NaN takes the false
 * branch (nodes_missing_value_tracks_true = 0), i.e. right, as `NaN < split` does in JS; ±Infinity
 * and values beyond the float32 range (which become ±Infinity) branch like any large number.
 */
import { DataType, attr, encodeModel, tensor, type Node } from './proto.js';
import { ONNX_DWELL_INPUT, ONNX_HABITUATION_INPUT, ONNX_INPUT, ONNX_OUTPUT, ONNX_PREVIOUS_INPUT } from '../../core/manifest.js';
import type { Forest } from '../forest/forest.js';
import { CORROBORATION, FOREST_WEIGHT, METRIC_EVIDENCE_CAP, alwaysAnomalousExtremeness, extremenessRate, type ExtremenessBranch } from '../extremeness.js';
import { HABITUATION_WEIGHT } from '../../model-store/habituation.js';

export const TREE_ENSEMBLE_OPSET = 3;
export const DEFAULT_OPSET = 17;

export interface ExportOptions {
  /** Stored as ONNX metadata (model name, version, feature names...). */
  readonly metadata?: Record<string, string>;
  readonly docString?: string;
  /** Adds the extremeness branch: score = extremeness score + FOREST_WEIGHT x max(0, forest score - extremeness score). */
  readonly extremeness?: ExtremenessBranch;
}

export function exportForestToOnnx(forest: Forest, options: ExportOptions = {}): Uint8Array {
  const ensemble = treeEnsembleAttributes(forest);
  const branch = options.extremeness;
  const nodes: Node[] = [
    { opType: 'TreeEnsembleRegressor', domain: 'ai.onnx.ml', input: [ONNX_INPUT], output: ['mean_path_length'], attribute: ensemble },
    { opType: 'Mul', input: ['mean_path_length', 'minus_ln2_over_c'], output: ['log_score'] },
    { opType: 'Exp', input: ['log_score'], output: [branch ? 'forest_score' : 'score_column'] },
    ...(branch ? extremenessNodes('forest_score', 'score_column', branch.dwell !== undefined) : []),
    { opType: 'Reshape', input: ['score_column', 'flat_shape'], output: [ONNX_OUTPUT] },
  ];
  const initializers = [tensor.float('minus_ln2_over_c', [], [-Math.LN2 / forest.normaliser]), tensor.int64('flat_shape', [1], [-1])];
  if (branch) {
    const n = branch.features.length;
    if (
      n === 0 ||
      branch.center.length !== n ||
      branch.reach.length !== n ||
      branch.features.some((f) => !(Number.isInteger(f) && f >= 0 && f < forest.features))
    ) {
      throw new Error(
        `the extremeness branch needs feature indices in 0..${forest.features - 1} and one center and one reach per index; got ${n} indices, ${branch.center.length} centers, ${branch.reach.length} reaches`,
      );
    }
    const positions = branch.metrics.flat();
    if (
      branch.metrics.some((group) => group.length === 0) ||
      positions.length !== n ||
      new Set(positions).size !== n ||
      positions.some((k) => !(Number.isInteger(k) && k >= 0 && k < n))
    ) {
      throw new Error(
        `the extremeness branch's metrics must split its ${n} feature positions (0..${n - 1}) into non-empty groups, each position once; got ${JSON.stringify(branch.metrics)}`,
      );
    }
    const dwell = branch.dwell;
    if (dwell && [dwell.feature, dwell.low, dwell.high, dwell.usual, dwell.reach].some((values) => values.length !== branch.metrics.length)) {
      throw new Error(
        `the extremeness branch's dwell band needs one level feature, low, high, usual and reach per metric (${branch.metrics.length}); got ${dwell.feature.length}, ${dwell.low.length}, ${dwell.high.length}, ${dwell.usual.length}, ${dwell.reach.length}`,
      );
    }
    // The branch's features laid out [metrics, width]: per metric its features, padded to the widest metric by repeating
    // its first (a repeat leaves the metric's largest distance unchanged); center and reach in the same layout.
    const width = Math.max(...branch.metrics.map((group) => group.length));
    const layout = branch.metrics.flatMap((group) => Array.from({ length: width }, (_, j) => group[j] ?? group[0]!));
    const metrics = branch.metrics.length;
    initializers.push(
      tensor.int64(
        'branch_features',
        [metrics, width],
        layout.map((k) => branch.features[k]!),
      ),
      tensor.float(
        'center',
        [metrics, width],
        layout.map((k) => branch.center[k]!),
      ),
      tensor.float(
        'reach',
        [metrics, width],
        layout.map((k) => branch.reach[k]!),
      ),
      tensor.int64('metric_count', [1], [metrics]),
      tensor.float(
        'rank_weights',
        [metrics],
        Array.from({ length: metrics }, (_, r) => CORROBORATION ** r),
      ),
      tensor.int64('metric_axis', [1], [1]),
      tensor.float('log_one_minus_threshold', [], [extremenessRate(branch.threshold)]),
      tensor.float('one', [], [1]),
      tensor.float('forest_weight', [], [FOREST_WEIGHT]),
      tensor.float('habituation_weight', [], [HABITUATION_WEIGHT]),
      tensor.float('metric_evidence_cap', [], [METRIC_EVIDENCE_CAP]),
      tensor.float('lone_metric_extremeness', [], [alwaysAnomalousExtremeness(branch)]),
      tensor.float('zero', [], [0]),
    );
  }
  return encodeModel({
    graph: {
      name: 'vigil_isolation_forest',
      nodes,
      inputs: [
        { name: ONNX_INPUT, elemType: DataType.FLOAT, shape: ['N', forest.features] },
        ...(branch
          ? [ONNX_HABITUATION_INPUT, ONNX_PREVIOUS_INPUT, ...(branch.dwell ? [ONNX_DWELL_INPUT] : [])].map((name) => ({
              name,
              elemType: DataType.FLOAT,
              shape: ['N', branch.metrics.length],
            }))
          : []),
      ],
      outputs: [{ name: ONNX_OUTPUT, elemType: DataType.FLOAT, shape: ['N'] }],
      initializers,
    },
    opsets: { '': DEFAULT_OPSET, 'ai.onnx.ml': TREE_ENSEMBLE_OPSET },
    docString: options.docString ?? `Isolation Forest: ${forest.trees.length} trees, ${forest.sampleSize} rows per tree; score = 2^(-E[h]/c(n))`,
    ...(options.metadata ? { metadata: options.metadata } : {}),
  });
}

/** The extremeness branch (models/extremeness.ts) and its combination with the forest's score column [N, 1]; `dwell`, whether E takes the dwell input. */
function extremenessNodes(forestScore: string, output: string, dwell: boolean): Node[] {
  return [
    // Gather with indices [metrics, width]: the branch's input is [N, metrics, width].
    { opType: 'Gather', input: [ONNX_INPUT, 'branch_features'], output: ['branch_input'], attribute: [attr.int('axis', 1)] },
    { opType: 'IsNaN', input: ['branch_input'], output: ['is_nan'] },
    { opType: 'Where', input: ['is_nan', 'center', 'branch_input'], output: ['finite_or_center'] },
    { opType: 'Sub', input: ['finite_or_center', 'center'], output: ['deviation'] },
    { opType: 'Abs', input: ['deviation'], output: ['distance'] },
    { opType: 'Div', input: ['distance', 'reach'], output: ['reach_share'] },
    // Per metric the largest share [N, metrics], beyond 1 compressed to 1 + ln: min(d, 1 + ln(max(d, 1)))
    // (model-store/metric-extremeness.ts compressedExtremeness); then E = those from the largest down, weighted CORROBORATION^rank, summed.
    { opType: 'ReduceMax', input: ['reach_share'], output: ['metric_share'], attribute: [attr.ints('axes', [2]), attr.int('keepdims', 0)] },
    { opType: 'Max', input: ['metric_share', 'one'], output: ['metric_share_at_least_one'] },
    { opType: 'Log', input: ['metric_share_at_least_one'], output: ['log_metric_share'] },
    { opType: 'Add', input: ['log_metric_share', 'one'], output: ['one_plus_log_metric_share'] },
    { opType: 'Min', input: ['metric_share', 'one_plus_log_metric_share'], output: ['compressed_metric_share'] },
    // Counted up to METRIC_EVIDENCE_CAP, less HABITUATION_WEIGHT x the metric's past ended excursion counted alike,
    // never below 0 (models/extremeness.ts extremenessOf, model-store/habituation.ts habituatedDistances).
    { opType: 'Min', input: ['compressed_metric_share', 'metric_evidence_cap'], output: ['capped_metric_share'] },
    { opType: 'Min', input: [ONNX_HABITUATION_INPUT, 'metric_evidence_cap'], output: ['capped_habituation'] },
    { opType: 'Mul', input: ['capped_habituation', 'habituation_weight'], output: ['capped_habituation_share'] },
    { opType: 'Sub', input: ['capped_metric_share', 'capped_habituation_share'], output: ['habituated_capped_share_signed'] },
    { opType: 'Relu', input: ['habituated_capped_share_signed'], output: ['habituated_capped_share'] },
    {
      opType: 'TopK',
      input: ['habituated_capped_share', 'metric_count'],
      output: ['ranked_metric_share', 'metric_rank_order'],
      attribute: [attr.int('axis', 1)],
    },
    { opType: 'Mul', input: ['ranked_metric_share', 'rank_weights'], output: ['weighted_metric_share'] },
    { opType: 'ReduceSum', input: ['weighted_metric_share', 'metric_axis'], output: ['corroborated_extremeness'], attribute: [attr.int('keepdims', 1)] },
    // A lone metric whose habituated distance, uncapped, reaches the always-anomalous E on this sample and the
    // host's sample before gives E at least that.
    { opType: 'Mul', input: [ONNX_HABITUATION_INPUT, 'habituation_weight'], output: ['habituation_share'] },
    { opType: 'Sub', input: ['compressed_metric_share', 'habituation_share'], output: ['habituated_metric_share_signed'] },
    { opType: 'Relu', input: ['habituated_metric_share_signed'], output: ['habituated_metric_share'] },
    { opType: 'Min', input: ['habituated_metric_share', ONNX_PREVIOUS_INPUT], output: ['held_metric_share'] },
    { opType: 'ReduceMax', input: ['held_metric_share'], output: ['largest_metric_share'], attribute: [attr.ints('axes', [1]), attr.int('keepdims', 1)] },
    { opType: 'GreaterOrEqual', input: ['largest_metric_share', 'lone_metric_extremeness'], output: ['lone_metric_out'] },
    { opType: 'Where', input: ['lone_metric_out', 'lone_metric_extremeness', 'zero'], output: ['lone_metric_extremeness_or_zero'] },
    { opType: 'Max', input: ['corroborated_extremeness', 'lone_metric_extremeness_or_zero'], output: [dwell ? 'extremeness_of_distances' : 'extremeness'] },
    // At least the largest metric's dwell distance (model-store/dwell.ts).
    ...(dwell
      ? [
          { opType: 'ReduceMax', input: [ONNX_DWELL_INPUT], output: ['largest_dwell'], attribute: [attr.ints('axes', [1]), attr.int('keepdims', 1)] },
          { opType: 'Max', input: ['extremeness_of_distances', 'largest_dwell'], output: ['extremeness'] },
        ]
      : []),
    { opType: 'Mul', input: ['extremeness', 'log_one_minus_threshold'], output: ['log_normal_share'] },
    { opType: 'Exp', input: ['log_normal_share'], output: ['normal_share'] },
    { opType: 'Sub', input: ['one', 'normal_share'], output: ['extremeness_score'] },
    { opType: 'Sub', input: [forestScore, 'extremeness_score'], output: ['forest_excess'] },
    { opType: 'Relu', input: ['forest_excess'], output: ['forest_excess_above_zero'] },
    { opType: 'Mul', input: ['forest_excess_above_zero', 'forest_weight'], output: ['forest_share'] },
    { opType: 'Add', input: ['extremeness_score', 'forest_share'], output: [output] },
  ];
}

function treeEnsembleAttributes(forest: Forest): ReturnType<typeof attr.int>[] {
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const modes: string[] = [];
  const values: number[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const targetTreeIds: number[] = [];
  const targetNodeIds: number[] = [];
  const targetWeights: number[] = [];
  forest.trees.forEach((tree, t) => {
    // Pre-order, root first, grouped by tree: onnxruntime takes the first node of a tree as its root.
    for (let i = 0; i < tree.left.length; i++) {
      treeIds.push(t);
      nodeIds.push(i);
      const leaf = tree.left[i]! < 0;
      featureIds.push(leaf ? 0 : tree.feature[i]!);
      modes.push(leaf ? 'LEAF' : 'BRANCH_LT');
      values.push(leaf ? 0 : roundUpToFloat32(tree.split[i]!));
      trueIds.push(leaf ? 0 : tree.left[i]!);
      falseIds.push(leaf ? 0 : tree.right[i]!);
      if (leaf) {
        targetTreeIds.push(t);
        targetNodeIds.push(i);
        targetWeights.push(tree.pathLength[i]!);
      }
    }
  });
  return [
    attr.int('n_targets', 1),
    attr.string('aggregate_function', 'AVERAGE'),
    attr.string('post_transform', 'NONE'),
    attr.ints('nodes_treeids', treeIds),
    attr.ints('nodes_nodeids', nodeIds),
    attr.ints('nodes_featureids', featureIds),
    attr.strings('nodes_modes', modes),
    attr.floats('nodes_values', values),
    attr.ints('nodes_truenodeids', trueIds),
    attr.ints('nodes_falsenodeids', falseIds),
    attr.ints('nodes_missing_value_tracks_true', new Array<number>(treeIds.length).fill(0)),
    attr.ints('target_treeids', targetTreeIds),
    attr.ints('target_nodeids', targetNodeIds),
    attr.ints('target_ids', new Array<number>(targetTreeIds.length).fill(0)),
    attr.floats('target_weights', targetWeights),
  ];
}

/** The smallest float32 >= x, so that for float32 inputs `x < split` and `x < roundUp(split)` agree. */
export function roundUpToFloat32(x: number): number {
  const nearest = Math.fround(x);
  if (nearest >= x || Number.isNaN(x)) return nearest;
  const bits = new Int32Array(new Float32Array([nearest]).buffer);
  // Next float32 towards +Infinity: the bit pattern grows for positives, shrinks for negatives.
  if (nearest > 0) bits[0]! += 1;
  else if (nearest < 0) bits[0]! -= 1;
  else bits[0] = 1; // +0 or -0 below a tiny positive x: the smallest positive subnormal
  return new Float32Array(bits.buffer)[0]!;
}
