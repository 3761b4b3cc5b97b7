/**
 * Helpers shared by the version schemes: a bounded parse cache, arbitrary-length numeric
 * comparison of digit strings, OSV's "0" sentinel, and a natural-order fallback for strings a
 * scheme cannot parse. Everything here is pure and allocation-light; compare() runs in hot loops.
 */

/** A parse cache that forgets everything when full: no LRU bookkeeping on the hot path. */
export class ParseCache<T> {
  private readonly map = new Map<string, T>();
  constructor(
    private readonly parse: (s: string) => T,
    private readonly limit = 20_000,
  ) {}

  get(s: string): T {
    let v = this.map.get(s);
    if (v === undefined) {
      v = this.parse(s);
      if (this.map.size >= this.limit) this.map.clear();
      this.map.set(s, v);
    }
    return v;
  }
}

/** -1, 0 or 1 for JavaScript values that compare with < (numbers, strings by UTF-16 unit). */
export function cmp<T extends number | string>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Strip leading zeros of an ASCII digit string ("" and "000" become "0"). */
export function stripZeros(d: string): string {
  let i = 0;
  while (i < d.length - 1 && d.charCodeAt(i) === 48) i++;
  return i === 0 ? (d === '' ? '0' : d) : d.slice(i);
}

/** Numeric comparison of two ASCII digit strings of any length (leading zeros allowed). */
export function cmpDigits(a: string, b: string): number {
  if (a === b) return 0;
  const x = stripZeros(a);
  const y = stripZeros(b);
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return cmp(x, y);
}

export const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;
export const isAlphaCode = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/**
 * OSV's `introduced: "0"` means "from the first version". Every scheme orders the literal "0"
 * (surrounding whitespace aside) below every other string, including strings the scheme itself
 * would call equal to zero or place below it (0.dev0, 0~rc, 0_alpha, 0.0.0-alpha …), so that an
 * `introduced: "0"` range always starts before any version a component can have.
 */
export function isZeroSentinel(s: string): boolean {
  // Only padded strings can trim to "0": test the ends before allocating (this runs on every comparison).
  return s === '0' || (s.length > 1 && (s.charCodeAt(0) <= 32 || s.charCodeAt(s.length - 1) <= 32) && s.trim() === '0');
}

/** Wrap a comparator so that the "0" sentinel sorts first and identical strings short-circuit. */
export function withZeroSentinel(compare: (a: string, b: string) => number): (a: string, b: string) => number {
  return (a: string, b: string): number => {
    if (a === b) return 0;
    const za = isZeroSentinel(a);
    const zb = isZeroSentinel(b);
    if (za || zb) return za && zb ? 0 : za ? -1 : 1;
    const r = compare(a, b);
    return r < 0 ? -1 : r > 0 ? 1 : 0;
  };
}

/**
 * A natural ordering for strings no scheme can parse: runs of ASCII digits compare numerically,
 * other runs by UTF-16 code unit; a digit run sorts after a non-digit run at the same position;
 * a string that is a prefix of another sorts first. Ties (e.g. "a01" / "a1") fall back to plain
 * string order, so this is a total order on distinct strings.
 */
export function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const da = isDigitCode(a.charCodeAt(i));
    const db = isDigitCode(b.charCodeAt(j));
    if (da !== db) return da ? 1 : -1;
    let ie = i;
    let je = j;
    while (ie < a.length && isDigitCode(a.charCodeAt(ie)) === da) ie++;
    while (je < b.length && isDigitCode(b.charCodeAt(je)) === db) je++;
    const x = a.slice(i, ie);
    const y = b.slice(j, je);
    const r = da ? cmpDigits(x, y) : cmp(x, y);
    if (r !== 0) return r;
    i = ie;
    j = je;
  }
  if (i < a.length) return 1;
  if (j < b.length) return -1;
  return cmp(a, b);
}
