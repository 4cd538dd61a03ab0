/**
 * writeNumberText writes exactly String(n)'s text, or declines (-1); on generated values of every
 * kind the scoring function stores, and on the edges of the ranges it takes.
 */
import { describe, expect, it } from 'vitest';
import { writeNumberText } from '../../functions/sinks/number-text.js';
import { seededRandom } from '../../models/forest/random.js';

const buffer = new Uint8Array(64);
/** The text written for n, or undefined where it declines. */
function written(n: number): string | undefined {
  const end = writeNumberText(buffer, 3, n);
  return end < 0 ? undefined : Buffer.from(buffer.subarray(3, end)).toString('latin1');
}

describe('writeNumberText', () => {
  it("writes String()'s text for values rounded to 1 to 9 significant digits, at every magnitude it takes", () => {
    const random = seededRandom(1);
    let checked = 0;
    for (let i = 0; i < 200_000; i++) {
      const digits = 1 + Math.floor(random() * 9);
      const magnitude = 10 ** (Math.floor(random() * 17) - 7);
      const sign = random() < 0.2 ? -1 : 1;
      const n = sign * Number((random() * magnitude).toPrecision(digits));
      const text = written(n);
      if (text !== undefined) {
        checked++;
        expect(text).toBe(String(n));
      }
    }
    // Most of them are in its range: it is the path the agent's values take.
    expect(checked).toBeGreaterThan(140_000);
  });

  it("writes String()'s text for whole numbers up to 2^53 - 1, and declines nothing among them", () => {
    const random = seededRandom(2);
    for (const n of [0, -0, 1, -1, 9, 10, 99, 100, 2 ** 31, 2 ** 32 + 1, 1_795_000_000_123, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER])
      expect(written(n)).toBe(String(n));
    for (let i = 0; i < 100_000; i++) {
      const n = Math.floor(random() * 10 ** Math.floor(random() * 16));
      expect(written(n)).toBe(String(n));
    }
  });

  it("writes String()'s text or declines for full-precision doubles", () => {
    const random = seededRandom(3);
    for (let i = 0; i < 200_000; i++) {
      const n = (random() - 0.3) * 10 ** (Math.floor(random() * 20) - 8);
      const text = written(n);
      if (text !== undefined) expect(text).toBe(String(n));
      const f = Math.fround(random());
      const single = written(f);
      if (single !== undefined) expect(single).toBe(String(f));
    }
  });

  it('declines what String() writes with an exponent, and what is not a number to store', () => {
    for (const n of [1e-7, 9.9e-7, 1e21, 2 ** 53 + 2, 1.5e15 + 0.5, Number.NaN, Infinity, -Infinity]) expect(written(n)).toBeUndefined();
    for (const n of [1e-6, 0.000001, 0.1, 0.5, 999_999_999.5, 123_456_789.1]) {
      const text = written(n);
      if (text !== undefined) expect(text).toBe(String(n));
    }
    expect(written(0.1)).toBe('0.1');
    expect(written(1e-6)).toBe('0.000001');
    expect(written(-12.5)).toBe('-12.5');
  });
});
