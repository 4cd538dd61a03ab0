/**
 * The Thrift compact protocol, the subset Parquet's metadata uses (page headers and the file
 * footer): structs of i32, i64, binary, bool, nested structs and lists. Writing takes a struct as
 * a list of typed fields; reading gives a struct as an object keyed by field id, which is all a
 * reader of a known schema needs (unknown fields are read and ignored).
 */

/** A field to write: its id, its type and its value. */
export type ThriftField =
  | readonly [id: number, type: 'i32' | 'i64', value: number]
  | readonly [id: number, type: 'bool', value: boolean]
  | readonly [id: number, type: 'binary', value: string | Uint8Array]
  | readonly [id: number, type: 'struct', value: readonly ThriftField[]]
  | readonly [id: number, type: 'list', value: ThriftList];

export type ThriftList =
  | { readonly of: 'i32' | 'i64'; readonly items: readonly number[] }
  | { readonly of: 'binary'; readonly items: readonly string[] }
  | { readonly of: 'struct'; readonly items: readonly (readonly ThriftField[])[] };

const T_TRUE = 1;
const T_FALSE = 2;
const T_BYTE = 3;
const T_I16 = 4;
const T_I32 = 5;
const T_I64 = 6;
const T_DOUBLE = 7;
const T_BINARY = 8;
const T_LIST = 9;
const T_SET = 10;
const T_MAP = 11;
const T_STRUCT = 12;

const TYPE_CODE = { i32: T_I32, i64: T_I64, binary: T_BINARY, struct: T_STRUCT } as const;

/** A struct as compact-protocol bytes. */
export function encodeThriftStruct(fields: readonly ThriftField[]): Uint8Array {
  const out: number[] = [];
  writeStruct(out, fields);
  return Uint8Array.from(out);
}

function writeStruct(out: number[], fields: readonly ThriftField[]): void {
  let last = 0;
  for (const field of [...fields].sort((a, b) => a[0] - b[0])) {
    const [id, type, value] = field;
    const code = type === 'bool' ? (value ? T_TRUE : T_FALSE) : type === 'list' ? T_LIST : TYPE_CODE[type];
    const delta = id - last;
    if (delta > 0 && delta <= 15) out.push((delta << 4) | code);
    else {
      out.push(code);
      writeVarint(out, zigzag(id));
    }
    last = id;
    if (type === 'i32' || type === 'i64') writeVarint(out, zigzag(value));
    else if (type === 'binary') writeBinary(out, value);
    else if (type === 'struct') writeStruct(out, value);
    else if (type === 'list') writeList(out, value);
  }
  out.push(0);
}

function writeList(out: number[], list: ThriftList): void {
  const n = list.items.length;
  const code = TYPE_CODE[list.of];
  if (n < 15) out.push((n << 4) | code);
  else {
    out.push(0xf0 | code);
    writeVarint(out, n);
  }
  for (const item of list.items) {
    if (list.of === 'binary') writeBinary(out, item as string);
    else if (list.of === 'struct') writeStruct(out, item as readonly ThriftField[]);
    else writeVarint(out, zigzag(item as number));
  }
}

function writeBinary(out: number[], value: string | Uint8Array): void {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  writeVarint(out, bytes.length);
  for (const b of bytes) out.push(b);
}

/** Zigzag of a safe integer (i64 values here are byte counts and row counts, far under 2^53). */
function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

function writeVarint(out: number[], n: number): void {
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

/** A struct read back: field id to value (numbers, booleans, byte arrays, structs, lists). */
export type ThriftStruct = { readonly [id: number]: ThriftValue | undefined };
export type ThriftValue = number | boolean | Uint8Array | ThriftStruct | readonly ThriftValue[];

/** Reads one struct at `offset`; `end` is where it stopped. Errors name what was malformed. */
export function decodeThriftStruct(bytes: Uint8Array, offset = 0): { value: ThriftStruct; end: number } {
  const reader = new CompactReader(bytes, offset);
  const value = reader.struct();
  return { value, end: reader.at };
}

class CompactReader {
  constructor(
    private readonly bytes: Uint8Array,
    public at: number,
  ) {}

  struct(): ThriftStruct {
    const out: Record<number, ThriftValue> = {};
    let last = 0;
    for (;;) {
      const header = this.byte();
      if (header === 0) return out;
      const code = header & 0x0f;
      const delta = header >> 4;
      const id = delta ? last + delta : unzigzag(this.varint());
      last = id;
      out[id] = this.value(code);
    }
  }

  private value(code: number): ThriftValue {
    switch (code) {
      case T_TRUE:
        return true;
      case T_FALSE:
        return false;
      case T_BYTE:
        return this.byte();
      case T_I16:
      case T_I32:
      case T_I64:
        return unzigzag(this.varint());
      case T_DOUBLE: {
        const v = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.at, 8).readDoubleLE(0);
        this.at += 8;
        return v;
      }
      case T_BINARY: {
        const n = this.varint();
        if (this.at + n > this.bytes.length) throw new Error(`thrift binary of ${n} bytes runs past the end (${this.bytes.length} bytes)`);
        const v = this.bytes.subarray(this.at, this.at + n);
        this.at += n;
        return v;
      }
      case T_LIST:
      case T_SET: {
        const header = this.byte();
        const n = header >> 4 === 15 ? this.varint() : header >> 4;
        const elem = header & 0x0f;
        const items: ThriftValue[] = [];
        // Booleans in a list are one byte each (1 true), not header codes.
        for (let i = 0; i < n; i++) items.push(elem === T_TRUE || elem === T_FALSE ? this.byte() === 1 : this.value(elem));
        return items;
      }
      case T_MAP:
        throw new Error('thrift maps do not occur in Parquet metadata; the bytes are not a Parquet footer or page header');
      case T_STRUCT:
        return this.struct();
      default:
        throw new Error(`unknown thrift compact type ${code} at byte ${this.at}: the bytes are not a Parquet footer or page header`);
    }
  }

  private byte(): number {
    if (this.at >= this.bytes.length) throw new Error(`thrift data ends early at byte ${this.at}`);
    return this.bytes[this.at++]!;
  }

  private varint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
      if (scale > 2 ** 63) throw new Error(`thrift varint longer than 64 bits at byte ${this.at}`);
    }
  }
}

function unzigzag(n: number): number {
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}
