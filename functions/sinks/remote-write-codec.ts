/**
 * Prometheus remote write 1.0 wire format: a protobuf WriteRequest, snappy block-compressed,
 * written by hand (the message definition is in remote-write-decode.ts, which reads requests back).
 * Requests are compressed by ./snappy.ts.
 */
import { seriesHelp, type Series } from '../../core/alert-series.js';
import { snappyCompress } from './snappy.js';

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
  const writer = new WriteRequestWriter();
  for (const { names, labels, parts } of bySet.values()) {
    const { values, timestamps } = inTimeOrder(parts);
    writer.timeSeries(encodeLabels(labels, names), values, timestamps);
  }
  for (const name of new Set([...bySet.values()].map((entry) => entry.labels.__name__!))) writer.metadata(name);
  return writer.finish();
}

function inTimeOrder(parts: readonly Group[]): { values: number[]; timestamps: number[] } {
  const only = parts.length === 1 ? parts[0]! : undefined;
  const ordered = only && isAscending(only.timestamps);
  if (ordered) return only;
  const points = parts.flatMap((p) => p.timestamps.map((t, i) => [t, p.values[i]!] as const)).sort((a, b) => a[0] - b[0]);
  return { timestamps: points.map((p) => p[0]), values: points.map((p) => p[1]) };
}

function isAscending(timestamps: readonly number[]): boolean {
  for (let i = 1; i < timestamps.length; i++) if (timestamps[i - 1]! > timestamps[i]!) return false;
  return true;
}

/**
 * A time series' labels as encoded TimeSeries.labels fields, sorted by name (`names`: the sorted
 * names, when known). Written straight into one buffer, texts without intermediate byte arrays: a
 * scoring function whose shard carries more hosts than its label cache holds encodes every
 * series' labels again each batch.
 */
export function encodeLabels(labels: Readonly<Record<string, string>>, names: readonly string[] = Object.keys(labels).sort()): Uint8Array {
  let size = 0;
  for (const name of names) {
    const field = labelFieldSize(utf8Length(name), utf8Length(labels[name]!));
    size += 1 + varintSize(field) + field;
  }
  // From Node's buffer pool: small label sets kept for long share memory, not an ArrayBuffer each.
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const name of names) {
    const value = labels[name]!;
    const n = utf8Length(name);
    const v = utf8Length(value);
    out[at++] = FIELD_LABELS;
    at = writeVarint(out, at, labelFieldSize(n, v));
    out[at++] = FIELD_LABEL_NAME;
    at = writeVarint(out, at, n);
    at = writeText(out, at, name, n);
    out[at++] = FIELD_LABEL_VALUE;
    at = writeVarint(out, at, v);
    at = writeText(out, at, value, v);
  }
  return out;
}

/** A Label message's size: name and value fields, each a tag, a length and the UTF-8 bytes. */
function labelFieldSize(nameBytes: number, valueBytes: number): number {
  return 1 + varintSize(nameBytes) + nameBytes + 1 + varintSize(valueBytes) + valueBytes;
}

/** UTF-8 length: a string's length when it is ASCII, as label names and host ids are. */
function utf8Length(text: string): number {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return Buffer.byteLength(text, 'utf8');
  return text.length;
}

/** `text` (`bytes` long in UTF-8) at `at`: ASCII by hand, other text through Buffer.write. */
function writeText(out: Buffer, at: number, text: string, bytes: number): number {
  if (bytes !== text.length) return at + out.write(text, at, bytes, 'utf8');
  for (let i = 0; i < bytes; i++) out[at + i] = text.charCodeAt(i);
  return at + bytes;
}

/** A growable byte buffer with the protobuf primitives remote write needs. */
class ProtoWriter {
  private buffer: Uint8Array;
  private view: DataView;
  at = 0;
  constructor(capacity: number) {
    this.buffer = new Uint8Array(capacity);
    this.view = new DataView(this.buffer.buffer);
  }
  reserve(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const bigger = new Uint8Array(Math.max(this.buffer.length * 2, this.at + bytes));
    bigger.set(this.buffer.subarray(0, this.at));
    this.buffer = bigger;
    this.view = new DataView(bigger.buffer);
  }
  byte(b: number): void {
    this.reserve(1);
    this.buffer[this.at++] = b;
  }
  varint(n: number): void {
    this.reserve(8);
    this.at = writeVarint(this.buffer, this.at, n);
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buffer.set(b, this.at);
    this.at += b.length;
  }
  double(v: number): void {
    this.reserve(8);
    this.view.setFloat64(this.at, v, true);
    this.at += 8;
  }
  /** Sample messages (field TimeSeries.samples); the caller reserved their bytes. */
  points(values: ArrayLike<number>, timestamps: ArrayLike<number>): void {
    const buffer = this.buffer;
    const view = this.view;
    let at = this.at;
    for (let i = 0; i < timestamps.length; i++) {
      const t = timestamps[i]!;
      buffer[at++] = FIELD_SAMPLES;
      buffer[at++] = 10 + varintSize(t);
      buffer[at++] = FIELD_SAMPLE_VALUE;
      view.setFloat64(at, values[i]!, true);
      at += 8;
      buffer[at++] = FIELD_SAMPLE_TIMESTAMP;
      at = writeVarint(buffer, at, t);
    }
    this.at = at;
  }
  writtenView(): Uint8Array {
    return this.buffer.subarray(0, this.at);
  }
}

/**
 * A WriteRequest written time series by time series into one growable buffer, then
 * snappy-compressed: no message objects per point.
 */
export class WriteRequestWriter {
  /** The buffer of the last finished writer, taken by the next one: no new (zeroed, grown) buffer per request. */
  private static spare: ProtoWriter | undefined;
  private out: ProtoWriter | undefined;

  constructor() {
    this.out = WriteRequestWriter.spare ?? new ProtoWriter(64 * 1024);
    WriteRequestWriter.spare = undefined;
    this.out.at = 0;
  }

  /** One TimeSeries: encoded labels (encodeLabels), then its points, already in time order. */
  timeSeries(labels: Uint8Array, values: ArrayLike<number>, timestamps: ArrayLike<number>): void {
    let length = labels.length;
    // Each point: a Sample message of a tag + double and a tag + varint timestamp (under 128 bytes, so a 1-byte length).
    for (let i = 0; i < timestamps.length; i++) length += 2 + 10 + varintSize(timestamps[i]!);
    const out = this.writer();
    out.byte(FIELD_TIMESERIES);
    out.varint(length);
    out.reserve(length);
    out.bytes(labels);
    out.points(values, timestamps);
  }
  /**
   * The HELP and TYPE of series `name` (WriteRequest.metadata: remote write 1.0 carries them, for a
   * receiver that keeps them); every vigil series is a gauge. Once per name a request.
   */
  metadata(name: string): void {
    let encoded = metadataCache.get(name);
    if (!encoded) {
      encoded = encodeMetadata(name, seriesHelp(name));
      if (metadataCache.size < METADATA_CACHE_LIMIT) metadataCache.set(name, encoded);
    }
    const out = this.writer();
    out.reserve(encoded.length);
    out.bytes(encoded);
  }

  /** The snappy-compressed request body; the writer is done. */
  finish(): Uint8Array {
    const out = this.writer();
    const body = snappyCompress(out.writtenView());
    this.out = undefined;
    WriteRequestWriter.spare = out;
    return body;
  }

  private writer(): ProtoWriter {
    if (!this.out) throw new Error('this remote-write request is finished; start another WriteRequestWriter');
    return this.out;
  }
}

/** Encoded metadata by series name: a handful of names, each written in every request. */
const metadataCache = new Map<string, Uint8Array>();
const METADATA_CACHE_LIMIT = 1000;
/** prometheus.MetricMetadata.MetricType GAUGE. */
const GAUGE = 2;

/** A WriteRequest.metadata field: MetricMetadata { type, metric_family_name, help }. */
function encodeMetadata(name: string, help: string): Uint8Array {
  const nameBytes = Buffer.from(name);
  const helpBytes = Buffer.from(help);
  const body = [
    FIELD_METADATA_TYPE,
    GAUGE,
    FIELD_METADATA_NAME,
    ...varintBytes(nameBytes.length),
    ...nameBytes,
    FIELD_METADATA_HELP,
    ...varintBytes(helpBytes.length),
    ...helpBytes,
  ];
  return Uint8Array.from([FIELD_METADATA, ...varintBytes(body.length), ...body]);
}

function varintBytes(n: number): number[] {
  const out = new Uint8Array(10);
  return [...out.subarray(0, writeVarint(out, 0, n))];
}

/** Bytes of a non-negative integer (up to 2^53) as a protobuf varint. */
function varintSize(n: number): number {
  if (n < 2 ** 28) return n < 2 ** 14 ? (n < 2 ** 7 ? 1 : 2) : n < 2 ** 21 ? 3 : 4;
  return n < 2 ** 42 ? (n < 2 ** 35 ? 5 : 6) : n < 2 ** 49 ? 7 : 8;
}

function writeVarint(out: Uint8Array, at: number, n: number): number {
  if (n >= 2 ** 28) {
    // Beyond 32-bit integer arithmetic: the low 28 bits first, then the rest.
    const high = Math.floor(n / 2 ** 28);
    let low = n - high * 2 ** 28;
    for (let i = 0; i < 4; i++, low >>>= 7) out[at++] = (low & 127) | 128;
    n = high;
  }
  while (n >= 128) {
    out[at++] = (n & 127) | 128;
    n >>>= 7;
  }
  out[at++] = n;
  return at;
}

// Field tags (field number << 3 | wire type) of the messages above.
const FIELD_TIMESERIES = (1 << 3) | 2; // WriteRequest.timeseries
const FIELD_METADATA = (3 << 3) | 2; // WriteRequest.metadata
const FIELD_METADATA_TYPE = (1 << 3) | 0; // MetricMetadata.type: varint enum
const FIELD_METADATA_NAME = (2 << 3) | 2; // MetricMetadata.metric_family_name
const FIELD_METADATA_HELP = (4 << 3) | 2; // MetricMetadata.help
const FIELD_LABELS = (1 << 3) | 2; // TimeSeries.labels
const FIELD_SAMPLES = (2 << 3) | 2; // TimeSeries.samples
const FIELD_LABEL_NAME = (1 << 3) | 2;
const FIELD_LABEL_VALUE = (2 << 3) | 2;
const FIELD_SAMPLE_VALUE = (1 << 3) | 1; // 64-bit: double
const FIELD_SAMPLE_TIMESTAMP = (2 << 3) | 0; // varint: int64
