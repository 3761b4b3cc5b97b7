/**
 * Maven version ordering: a port of Maven's ComparableVersion (apache/maven,
 * compat/maven-artifact/.../versioning/ComparableVersion.java, the Maven 3.9+/4 algorithm with
 * combination items and MNG-7644's ".X" == "-X" rule).
 *
 * A version is split at ".", "-" and digit/letter transitions into numbers, qualifiers and
 * nested lists ("-" and transitions open a sub-list); trailing null items (0, "", ga, final,
 * release) are trimmed per list. Qualifiers order alpha (a1) < beta (b1) < milestone (m1) <
 * rc = cr < snapshot < "" = ga = final = release < sp < any other string (case-insensitive,
 * lexical), and every qualifier is below every number.
 *
 * Differences from the Java code, none of which matter for real version strings: only ASCII
 * digits are digits (Java's Character.isDigit also takes other scripts' digits in one place),
 * UTF-16 units are not recombined into code points, and strings longer than 256 characters are
 * cut to 256 instead of throwing.
 */
import type { VersionScheme } from './index.js';
import { ParseCache, cmpDigits, stripZeros, withZeroSentinel } from './util.js';

const NUM = 0;
const STR = 1;
const COMBO = 2;
const LIST = 3;

interface NumItem {
  t: typeof NUM;
  v: string; // digits without leading zeros
}
interface StrItem {
  t: typeof STR;
  v: string;
  /** comparableQualifier(v), precomputed. */
  q: string;
}
interface ComboItem {
  t: typeof COMBO;
  str: StrItem;
  num: NumItem;
}
interface ListItem {
  t: typeof LIST;
  items: Item[];
}
type Item = NumItem | StrItem | ComboItem | ListItem;

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const RELEASE_QUALIFIERS = new Set(['ga', 'final', 'release']);
const RELEASE_INDEX = String(QUALIFIERS.indexOf(''));
const MAX_LENGTH = 256;

function comparableQualifier(q: string): string {
  if (RELEASE_QUALIFIERS.has(q)) return RELEASE_INDEX;
  const i = QUALIFIERS.indexOf(q);
  return i === -1 ? `${QUALIFIERS.length}-${q}` : String(i);
}

const ZERO: NumItem = { t: NUM, v: '0' };

function strItem(value: string, followedByDigit: boolean): StrItem {
  let v = value;
  if (followedByDigit && v.length === 1) {
    if (v === 'a') v = 'alpha';
    else if (v === 'b') v = 'beta';
    else if (v === 'm') v = 'milestone';
  }
  if (v === 'cr') v = 'rc';
  return { t: STR, v, q: comparableQualifier(v) };
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

function comboItem(value: string): ComboItem {
  let index = 0;
  for (let i = 0; i < value.length; i++) {
    if (isDigit(value.charCodeAt(i))) {
      index = i;
      break;
    }
  }
  return { t: COMBO, str: strItem(value.slice(0, index), true), num: { t: NUM, v: stripZeros(value.slice(index)) } };
}

function parseItem(isCombination: boolean, isDigitRun: boolean, buf: string): Item {
  if (isCombination) return comboItem(buf.replaceAll('-', ''));
  if (isDigitRun) return { t: NUM, v: stripZeros(buf) };
  return strItem(buf, false);
}

function isNull(item: Item): boolean {
  switch (item.t) {
    case NUM:
      return item.v === '0';
    case STR:
      return item.v === '';
    case COMBO:
      return false;
    case LIST:
      return item.items.length === 0;
  }
}

function normalize(list: ListItem): void {
  const items = list.items;
  for (let i = items.length - 1; i >= 0; i--) {
    const last = items[i];
    if (!isNull(last)) continue;
    if (i === items.length - 1 || items[i + 1].t === STR) {
      items.splice(i, 1);
    } else if (items[i + 1].t === LIST) {
      const first = (items[i + 1] as ListItem).items[0];
      if (first !== undefined && (first.t === COMBO || first.t === STR)) items.splice(i, 1);
    }
  }
  if (items.length === 1 && items[0].t === LIST) {
    const inner = (items[0] as ListItem).items;
    list.items = inner.slice();
  }
}

function parseVersion(input: string): ListItem {
  const trimmed = input.trim();
  const version = (trimmed.length > MAX_LENGTH ? trimmed.slice(0, MAX_LENGTH) : trimmed).toLowerCase();
  const root: ListItem = { t: LIST, items: [] };
  let list = root;
  const stack: ListItem[] = [root];
  let isDigitRun = false;
  let isCombination = false;
  let start = 0;
  const push = (): void => {
    const next: ListItem = { t: LIST, items: [] };
    list.items.push(next);
    list = next;
    stack.push(next);
  };
  for (let i = 0; i < version.length; i++) {
    const c = version.charCodeAt(i);
    if (c === 46 /* . */) {
      if (i === start) list.items.push(ZERO);
      else list.items.push(parseItem(isCombination, isDigitRun, version.slice(start, i)));
      isCombination = false;
      start = i + 1;
    } else if (c === 45 /* - */) {
      if (i === start) {
        list.items.push(ZERO);
      } else {
        // "X-1" is read as "X1"
        if (!isDigitRun && i !== version.length - 1 && isDigit(version.charCodeAt(i + 1))) {
          isCombination = true;
          continue;
        }
        list.items.push(parseItem(isCombination, isDigitRun, version.slice(start, i)));
      }
      start = i + 1;
      if (list.items.length > 0) push();
      isCombination = false;
    } else if (isDigit(c)) {
      if (!isDigitRun && i > start) {
        isCombination = true;
        if (list.items.length > 0) push();
      }
      isDigitRun = true;
    } else {
      if (isDigitRun && i > start) {
        list.items.push(parseItem(isCombination, true, version.slice(start, i)));
        start = i;
        push();
        isCombination = false;
      }
      isDigitRun = false;
    }
  }
  if (version.length > start) {
    // 1.0.0.X1 < 1.0.0-X2: treat ".X" as "-X" for any qualifier X
    if (!isDigitRun && list.items.length > 0) push();
    list.items.push(parseItem(isCombination, isDigitRun, version.slice(start)));
  }
  while (stack.length > 0) normalize(stack.pop()!);
  return root;
}

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);
const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Item.compareTo(other) with `null` standing for "padding". */
function compareItem(a: Item, b: Item | null): number {
  switch (a.t) {
    case NUM:
      if (b === null) return a.v === '0' ? 0 : 1;
      return b.t === NUM ? cmpDigits(a.v, b.v) : 1;
    case STR:
      if (b === null) return cmpStr(a.q, RELEASE_INDEX);
      switch (b.t) {
        case NUM:
          return -1;
        case STR:
          return cmpStr(a.q, b.q);
        case COMBO: {
          const r = compareItem(a, b.str);
          if (r === 0) return compareItem(a, null) === 0 ? -compareItem(b.num, null) : -1;
          return r;
        }
        case LIST:
          return -compareItem(b, a);
      }
      break;
    case COMBO:
      if (b === null) {
        const r = compareItem(a.str, null);
        return r === 0 ? compareItem(a.num, null) : r;
      }
      switch (b.t) {
        case NUM:
          return -1;
        case STR: {
          const r = compareItem(a.str, b);
          if (r === 0) return compareItem(a.str, null) === 0 ? compareItem(a.num, null) : 1;
          return r;
        }
        case LIST:
          return -compareItem(b, a);
        case COMBO: {
          const r = compareItem(a.str, b.str);
          return r === 0 ? compareItem(a.num, b.num) : r;
        }
      }
      break;
    case LIST: {
      const items = a.items;
      if (b === null) {
        for (const it of items) {
          const r = compareItem(it, null);
          if (r !== 0) return r;
        }
        return 0;
      }
      switch (b.t) {
        case NUM:
          return -1;
        case STR:
        case COMBO: {
          let r = items.length === 0 ? -compareItem(b, null) : compareItem(items[0], b);
          for (let i = 1; r === 0 && i < items.length; i++) r = compareItem(items[i], null);
          return r;
        }
        case LIST: {
          const other = b.items;
          const n = Math.max(items.length, other.length);
          for (let i = 0; i < n; i++) {
            const l = i < items.length ? items[i] : null;
            const r = i < other.length ? other[i] : null;
            const res = l === null ? (r === null ? 0 : -compareItem(r, l)) : compareItem(l, r);
            if (res !== 0) return res;
          }
          return 0;
        }
      }
    }
  }
  return 0;
}

const cache = new ParseCache(parseVersion);

const VALID = /^[0-9A-Za-z][0-9A-Za-z._+~-]*$/;

export const maven: VersionScheme = {
  name: 'maven',
  compare: withZeroSentinel((a, b) => sign(compareItem(cache.get(a), cache.get(b)))),
  valid: (v) => v.length <= MAX_LENGTH && VALID.test(v),
};
