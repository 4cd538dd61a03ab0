/**
 * A number's text, exactly as String(n) writes it, straight into a byte buffer, for the numbers the
 * scoring function stores most: whole numbers (sequence numbers, times) and decimals of up to 9
 * significant digits (the agent rounds metric values to 7). Others return -1 for the caller to
 * write String(n); test/functions/number-text.test.ts holds the two equal.
 *
 * Why it is exact: String(n) is the shortest decimal that reads back as n. For 1e-6 <= |n| < 1e9,
 * a decimal with k fraction digits reads back as n exactly when m / 10^k === n, m = round(n x 10^k)
 * (m and 10^k are exact doubles and the division is correctly rounded, like parsing). Without its
 * trailing zeros it is the shortest; with m below 1e9 no other m of that k reads back as n.
 */

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];
const ZERO = 0x30;
const MINUS = 0x2d;
const POINT = 0x2e;
const INT32_LIMIT = 2 ** 31;

/** Writes String(n)'s text at `at` (room for 24 bytes needed) and returns the end, or -1 if n is not one of the numbers above. */
export function writeNumberText(into: Uint8Array, at: number, n: number): number {
  if (Number.isSafeInteger(n)) {
    if (n < 0) {
      into[at++] = MINUS;
      n = -n;
    }
    return n < INT32_LIMIT ? writeSmallWhole(into, at, n) : writeLargeWhole(into, at, n);
  }
  const a = n < 0 ? -n : n;
  if (!(a >= 1e-6 && a < 1e9)) return -1;
  // The most fraction digits a 9-digit decimal of this size has: one test there finds any such
  // decimal that reads back as n (with trailing zeros, stripped below), and a full-precision
  // double is declined after one try.
  let k = 8;
  if (a >= 10) while (a >= POW10[9 - k]!) k--;
  const scale = POW10[k]!;
  // m < 1e9: 32-bit integer arithmetic from here on, which V8 does far faster than double division.
  let m = Math.round(a * scale);
  if (m / scale !== a) return -1;
  m |= 0;
  let rest = (m / 10) | 0;
  while (m === rest * 10) {
    m = rest;
    rest = (m / 10) | 0;
    k--;
  }
  if (n < 0) into[at++] = MINUS;
  // m's digits right to left, the point k digits from the right, at least one digit before it
  // (leading zeros of the fraction included).
  let digits = 1;
  for (; rest > 0; rest = (rest / 10) | 0) digits++;
  const end = at + (digits > k ? digits : k + 1) + 1;
  let i = end - 1;
  for (let j = 0; j < k; j++) {
    const tenth = (m / 10) | 0;
    into[i--] = ZERO + m - tenth * 10;
    m = tenth;
  }
  into[i--] = POINT;
  for (; i >= at; i--) {
    const tenth = (m / 10) | 0;
    into[i] = ZERO + m - tenth * 10;
    m = tenth;
  }
  return end;
}

/** A whole number of 0 to 2^31 - 1 in decimal digits. */
function writeSmallWhole(into: Uint8Array, at: number, n: number): number {
  let digits = 1;
  for (let rest = (n / 10) | 0; rest > 0; rest = (rest / 10) | 0) digits++;
  const end = at + digits;
  for (let i = end - 1; i >= at; i--) {
    const tenth = (n / 10) | 0;
    into[i] = ZERO + n - tenth * 10;
    n = tenth;
  }
  return end;
}

/** A whole number of 2^31 to 2^53 - 1 (epoch milliseconds, say): its leading digits, then its last 8. */
function writeLargeWhole(into: Uint8Array, at: number, n: number): number {
  const high = Math.floor(n / 1e8);
  at = high < INT32_LIMIT ? writeSmallWhole(into, at, high) : writeLargeWhole(into, at, high);
  let low = (n - high * 1e8) | 0;
  for (let i = at + 7; i >= at; i--) {
    const tenth = (low / 10) | 0;
    into[i] = ZERO + low - tenth * 10;
    low = tenth;
  }
  return at + 8;
}
