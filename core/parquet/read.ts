/**
 * Reads Apache Parquet files of the kind core/parquet/write.ts writes, and any other file that keeps
 * to the same subset: uncompressed v1 data pages, PLAIN or dictionary values, RLE / bit-packed
 * levels, leaves at most one level of repetition deep (flat columns, maps, lists). Anything else
 * is an error that names it. Byte arrays are read as UTF-8 text.
 */
import { decodeThriftStruct, type ThriftStruct, type ThriftValue } from './thrift-compact.js';
import { bitWidthOf, ENCODING, PAGE_TYPE, PARQUET_MAGIC, PHYSICAL_TYPE, REPETITION } from './write.js';

export type LeafValue = number | boolean | string;

/** One leaf column of a file, all row groups joined: its levels and its non-null values. */
export interface LeafColumn {
  readonly path: readonly string[];
  readonly maxRepetition: number;
  readonly maxDefinition: number;
  readonly repetition: Uint8Array | undefined;
  readonly definition: Uint8Array | undefined;
  readonly values: LeafValue[];
}

export interface ParquetContents {
  readonly rows: number;
  /** Leaf columns by dotted path (`metrics.key_value.value`). */
  readonly columns: ReadonlyMap<string, LeafColumn>;
}

const TYPE_NAMES = Object.fromEntries(Object.entries(PHYSICAL_TYPE).map(([name, code]) => [code, name]));

export function readParquet(bytes: Uint8Array, source = 'parquet file'): ParquetContents {
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what}`);
  };
  const text = (b: Uint8Array, at: number): string => Buffer.from(b.buffer, b.byteOffset + at, 4).toString('latin1');
  if (bytes.length < 12 || text(bytes, 0) !== PARQUET_MAGIC || text(bytes, bytes.length - 4) !== PARQUET_MAGIC) {
    fail(`not a Parquet file (no ${PARQUET_MAGIC} at its start and end; ${bytes.length} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const footerLength = view.getUint32(bytes.length - 8, true);
  if (footerLength > bytes.length - 12) fail(`footer length ${footerLength} is more than the file holds: the file is truncated`);
  const meta = decodeThriftStruct(bytes, bytes.length - 8 - footerLength).value;
  const rows = num(meta[3]);

  // The leaves and their levels, depth first as the schema lists them.
  const schema = (meta[2] as ThriftStruct[] | undefined) ?? fail('footer has no schema');
  const leaves: { path: string[]; type: number; maxRepetition: number; maxDefinition: number }[] = [];
  let next = 1;
  const walk = (path: string[], repetitions: number, definitions: number, children: number): void => {
    for (let c = 0; c < children; c++) {
      const element = schema[next++] ?? fail('schema ends before its groups do');
      const name = str(element[4]);
      const repetition = element[3] === undefined ? REPETITION.required : num(element[3]);
      const r = repetitions + (repetition === REPETITION.repeated ? 1 : 0);
      const d = definitions + (repetition === REPETITION.required ? 0 : 1);
      if (element[5] !== undefined && num(element[5]) > 0) walk([...path, name], r, d, num(element[5]));
      else leaves.push({ path: [...path, name], type: num(element[1]), maxRepetition: r, maxDefinition: d });
    }
  };
  walk([], 0, 0, num(schema[0]![5]));

  const columns = new Map<string, LeafColumn>();
  const parts = leaves.map(() => ({ repetition: [] as Uint8Array[], definition: [] as Uint8Array[], values: [] as LeafValue[] }));
  for (const group of (meta[4] as ThriftStruct[] | undefined) ?? []) {
    ((group[1] as ThriftStruct[] | undefined) ?? []).forEach((chunk, i) => {
      const leaf = leaves[i] ?? fail(`row group has more column chunks than the schema has leaves`);
      const name = leaf.path.join('.');
      const m = (chunk[3] as ThriftStruct | undefined) ?? fail(`column ${name} has no metadata`);
      if (num(m[4]) !== 0) fail(`column ${name} is compressed (codec ${num(m[4])}); this reader takes uncompressed files only`);
      if (leaf.maxRepetition > 1) fail(`column ${name} is nested ${leaf.maxRepetition} levels deep; this reader takes one`);
      let at = m[11] !== undefined ? num(m[11]) : num(m[9]);
      let remaining = num(m[5]);
      let dictionary: LeafValue[] | undefined;
      while (remaining > 0) {
        const { value: header, end } = decodeThriftStruct(bytes, at);
        const size = num(header[3]);
        const body = bytes.subarray(end, end + size);
        at = end + size;
        if (num(header[1]) === PAGE_TYPE.DICTIONARY_PAGE) {
          const d = header[7] as ThriftStruct;
          dictionary = plainValues(body, 0, leaf.type, num(d[1]), name);
          continue;
        }
        if (num(header[1]) !== PAGE_TYPE.DATA_PAGE) fail(`column ${name} has a page of type ${num(header[1])}; this reader takes v1 data pages`);
        const d = header[5] as ThriftStruct;
        const count = num(d[1]);
        let pos = 0;
        const levels = (max: number): Uint8Array | undefined => {
          if (max === 0) return undefined;
          const length = new DataView(body.buffer, body.byteOffset + pos, 4).getUint32(0, true);
          const out = new Uint8Array(count);
          decodeHybrid(body.subarray(pos + 4, pos + 4 + length), bitWidthOf(max), count, out);
          pos += 4 + length;
          return out;
        };
        const repetition = levels(leaf.maxRepetition);
        const definition = levels(leaf.maxDefinition);
        const present = definition ? definition.reduce((n, l) => n + (l === leaf.maxDefinition ? 1 : 0), 0) : count;
        const encoding = num(d[2]);
        let values: LeafValue[];
        if (encoding === ENCODING.PLAIN) values = plainValues(body, pos, leaf.type, present, name);
        else if (encoding === ENCODING.PLAIN_DICTIONARY || encoding === 8) {
          if (!dictionary) fail(`column ${name} has dictionary indices and no dictionary page`);
          const indices = new Uint32Array(present);
          if (present > 0) decodeHybrid(body.subarray(pos + 1), body[pos]!, present, indices);
          values = Array.from(indices, (i) => dictionary![i] ?? fail(`column ${name}: dictionary index ${i} past its ${dictionary!.length} entries`));
        } else values = fail(`column ${name} uses encoding ${encoding}; this reader takes PLAIN and dictionary values`);
        const part = parts[i]!;
        if (repetition) part.repetition.push(repetition);
        if (definition) part.definition.push(definition);
        for (const v of values) part.values.push(v);
        remaining -= count;
      }
    });
  }
  leaves.forEach((leaf, i) => {
    const part = parts[i]!;
    columns.set(leaf.path.join('.'), {
      path: leaf.path,
      maxRepetition: leaf.maxRepetition,
      maxDefinition: leaf.maxDefinition,
      repetition: leaf.maxRepetition > 0 ? Buffer.concat(part.repetition) : undefined,
      definition: leaf.maxDefinition > 0 ? Buffer.concat(part.definition) : undefined,
      values: part.values,
    });
  });
  return { rows, columns };
}

/**
 * A leaf one level of repetition deep (a map's keys or values, a list's elements) as one array a
 * row: a null element as null, an empty or absent map or list as [].
 */
export function valuesByRow(leaf: LeafColumn, rows: number): (LeafValue | null)[][] {
  const out: (LeafValue | null)[][] = [];
  const { repetition, definition, maxDefinition } = leaf;
  if (!repetition || !definition) throw new Error(`column ${leaf.path.join('.')} is not repeated`);
  let v = 0;
  for (let i = 0; i < repetition.length; i++) {
    if (repetition[i] === 0) out.push([]);
    const row = out[out.length - 1]!;
    const d = definition[i]!;
    if (d === maxDefinition) row.push(leaf.values[v++]!);
    else if (d === maxDefinition - 1 && maxDefinition >= 2) row.push(null);
    // lower: the map or list itself is empty or null
  }
  if (out.length !== rows) throw new Error(`column ${leaf.path.join('.')} has ${out.length} rows; the file says ${rows}`);
  return out;
}

function plainValues(body: Uint8Array, at: number, type: number, count: number, name: string): LeafValue[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const out: LeafValue[] = new Array<LeafValue>(count);
  for (let i = 0; i < count; i++) {
    switch (type) {
      case PHYSICAL_TYPE.BOOLEAN:
        out[i] = ((body[at + (i >>> 3)]! >>> (i & 7)) & 1) === 1;
        break;
      case PHYSICAL_TYPE.INT32:
        out[i] = view.getInt32(at + 4 * i, true);
        break;
      case PHYSICAL_TYPE.INT64:
        out[i] = view.getInt32(at + 8 * i + 4, true) * 4294967296 + view.getUint32(at + 8 * i, true);
        break;
      case PHYSICAL_TYPE.FLOAT:
        out[i] = view.getFloat32(at + 4 * i, true);
        break;
      case PHYSICAL_TYPE.DOUBLE:
        out[i] = view.getFloat64(at + 8 * i, true);
        break;
      case PHYSICAL_TYPE.BYTE_ARRAY: {
        const length = view.getUint32(at, true);
        out[i] = Buffer.from(body.buffer, body.byteOffset + at + 4, length).toString('utf8');
        at += 4 + length;
        break;
      }
      default:
        throw new Error(`column ${name} has physical type ${TYPE_NAMES[type] ?? type}, which this reader does not take`);
    }
  }
  return out;
}

/** The RLE / bit-packed hybrid: `count` values into `out`. */
function decodeHybrid(bytes: Uint8Array, width: number, count: number, out: Uint8Array | Uint32Array): void {
  let at = 0;
  let n = 0;
  const varint = (): number => {
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = bytes[at++];
      if (b === undefined) throw new Error('RLE / bit-packed data ends early');
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
    }
  };
  const valueBytes = Math.ceil(width / 8);
  while (n < count) {
    const header = varint();
    if (header % 2 === 1) {
      const values = ((header - 1) / 2) * 8;
      let bit = at * 8;
      for (let k = 0; k < values; k++) {
        let v = 0;
        for (let b = 0; b < width; b++, bit++) v += ((bytes[bit >>> 3]! >>> (bit & 7)) & 1) * 2 ** b;
        if (n < count) out[n++] = v;
      }
      at += ((header - 1) / 2) * width;
    } else {
      let v = 0;
      for (let b = 0; b < valueBytes; b++) v += bytes[at++]! * 2 ** (8 * b);
      for (let k = header / 2; k > 0 && n < count; k--) out[n++] = v;
    }
  }
}

function num(v: ThriftValue | undefined): number {
  if (typeof v !== 'number') throw new Error(`expected a number in the Parquet metadata; got ${typeof v}`);
  return v;
}

function str(v: ThriftValue | undefined): string {
  if (!(v instanceof Uint8Array)) throw new Error(`expected text in the Parquet metadata; got ${typeof v}`);
  return Buffer.from(v).toString('utf8');
}
