/**
 * The scoring function's memory of each host's ended excursions, previous sample and dwell outside its metrics'
 * usual ranges (model-store/habituation.ts, docs/decisions/0010-habituation-to-ended-excursions.md, 0012, 0013),
 * the memory inputs of the model's ONNX graph.
 *
 * It lives in the instance's memory, as the host's last band points do (decision 0007): the
 * partition key is the host, so one shard's batches bring a host's samples in order. A newly
 * published model of the same metrics takes the memories over (distances of the model before it: a
 * host a model behind keeps most of the gain, docs/detection.md experiment 27). Whatever loses them
 * (a new instance, a model of other metrics, a host forgotten for `maxHosts` others) only makes the
 * host's next hours score as a model without habituation does: more alerts, never fewer (a host's first
 * sample a memory sees counts as if its previous one were as far out). A sample
 * no newer than the host's last (a batch delivered again, a late record) is scored without
 * habituation and does not change the memory.
 */
import { DEFAULT_HABITUATION, ExcursionMemory, emptyMemoryInput, setMemoryRow, type MemoryInput } from '../../model-store/habituation.js';
import type { BranchDistances } from '../../model-store/metric-extremeness.js';
import type { AcceptedRecord } from './records.js';

/**
 * Hosts remembered per instance: 3.8 KB of heap each for vigil's ten metrics, 6.8 KB for a host often beyond its
 * reach (`npm run bench -- --only score`, score.habituation_kb_per_host.*): at most about 140 MB of the
 * function's 1,024. A shard carries fewer hosts than this at the agent's 10 s interval.
 */
export const DEFAULT_MAX_HOSTS = 20_000;

export class HostHabituation {
  constructor(
    readonly branch: BranchDistances,
    private readonly maxHosts = DEFAULT_MAX_HOSTS,
    private readonly hosts = new Map<string, ExcursionMemory>(),
  ) {}

  /** For a new model: the same hosts' memories when its branch has as many metrics, else none. */
  carriedTo(branch: BranchDistances): HostHabituation {
    return new HostHabituation(branch, this.maxHosts, branch.metrics.length === this.width ? this.hosts : undefined);
  }

  /** Values per sample: one per metric of the branch. */
  get width(): number {
    return this.branch.metrics.length;
  }

  /** Hosts remembered now. */
  get size(): number {
    return this.hosts.size;
  }

  /**
   * The memory inputs of a batch: per sample (in the order of `features`, rows of `featureCount`), per
   * metric, its host's past ended excursion, its distance on the host's sample before and its dwell
   * distance; and each host's memory moved on by its samples.
   */
  input(records: readonly AcceptedRecord[], features: Float32Array, featureCount: number): MemoryInput {
    let rows = 0;
    for (const r of records) rows += r.record.samples.length;
    const out = emptyMemoryInput(rows, this.width, this.branch.dwell !== undefined);
    let row = 0;
    for (const { record } of records) {
      const memory = this.memoryOf(record.host);
      for (const sample of record.samples) {
        const reading = memory.sample(sample.t, features, this.branch, row * featureCount);
        if (reading) setMemoryRow(out, row, this.width, reading);
        row++;
      }
    }
    return out;
  }

  /** The host's memory; beyond maxHosts the host remembered longest is forgotten. */
  private memoryOf(host: string): ExcursionMemory {
    let memory = this.hosts.get(host);
    if (!memory) {
      memory = new ExcursionMemory(this.width, DEFAULT_HABITUATION);
      this.hosts.set(host, memory);
      if (this.hosts.size > this.maxHosts) this.hosts.delete(this.hosts.keys().next().value!);
    }
    return memory;
  }
}
