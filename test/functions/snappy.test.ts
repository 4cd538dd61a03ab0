/** The hot-path snappy compressor writes streams snappyjs (any snappy decoder) reads back exactly. */
import snappy from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { maxCompressedLength, snappyCompress } from '../../functions/sinks/snappy.js';
import { seededRandom } from '../../models/forest/random.js';

function roundTrip(input: Uint8Array): Uint8Array {
  const compressed = snappyCompress(input);
  expect(compressed.length).toBeLessThanOrEqual(maxCompressedLength(input.length));
  expect(Buffer.from(snappy.uncompress(compressed)).equals(Buffer.from(input))).toBe(true);
  return compressed;
}

const random = seededRandom(3);
const bytes = (n: number, pick: () => number): Uint8Array => Uint8Array.from({ length: n }, pick);

describe('snappyCompress', () => {
  it.each([0, 1, 4, 15, 16, 17, 18, 31, 64])('round-trips %i bytes', (n) => {
    roundTrip(bytes(n, () => Math.floor(random() * 4)));
  });

  it('round-trips incompressible input as long literals, across 64 KiB blocks', () => {
    const input = bytes(200_000, () => Math.floor(random() * 256));
    expect(roundTrip(input).length).toBeGreaterThan(input.length);
  });

  it('round-trips long runs as long copies', () => {
    const compressed = roundTrip(new Uint8Array(300_000).fill(7));
    expect(compressed.length).toBeLessThan(20_000);
  });

  it('round-trips repeats at far and near offsets, with literals of every length class', () => {
    const unit = bytes(3000, () => Math.floor(random() * 256));
    const parts: number[] = [];
    for (let i = 0; i < 60; i++) {
      parts.push(...unit.subarray(0, 4 + Math.floor(random() * 2000)));
      parts.push(...bytes(Math.floor(random() * 300), () => Math.floor(random() * 256)));
    }
    const input = Uint8Array.from(parts);
    expect(roundTrip(input).length).toBeLessThan(input.length / 2);
  });

  it('round-trips matches that end at every byte of an 8-byte step, and short literals at the end of the input', () => {
    const unit = bytes(64, () => Math.floor(random() * 256));
    for (let end = 4; end < 40; end++) {
      const changed = Uint8Array.from(unit);
      changed[end] = (changed[end]! + 1) & 0xff;
      const input = Uint8Array.from([...unit, ...changed, ...unit.subarray(0, end)]);
      expect(roundTrip(input).length).toBeLessThan(input.length);
    }
  });

  it('compresses text about as well as snappyjs', () => {
    const text = new TextEncoder().encode(
      Array.from({ length: 3000 }, (_, i) => `vigil_host_metric{host="web-${i % 40}",metric="cpu_pct"} ${(random() * 100).toFixed(3)}`).join('\n'),
    );
    expect(roundTrip(text).length).toBeLessThan(snappy.compress(text).length * 1.05);
  });

  it('does not depend on the previous call (shared buffers)', () => {
    const a = bytes(70_000, () => Math.floor(random() * 3));
    const first = Buffer.from(snappyCompress(a));
    roundTrip(bytes(100_000, () => Math.floor(random() * 256)));
    expect(Buffer.from(snappyCompress(a)).equals(first)).toBe(true);
  });
});
