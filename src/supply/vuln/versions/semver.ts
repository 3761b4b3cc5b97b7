/**
 * Semantic Versioning 2.0.0 precedence (semver.org, spec item 11), for npm, Go, crates.io, Hex and
 * the other OSV ecosystems whose ranges are of type SEMVER; plus Dart's pub_semver variant, which
 * also orders build metadata.
 *
 * Parsing is lenient the way npm's "loose" mode and Go are: a leading "v" or "=" is ignored
 * (Go's "v1.2.3" equals OSV's "1.2.3"), missing minor/patch parts count as 0 ("1.2" is 1.2.0),
 * leading zeros are read numerically, and the hyphen before a pre-release may be left out
 * ("1.2.3beta"). Go pseudo-versions ("v0.0.0-20230101120000-abcdef123456") are ordinary
 * pre-releases and "+incompatible" is build metadata. `valid()` is strict SemVer 2.0.0 once one
 * leading "v" or "=" is removed. Strings that do not parse at all sort below every parsed version
 * (as Go's semver.Compare does), among themselves in natural order.
 */
import type { VersionScheme } from './index.js';
import { ParseCache, cmp, cmpDigits, naturalCompare, stripZeros, withZeroSentinel } from './util.js';

interface Ident {
  num: boolean;
  /** Digits without leading zeros when num, else the identifier as written. */
  s: string;
}

interface Parsed {
  ok: boolean;
  raw: string;
  core: [string, string, string];
  pre: Ident[];
  build: Ident[];
}

const LOOSE = /^[v=\s]*(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-?([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?\s*$/i;
const STRICT =
  /^[v=]?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const ALL_DIGITS = /^\d+$/;

function idents(s: string | undefined): Ident[] {
  if (!s) return [];
  return s.split('.').map((x) => (ALL_DIGITS.test(x) ? { num: true, s: stripZeros(x) } : { num: false, s: x }));
}

function parse(raw: string): Parsed {
  const m = LOOSE.exec(raw);
  if (!m) return { ok: false, raw, core: ['0', '0', '0'], pre: [], build: [] };
  return {
    ok: true,
    raw,
    core: [stripZeros(m[1]), stripZeros(m[2] ?? '0'), stripZeros(m[3] ?? '0')],
    pre: idents(m[4]),
    build: idents(m[5]),
  };
}

const cache = new ParseCache(parse);

/** Identifier lists: numeric < alphanumeric, numeric by value, alphanumeric by ASCII; longer wins. */
function cmpIdents(a: Ident[], b: Ident[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x.num !== y.num) return x.num ? -1 : 1;
    const r = x.num ? cmpDigits(x.s, y.s) : cmp(x.s, y.s);
    if (r !== 0) return r;
  }
  return cmp(a.length, b.length);
}

function compareParsed(a: Parsed, b: Parsed, orderBuild: boolean): number {
  if (!a.ok || !b.ok) {
    if (a.ok !== b.ok) return a.ok ? 1 : -1;
    return naturalCompare(a.raw.trim(), b.raw.trim());
  }
  for (let i = 0; i < 3; i++) {
    const r = cmpDigits(a.core[i], b.core[i]);
    if (r !== 0) return r;
  }
  const ap = a.pre.length > 0;
  const bp = b.pre.length > 0;
  if (ap !== bp) return ap ? -1 : 1;
  const r = cmpIdents(a.pre, b.pre);
  if (r !== 0 || !orderBuild) return r;
  // pub_semver: a version without build metadata sorts before one with it.
  const ab = a.build.length > 0;
  const bb = b.build.length > 0;
  if (ab !== bb) return ab ? 1 : -1;
  return cmpIdents(a.build, b.build);
}

export const semver: VersionScheme = {
  name: 'semver',
  compare: withZeroSentinel((a, b) => compareParsed(cache.get(a), cache.get(b), false)),
  valid: (v) => STRICT.test(v),
};

/** Dart pub (pub_semver): SemVer precedence, then build metadata ordered like a pre-release. */
export const pub: VersionScheme = {
  name: 'pub',
  compare: withZeroSentinel((a, b) => compareParsed(cache.get(a), cache.get(b), true)),
  valid: (v) => STRICT.test(v),
};
