import { describe, expect, it } from 'vitest';
import { float32Decimal } from '../../core/float32-decimal.js';
import { seededRandom } from '../../models/forest/random.js';

/** The reference: the fewest significant digits (toPrecision rounds correctly) that read back as f. */
function shortestByPrecision(f: number): number {
  for (let digits = 1; digits <= 9; digits++) {
    const d = Number(f.toPrecision(digits));
    if (Math.fround(d) === f) return d;
  }
  throw new Error(`no decimal of at most 9 digits reads back as ${f}`);
}

describe('float32Decimal', () => {
  it('gives the shortest decimal that reads back as the same float32, for float32 values of every size in range', () => {
    const random = seededRandom(3);
    const bits = new Uint32Array(1);
    const asFloat = new Float32Array(bits.buffer);
    let checked = 0;
    while (checked < 200_000) {
      bits[0] = Math.floor(random() * 2 ** 32);
      const f = asFloat[0]!;
      const a = Math.abs(f);
      if (!(a >= 1e-12 && a < 1e21)) continue;
      const d = float32Decimal(f);
      if (d !== shortestByPrecision(f)) expect({ f, d }).toEqual({ f, d: shortestByPrecision(f) });
      checked++;
    }
    expect(checked).toBe(200_000);
  });

  it('rounds a double to float32 first, and writes as at most 9 significant digits', () => {
    expect(float32Decimal(Math.fround(0.37012345))).toBe(0.37012345);
    expect(String(Math.fround(0.37012345))).toBe('0.3701234459877014');
    expect(float32Decimal(0.1)).toBe(0.1);
    expect(float32Decimal(1)).toBe(1);
    expect(float32Decimal(-2.5)).toBe(-2.5);
    expect(float32Decimal(1 / 3)).toBe(0.33333334);
    expect(String(float32Decimal(Math.fround(Math.PI)))).toBe('3.1415927');
  });

  it('keeps Math.fround(x) for 0, values outside 1e-12 .. 1e21 and non-finite values', () => {
    expect(float32Decimal(0)).toBe(0);
    expect(float32Decimal(1e-20)).toBe(Math.fround(1e-20));
    expect(float32Decimal(1e25)).toBe(Math.fround(1e25));
    expect(float32Decimal(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(float32Decimal(Number.NaN)).toBeNaN();
  });
});
