/**
 * A small Apache Parquet writer: one row group, one uncompressed data page (v1) per column, values
 * PLAIN or dictionary-encoded, repetition and definition levels RLE / bit-packed hybrid. Callers
 * build the columns themselves, column by column, from what they already hold (typed arrays and
 * level runs), so writing costs about a copy of the values: no row objects, no compression (see
 * core/archive.ts for why). Readable by Athena (Trino), Spark, pyarrow; test/core/archive-parquet.test.ts
 * reads its files back with pyarrow.
 *
 * Format: https://github.com/apache/parquet-format (parquet.thrift for the metadata structs).
 *
 * Not a package: hyparquet-writer 0.17.0 (pure JavaScript) took about 10 µs a row for the archive's
 * columns flat and uncompressed; the archive sink on this writer adds about 0.5 µs a sample to the
 * scoring function (`npm run bench -- --only score`; docs/performance.md, History archive).
 */
import { endianness } from 'node:os';
import { encodeThriftStruct, type ThriftField } from './thrift-compact.js';

if (endianness() !== 'LE') throw new Error('the Parquet writer copies typed arrays as little-endian bytes; this machine is big-endian');

export const PHYSICAL_TYPE = { BOOLEAN: 0, INT32: 1, INT64: 2, FLOAT: 4, DOUBLE: 5, BYTE_ARRAY: 6 } as const;
export type PhysicalType = keyof typeof PHYSICAL_TYPE;
export const REPETITION = { required: 0, optional: 1, repeated: 2 } as const;
export const CONVERTED_TYPE = { UTF8: 0, MAP: 1, MAP_KEY_VALUE: 2, LIST: 3 } as const;
export const ENCODING = { PLAIN: 0, PLAIN_DICTIONARY: 2, RLE: 3 } as const;
export const PAGE_TYPE = { DATA_PAGE: 0, DICTIONARY_PAGE: 2 } as const;
export const PARQUET_MAGIC = 'PAR1';

/** A schema node: a leaf has a physical type, a group has children. */
export interface SchemaNode {
  readonly name: string;
  readonly repetition: keyof typeof REPETITION;
  readonly type?: PhysicalType;
  readonly converted?: keyof typeof CONVERTED_TYPE;
  readonly children?: readonly SchemaNode[];
}

/** Values kept as runs of equal values (levels): adding a run is O(1). */
export class RunBuilder {
  private runs = new Uint32Array(64);
  private n = 0;
  /** Values added (the sum of the run lengths). */
  count = 0;

  push(value: number, times = 1): void {
    if (times <= 0) return;
    this.count += times;
    if (this.n > 0 && this.runs[this.n - 2] === value) {
      this.runs[this.n - 1]! += times;
      return;
    }
    if (this.n + 2 > this.runs.length) {
      const bigger = new Uint32Array(this.runs.length * 2);
      bigger.set(this.runs);
      this.runs = bigger;
    }
    this.runs[this.n++] = value;
    this.runs[this.n++] = times;
  }

  /** Calls `fn` with each run's value and length, in order. */
  forEachRun(fn: (value: number, times: number) => void): void {
    for (let r = 0; r < this.n; r += 2) fn(this.runs[r]!, this.runs[r + 1]!);
  }

  /**
   * The RLE / bit-packed hybrid encoding at `bitWidth`: runs of 16 or more as RLE runs, shorter ones
   * bit-packed in groups of 8 (the last group padded, as the format allows at the end).
   */
  encode(bitWidth: number): Uint8Array {
    const out = new ByteSink(64 + this.n * 4 + Math.ceil((this.count * bitWidth) / 8));
    const pending = new Growing(Uint32Array, 256);
    for (let r = 0; r < this.n; r += 2) {
      const value = this.runs[r]!;
      let times = this.runs[r + 1]!;
      if (times < 16) {
        pending.reserve(times);
        pending.array.fill(value, pending.length, pending.length + times);
        pending.length += times;
        continue;
      }
      // A bit-packed run holds whole groups of 8: complete the last one from this run.
      while (pending.length % 8 !== 0) {
        pending.push(value);
        times--;
      }
      writeBitPacked(out, pending.array, 0, pending.length, bitWidth);
      pending.length = 0;
      writeRle(out, value, times, bitWidth);
    }
    writeBitPacked(out, pending.array, 0, pending.length, bitWidth);
    return out.bytes();
  }
}

/** `n` values (dictionary indices) in the hybrid encoding: runs of 16 or more as RLE, the rest bit-packed. */
export function encodeHybrid(values: Uint32Array, n: number, bitWidth: number): Uint8Array {
  const out = new ByteSink(64 + Math.ceil((n * (bitWidth + 1)) / 8) + Math.ceil(n / 16) * 9);
  let literalStart = 0;
  let i = 0;
  while (i < n) {
    const value = values[i]!;
    let j = i + 1;
    while (j < n && values[j] === value) j++;
    if (j - i >= 16) {
      // The literals before the run, completed to whole groups of 8 from the run.
      const end = i + ((8 - ((i - literalStart) % 8)) % 8);
      writeBitPacked(out, values, literalStart, end, bitWidth);
      writeRle(out, value, j - end, bitWidth);
      literalStart = j;
    }
    i = j;
  }
  writeBitPacked(out, values, literalStart, n, bitWidth);
  return out.bytes();
}

function writeRle(out: ByteSink, value: number, times: number, bitWidth: number): void {
  out.varint(times * 2);
  for (let b = 0; b < bitWidth; b += 8) out.byte((value >>> b) & 0xff);
}

/**
 * values[start, end) bit-packed, LSB first, in runs of at most 63 groups of 8 (what every reader
 * takes); the last group padded with zeros.
 */
function writeBitPacked(out: ByteSink, values: Uint32Array, start: number, end: number, bitWidth: number): void {
  if (bitWidth > 24) throw new Error(`bit width ${bitWidth}: a dictionary of over 16 million entries is not supported`);
  for (let from = start; from < end; from += 504) {
    const to = Math.min(end, from + 504);
    const groups = Math.ceil((to - from) / 8);
    out.varint(groups * 2 + 1);
    const buffer = out.claim(groups * bitWidth);
    let at = 0;
    let acc = 0;
    let bits = 0;
    for (let i = from; i < from + groups * 8; i++) {
      acc |= (i < to ? values[i]! : 0) << bits;
      bits += bitWidth;
      while (bits >= 8) {
        buffer[at++] = acc & 0xff;
        acc >>>= 8;
        bits -= 8;
      }
    }
  }
}

/**
 * The levels of a map or list one level deep under a required column (max repetition 1): each
 * row's entry count (kept as runs of rows with equal counts), and which entries are null. A row
 * costs one comparison; the levels are made at the end, rows of equal counts as one repeated
 * byte pattern.
 */
export class RepeatedLevels {
  private readonly runs = new RunBuilder();
  /** Entry numbers (over all rows) whose value is null, ascending. */
  private readonly nulls: number[] = [];
  private entries = 0;
  private empty = 0;

  /** The next `rows` rows have `count` entries each. */
  row(count: number, rows = 1): void {
    this.runs.push(count, rows);
    this.entries += count * rows;
    if (count === 0) this.empty += rows;
  }

  /** Entry `entry` of the row about to be added (counting from 0) is null. */
  nullAt(entry: number): void {
    this.nulls.push(this.entries + entry);
  }

  /** Level entries: one per entry, one per row without any. */
  get count(): number {
    return this.entries + this.empty;
  }

  /** Repetition levels: 0 starts a row, 1 continues it (an RLE run of one 0, then one of count - 1 ones, a row). */
  repetition(): Uint8Array {
    const parts: Uint8Array[] = [];
    this.runs.forEachRun((count, rows) => {
      const row = new ByteSink(16);
      writeRle(row, 0, 1, 1);
      if (count > 1) writeRle(row, 1, count - 1, 1);
      const pattern = row.bytes();
      parts.push(Buffer.allocUnsafe(pattern.length * rows).fill(pattern));
    });
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /**
   * Definition levels: `max` for a value, `max - 1` for a null entry (`withNulls`: the leaf may be
   * null, a map's value; not its key), 0 for a row without entries.
   */
  definition(max: number, withNulls: boolean): Uint8Array {
    const levels = new RunBuilder();
    let entry = 0;
    let nextNull = withNulls ? 0 : this.nulls.length;
    this.runs.forEachRun((count, rows) => {
      const end = entry + count * rows;
      if (count === 0) levels.push(0, rows);
      else if (nextNull >= this.nulls.length || this.nulls[nextNull]! >= end) levels.push(max, count * rows);
      else {
        for (let e = entry; e < end; e++) {
          if (this.nulls[nextNull] === e) {
            levels.push(max - 1);
            nextNull++;
          } else levels.push(max);
        }
      }
      entry = end;
    });
    return levels.encode(bitWidthOf(max));
  }
}

/**
 * Dictionary indices of a map's keys: each row's list of indices, kept as runs of rows with the
 * same list (a batch's samples mostly carry the same metric names, and share few tag sets).
 */
export class IndexRows {
  private readonly patterns: number[][] = [];
  private readonly rows: number[] = [];

  /** The next row's indices (copied). */
  row(indices: readonly number[], length = indices.length): void {
    const last = this.patterns[this.patterns.length - 1];
    if (last && last.length === length) {
      let same = true;
      for (let i = 0; i < length && same; i++) same = last[i] === indices[i];
      if (same) {
        this.rows[this.rows.length - 1]!++;
        return;
      }
    }
    this.patterns.push(indices.slice(0, length));
    this.rows.push(1);
  }

  /** How many indices the last row had. */
  get lastLength(): number {
    return this.patterns[this.patterns.length - 1]?.length ?? 0;
  }

  /** The next `rows` rows have the same indices as the last. */
  repeat(rows = 1): void {
    if (this.rows.length === 0) throw new Error('IndexRows.repeat before any row');
    this.rows[this.rows.length - 1]! += rows;
  }

  /**
   * The hybrid encoding at `bitWidth`. One list repeated (the usual batch): bit-packed runs of a
   * whole number of periods are alike, so one is packed and copied; else every index is packed.
   */
  encode(bitWidth: number): Uint8Array {
    const total = this.patterns.reduce((n, p, i) => n + p.length * this.rows[i]!, 0);
    const only = this.patterns.length === 1 ? this.patterns[0]! : undefined;
    const period = only && only.length > 0 ? lcm(only.length, 8) : 0;
    if (only && period > 0 && period <= 504) {
      const chunk = Math.floor(504 / period) * period;
      const unit = new Uint32Array(chunk);
      for (let i = 0; i < chunk; i++) unit[i] = only[i % only.length]!;
      const full = Math.floor(total / chunk);
      const out = new ByteSink(64 + Math.ceil((chunk * bitWidth) / 8) + 4);
      writeBitPacked(out, unit, 0, chunk, bitWidth);
      const packed = out.bytes();
      const tail = new ByteSink(64 + Math.ceil((chunk * bitWidth) / 8) + 4);
      writeBitPacked(tail, unit, 0, total - full * chunk, bitWidth);
      const rest = tail.bytes();
      const all = Buffer.allocUnsafe(packed.length * full + rest.length);
      if (full > 0) all.fill(packed, 0, packed.length * full);
      all.set(rest, packed.length * full);
      return all;
    }
    const values = new Uint32Array(total);
    let at = 0;
    this.patterns.forEach((pattern, i) => {
      for (let r = 0; r < this.rows[i]!; r++) for (const v of pattern) values[at++] = v;
    });
    return encodeHybrid(values, total, bitWidth);
  }
}

function lcm(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return (a / x) * b;
}

/** Bits needed for values 0..max (at least 1). */
export function bitWidthOf(max: number): number {
  return Math.max(1, 32 - Math.clz32(max));
}

/**
 * Memory the writers take and give back, for a process that writes file after file (the scoring
 * function): a new ArrayBuffer of megabytes per file, outside the JavaScript heap, makes V8 run
 * full garbage collections to account for it. Keeps at most `limit` buffers.
 */
export class BufferPool {
  private readonly spare: ArrayBuffer[] = [];

  constructor(private readonly limit = 64) {}

  /** A buffer of at least `bytes` bytes: a spare one when one is big enough. */
  take(bytes: number): ArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.spare.length; i++) {
      const size = this.spare[i]!.byteLength;
      if (size >= bytes && (best < 0 || size < this.spare[best]!.byteLength)) best = i;
    }
    if (best < 0) return new ArrayBuffer(Math.max(bytes, 64));
    return this.spare.splice(best, 1)[0]!;
  }

  give(buffer: ArrayBuffer): void {
    this.spare.push(buffer);
    if (this.spare.length > this.limit) {
      this.spare.sort((a, b) => b.byteLength - a.byteLength);
      this.spare.length = this.limit;
    }
  }
}

/** No pooling: every buffer new, none kept. */
export const NO_POOL: Pick<BufferPool, 'take' | 'give'> = { take: (bytes) => new ArrayBuffer(Math.max(bytes, 64)), give: () => undefined };

type TypedArrayOf<T> = { new (buffer: ArrayBuffer, offset: number, length: number): T; readonly BYTES_PER_ELEMENT: number };

/** A growing typed array (a column's values), its memory from a pool. */
export class Growing<T extends Float64Array | Float32Array | Int32Array | Uint32Array> {
  array: T;
  length = 0;

  constructor(
    private readonly type: TypedArrayOf<T>,
    capacity = 1024,
    private readonly pool: Pick<BufferPool, 'take' | 'give'> = NO_POOL,
  ) {
    this.array = this.make(capacity);
  }

  push(value: number): void {
    if (this.length === this.array.length) this.reserve(1);
    this.array[this.length++] = value;
  }

  /** Room for `more` values past the current length. */
  reserve(more: number): void {
    if (this.length + more <= this.array.length) return;
    const bigger = this.make(Math.max(this.array.length * 2, this.length + more));
    bigger.set(this.array.subarray(0, this.length));
    this.pool.give(this.array.buffer as ArrayBuffer);
    this.array = bigger;
  }

  /** The values as little-endian bytes (a view, no copy). */
  bytes(): Uint8Array {
    return new Uint8Array(this.array.buffer, this.array.byteOffset, this.length * this.array.BYTES_PER_ELEMENT);
  }

  /** Gives the memory back to the pool: the values are gone. */
  release(): void {
    this.pool.give(this.array.buffer as ArrayBuffer);
    this.array = new this.type(new ArrayBuffer(0), 0, 0);
    this.length = 0;
  }

  private make(n: number): T {
    const buffer = this.pool.take(n * this.type.BYTES_PER_ELEMENT);
    return new this.type(buffer, 0, Math.floor(buffer.byteLength / this.type.BYTES_PER_ELEMENT));
  }
}

/** BOOLEAN values (0 or 1 each), PLAIN: one bit each, LSB first. */
export function packBits(values: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(count / 8));
  for (let i = 0; i < count; i++) out[i >>> 3]! |= values[i]! << (i & 7);
  return out;
}

/** A string column's dictionary: each distinct string once, by index. */
export class StringDictionary {
  private readonly index = new Map<string, number>();
  private readonly entries: string[] = [];
  private last: string | undefined;
  private lastIndex = 0;

  /** The dictionary index of a string, added if new. */
  indexOf(value: string): number {
    if (value === this.last) return this.lastIndex;
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.entries.length;
      this.index.set(value, i);
      this.entries.push(value);
    }
    this.last = value;
    this.lastIndex = i;
    return i;
  }

  get size(): number {
    return this.entries.length;
  }

  /** The dictionary page's values: PLAIN BYTE_ARRAY (length, then the UTF-8 bytes). */
  plain(): Uint8Array {
    const out = new ByteSink(this.entries.reduce((n, s) => n + 4 + s.length * 3, 16));
    for (const s of this.entries) out.byteArray(s);
    return out.bytes();
  }
}

/** One column chunk as the caller built it. */
export interface ColumnData {
  readonly path: readonly string[];
  readonly type: PhysicalType;
  readonly maxRepetition: number;
  readonly maxDefinition: number;
  /** Level entries: values plus nulls and empty lists or maps. */
  readonly count: number;
  /** The levels, encoded (RunBuilder.encode, RepeatedLevels). */
  readonly repetition?: Uint8Array;
  readonly definition?: Uint8Array;
  /** PLAIN values, or a dictionary with its indices (encoded by the caller, or the dictionary's own). */
  readonly values: { readonly plain: Uint8Array } | { readonly dictionary: StringDictionary; readonly indices: IndexRows | Uint32Array };
}

/** The Parquet file of `rows` rows: `schema` the root's children, `columns` its leaves in order. */
export function writeParquet(
  schema: readonly SchemaNode[],
  columns: readonly ColumnData[],
  rows: number,
  createdBy: string,
  pool: Pick<BufferPool, 'take' | 'give'> = NO_POOL,
): Buffer {
  const parts: Uint8Array[] = [Buffer.from(PARQUET_MAGIC)];
  let at = PARQUET_MAGIC.length;
  const chunks: ThriftField[][] = [];
  let total = 0;
  for (const column of columns) {
    const start = at;
    let dictionaryOffset: number | undefined;
    const levels: Uint8Array[] = [];
    if (column.maxRepetition > 0) levels.push(...lengthPrefixed(column.repetition!));
    if (column.maxDefinition > 0) levels.push(...lengthPrefixed(column.definition!));
    let values: Uint8Array[];
    let encoding: number = ENCODING.PLAIN;
    if ('dictionary' in column.values && column.values.dictionary.size > 0) {
      const dictionary = column.values.dictionary;
      const page = dictionary.plain();
      const header = pageHeader(PAGE_TYPE.DICTIONARY_PAGE, page.length, [
        7,
        'struct',
        [
          [1, 'i32', dictionary.size],
          [2, 'i32', ENCODING.PLAIN_DICTIONARY],
        ],
      ]);
      dictionaryOffset = at;
      parts.push(header, page);
      at += header.length + page.length;
      const width = bitWidthOf(dictionary.size - 1);
      const { indices } = column.values;
      const encoded = indices instanceof Uint32Array ? encodeHybrid(indices, indices.length, width) : indices.encode(width);
      values = [Uint8Array.of(width), encoded];
      encoding = ENCODING.PLAIN_DICTIONARY;
    } else values = ['plain' in column.values ? column.values.plain : new Uint8Array(0)];
    const body = [...levels, ...values];
    const size = body.reduce((n, b) => n + b.length, 0);
    const dataHeader = pageHeader(PAGE_TYPE.DATA_PAGE, size, [
      5,
      'struct',
      [
        [1, 'i32', column.count],
        [2, 'i32', encoding],
        [3, 'i32', ENCODING.RLE],
        [4, 'i32', ENCODING.RLE],
      ],
    ]);
    const dataOffset = at;
    parts.push(dataHeader, ...body);
    at += dataHeader.length + size;
    const chunkBytes = at - start;
    total += chunkBytes;
    const encodings = encoding === ENCODING.PLAIN ? [ENCODING.PLAIN, ENCODING.RLE] : [ENCODING.PLAIN_DICTIONARY, ENCODING.RLE];
    chunks.push([
      [2, 'i64', start],
      [
        3,
        'struct',
        [
          [1, 'i32', PHYSICAL_TYPE[column.type]],
          [2, 'list', { of: 'i32', items: encodings }],
          [3, 'list', { of: 'binary', items: [...column.path] }],
          [4, 'i32', 0], // UNCOMPRESSED
          [5, 'i64', column.count],
          [6, 'i64', chunkBytes],
          [7, 'i64', chunkBytes],
          [9, 'i64', dataOffset],
          ...(dictionaryOffset === undefined ? [] : [[11, 'i64', dictionaryOffset] as const]),
        ],
      ],
    ]);
  }
  const footer = encodeThriftStruct([
    [1, 'i32', 1],
    [2, 'list', { of: 'struct', items: flattenSchema(schema) }],
    [3, 'i64', rows],
    [
      4,
      'list',
      {
        of: 'struct',
        items: [
          [
            [1, 'list', { of: 'struct', items: chunks }],
            [2, 'i64', total],
            [3, 'i64', rows],
          ],
        ],
      },
    ],
    [6, 'binary', createdBy],
  ]);
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(footer.length, 0);
  tail.write(PARQUET_MAGIC, 4, 'latin1');
  parts.push(footer, tail);
  const size = parts.reduce((n, p) => n + p.length, 0);
  const file = Buffer.from(pool.take(size), 0, size);
  let offset = 0;
  for (const part of parts) {
    file.set(part, offset);
    offset += part.length;
  }
  return file;
}

function pageHeader(type: number, size: number, detail: ThriftField): Uint8Array {
  return encodeThriftStruct([[1, 'i32', type], [2, 'i32', size], [3, 'i32', size], detail]);
}

function lengthPrefixed(bytes: Uint8Array): Uint8Array[] {
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, bytes.length, true);
  return [length, bytes];
}

/** The schema as Parquet's depth-first list of SchemaElements, the root first. */
function flattenSchema(schema: readonly SchemaNode[]): ThriftField[][] {
  const out: ThriftField[][] = [
    [
      [4, 'binary', 'schema'],
      [5, 'i32', schema.length],
    ],
  ];
  const walk = (node: SchemaNode): void => {
    const fields: ThriftField[] = [
      [3, 'i32', REPETITION[node.repetition]],
      [4, 'binary', node.name],
    ];
    if (node.type) fields.push([1, 'i32', PHYSICAL_TYPE[node.type]]);
    if (node.children) fields.push([5, 'i32', node.children.length]);
    if (node.converted) fields.push([6, 'i32', CONVERTED_TYPE[node.converted]]);
    out.push(fields);
    node.children?.forEach(walk);
  };
  schema.forEach(walk);
  return out;
}

/** Bytes appended to a growing buffer. */
class ByteSink {
  private buffer: Buffer;
  private at = 0;

  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(64, capacity));
  }

  byte(b: number): void {
    this.room(1);
    this.buffer[this.at++] = b;
  }

  varint(n: number): void {
    while (n >= 0x80) {
      this.byte((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.byte(n);
  }

  byteArray(s: string): void {
    const length = Buffer.byteLength(s, 'utf8');
    this.room(4 + length);
    this.buffer.writeUInt32LE(length, this.at);
    this.at += 4;
    this.at += this.buffer.write(s, this.at, 'utf8');
  }

  /** The next `n` bytes, to be filled by the caller. */
  claim(n: number): Buffer {
    this.room(n);
    this.at += n;
    return this.buffer.subarray(this.at - n, this.at);
  }

  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.at);
  }

  private room(n: number): void {
    if (this.at + n <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + n));
    this.buffer.copy(bigger, 0, 0, this.at);
    this.buffer = bigger;
  }
}
