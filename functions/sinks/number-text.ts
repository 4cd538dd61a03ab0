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

/** Writes String(n)'s text at `at` (room for 24 bytes needed) and returns the end, or -1 if n is not one of the numbers above. */
export function writeNumberText(into: Uint8Array, at: number, n: number): number {
  if (Number.isSafeInteger(n)) {
    if (n < 0) into[at++] = MINUS;
    return writeWhole(into, at, n < 0 ? -n : n);
  }
  const a = n < 0 ? -n : n;
  if (!(a >= 1e-6 && a < 1e9)) return -1;
  // The most fraction digits a 9-digit decimal of this size has: one test there finds any such
  // decimal that reads back as n (with trailing zeros, stripped below), and a full-precision
  // double is declined after one try.
  let k = 8;
  if (a >= 10) while (a >= POW10[9 - k]!) k--;
  const scale = POW10[k]!;
  let m = Math.round(a * scale);
  if (m / scale !== a) return -1;
  while (m % 10 === 0) {
    m /= 10;
    k--;
  }
  if (n < 0) into[at++] = MINUS;
  const unit = POW10[k]!;
  const whole = Math.floor(m / unit);
  at = writeWhole(into, at, whole);
  into[at++] = POINT;
  // The fraction's k digits, leading zeros included.
  let fraction = m - whole * unit;
  for (let i = at + k - 1; i >= at; i--) {
    into[i] = ZERO + (fraction % 10);
    fraction = Math.floor(fraction / 10);
  }
  return at + k;
}

/** A whole number of 0 to 2^53 - 1 in decimal digits. */
function writeWhole(into: Uint8Array, at: number, n: number): number {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  for (let i = at + digits - 1; i >= at; i--) {
    into[i] = ZERO + (n % 10);
    n = Math.floor(n / 10);
  }
  return at + digits;
}
