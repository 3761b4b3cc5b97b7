/**
 * Alpine / apk versions, `digit{.digit}...{letter}{_suffix{N}}...{~hash}{-rN}`, ordered as
 * apk-tools does (alpinelinux/apk-tools src/version.c, the 2.14 / 3.x tokenizer): the version is
 * read as a stream of tokens — initial number, ".number", one letter, "_suffix" (alpha, beta,
 * pre, rc before the release; cvs, svn, git, hg, p after it), suffix number, "~commit-hash",
 * "-rN" revision — and compared token by token. Numbers compare numerically, except that a
 * ".number" with a leading zero on either side compares as a string (Gentoo rules). When one side
 * runs out of equal tokens first, the shorter version is older unless the other continues with a
 * pre-release suffix (1.0_rc1 < 1.0 < 1.0-r1 < 1.0_p1 < 1.0a < 1.0.1).
 *
 * Like apk, a version is compared up to its first invalid token; two versions that both turn
 * invalid at the same point after equal tokens compare equal.
 */
import type { VersionScheme } from './index.js';
import { ParseCache, cmp, cmpDigits, isDigitCode, withZeroSentinel } from './util.js';

const INITIAL_DIGIT = 0;
const DIGIT = 1;
const LETTER = 2;
const SUFFIX = 3;
const SUFFIX_NO = 4;
const COMMIT_HASH = 5;
const REVISION_NO = 6;
const END = 7;
const INVALID = 8;

// SUFFIX_INVALID = 0 … SUFFIX_NONE = 5 …, as in version.c's DECLARE_SUFFIXES
const SUFFIX_NONE = 5;
const SUFFIXES: Record<string, number> = { alpha: 1, beta: 2, pre: 3, rc: 4, cvs: 6, svn: 7, git: 8, hg: 9, p: 10 };

interface Tokens {
  /** Token types; the last one is END or INVALID. */
  types: number[];
  /** Token text (digits, letter, suffix name or hash); "" for END / INVALID. */
  values: string[];
}

const isLower = (c: number): boolean => c >= 97 && c <= 122;
const isHex = (c: number): boolean => isDigitCode(c) || (c >= 97 && c <= 102);

function tokenize(v: string): Tokens {
  const types: number[] = [];
  const values: string[] = [];
  let pos = 0;
  const digits = (): string => {
    const start = pos;
    while (pos < v.length && isDigitCode(v.charCodeAt(pos))) pos++;
    return v.slice(start, pos);
  };
  let t = INITIAL_DIGIT;
  let value = digits();
  if (value === '') t = INVALID;
  for (;;) {
    types.push(t);
    values.push(t >= END ? '' : value);
    if (t >= END) break;
    if (pos >= v.length) {
      t = END;
      continue;
    }
    const c = v.charCodeAt(pos);
    let next = INVALID;
    if (isLower(c)) {
      if (t <= DIGIT) {
        value = v[pos];
        pos++;
        next = LETTER;
      }
    } else if (c === 46 /* . */ || isDigitCode(c)) {
      if (c === 46) {
        if (t <= DIGIT) pos++;
        else t = INVALID;
      }
      if (t === INITIAL_DIGIT || t === DIGIT) next = DIGIT;
      else if (t === SUFFIX && c !== 46) next = SUFFIX_NO;
      if (next !== INVALID) {
        value = digits();
        if (value === '') next = INVALID;
      }
    } else if (c === 95 /* _ */) {
      if (t <= SUFFIX_NO) {
        pos++;
        const start = pos;
        while (pos < v.length && isLower(v.charCodeAt(pos))) pos++;
        value = v.slice(start, pos);
        if (SUFFIXES[value] !== undefined) next = SUFFIX;
      }
    } else if (c === 126 /* ~ */) {
      if (t < COMMIT_HASH) {
        pos++;
        const start = pos;
        while (pos < v.length && isHex(v.charCodeAt(pos))) pos++;
        value = v.slice(start, pos);
        if (value !== '') next = COMMIT_HASH;
      }
    } else if (c === 45 /* - */) {
      if (t < REVISION_NO && v.charCodeAt(pos + 1) === 114 /* r */) {
        pos += 2;
        value = digits();
        if (value !== '') next = REVISION_NO;
      }
    }
    t = next;
  }
  return { types, values };
}

/** apk_blob_sort: bytewise over the common length, then the shorter first. */
function blobSort(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function tokenCmp(type: number, a: string, b: string): number {
  switch (type) {
    case DIGIT:
      if (a.charCodeAt(0) === 48 || b.charCodeAt(0) === 48) return blobSort(a, b);
      return cmpDigits(a, b);
    case INITIAL_DIGIT:
    case SUFFIX_NO:
    case REVISION_NO:
      return cmpDigits(a, b);
    case LETTER:
      return cmp(a, b);
    case SUFFIX:
      return cmp(SUFFIXES[a], SUFFIXES[b]);
    default:
      return blobSort(a, b);
  }
}

function compareTokens(a: Tokens, b: Tokens): number {
  for (let i = 0; ; i++) {
    const ta = a.types[i];
    const tb = b.types[i];
    if (ta === tb) {
      if (ta >= END) return 0;
      const r = tokenCmp(ta, a.values[i], b.values[i]);
      if (r !== 0) return r;
      continue;
    }
    // The non-terminating version is greater, unless it continues with a pre-release suffix.
    if (ta === SUFFIX && SUFFIXES[a.values[i]] < SUFFIX_NONE) return -1;
    if (tb === SUFFIX && SUFFIXES[b.values[i]] < SUFFIX_NONE) return 1;
    return ta > tb ? -1 : 1;
  }
}

const cache = new ParseCache((s: string) => tokenize(s.trim()));

export const apk: VersionScheme = {
  name: 'apk',
  compare: withZeroSentinel((a, b) => compareTokens(cache.get(a), cache.get(b))),
  valid: (v) => {
    const t = cache.get(v);
    return t.types[t.types.length - 1] === END && v.trim() === v;
  },
};
