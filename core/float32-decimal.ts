/**
 * A float32 quantity as the shortest decimal that reads back as the same float32, held as the
 * double of that decimal. The model scores in float32; widened to a double, a score prints as 17
 * digits (0.3701234459877014) of which only the first 7 to 9 mean anything. Scored samples carry
 * score and confidence this way, so every sink stores and shows 0.37012345, and its text (at most 9
 * significant digits, String() of it) is cheap to write (functions/sinks/number-text.ts).
 */

/** Exact doubles up to 10^22: a decimal m x 10^-k is then one correctly rounded division (or product), as parsing it is. */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * The shortest decimal of at most 9 significant digits whose float32 equals Math.fround(x), as a
 * double; Math.fround(x) itself if x is 0, not finite, or outside 1e-12 .. 1e21.
 */
export function float32Decimal(x: number): number {
  const f = Math.fround(x);
  const a = f < 0 ? -f : f;
  if (!(a >= 1e-12 && a < 1e21)) return f;
  // Decimal exponent of the leading digit (log10's rounding next to a power of ten could put it one
  // off, which costs a digit more at worst: every candidate is checked below).
  const lead = Math.floor(Math.log10(a));
  // Any shorter decimal that reads back as f is the nearest one at 6 digits too (with trailing zeros,
  // stripped by the division): a float32 interval holds at most one decimal of 6 digits.
  for (let digits = 6; digits <= 9; digits++) {
    const k = digits - 1 - lead;
    const d = k >= 0 ? Math.round(a * POW10[k]!) / POW10[k]! : Math.round(a / POW10[-k]!) * POW10[-k]!;
    if (Math.fround(d) === a) return f < 0 ? -d : d;
  }
  return f;
}
