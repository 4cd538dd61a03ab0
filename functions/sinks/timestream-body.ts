/**
 * WriteRecords request bodies written straight as JSON bytes, for the scoring function's hot path.
 * Given record objects, the SDK's serialiser took about 17 µs per record, more than reading and
 * scoring the sample; here a record is a few copies of cached bytes (dimensions per host and tag
 * set, text measures per value, the gaps between numbers per metric set) and the numbers' text.
 * The SDK sends the bytes as the request body (timestream.ts).
 *
 * A body's records, merged with its CommonAttributes, equal toTimestreamRecord of the same samples
 * (core/stored-result.ts, the one definition of a stored record; test/functions/sink-fast-paths.test.ts
 * holds the two to that).
 */
import { sameTags, type ScoredSample } from '../../core/scored-sample.js';
import {
  METRIC_MEASURE_PREFIX,
  NUMERIC_RESULT_MEASURES,
  TEXT_RESULT_MEASURES,
  timestreamCommonAttributes,
  timestreamDimensions,
} from '../../core/stored-result.js';
import { writeNumberText } from './number-text.js';

const utf8 = new TextEncoder();
const bytesOf = (text: string): Uint8Array => utf8.encode(text);
const COMMA = 0x2c;
const RECORD_END = bytesOf('"}');
const BODY_END = bytesOf(']}');

/**
 * A record is its head (dimensions), its text measures, then a run of numbers: the numeric result
 * measures, the raw metrics and the time. gaps[0] opens the first number's value, gaps[j] closes
 * number j - 1 and opens number j, and the last gap closes the measures and opens the time; for one
 * metric set. Numbers' text (String() of a finite number, as scored samples carry) needs no JSON
 * escaping.
 */
function numberGaps(metricNames: readonly string[]): Uint8Array[] {
  const numbers = [
    ...NUMERIC_RESULT_MEASURES.map(({ name, type }) => ({ name, type })),
    ...metricNames.map((name) => ({ name: METRIC_MEASURE_PREFIX + name, type: 'DOUBLE' })),
  ];
  return [...numbers, undefined].map((number, j) => {
    const previous = numbers[j - 1];
    const close = previous ? `","Type":${JSON.stringify(previous.type)}}` : '';
    return bytesOf(number ? `${close},{"Name":${JSON.stringify(number.name)},"Value":"` : `${close}],"Time":"`);
  });
}

/**
 * Record heads (`{"Dimensions":[...],"MeasureValues":[`) by host and tag set, and the JSON of text
 * measures by value, kept across batches: a function instance sees the same hosts batch after
 * batch. Bounded: each is cleared, between records, once it holds this many.
 */
const CACHE_LIMIT = 10_000;
const heads = new Map<string, { tags: Readonly<Record<string, string>>; head: Uint8Array }[]>();
let headCount = 0;
const texts = TEXT_RESULT_MEASURES.map(() => new Map<string, Uint8Array>());

/**
 * The buffer of the last released writer, taken by the next one. A new buffer per batch (megabytes,
 * outside the JavaScript heap) made V8 run full garbage collections to account for it.
 */
let spare: Buffer | undefined;
const RELEASED = Buffer.alloc(0);

/** Writes the WriteRecords bodies of one batch into one growable buffer, until released. */
export class WriteRecordsBodyWriter {
  private buffer: Buffer;
  private position = 0;
  private requestStart = 0;
  private records = 0;
  private lastHost: string | undefined;
  private lastTags: Readonly<Record<string, string>> | undefined;
  private lastHead: Uint8Array = new Uint8Array(0);
  /**
   * The last sample's metric names in its key order, each one's place in sorted order, the values
   * in that order, and the gaps of its number run.
   */
  private metricKeys: readonly string[] = [];
  private sortedAt: readonly number[] = [];
  private metricValues: number[] = [];
  private gaps: readonly Uint8Array[] = [];

  constructor(
    private readonly database: string,
    private readonly table: string,
    expectedRecords: number,
  ) {
    // About 1 KB a record; a spare too small for the batch is dropped for a new one.
    const size = Math.max(64 * 1024, expectedRecords * 1024);
    this.buffer = spare && spare.length >= size ? spare : Buffer.allocUnsafe(size);
    spare = undefined;
  }

  /** Gives the buffer to the next writer: call it once every body has been sent or dropped. */
  release(): void {
    if (this.buffer !== RELEASED && (!spare || spare.length < this.buffer.length)) spare = this.buffer;
    this.buffer = RELEASED;
    this.position = this.requestStart = 0;
  }

  /** Starts a request body whose records all have `version`. */
  begin(version: number): void {
    if (this.buffer === RELEASED) throw new Error('this WriteRecordsBodyWriter was released; write the batch with a new one');
    this.requestStart = this.position;
    this.records = 0;
    const common = JSON.stringify(timestreamCommonAttributes(version));
    this.bytes(bytesOf(`{"DatabaseName":${JSON.stringify(this.database)},"TableName":${JSON.stringify(this.table)},"CommonAttributes":${common},"Records":[`));
  }

  /** Appends the sample's record (without what CommonAttributes carries) to the current body. */
  record(s: ScoredSample): void {
    if (this.records++ > 0) this.byte(COMMA);
    this.bytes(this.headOf(s.host, s.tags));
    for (let i = 0; i < TEXT_RESULT_MEASURES.length; i++) {
      const { name, type, text: textOf } = TEXT_RESULT_MEASURES[i]!;
      const text = textOf(s);
      // Text measures take few values: severities, metric names, model versions (rankings more: the cache is bounded).
      const known = texts[i]!;
      let json = known.get(text);
      if (!json) {
        if (known.size >= CACHE_LIMIT) known.clear();
        known.set(text, (json = bytesOf(`${i > 0 ? ',' : ''}${JSON.stringify({ Name: name, Value: text, Type: type })}`)));
      }
      this.bytes(json);
    }
    const count = this.readMetrics(s.metrics);
    const values = this.metricValues;
    const gaps = this.gaps;
    for (let j = 0; j < NUMERIC_RESULT_MEASURES.length; j++) {
      this.bytes(gaps[j]!);
      this.number(NUMERIC_RESULT_MEASURES[j]!.number(s));
    }
    for (let k = 0; k < count; k++) {
      this.bytes(gaps[NUMERIC_RESULT_MEASURES.length + k]!);
      this.number(values[k]!);
    }
    this.bytes(gaps[gaps.length - 1]!);
    this.number(s.time);
    this.bytes(RECORD_END);
  }

  /** Ends the current body. Its bytes stay valid while later bodies are written. */
  end(): Uint8Array {
    this.bytes(BODY_END);
    return this.buffer.subarray(this.requestStart, this.position);
  }

  private headOf(host: string, tags: Readonly<Record<string, string>>): Uint8Array {
    if (host === this.lastHost && tags === this.lastTags) return this.lastHead;
    if (headCount >= CACHE_LIMIT) {
      heads.clear();
      headCount = 0;
    }
    let variants = heads.get(host);
    if (!variants) heads.set(host, (variants = []));
    let found = variants.find((v) => sameTags(v.tags, tags));
    if (!found) {
      variants.push((found = { tags, head: bytesOf(`{"Dimensions":${JSON.stringify(timestreamDimensions(host, tags))},"MeasureValues":[`) }));
      headCount++;
    }
    this.lastHost = host;
    this.lastTags = tags;
    return (this.lastHead = found.head);
  }

  /**
   * The sample's metric values into metricValues, in the order of their sorted names; returns how
   * many. Walks the metrics in their own key order (for-in reads each value without a lookup by
   * name); the sorted order and the gaps are recomputed only when the names change.
   */
  private readMetrics(metrics: Readonly<Record<string, number>>): number {
    const keys = this.metricKeys;
    const sortedAt = this.sortedAt;
    const values = this.metricValues;
    let i = 0;
    for (const name in metrics) {
      if (keys[i] !== name) return this.sortMetricNames(metrics);
      values[sortedAt[i]!] = metrics[name]!;
      i++;
    }
    return i === keys.length && this.gaps.length ? i : this.sortMetricNames(metrics);
  }

  private sortMetricNames(metrics: Readonly<Record<string, number>>): number {
    const keys = Object.keys(metrics);
    const sorted = [...keys].sort();
    this.metricKeys = keys;
    this.sortedAt = keys.map((name) => sorted.indexOf(name));
    this.metricValues = sorted.map((name) => metrics[name]!);
    this.gaps = numberGaps(sorted);
    return keys.length;
  }

  private byte(b: number): void {
    this.reserve(1);
    this.buffer[this.position++] = b;
  }

  private bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buffer.set(b, this.position);
    this.position += b.length;
  }

  /** String(n)'s text: written directly where number-text.ts can, else through String(). */
  private number(n: number): void {
    this.reserve(24);
    const end = writeNumberText(this.buffer, this.position, n);
    if (end >= 0) this.position = end;
    else this.ascii(String(n));
  }

  private reserve(bytes: number): void {
    if (this.position + bytes > this.buffer.length) this.grow(bytes);
  }

  /** Text of one-byte characters only: a number's. */
  private ascii(text: string): void {
    this.reserve(text.length);
    const buffer = this.buffer;
    let p = this.position;
    for (let i = 0; i < text.length; i++) buffer[p++] = text.charCodeAt(i);
    this.position = p;
  }

  /** A larger buffer holding the current body so far; bodies already ended keep the old one. */
  private grow(needed: number): void {
    const current = this.buffer.subarray(this.requestStart, this.position);
    const next = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, current.length + needed));
    next.set(current);
    this.buffer = next;
    this.position = current.length;
    this.requestStart = 0;
  }
}
