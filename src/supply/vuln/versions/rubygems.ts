/**
 * RubyGems versions (rubygems/rubygems lib/rubygems/version.rb, Gem::Version#<=>): "-" is read
 * as ".pre.", the version is split into runs of digits and of ASCII letters, trailing zero
 * segments are dropped (and, in a pre-release, zero segments right before the first letter), and
 * the segment lists compare left to right with missing segments as 0: numbers numerically, strings
 * bytewise, and a string segment (a pre-release marker) below any number. A blank version is "0".
 * Strings Gem::Version would reject sort below every valid version, in natural order.
 */
import type { VersionScheme } from './index.js';
import { ParseCache, cmp, cmpDigits, naturalCompare, stripZeros, withZeroSentinel } from './util.js';

// Gem::Version::ANCHORED_VERSION_PATTERN
const CORRECT = /^\s*(?:[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?\s*$/;
const HAS_LETTER = /[a-zA-Z]/;
const TRAILING_ZEROS = /(?<=[a-zA-Z.])[.0]+$/;
const ZEROS_BEFORE_LETTER = /(?<=\.|^)[0.]+(?=[a-zA-Z])/;
const SEGMENT = /\d+|[a-z]+/gi;

interface Segment {
  num: boolean;
  s: string;
}

interface Parsed {
  ok: boolean;
  raw: string;
  segs: Segment[];
}

function parse(raw: string): Parsed {
  if (!CORRECT.test(raw)) return { ok: false, raw, segs: [] };
  let v = raw.trim();
  if (v === '') v = '0';
  v = v.replaceAll('-', '.pre.');
  let canonical = v.replace(TRAILING_ZEROS, '');
  if (HAS_LETTER.test(v)) canonical = canonical.replace(ZEROS_BEFORE_LETTER, '');
  const segs: Segment[] = [];
  for (const m of canonical.matchAll(SEGMENT)) {
    const s = m[0];
    const c = s.charCodeAt(0);
    segs.push(c >= 48 && c <= 57 ? { num: true, s: stripZeros(s) } : { num: false, s });
  }
  return { ok: true, raw, segs };
}

const cache = new ParseCache(parse);
const ZERO: Segment = { num: true, s: '0' };

function compareParsed(a: Parsed, b: Parsed): number {
  if (!a.ok || !b.ok) {
    if (a.ok !== b.ok) return a.ok ? 1 : -1;
    return naturalCompare(a.raw.trim(), b.raw.trim());
  }
  const n = Math.max(a.segs.length, b.segs.length);
  for (let i = 0; i < n; i++) {
    const x = a.segs[i] ?? ZERO;
    const y = b.segs[i] ?? ZERO;
    if (x.num !== y.num) return x.num ? 1 : -1;
    const r = x.num ? cmpDigits(x.s, y.s) : cmp(x.s, y.s);
    if (r !== 0) return r;
  }
  return 0;
}

export const rubygems: VersionScheme = {
  name: 'rubygems',
  compare: withZeroSentinel((a, b) => compareParsed(cache.get(a), cache.get(b))),
  valid: (v) => CORRECT.test(v) && v.trim() !== '',
};
