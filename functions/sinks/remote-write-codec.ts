/**
 * Prometheus remote write 1.0 wire format: a protobuf WriteRequest, snappy block-compressed.
 * The message definition is the subset of prometheus/prompb that remote write 1.0 needs.
 */
import protobuf from 'protobufjs';
import snappy from 'snappyjs';
import type { Series } from '../../core/alert-series.js';

const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } } },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
      },
    },
  },
});
const WriteRequest = root.lookupType('prometheus.WriteRequest');

export const REMOTE_WRITE_HEADERS = {
  'Content-Type': 'application/x-protobuf',
  'Content-Encoding': 'snappy',
  'X-Prometheus-Remote-Write-Version': '0.1.0',
} as const;

interface Group {
  readonly labels: Readonly<Record<string, string>>;
  values: number[];
  timestamps: number[];
}

/** A trie over label names and values, in the order a series carries them: no key strings to build. */
interface LabelNode {
  readonly next: Map<string, LabelNode>;
  group?: Group;
}

function child(node: LabelNode, key: string): LabelNode {
  let next = node.next.get(key);
  if (!next) node.next.set(key, (next = { next: new Map() }));
  return next;
}

/**
 * Samples of the same label set are grouped into one time series, in time order, labels sorted by
 * name. Encoded by hand into one buffer: a scored batch yields about 17 points per sample, and
 * building protobuf message objects for them cost more than scoring the batch.
 */
export function encodeWriteRequest(series: readonly Series[]): Uint8Array {
  // Group by the labels in the order the series carries them (cheap), then merge groups whose
  // sorted label sets are equal (once per group, not per point).
  const root: LabelNode = { next: new Map() };
  const groups: Group[] = [];
  for (const s of series) {
    if (!Number.isSafeInteger(s.timestamp) || s.timestamp < 0) {
      throw new Error(`series ${JSON.stringify(s.labels)} has the timestamp ${s.timestamp}; remote write needs whole, non-negative epoch milliseconds`);
    }
    let node = root;
    for (const name in s.labels) node = child(child(node, name), s.labels[name]!);
    let group = node.group;
    if (!group) groups.push((group = node.group = { labels: s.labels, values: [], timestamps: [] }));
    group.values.push(s.value);
    group.timestamps.push(s.timestamp);
  }
  const bySet = new Map<string, { names: string[]; labels: Readonly<Record<string, string>>; parts: Group[] }>();
  for (const group of groups) {
    const names = Object.keys(group.labels).sort();
    const key = names.map((name) => `${name}\u0000${group.labels[name]}`).join('\u0000');
    const entry = bySet.get(key);
    if (entry) entry.parts.push(group);
    else bySet.set(key, { names, labels: group.labels, parts: [group] });
  }
  const encoded = [...bySet.values()].map(({ names, labels, parts }) => encodeTimeSeries(names, labels, inTimeOrder(parts)));
  let size = 0;
  for (const ts of encoded) size += 1 + varintSize(ts.length) + ts.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const ts of encoded) {
    out[at++] = FIELD_TIMESERIES;
    at = writeVarint(out, at, ts.length);
    out.set(ts, at);
    at += ts.length;
  }
  return snappy.compress(out);
}

function inTimeOrder(parts: readonly Group[]): { values: number[]; timestamps: number[] } {
  const only = parts.length === 1 ? parts[0]! : undefined;
  const ordered = only && only.timestamps.every((t, i) => i === 0 || only.timestamps[i - 1]! <= t);
  if (ordered) return only;
  const points = parts.flatMap((p) => p.timestamps.map((t, i) => [t, p.values[i]!] as const)).sort((a, b) => a[0] - b[0]);
  return { timestamps: points.map((p) => p[0]), values: points.map((p) => p[1]) };
}

const utf8 = new TextEncoder();

function encodeTimeSeries(names: readonly string[], labels: Readonly<Record<string, string>>, points: { values: number[]; timestamps: number[] }): Uint8Array {
  const labelBytes = names.map((name) => {
    const n = utf8.encode(name);
    const v = utf8.encode(labels[name]!);
    const length = 1 + varintSize(n.length) + n.length + 1 + varintSize(v.length) + v.length;
    const bytes = new Uint8Array(1 + varintSize(length) + length);
    let at = 0;
    bytes[at++] = FIELD_LABELS;
    at = writeVarint(bytes, at, length);
    bytes[at++] = FIELD_LABEL_NAME;
    at = writeVarint(bytes, at, n.length);
    bytes.set(n, at);
    at += n.length;
    bytes[at++] = FIELD_LABEL_VALUE;
    at = writeVarint(bytes, at, v.length);
    bytes.set(v, at);
    return bytes;
  });
  let size = 0;
  for (const b of labelBytes) size += b.length;
  const { values, timestamps } = points;
  for (const t of timestamps) {
    const sampleLength = 9 + 1 + varintSize(t);
    size += 1 + varintSize(sampleLength) + sampleLength;
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const b of labelBytes) {
    out.set(b, at);
    at += b.length;
  }
  for (let i = 0; i < timestamps.length; i++) {
    const t = timestamps[i]!;
    out[at++] = FIELD_SAMPLES;
    at = writeVarint(out, at, 9 + 1 + varintSize(t));
    out[at++] = FIELD_SAMPLE_VALUE;
    view.setFloat64(at, values[i]!, true);
    at += 8;
    out[at++] = FIELD_SAMPLE_TIMESTAMP;
    at = writeVarint(out, at, t);
  }
  return out;
}

/** Bytes of a non-negative integer (up to 2^53) as a protobuf varint. */
function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 128) {
    out[at++] = (n % 128) | 128;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}

// Field tags (field number << 3 | wire type) of the messages above.
const FIELD_TIMESERIES = (1 << 3) | 2; // WriteRequest.timeseries
const FIELD_LABELS = (1 << 3) | 2; // TimeSeries.labels
const FIELD_SAMPLES = (2 << 3) | 2; // TimeSeries.samples
const FIELD_LABEL_NAME = (1 << 3) | 2;
const FIELD_LABEL_VALUE = (2 << 3) | 2;
const FIELD_SAMPLE_VALUE = (1 << 3) | 1; // 64-bit: double
const FIELD_SAMPLE_TIMESTAMP = (2 << 3) | 0; // varint: int64

/** The inverse, for tests and the local tools. */
export function decodeWriteRequest(body: Uint8Array): Series[] {
  const message = WriteRequest.toObject(WriteRequest.decode(snappy.uncompress(body)), { longs: Number }) as {
    timeseries?: { labels?: { name: string; value: string }[]; samples?: { value?: number; timestamp?: number }[] }[];
  };
  return (message.timeseries ?? []).flatMap((ts) => {
    const labels = Object.fromEntries((ts.labels ?? []).map((l) => [l.name, l.value]));
    return (ts.samples ?? []).map((s) => ({ labels, value: s.value ?? 0, timestamp: s.timestamp ?? 0 }));
  });
}
