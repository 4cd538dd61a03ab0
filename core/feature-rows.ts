/**
 * Feature rows: a growable row-major float32 matrix of `width` values per sample, what the model
 * scores. The wire decoder (core/wire.ts) appends each record's rows straight from its bytes, so a
 * batch of records becomes one matrix without an array per record or per sample.
 */
export class FeatureRows {
  rows = 0;
  private data: Float32Array;
  /** The same memory as bytes, for copying wire bytes in. */
  private bytes: Buffer;

  constructor(
    readonly width: number,
    capacityRows = 64,
  ) {
    this.data = new Float32Array(Math.max(1, capacityRows * width));
    this.bytes = Buffer.from(this.data.buffer);
  }

  /**
   * Appends `count` rows of little-endian float32 from `source` at `offset` when every value is
   * finite; else appends nothing and answers the index (in the appended values) of the first
   * value that is not.
   */
  appendLittleEndian(source: Buffer, offset: number, count: number): number | undefined {
    const values = count * this.width;
    this.reserve(count);
    const start = this.rows * this.width;
    if (LITTLE_ENDIAN) source.copy(this.bytes, start * 4, offset, offset + values * 4);
    else for (let k = 0; k < values; k++) this.data[start + k] = source.readFloatLE(offset + k * 4);
    const data = this.data;
    for (let k = 0; k < values; k++) if (!Number.isFinite(data[start + k]!)) return k;
    this.rows += count;
    return undefined;
  }

  /** Drops the rows from `rows` on. */
  truncate(rows: number): void {
    this.rows = Math.min(this.rows, rows);
  }

  /** The rows so far, as one matrix (a view: appending may move later rows elsewhere). */
  matrix(): Float32Array {
    return this.data.subarray(0, this.rows * this.width);
  }

  private reserve(count: number): void {
    const needed = (this.rows + count) * this.width;
    if (needed <= this.data.length) return;
    const bigger = new Float32Array(Math.max(needed, this.data.length * 2));
    bigger.set(this.data.subarray(0, this.rows * this.width));
    this.data = bigger;
    this.bytes = Buffer.from(bigger.buffer);
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The bands (core/wire.ts, version 3) of a batch's records, appended one record after another into
 * one growable float32 array, so that reading a batch allocates no array per record. A record's
 * band keeps the array it was appended to (a later growth copies into a new one and leaves the
 * earlier values where they were).
 */
export class BandValues {
  length = 0;
  private data: Float32Array;
  private bytes: Buffer;

  constructor(capacity = 1024) {
    this.data = new Float32Array(Math.max(2, capacity));
    this.bytes = Buffer.from(this.data.buffer);
  }

  /** Appends `count` little-endian float32 values from `source` at `offset`; answers the array holding them and where they start. */
  append(source: Buffer, offset: number, count: number): { readonly values: Float32Array; readonly at: number } {
    if (this.length + count > this.data.length) {
      const bigger = new Float32Array(Math.max(this.length + count, this.data.length * 2));
      bigger.set(this.data.subarray(0, this.length));
      this.data = bigger;
      this.bytes = Buffer.from(bigger.buffer);
    }
    const at = this.length;
    if (LITTLE_ENDIAN) source.copy(this.bytes, at * 4, offset, offset + count * 4);
    else for (let k = 0; k < count; k++) this.data[at + k] = source.readFloatLE(offset + k * 4);
    this.length += count;
    return { values: this.data, at };
  }

  /** Drops the values from `length` on. */
  truncate(length: number): void {
    this.length = Math.min(this.length, length);
  }
}
