/** What a benchmark area (bench/<area>.bench.ts, default export) provides to `npm run bench`. */
export interface BenchResult {
  /** Key under the area, e.g. `onnx_vs_js_speedup` for `models.onnx_vs_js_speedup`. */
  metric: string;
  value: number;
  unit: string;
  /** One line: what was measured against what. */
  note?: string;
}

export interface BenchArea {
  area: string;
  description: string;
  /**
   * The Node options the measured code runs with when deployed (NODE_OPTIONS); the runner runs the
   * area in a process of its own with them. V8's heap options cannot change once a process runs.
   */
  nodeOptions?: string;
  run(): Promise<BenchResult[]>;
}

/** Median of repeated timings: the machine is shared and noisy. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
