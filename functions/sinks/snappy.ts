/**
 * Snappy block compression (the format remote write 1.0 bodies use), for the scoring function's
 * hot path: the algorithm of Google's snappy (CompressFragment: 64 KiB blocks, a hash table of
 * 4-byte sequences, literal runs skipped faster the longer no match is found), written for V8:
 * 32-bit integer hashing (Math.imul), 4-byte loads through a DataView, one hash table and one
 * output buffer reused across calls, long literal runs copied with TypedArray.set, short ones in
 * 4-byte words, matches compared 8 bytes a step. About 1.6 times as fast as snappyjs's compress on
 * remote-write requests (docs/performance.md), same output. Any snappy decoder reads the output
 * (test/functions/snappy.test.ts decodes it with snappyjs).
 */

const BLOCK_SIZE = 1 << 16;
const MAX_HASH_TABLE_BITS = 14;
/** Bytes at the end of a block that are never the start of a match (4-byte loads stay in bounds). */
const INPUT_MARGIN = 15;

const table = new Uint16Array(1 << MAX_HASH_TABLE_BITS);
let scratch = new Uint8Array(64 * 1024);
let scratchView = new DataView(scratch.buffer);
/** Bytes past maxCompressedLength in the output buffer: short literals are copied in 4-byte words, up to 3 bytes past their end. */
const OUTPUT_SLACK = 4;

/** The greatest size a compressed `length`-byte input can take (snappy's MaxCompressedLength). */
export function maxCompressedLength(length: number): number {
  return 32 + length + Math.floor(length / 6);
}

/** `input` as one snappy block-format stream: the uncompressed length, then the elements. */
export function snappyCompress(input: Uint8Array): Uint8Array {
  const max = maxCompressedLength(input.length) + OUTPUT_SLACK;
  if (scratch.length < max) {
    scratch = new Uint8Array(Math.max(max, scratch.length * 2));
    scratchView = new DataView(scratch.buffer);
  }
  const out = scratch;
  const outView = scratchView;
  let op = writeVarint32(out, 0, input.length);
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  for (let start = 0; start < input.length; start += BLOCK_SIZE) {
    op = compressBlock(input, view, start, Math.min(BLOCK_SIZE, input.length - start), out, outView, op);
  }
  return out.slice(0, op);
}

function writeVarint32(out: Uint8Array, op: number, value: number): number {
  while (value >= 0x80) {
    out[op++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[op++] = value;
  return op;
}

function emitLiteral(input: Uint8Array, inView: DataView, from: number, length: number, out: Uint8Array, outView: DataView, op: number): number {
  const n = length - 1;
  if (n < 60) {
    out[op++] = n << 2;
  } else if (n < 256) {
    out[op++] = 60 << 2;
    out[op++] = n;
  } else {
    // Blocks are at most 64 KiB: two length bytes always suffice.
    out[op++] = 61 << 2;
    out[op++] = n & 0xff;
    out[op++] = n >>> 8;
  }
  if (length <= 16 && from + 16 <= input.length) {
    // Whole 4-byte words (most literals here are a double's 8 bytes): up to 3 bytes past the literal, which the next element overwrites.
    for (let i = 0; i < length; i += 4) outView.setInt32(op + i, inView.getInt32(from + i, true), true);
  } else if (length < 16) {
    for (let i = 0; i < length; i++) out[op + i] = input[from + i]!;
  } else {
    out.set(input.subarray(from, from + length), op);
  }
  return op + length;
}

function emitCopyUpTo64(out: Uint8Array, op: number, offset: number, length: number): number {
  if (length < 12 && offset < 2048) {
    out[op++] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
    out[op++] = offset & 0xff;
  } else {
    out[op++] = 2 | ((length - 1) << 2);
    out[op++] = offset & 0xff;
    out[op++] = offset >>> 8;
  }
  return op;
}

function emitCopy(out: Uint8Array, op: number, offset: number, length: number): number {
  // Copies of up to 64 bytes; a long match is several (none shorter than 4).
  while (length >= 68) {
    op = emitCopyUpTo64(out, op, offset, 64);
    length -= 64;
  }
  if (length > 64) {
    op = emitCopyUpTo64(out, op, offset, 60);
    length -= 60;
  }
  return emitCopyUpTo64(out, op, offset, length);
}

/** One block of at most 64 KiB: positions in the hash table are relative to its start. */
function compressBlock(input: Uint8Array, view: DataView, base: number, size: number, out: Uint8Array, outView: DataView, op: number): number {
  const end = base + size;
  let nextEmit = base;
  if (size > INPUT_MARGIN + 1) {
    let bits = 8;
    while (bits < MAX_HASH_TABLE_BITS && 1 << bits < size) bits++;
    const shift = 32 - bits;
    table.fill(0, 0, 1 << bits);
    const limit = end - INPUT_MARGIN;
    let ip = base + 1;
    let nextHash = Math.imul(view.getInt32(ip, true), 0x1e35a7bd) >>> shift;
    for (;;) {
      // Find a 4-byte match, looking further apart the longer none is found.
      let skip = 32;
      let nextIp = ip;
      let candidate: number;
      do {
        ip = nextIp;
        const hash = nextHash;
        nextIp = ip + (skip++ >>> 5);
        if (nextIp > limit) return nextEmit < end ? emitLiteral(input, view, nextEmit, end - nextEmit, out, outView, op) : op;
        nextHash = Math.imul(view.getInt32(nextIp, true), 0x1e35a7bd) >>> shift;
        candidate = base + table[hash]!;
        table[hash] = ip - base;
      } while (view.getInt32(ip, true) !== view.getInt32(candidate, true));

      op = emitLiteral(input, view, nextEmit, ip - nextEmit, out, outView, op);
      // Copies for as long as the next position matches too.
      let next: number;
      do {
        let matched = 4;
        // 8 bytes a step (two 4-byte loads: unrolled, as fast as one), then the bytes of the first differing word.
        const room = end - ip - 8;
        while (
          matched <= room &&
          view.getInt32(ip + matched, true) === view.getInt32(candidate + matched, true) &&
          view.getInt32(ip + matched + 4, true) === view.getInt32(candidate + matched + 4, true)
        )
          matched += 8;
        matched = matchTail(input, view, ip, candidate, matched, end);
        op = emitCopy(out, op, ip - candidate, matched);
        ip += matched;
        nextEmit = ip;
        if (ip >= limit) return nextEmit < end ? emitLiteral(input, view, nextEmit, end - nextEmit, out, outView, op) : op;
        table[Math.imul(view.getInt32(ip - 1, true), 0x1e35a7bd) >>> shift] = ip - 1 - base;
        const hash = Math.imul((next = view.getInt32(ip, true)), 0x1e35a7bd) >>> shift;
        candidate = base + table[hash]!;
        table[hash] = ip - base;
      } while (next === view.getInt32(candidate, true));
      ip++;
      nextHash = Math.imul(view.getInt32(ip, true), 0x1e35a7bd) >>> shift;
    }
  }
  return nextEmit < end ? emitLiteral(input, view, nextEmit, end - nextEmit, out, outView, op) : op;
}

/**
 * The match length from `matched`, which the 8-byte steps reached: when 8 more bytes are in bounds
 * they hold a difference, and the first differing word's equal low-order bytes (little-endian: the
 * first in memory) are its trailing zero bits / 8.
 */
function matchTail(input: Uint8Array, view: DataView, ip: number, candidate: number, matched: number, end: number): number {
  if (ip + matched + 8 <= end) {
    let diff = view.getInt32(ip + matched, true) ^ view.getInt32(candidate + matched, true);
    if (diff === 0) {
      matched += 4;
      diff = view.getInt32(ip + matched, true) ^ view.getInt32(candidate + matched, true);
    }
    return matched + ((31 - Math.clz32(diff & -diff)) >>> 3);
  }
  while (ip + matched < end && input[ip + matched] === input[candidate + matched]) matched++;
  return matched;
}
