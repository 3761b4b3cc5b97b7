/**
 * Packagist (Composer) versions: PHP's version_compare (php-src ext/standard/versioning.c) on
 * Composer-normalised strings. A leading "v" is dropped, "-", "_", "+" and other non-alphanumerics
 * become ".", a "." is inserted between digits and letters ("4.3.2RC1" is 4.3.2.RC.1), and — as
 * Composer's VersionParser does — the leading numeric part is padded to four numbers, so "1.0" ==
 * "1.0.0" (plain version_compare would call 1.0 < 1.0.0). Parts compare left to right: numbers
 * numerically; words by PHP's special forms (matched by prefix, case-insensitively as Composer
 * normalises stability flags): any other word < dev < alpha = a < beta = b < RC = rc < number <
 * pl = p (so "patch" is p). When one side runs out, it counts as a number below every number.
 */
import type { VersionScheme } from './index.js';
import { ParseCache, cmpDigits, stripZeros, withZeroSentinel } from './util.js';

/** Rank of a part; numbers are NUMBER and compare by value; a missing part is END. */
const END = 4;
const NUMBER = 4.5;
// php-src special_forms, in its search order (first prefix match wins)
const FORMS: [string, number][] = [
  ['dev', 0],
  ['alpha', 1],
  ['a', 1],
  ['beta', 2],
  ['b', 2],
  ['rc', 3],
  ['#', 4],
  ['pl', 5],
  ['p', 5],
];

interface Part {
  rank: number;
  /** digits (NUMBER parts) */
  n: string;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlnum = (c: number): boolean => isDigit(c) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);

function canonical(v: string): string[] {
  let s = v.trim().toLowerCase();
  if (s.startsWith('v')) s = s.slice(1);
  const parts: string[] = [];
  let cur = '';
  let prevDigit: boolean | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isAlnum(c)) {
      if (cur) parts.push(cur);
      cur = '';
      prevDigit = undefined;
      continue;
    }
    const d = isDigit(c);
    if (prevDigit !== undefined && d !== prevDigit && cur) {
      parts.push(cur);
      cur = '';
    }
    cur += s[i];
    prevDigit = d;
  }
  if (cur) parts.push(cur);
  return parts;
}

function rankOf(word: string): number {
  for (const [form, order] of FORMS) if (word.startsWith(form)) return order;
  return -1;
}

function parse(v: string): Part[] {
  const words = canonical(v);
  const parts: Part[] = [];
  let leading = 0;
  while (leading < words.length && isDigit(words[leading].charCodeAt(0))) leading++;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (isDigit(w.charCodeAt(0))) parts.push({ rank: NUMBER, n: stripZeros(w) });
    else parts.push({ rank: rankOf(w), n: '' });
    if (i === leading - 1) for (let k = leading; k < 4; k++) parts.push({ rank: NUMBER, n: '0' });
  }
  return parts;
}

const cache = new ParseCache(parse);
const MISSING: Part = { rank: END, n: '' };

function compareParts(a: Part[], b: Part[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? MISSING;
    const y = b[i] ?? MISSING;
    if (x.rank !== y.rank) return x.rank < y.rank ? -1 : 1;
    if (x.rank === NUMBER) {
      const r = cmpDigits(x.n, y.n);
      if (r !== 0) return r;
    }
  }
  return 0;
}

const VALID =
  /^v?\d+(?:\.\d+){0,3}(?:[._-]?(?:stable|beta|b|rc|alpha|a|patch|pl|p)(?:[._-]?\d+)*)?(?:[._-]?dev)?$|^dev-[\w./-]+$/i;

export const packagist: VersionScheme = {
  name: 'packagist',
  compare: withZeroSentinel((a, b) => compareParts(cache.get(a), cache.get(b))),
  valid: (v) => VALID.test(v),
};
