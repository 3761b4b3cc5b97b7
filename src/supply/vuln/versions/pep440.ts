/**
 * PEP 440 version ordering (python/peps peps/pep-0440.rst, "Summary of permitted suffixes and
 * relative ordering"), with the spec's normalisation rules: case-insensitive, optional leading
 * "v", surrounding whitespace, "." / "-" / "_" separators, the alternate spellings alpha / beta /
 * c / pre / preview (pre-releases) and rev / r (post-releases), implicit numbers ("1.0a" is
 * 1.0a0), implicit post-releases ("1.0-1" is 1.0.post1), and local versions ("+ubuntu-1").
 *
 * Order: epoch, release (padded with zeros), then dev-only < aN < bN < rcN < release < .postN with
 * .devN before the release it belongs to, then local labels (numeric segments above alphanumeric
 * ones, more segments win). A string that is not PEP 440 gets the order `packaging` (< 22) gave a
 * LegacyVersion: below every valid version, among themselves by the legacy key.
 */
import type { VersionScheme } from './index.js';
import { ParseCache, cmp, cmpDigits, stripZeros, withZeroSentinel } from './util.js';

// packaging.version.VERSION_PATTERN, anchored, case-insensitive.
const PATTERN =
  /^\s*v?(?:(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?(\d+)?)?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d+)?)?(?:[-_.]?(dev)[-_.]?(\d+)?)?)(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/i;

const PRE_RANK: Record<string, number> = { a: 0, alpha: 0, b: 1, beta: 1, c: 2, rc: 2, pre: 2, preview: 2 };
/** Pre-release slot for "dev release of a final release" (sorts before every aN). */
const PRE_DEV_ONLY = -1;
/** Pre-release slot for "no pre-release" (sorts after every rcN). */
const PRE_NONE = 3;

interface Local {
  num: boolean;
  s: string;
}

interface Valid {
  ok: true;
  epoch: string;
  release: string[];
  preRank: number;
  preNum: string;
  /** undefined: no post-release (sorts first). */
  post: string | undefined;
  /** undefined: no dev release (sorts last). */
  dev: string | undefined;
  /** undefined: no local label (sorts first). */
  local: Local[] | undefined;
}

interface Legacy {
  ok: false;
  key: string[];
}

type Parsed = Valid | Legacy;

const DIGITS = /^\d+$/;
const LEGACY_SPLIT = /(\d+|[a-z]+|\.|-)/;
const LEGACY_MAP: Record<string, string> = { pre: 'c', preview: 'c', '-': 'final-', rc: 'c', dev: '@' };

/** packaging 21's _legacy_cmpkey (the epoch of -1 is implied by `ok: false`). */
function legacyKey(v: string): string[] {
  const parts: string[] = [];
  const pieces = v.toLowerCase().split(LEGACY_SPLIT);
  const push = (part: string): void => {
    if (part.startsWith('*')) {
      if (part < '*final') while (parts.length > 0 && parts[parts.length - 1] === '*final-') parts.pop();
      while (parts.length > 0 && parts[parts.length - 1] === '00000000') parts.pop();
    }
    parts.push(part);
  };
  for (const piece of pieces) {
    const part = LEGACY_MAP[piece] ?? piece;
    if (!part || part === '.') continue;
    const c = part.charCodeAt(0);
    push(c >= 48 && c <= 57 ? part.padStart(8, '0') : '*' + part);
  }
  push('*final');
  return parts;
}

function parse(raw: string): Parsed {
  const m = PATTERN.exec(raw);
  if (!m) return { ok: false, key: legacyKey(raw) };
  const release = m[2].split('.').map(stripZeros);
  while (release.length > 1 && release[release.length - 1] === '0') release.pop();
  const hasPre = m[3] !== undefined;
  const post = m[5] !== undefined ? stripZeros(m[5]) : m[6] !== undefined ? stripZeros(m[7] ?? '0') : undefined;
  const dev = m[8] !== undefined ? stripZeros(m[9] ?? '0') : undefined;
  let preRank = PRE_NONE;
  if (hasPre) preRank = PRE_RANK[m[3].toLowerCase()];
  else if (post === undefined && dev !== undefined) preRank = PRE_DEV_ONLY;
  const local = m[10]
    ? m[10]
        .toLowerCase()
        .split(/[-_.]/)
        .map((s) => (DIGITS.test(s) ? { num: true, s: stripZeros(s) } : { num: false, s }))
    : undefined;
  return {
    ok: true,
    epoch: stripZeros(m[1] ?? '0'),
    release,
    preRank,
    preNum: hasPre ? stripZeros(m[4] ?? '0') : '0',
    post,
    dev,
    local,
  };
}

const cache = new ParseCache(parse);

function cmpRelease(a: string[], b: string[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const r = cmpDigits(a[i] ?? '0', b[i] ?? '0');
    if (r !== 0) return r;
  }
  return 0;
}

function cmpLocal(a: Local[] | undefined, b: Local[] | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x.num !== y.num) return x.num ? 1 : -1;
    const r = x.num ? cmpDigits(x.s, y.s) : cmp(x.s, y.s);
    if (r !== 0) return r;
  }
  return cmp(a.length, b.length);
}

function cmpLegacy(a: string[], b: string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const r = cmp(a[i], b[i]);
    if (r !== 0) return r;
  }
  return cmp(a.length, b.length);
}

function compareParsed(a: Parsed, b: Parsed): number {
  if (!a.ok || !b.ok) {
    if (a.ok || b.ok) return a.ok ? 1 : -1;
    return cmpLegacy(a.key, b.key);
  }
  let r = cmpDigits(a.epoch, b.epoch);
  if (r === 0) r = cmpRelease(a.release, b.release);
  if (r === 0) r = cmp(a.preRank, b.preRank);
  if (r === 0) r = cmpDigits(a.preNum, b.preNum);
  if (r === 0 && a.post !== b.post) {
    if (a.post === undefined || b.post === undefined) r = a.post === undefined ? -1 : 1;
    else r = cmpDigits(a.post, b.post);
  }
  if (r === 0 && a.dev !== b.dev) {
    if (a.dev === undefined || b.dev === undefined) r = a.dev === undefined ? 1 : -1;
    else r = cmpDigits(a.dev, b.dev);
  }
  if (r === 0) r = cmpLocal(a.local, b.local);
  return r;
}

export const pep440: VersionScheme = {
  name: 'pep440',
  compare: withZeroSentinel((a, b) => compareParsed(cache.get(a), cache.get(b))),
  valid: (v) => cache.get(v).ok,
};
