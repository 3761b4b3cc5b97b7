/**
 * Debian package versions, `[epoch:]upstream_version[-debian_revision]`, ordered as dpkg does
 * (guillemj/dpkg lib/dpkg/version.c verrevcmp; Debian Policy §5.6.12): the epoch numerically,
 * then upstream version, then revision, each compared as alternating non-digit and digit runs;
 * in non-digit runs letters sort before non-letters and "~" before everything, even the end of the
 * run; digit runs compare numerically. A missing revision equals "0".
 *
 * Splitting follows dpkg's parseversion (epoch before the first ":", revision after the last
 * "-"); a string dpkg would reject is still given a deterministic place (a non-numeric "epoch"
 * is read as part of the upstream version), and `valid()` applies parseversion's checks.
 */
import type { VersionScheme } from './index.js';
import { ParseCache, cmpDigits, isAlphaCode, isDigitCode, stripZeros, withZeroSentinel } from './util.js';

interface Parsed {
  epoch: string;
  upstream: string;
  revision: string;
}

const EPOCH = /^\d*$/;

function parse(raw: string): Parsed {
  const s = raw.trim();
  let epoch = '0';
  let rest = s;
  const colon = s.indexOf(':');
  if (colon >= 0 && EPOCH.test(s.slice(0, colon))) {
    epoch = stripZeros(s.slice(0, colon));
    rest = s.slice(colon + 1);
  }
  const hyphen = rest.lastIndexOf('-');
  if (hyphen < 0) return { epoch, upstream: rest, revision: '' };
  return { epoch, upstream: rest.slice(0, hyphen), revision: rest.slice(hyphen + 1) };
}

const cache = new ParseCache(parse);

/** dpkg's order(): digits 0, letters their code, "~" -1, end 0, anything else code + 256. */
function order(c: number): number {
  if (Number.isNaN(c) || isDigitCode(c)) return 0;
  if (isAlphaCode(c)) return c;
  if (c === 126) return -1;
  return c + 256;
}

/** dpkg's verrevcmp over JavaScript strings (charCodeAt past the end is NaN, i.e. end of string). */
export function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigitCode(a.charCodeAt(i))) || (j < b.length && !isDigitCode(b.charCodeAt(j)))) {
      const ac = order(a.charCodeAt(i));
      const bc = order(b.charCodeAt(j));
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a.charCodeAt(i) === 48) i++;
    while (b.charCodeAt(j) === 48) j++;
    while (isDigitCode(a.charCodeAt(i)) && isDigitCode(b.charCodeAt(j))) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigitCode(a.charCodeAt(i))) return 1;
    if (isDigitCode(b.charCodeAt(j))) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

function compareParsed(a: Parsed, b: Parsed): number {
  return cmpDigits(a.epoch, b.epoch) || verrevcmp(a.upstream, b.upstream) || verrevcmp(a.revision, b.revision);
}

const UPSTREAM_CHARS = /^[0-9A-Za-z.+~:-]+$/;
const REVISION_CHARS = /^[0-9A-Za-z.+~]*$/;
const EPOCH_DIGITS = /^\d+$/;

/** lib/dpkg/parsehelp.c parseversion's checks (errors and warnings alike make a version invalid). */
function valid(raw: string): boolean {
  const s = raw.trim();
  if (s === '' || /\s/.test(s)) return false;
  let rest = s;
  const colon = s.indexOf(':');
  if (colon >= 0) {
    const epoch = s.slice(0, colon);
    if (!EPOCH_DIGITS.test(epoch) || cmpDigits(epoch, '2147483647') > 0) return false;
    rest = s.slice(colon + 1);
  }
  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen < 0 ? rest : rest.slice(0, hyphen);
  const revision = hyphen < 0 ? '' : rest.slice(hyphen + 1);
  if (upstream === '' || !isDigitCode(upstream.charCodeAt(0))) return false;
  return UPSTREAM_CHARS.test(upstream) && REVISION_CHARS.test(revision);
}

export const dpkg: VersionScheme = {
  name: 'dpkg',
  compare: withZeroSentinel((a, b) => compareParsed(cache.get(a), cache.get(b))),
  valid,
};
