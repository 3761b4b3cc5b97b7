/**
 * NuGet versions (NuGet.Versioning's VersionComparer): Major.Minor.Patch[.Revision] compared
 * numerically with missing parts as 0, a pre-release before its release, release labels compared
 * label by label (numeric labels numerically and below alphanumeric ones, alphanumeric labels
 * case-insensitively, more labels win), build metadata after "+" ignored. A leading "v" is
 * tolerated. Unparseable strings sort below every parsed version, in natural order.
 */
import type { VersionScheme } from './index.js';
import { ParseCache, cmp, cmpDigits, naturalCompare, stripZeros, withZeroSentinel } from './util.js';

interface Label {
  num: boolean;
  s: string;
}

interface Parsed {
  ok: boolean;
  raw: string;
  nums: string[];
  pre: Label[];
}

const LOOSE = /^\s*[vV]?(\d+(?:\.\d+){0,3})(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]*)?\s*$/;
const STRICT = /^\d+(?:\.\d+){0,3}(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;
const ALL_DIGITS = /^\d+$/;

function parse(raw: string): Parsed {
  const m = LOOSE.exec(raw);
  if (!m) return { ok: false, raw, nums: [], pre: [] };
  const nums = m[1].split('.').map(stripZeros);
  while (nums.length < 4) nums.push('0');
  const pre = m[2]
    ? m[2].split('.').map((x) => (ALL_DIGITS.test(x) ? { num: true, s: stripZeros(x) } : { num: false, s: x.toUpperCase() }))
    : [];
  return { ok: true, raw, nums, pre };
}

const cache = new ParseCache(parse);

function compareParsed(a: Parsed, b: Parsed): number {
  if (!a.ok || !b.ok) {
    if (a.ok !== b.ok) return a.ok ? 1 : -1;
    return naturalCompare(a.raw.trim(), b.raw.trim());
  }
  for (let i = 0; i < 4; i++) {
    const r = cmpDigits(a.nums[i], b.nums[i]);
    if (r !== 0) return r;
  }
  const ap = a.pre.length > 0;
  const bp = b.pre.length > 0;
  if (ap !== bp) return ap ? -1 : 1;
  const n = Math.min(a.pre.length, b.pre.length);
  for (let i = 0; i < n; i++) {
    const x = a.pre[i];
    const y = b.pre[i];
    if (x.num !== y.num) return x.num ? -1 : 1;
    const r = x.num ? cmpDigits(x.s, y.s) : cmp(x.s, y.s);
    if (r !== 0) return r;
  }
  return cmp(a.pre.length, b.pre.length);
}

export const nuget: VersionScheme = {
  name: 'nuget',
  compare: withZeroSentinel((a, b) => compareParsed(cache.get(a), cache.get(b))),
  valid: (v) => STRICT.test(v),
};
