/** Parsing of numeric command-line flags, one message shape for every command: what was wrong and the value given. */

/** An integer, at least `min`. */
export function integerFlag(name: string, value: string, min = Number.MIN_SAFE_INTEGER): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) {
    throw new Error(`${name} must be an integer${min > Number.MIN_SAFE_INTEGER ? ` >= ${min}` : ''}; got "${value}"`);
  }
  return n;
}

/** A number strictly between `above` and `below`. */
export function numberFlag(name: string, value: string, above: number, below: number): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > above && n < below)) throw new Error(`${name} must be a number between ${above} and ${below} (exclusive); got "${value}"`);
  return n;
}
