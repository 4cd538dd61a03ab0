/**
 * Scored samples straight to a remote-write request body, without Series objects: the series come
 * from visitSeries (core/alert-series.ts, the one definition of the mapping), each label set is
 * encoded once per host (kept across batches, bounded), and every point is written into one
 * growable buffer.
 *
 * The request equals encodeWriteRequest(toSeries(...) of the same samples): the same time series in
 * the same order (first appearance), the same points in time order. test/functions/
 * sink-fast-paths.test.ts holds the two to that.
 */
import { lagCarriers, visitSeries, type BandPoints } from '../../core/alert-series.js';
import { sameTags, type ScoredSample } from '../../core/scored-sample.js';
import { encodeLabels, WriteRequestWriter } from './remote-write-codec.js';
import type { SinkBatch } from './sink.js';

/** A series name, and the last request that wrote its metadata (HELP and TYPE go once per name a request). */
interface SeriesName {
  readonly name: string;
  request: number;
}
const seriesNames = new Map<string, SeriesName>();

function seriesName(name: string): SeriesName {
  let entry = seriesNames.get(name);
  if (!entry) seriesNames.set(name, (entry = { name, request: 0 }));
  return entry;
}

/** One time series of one request: its encoded labels and its points. */
interface SeriesSlot {
  readonly name: string;
  readonly named: SeriesName;
  readonly extraLabel: string | undefined;
  readonly extraValue: string | undefined;
  readonly labels: Uint8Array;
  /** The request that last wrote to this slot; its points belong to that request. */
  request: number;
  values: number[];
  timestamps: number[];
}

/** The series slots of one host and tag set, by series name and extra label. */
class HostSeries {
  private readonly plain = new Map<string, SeriesSlot>();
  private readonly extra = new Map<string, Map<string, SeriesSlot>>();
  /** The slot of each visit of this host's previous sample: the next sample's visits are usually the same. */
  readonly recent: SeriesSlot[] = [];

  constructor(
    readonly host: string,
    readonly tags: Readonly<Record<string, string>>,
  ) {}

  slot(name: string, extraLabel: string | undefined, extraValue: string | undefined): SeriesSlot {
    if (extraLabel === undefined) {
      let slot = this.plain.get(name);
      if (!slot) this.plain.set(name, (slot = this.newSlot(name, undefined, undefined)));
      return slot;
    }
    const key = `${name}\u0000${extraLabel}`;
    let byValue = this.extra.get(key);
    if (!byValue) this.extra.set(key, (byValue = new Map()));
    let slot = byValue.get(extraValue!);
    if (!slot) byValue.set(extraValue!, (slot = this.newSlot(name, extraLabel, extraValue)));
    return slot;
  }

  private newSlot(name: string, extraLabel: string | undefined, extraValue: string | undefined): SeriesSlot {
    // The labels toSeries gives the series.
    const labels =
      extraLabel === undefined
        ? { __name__: name, ...this.tags, host: this.host, instance: this.host }
        : { __name__: name, ...this.tags, host: this.host, instance: this.host, [extraLabel]: extraValue! };
    return { name, named: seriesName(name), extraLabel, extraValue, labels: encodeLabels(labels), request: 0, values: NO_POINTS, timestamps: NO_POINTS };
  }
}

/**
 * The series slots of recent hosts (and tag sets), across batches: a Lambda instance sees the same
 * hosts batch after batch (those of its shard). A shard carries up to 10,000 hosts at one record
 * a host every 10 s (1,000 records a second); a smaller bound made such a shard encode every
 * host's labels again each batch. Bounded, at about 8 KB per host (80 MB at most): cleared,
 * between requests, once it holds this many.
 */
const HOST_LIMIT = 10_000;
const hosts = new Map<string, HostSeries[]>();
let hostCount = 0;
/** Identifies each request's points in the shared slots. Encoding is synchronous, so requests never interleave. */
let lastRequest = 0;
/** What a slot holds between requests: no points (the next request gives it fresh arrays). */
const NO_POINTS: number[] = [];

/** Encodes the requests of one sink batch. */
export class RemoteWriteEncoder {
  /** Per sample: whether it carries its host's lag point (one a host and batch, in whichever request holds it). */
  private readonly carriers: readonly boolean[];

  /**
   * `detail`: per sample, whether it writes its detail series; `band`: which of its band points
   * (core/write-policy.ts); every sample writes everything when left out.
   */
  constructor(
    private readonly batch: SinkBatch,
    private readonly detail?: readonly boolean[],
    private readonly band?: readonly BandPoints[],
  ) {
    this.carriers = lagCarriers(batch.samples, detail);
  }

  get samples(): SinkBatch['samples'] {
    return this.batch.samples;
  }

  /** The snappy-compressed WriteRequest of the samples at `indices`. */
  encode(indices: readonly number[]): Uint8Array {
    const { samples, threshold, scoredAt, modelCreatedMs } = this.batch;
    const request = ++lastRequest;
    if (hostCount >= HOST_LIMIT) {
      hosts.clear();
      seriesNames.clear();
      hostCount = 0;
    }
    const slots: SeriesSlot[] = [];
    let host: HostSeries | undefined;
    let time = 0;
    let visits = 0;
    const visit = (name: string, value: number, extraLabel?: string, extraValue?: string, timestamp?: number): void => {
      const recent = host!.recent;
      let slot = recent[visits];
      if (slot === undefined || slot.name !== name || slot.extraValue !== extraValue || slot.extraLabel !== extraLabel) {
        recent[visits] = slot = host!.slot(name, extraLabel, extraValue);
      }
      visits++;
      if (slot.request !== request) {
        slot.request = request;
        slot.values = [];
        slot.timestamps = [];
        slots.push(slot);
      }
      slot.values.push(value);
      slot.timestamps.push(timestamp ?? time);
    };
    for (const i of indices) {
      const sample = samples[i]!;
      if (!Number.isSafeInteger(sample.time) || sample.time < 0) {
        throw new Error(`sample ${sample.host} seq ${sample.seq} has the time ${sample.time}; remote write needs whole, non-negative epoch milliseconds`);
      }
      if (!host || host.host !== sample.host || (host.tags !== sample.tags && !sameTags(host.tags, sample.tags))) host = this.hostSeries(sample);
      time = sample.time;
      visits = 0;
      const detail = this.detail?.[i] ?? true;
      visitSeries(sample, threshold, scoredAt, modelCreatedMs, visit, this.carriers[i], detail, this.band?.[i] ?? detail);
    }
    const writer = new WriteRequestWriter();
    const names: string[] = [];
    for (const slot of slots) {
      inTimeOrder(slot);
      writer.timeSeries(slot.labels, slot.values, slot.timestamps);
      slot.values = slot.timestamps = NO_POINTS;
      if (slot.named.request !== request) {
        slot.named.request = request;
        names.push(slot.name);
      }
    }
    // HELP and TYPE of each series name, in the order the series came (as encodeWriteRequest writes them).
    for (const name of names) writer.metadata(name);
    return writer.finish();
  }

  private hostSeries(sample: ScoredSample): HostSeries {
    let variants = hosts.get(sample.host);
    if (!variants) hosts.set(sample.host, (variants = []));
    let found = variants.find((v) => sameTags(v.tags, sample.tags));
    if (!found) {
      variants.push((found = new HostSeries(sample.host, sample.tags)));
      hostCount++;
    }
    return found;
  }
}

/** Points sorted by time, stably, as encodeWriteRequest orders them. */
function inTimeOrder(slot: SeriesSlot): void {
  const { timestamps, values } = slot;
  let ordered = true;
  for (let i = 1; i < timestamps.length && ordered; i++) ordered = timestamps[i - 1]! <= timestamps[i]!;
  if (ordered) return;
  const order = timestamps.map((_, i) => i).sort((a, b) => timestamps[a]! - timestamps[b]!);
  slot.timestamps = order.map((i) => timestamps[i]!);
  slot.values = order.map((i) => values[i]!);
}
