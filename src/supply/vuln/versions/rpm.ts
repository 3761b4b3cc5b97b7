/**
 * RPM versions, `[epoch:]version[-release]`, ordered as rpm does: epoch, version and release
 * each compared with rpm's rpmvercmp() (rpm-software-management/rpm, the tilde/caret-aware
 * version of lib/rpmvercmp.c): separators
 * (anything but ASCII letters, digits, "~" and "^") are skipped; "~" sorts before everything,
 * even the end of the string; "^" sorts after the end but before any further segment; then
 * maximal runs of digits or letters compare — digits numerically, letters with strcmp, and a
 * numeric segment is newer than an alphabetic one; whichever string has segments left is newer.
 *
 * The split follows rpm's parseEVR (epoch: leading digits before ":"; release: after the last
 * "-"). A missing epoch is 0. A missing release compares as the empty string (so "1.0" <
 * "1.0-1"): rpm's own rpmverCmp skips the release when either side lacks one, which makes
 * "1.0-1" == "1.0" == "1.0-2" and is not an order.
 */
import type { VersionScheme } from './index.js';
import { ParseCache, cmpDigits, isAlphaCode, isDigitCode, withZeroSentinel } from './util.js';

interface Parsed {
  epoch: string;
  version: string;
  release: string;
}

function parse(raw: string): Parsed {
  const s = raw.trim();
  let i = 0;
  while (i < s.length && isDigitCode(s.charCodeAt(i))) i++;
  let epoch = '0';
  let vr = s;
  if (s.charCodeAt(i) === 58 /* : */) {
    epoch = i === 0 ? '0' : s.slice(0, i);
    vr = s.slice(i + 1);
  }
  const hyphen = vr.lastIndexOf('-');
  if (hyphen < 0) return { epoch, version: vr, release: '' };
  return { epoch, version: vr.slice(0, hyphen), release: vr.slice(hyphen + 1) };
}

const cache = new ParseCache(parse);

const isAlnum = (c: number): boolean => isDigitCode(c) || isAlphaCode(c);
const TILDE = 126;
const CARET = 94;

/** rpmvercmp: 1 if a is newer, 0 if the same version, -1 if b is newer. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let one = 0;
  let two = 0;
  while (one < a.length || two < b.length) {
    while (one < a.length && !isAlnum(a.charCodeAt(one)) && a.charCodeAt(one) !== TILDE && a.charCodeAt(one) !== CARET) one++;
    while (two < b.length && !isAlnum(b.charCodeAt(two)) && b.charCodeAt(two) !== TILDE && b.charCodeAt(two) !== CARET) two++;
    const c1 = a.charCodeAt(one); // NaN at the end
    const c2 = b.charCodeAt(two);

    // tilde: sorts before everything else
    if (c1 === TILDE || c2 === TILDE) {
      if (c1 !== TILDE) return 1;
      if (c2 !== TILDE) return -1;
      one++;
      two++;
      continue;
    }
    // caret: like tilde, except that the end of the other string (the base version) is older
    if (c1 === CARET || c2 === CARET) {
      if (one >= a.length) return -1;
      if (two >= b.length) return 1;
      if (c1 !== CARET) return 1;
      if (c2 !== CARET) return -1;
      one++;
      two++;
      continue;
    }
    if (!(one < a.length && two < b.length)) break;

    let e1 = one;
    let e2 = two;
    const isnum = isDigitCode(c1);
    if (isnum) {
      while (e1 < a.length && isDigitCode(a.charCodeAt(e1))) e1++;
      while (e2 < b.length && isDigitCode(b.charCodeAt(e2))) e2++;
    } else {
      while (e1 < a.length && isAlphaCode(a.charCodeAt(e1))) e1++;
      while (e2 < b.length && isAlphaCode(b.charCodeAt(e2))) e2++;
    }
    // segments of different types: the numeric one is newer
    if (two === e2) return isnum ? 1 : -1;
    const s1 = a.slice(one, e1);
    const s2 = b.slice(two, e2);
    const rc = isnum ? cmpDigits(s1, s2) : s1 < s2 ? -1 : s1 > s2 ? 1 : 0;
    if (rc !== 0) return rc;
    one = e1;
    two = e2;
  }
  if (one >= a.length && two >= b.length) return 0;
  return one >= a.length ? -1 : 1;
}

function compareParsed(a: Parsed, b: Parsed): number {
  return rpmvercmp(a.epoch, b.epoch) || rpmvercmp(a.version, b.version) || rpmvercmp(a.release, b.release);
}

const VALID = /^(?:\d+:)?[0-9A-Za-z._+~^]+(?:-[0-9A-Za-z._+~^]+)?$/;

export const rpm: VersionScheme = {
  name: 'rpm',
  compare: withZeroSentinel((a, b) => compareParsed(cache.get(a), cache.get(b))),
  valid: (v) => VALID.test(v) && /[0-9A-Za-z]/.test(v),
};
