/**
 * The audit rule language: declarative conditions over event fields, compiled once into closures.
 *
 *   { field: 'objectRef.resource', in: ['pods'] }          leaf: a field and one or more operators (all must hold)
 *   { all: [...] } | { any: [...] } | { not: {...} }       combinators
 *
 * Field paths: dotted names; `[]` each element of an array; `[0]`, `[-1]` one element; `*` each value of an
 * object; `$keys` the keys of an object; `["a.b/c"]` a key containing dots. Virtual fields: `$resource`
 * (resource/subresource), `$sourceIP` (the last source IP), `$saNamespace` (the namespace of a service-account
 * user), `$code` (responseStatus.code). A leaf holds when any value the path yields satisfies it
 * (`exists: false` holds when the path yields nothing).
 */
import type { AuditEvent } from './types.js';
import { resourcePath, sourceIP } from './types.js';

export type Scalar = string | number | boolean | null;

export interface LeafCondition {
  field: string;
  equals?: Scalar;
  in?: Scalar[];
  glob?: string | string[];
  regex?: string;
  /** Case-insensitive regex. */
  iregex?: string;
  contains?: string;
  startsWith?: string | string[];
  exists?: boolean;
  gt?: number;
  lt?: number;
  /** The value equals the value of another field (first value each). */
  equalsField?: string;
}

export type Condition = LeafCondition | { all: Condition[] } | { any: Condition[] } | { not: Condition };

export type Predicate = (e: AuditEvent) => boolean;

const OPS = ['equals', 'in', 'glob', 'regex', 'iregex', 'contains', 'startsWith', 'exists', 'gt', 'lt', 'equalsField'] as const;
const LEAF_KEYS = new Set<string>(['field', ...OPS]);

type Seg = { k: 'key'; name: string } | { k: 'each' } | { k: 'index'; i: number } | { k: 'values' } | { k: 'keys' };

export function parsePath(path: string): Seg[] {
  const segs: Seg[] = [];
  let i = 0;
  const n = path.length;
  while (i < n) {
    const c = path[i];
    if (c === '.') {
      i++;
      continue;
    }
    if (c === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) throw new Error(`unclosed "[" in field path "${path}"`);
      const inner = path.slice(i + 1, close).trim();
      if (inner === '') segs.push({ k: 'each' });
      else if (/^-?\d+$/.test(inner)) segs.push({ k: 'index', i: Number(inner) });
      else if (/^(["']).*\1$/.test(inner)) segs.push({ k: 'key', name: inner.slice(1, -1) });
      else throw new Error(`bad "[${inner}]" in field path "${path}": use [], [N], [-1] or ["key"]`);
      i = close + 1;
      continue;
    }
    let j = i;
    while (j < n && path[j] !== '.' && path[j] !== '[') j++;
    const name = path.slice(i, j);
    if (name === '*') segs.push({ k: 'values' });
    else if (name === '$keys') segs.push({ k: 'keys' });
    else segs.push({ k: 'key', name });
    i = j;
  }
  if (segs.length === 0) throw new Error('empty field path');
  return segs;
}

const VIRTUAL: Record<string, (e: AuditEvent) => unknown> = {
  $resource: (e) => resourcePath(e) || undefined,
  $sourceIP: (e) => sourceIP(e) || undefined,
  $code: (e) => e.responseStatus?.code,
  $saNamespace: (e) => {
    const u = e.user?.username;
    if (typeof u !== 'string' || !u.startsWith('system:serviceaccount:')) return undefined;
    const rest = u.slice('system:serviceaccount:'.length);
    const c = rest.indexOf(':');
    return c < 0 ? undefined : rest.slice(0, c);
  },
};

/** Compiles a path into a function that pushes every value it yields into `out`. */
export function compileGetter(path: string): (e: AuditEvent, out: unknown[]) => void {
  const v = VIRTUAL[path];
  if (v) {
    return (e, out) => {
      const x = v(e);
      if (x !== undefined && x !== null) out.push(x);
    };
  }
  const segs = parsePath(path);
  const simple = segs.every((s) => s.k === 'key');
  if (simple) {
    const names = segs.map((s) => (s as { name: string }).name);
    const [a, b, c] = names;
    if (names.length === 1) return (e, out) => { const x = (e as Record<string, unknown>)[a]; if (x !== undefined && x !== null) out.push(x); };
    if (names.length === 2)
      return (e, out) => {
        const o = (e as Record<string, unknown>)[a];
        if (o === null || typeof o !== 'object') return;
        const x = (o as Record<string, unknown>)[b];
        if (x !== undefined && x !== null) out.push(x);
      };
    if (names.length === 3)
      return (e, out) => {
        const o = (e as Record<string, unknown>)[a];
        if (o === null || typeof o !== 'object') return;
        const p = (o as Record<string, unknown>)[b];
        if (p === null || typeof p !== 'object') return;
        const x = (p as Record<string, unknown>)[c];
        if (x !== undefined && x !== null) out.push(x);
      };
  }
  const walk = (x: unknown, i: number, out: unknown[]): void => {
    if (x === undefined || x === null) return;
    if (i === segs.length) {
      out.push(x);
      return;
    }
    const s = segs[i];
    switch (s.k) {
      case 'key':
        if (typeof x === 'object' && !Array.isArray(x)) walk((x as Record<string, unknown>)[s.name], i + 1, out);
        return;
      case 'each':
        if (Array.isArray(x)) for (const y of x) walk(y, i + 1, out);
        return;
      case 'index':
        if (Array.isArray(x)) walk(x[s.i < 0 ? x.length + s.i : s.i], i + 1, out);
        return;
      case 'values':
        if (typeof x === 'object') for (const y of Object.values(x as object)) walk(y, i + 1, out);
        return;
      case 'keys':
        if (typeof x === 'object' && !Array.isArray(x)) for (const k of Object.keys(x as object)) walk(k, i + 1, out);
        return;
    }
  };
  return (e, out) => walk(e, 0, out);
}

/** For virtual fields and plain dotted paths: a function returning the one value (or undefined); else null. */
function compileSingle(path: string): ((e: AuditEvent) => unknown) | null {
  const v = VIRTUAL[path];
  if (v) return v;
  const segs = parsePath(path);
  if (!segs.every((s) => s.k === 'key')) return null;
  const names = segs.map((s) => (s as { name: string }).name);
  const [a, b, c] = names;
  if (names.length === 1) return (e) => (e as Record<string, unknown>)[a];
  if (names.length === 2)
    return (e) => {
      const o = (e as Record<string, unknown>)[a];
      return o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[b] : undefined;
    };
  if (names.length === 3)
    return (e) => {
      const o = (e as Record<string, unknown>)[a];
      if (o === null || typeof o !== 'object') return undefined;
      const q = (o as Record<string, unknown>)[b];
      return q !== null && typeof q === 'object' ? (q as Record<string, unknown>)[c] : undefined;
    };
  return (e) => {
    let x: unknown = e;
    for (const n of names) {
      if (x === null || typeof x !== 'object' || Array.isArray(x)) return undefined;
      x = (x as Record<string, unknown>)[n];
    }
    return x;
  };
}

/** Glob with `*` (any run) and `?` (one character). */
export function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

type ValueTest = (v: unknown) => boolean;

function leafTests(c: LeafCondition): ValueTest[] {
  const tests: ValueTest[] = [];
  if (c.equals !== undefined) {
    const want = c.equals;
    tests.push((v) => v === want);
  }
  if (c.in !== undefined) {
    const set = new Set<unknown>(c.in);
    tests.push((v) => set.has(v));
  }
  if (c.glob !== undefined) {
    const globs = Array.isArray(c.glob) ? c.glob : [c.glob];
    const exact = new Set(globs.filter((g) => !/[*?]/.test(g)));
    const res = globs.filter((g) => /[*?]/.test(g)).map(globToRegExp);
    tests.push((v) => typeof v === 'string' && (exact.has(v) || res.some((r) => r.test(v))));
  }
  if (c.regex !== undefined) {
    const r = new RegExp(c.regex);
    tests.push((v) => typeof v === 'string' && r.test(v));
  }
  if (c.iregex !== undefined) {
    const r = new RegExp(c.iregex, 'i');
    tests.push((v) => typeof v === 'string' && r.test(v));
  }
  if (c.contains !== undefined) {
    const s = c.contains;
    tests.push((v) => typeof v === 'string' && v.includes(s));
  }
  if (c.startsWith !== undefined) {
    const ps = Array.isArray(c.startsWith) ? c.startsWith : [c.startsWith];
    tests.push((v) => typeof v === 'string' && ps.some((p) => v.startsWith(p)));
  }
  if (c.gt !== undefined) {
    const n = c.gt;
    tests.push((v) => typeof v === 'number' && v > n);
  }
  if (c.lt !== undefined) {
    const n = c.lt;
    tests.push((v) => typeof v === 'number' && v < n);
  }
  return tests;
}

/** Compiles a (validated) condition into a predicate. */
export function compileCondition(c: Condition): Predicate {
  if ('all' in c) {
    const ps = c.all.map(compileCondition);
    if (ps.length === 1) return ps[0];
    if (ps.length === 2) {
      const [a, b] = ps;
      return (e) => a(e) && b(e);
    }
    return (e) => {
      for (const p of ps) if (!p(e)) return false;
      return true;
    };
  }
  if ('any' in c) {
    const ps = c.any.map(compileCondition);
    return (e) => {
      for (const p of ps) if (p(e)) return true;
      return false;
    };
  }
  if ('not' in c) {
    const p = compileCondition(c.not);
    return (e) => !p(e);
  }
  const tests = leafTests(c);
  const single = compileSingle(c.field);
  if (single && c.equalsField === undefined) {
    const exists = c.exists;
    if (tests.length === 1) {
      const t0 = tests[0];
      return (e) => {
        const v = single(e);
        if (v === undefined || v === null) return exists === false;
        return exists !== false && t0(v);
      };
    }
    return (e) => {
      const v = single(e);
      if (v === undefined || v === null) return exists === false;
      if (exists === false) return false;
      for (let t = 0; t < tests.length; t++) if (!tests[t](v)) return false;
      return true;
    };
  }
  const get = compileGetter(c.field);
  const other = c.equalsField !== undefined ? compileGetter(c.equalsField) : undefined;
  const exists = c.exists;
  const buf: unknown[] = [];
  return (e) => {
    buf.length = 0;
    get(e, buf);
    if (exists === false) return buf.length === 0;
    if (buf.length === 0) return false;
    let otherValue: unknown;
    if (other) {
      const ob: unknown[] = [];
      other(e, ob);
      if (ob.length === 0) return false;
      otherValue = ob[0];
    }
    for (let i = 0; i < buf.length; i++) {
      const v = buf[i];
      let ok = other === undefined || v === otherValue;
      for (let t = 0; ok && t < tests.length; t++) ok = tests[t](v);
      if (ok) return true;
    }
    return false;
  };
}

/** Checks a condition's shape; returns messages with a JSON-ish path to the problem. */
export function validateCondition(c: unknown, at = 'when'): string[] {
  if (c === null || typeof c !== 'object' || Array.isArray(c)) return [`${at}: expected a condition object ({field: …} or all/any/not)`];
  const o = c as Record<string, unknown>;
  const keys = Object.keys(o);
  if ('all' in o || 'any' in o) {
    const k = 'all' in o ? 'all' : 'any';
    if (keys.length !== 1) return [`${at}: "${k}" must be the only key, found ${keys.join(', ')}`];
    const list = o[k];
    if (!Array.isArray(list) || list.length === 0) return [`${at}.${k}: expected a non-empty list of conditions`];
    return list.flatMap((x, i) => validateCondition(x, `${at}.${k}[${i}]`));
  }
  if ('not' in o) {
    if (keys.length !== 1) return [`${at}: "not" must be the only key, found ${keys.join(', ')}`];
    return validateCondition(o.not, `${at}.not`);
  }
  if (!('field' in o)) return [`${at}: expected "field" (with an operator) or all/any/not, found ${keys.join(', ') || 'nothing'}`];
  const errs: string[] = [];
  if (typeof o.field !== 'string' || o.field === '') errs.push(`${at}.field: expected a field path such as objectRef.resource`);
  else if (!(o.field in VIRTUAL)) {
    try {
      parsePath(o.field);
    } catch (e) {
      errs.push(`${at}.field: ${(e as Error).message}`);
    }
  }
  for (const k of keys) if (!LEAF_KEYS.has(k)) errs.push(`${at}: unknown operator "${k}" (known: ${OPS.join(', ')})`);
  const ops = keys.filter((k) => k !== 'field');
  if (ops.length === 0) errs.push(`${at}: no operator for field "${String(o.field)}" (one of ${OPS.join(', ')})`);
  const isScalar = (v: unknown): boolean => v === null || ['string', 'number', 'boolean'].includes(typeof v);
  const isStrOrList = (v: unknown): boolean => typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'));
  if ('equals' in o && !isScalar(o.equals)) errs.push(`${at}.equals: expected a string, number, boolean or null`);
  if ('in' in o && (!Array.isArray(o.in) || !o.in.every(isScalar))) errs.push(`${at}.in: expected a list of strings/numbers/booleans`);
  if ('glob' in o && !isStrOrList(o.glob)) errs.push(`${at}.glob: expected a glob or a list of globs`);
  if ('startsWith' in o && !isStrOrList(o.startsWith)) errs.push(`${at}.startsWith: expected a string or a list of strings`);
  for (const k of ['regex', 'iregex'] as const) {
    if (k in o) {
      if (typeof o[k] !== 'string') errs.push(`${at}.${k}: expected a regular expression string`);
      else {
        try {
          new RegExp(o[k] as string);
        } catch (e) {
          errs.push(`${at}.${k}: invalid regular expression: ${(e as Error).message}`);
        }
      }
    }
  }
  if ('contains' in o && typeof o.contains !== 'string') errs.push(`${at}.contains: expected a string`);
  if ('exists' in o && typeof o.exists !== 'boolean') errs.push(`${at}.exists: expected true or false`);
  for (const k of ['gt', 'lt'] as const) if (k in o && typeof o[k] !== 'number') errs.push(`${at}.${k}: expected a number`);
  if ('equalsField' in o && typeof o.equalsField !== 'string') errs.push(`${at}.equalsField: expected a field path`);
  return errs;
}
