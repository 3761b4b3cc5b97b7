/**
 * YAML parsing with the scalar rules Kubernetes applies. kubectl and the API server decode YAML with
 * sigs.k8s.io/yaml (go-yaml v2, YAML 1.1 resolution), so `privileged: yes` is the boolean true and
 * `defaultMode: 0644` is octal. A YAML 1.2 parser would read those as the string "yes" and the
 * decimal 644 — a scanner that did so could be bypassed. Timestamps stay strings, as they do when
 * go-yaml decodes into interface{}.
 */
import yaml from 'js-yaml';

const BOOL_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const BOOL_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);

const boolYaml11 = new yaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: string) => {
    // Cheap rejection first: this runs for every plain scalar in every document.
    if (data.length > 5) return false;
    const c = data.charCodeAt(0);
    // y Y n N t T f F o O
    if (c !== 121 && c !== 89 && c !== 110 && c !== 78 && c !== 116 && c !== 84 && c !== 102 && c !== 70 && c !== 111 && c !== 79) return false;
    return BOOL_TRUE.has(data) || BOOL_FALSE.has(data);
  },
  construct: (data: string) => BOOL_TRUE.has(data),
  predicate: (obj: unknown) => typeof obj === 'boolean',
  represent: { lowercase: (obj: unknown) => (obj ? 'true' : 'false') },
  defaultStyle: 'lowercase',
});

const INT_RE = /^[-+]?(?:0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/;

/** Integers as Go's strconv.ParseInt(s, 0, 64) reads them after go-yaml strips underscores. */
const intYaml11 = new yaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: string) => {
    const c = data.charCodeAt(0);
    // digits, '+' or '-' only
    if (!((c >= 48 && c <= 57) || c === 43 || c === 45)) return false;
    return INT_RE.test(data.indexOf('_') < 0 ? data : data.replace(/_/g, ''));
  },
  construct: (data: string) => {
    let s = data.replace(/_/g, '').toLowerCase();
    let sign = 1;
    if (s[0] === '-' || s[0] === '+') {
      if (s[0] === '-') sign = -1;
      s = s.slice(1);
    }
    let n: number;
    if (s.startsWith('0b')) n = parseInt(s.slice(2), 2);
    else if (s.startsWith('0o')) n = parseInt(s.slice(2), 8);
    else if (s.startsWith('0x')) n = parseInt(s.slice(2), 16);
    else if (s.length > 1 && s[0] === '0') n = parseInt(s.slice(1), 8);
    else n = parseInt(s, 10);
    return sign * n;
  },
  predicate: (obj: unknown) => typeof obj === 'number' && Number.isInteger(obj),
  represent: { decimal: (obj: unknown) => String(obj) },
  defaultStyle: 'decimal',
});

const t = (yaml as unknown as { types: Record<string, yaml.Type> }).types;

/** The schema Kubernetes effectively uses: YAML 1.1 null/bool/int, floats, merge keys; no timestamps. */
export const KUBERNETES_SCHEMA = yaml.FAILSAFE_SCHEMA.extend({
  implicit: [t.null, boolYaml11, intYaml11, t.float, t.merge],
});

export interface YamlError {
  /** 0-based line within the parsed text. */
  line: number;
  /** 0-based column. */
  column: number;
  message: string;
  code: 'yaml-syntax' | 'yaml-alias-bomb' | 'yaml-too-deep';
}

export type ParseOutcome =
  | { ok: true; value: unknown; warnings: YamlError[] }
  | { ok: false; error: YamlError };

/** Nesting limit for a document. Kubernetes objects, even large CRD schemas, stay far below it. */
export const MAX_DEPTH = 512;

/** Expanded node budget for documents that use aliases (a billion-laughs document blows far past it). */
export const MAX_EXPANDED_NODES = 1_000_000;

const ANCHOR_RE = /&[^\s,[\]{}]/;
const ALIAS_RE = /\*[^\s,[\]{}]/;

/** Parses one YAML document with the Kubernetes schema. Never throws. */
export function parseYamlDocument(text: string, filename: string): ParseOutcome {
  const warnings: YamlError[] = [];
  let value: unknown;
  try {
    value = yaml.load(text, { schema: KUBERNETES_SCHEMA, filename, maxDepth: MAX_DEPTH } as yaml.LoadOptions);
  } catch (e) {
    const err = toYamlError(e);
    if (err.code === 'yaml-syntax' && /duplicated mapping key/.test(err.message)) {
      // go-yaml v2 keeps the last value of a duplicated key; do the same, but say so.
      try {
        value = yaml.load(text, { schema: KUBERNETES_SCHEMA, filename, json: true, maxDepth: MAX_DEPTH } as yaml.LoadOptions);
        warnings.push({ ...err, message: `${err.message}; the last value is used, as Kubernetes does` });
      } catch (e2) {
        return { ok: false, error: toYamlError(e2) };
      }
    } else {
      return { ok: false, error: err };
    }
  }
  // indexOf first: a native scan, far cheaper than a regex over every document.
  if (text.indexOf('&') >= 0 && text.indexOf('*') >= 0 && ANCHOR_RE.test(text) && ALIAS_RE.test(text)) {
    const expanded = expandedSize(value, MAX_EXPANDED_NODES);
    if (expanded > MAX_EXPANDED_NODES) {
      return {
        ok: false,
        error: {
          line: 0,
          column: 0,
          code: 'yaml-alias-bomb',
          message: `YAML aliases expand this document to more than ${MAX_EXPANDED_NODES.toLocaleString('en-US')} nodes (an alias bomb); refusing to process it`,
        },
      };
    }
  }
  return { ok: true, value, warnings };
}

function toYamlError(e: unknown): YamlError {
  if (e instanceof RangeError) {
    return { line: 0, column: 0, code: 'yaml-too-deep', message: tooDeepMessage() };
  }
  if (e instanceof yaml.YAMLException) {
    const mark = (e as yaml.YAMLException & { mark?: { line: number; column: number } }).mark;
    if (/nesting exceeded maxDepth/.test(e.reason)) {
      return { line: mark?.line ?? 0, column: mark?.column ?? 0, code: 'yaml-too-deep', message: tooDeepMessage() };
    }
    return { line: mark?.line ?? 0, column: mark?.column ?? 0, code: 'yaml-syntax', message: e.reason || e.message };
  }
  return { line: 0, column: 0, code: 'yaml-syntax', message: e instanceof Error ? e.message : String(e) };
}

/** Counts nodes as if every alias were expanded, stopping once `budget` is passed. */
export function expandedSize(root: unknown, budget: number): number {
  let count = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    count++;
    if (count > budget) return count;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push(v[i]);
    } else if (typeof v === 'object' && v !== null) {
      for (const k in v) stack.push((v as Record<string, unknown>)[k]);
    }
  }
  return count;
}

export function tooDeepMessage(): string {
  return `document is nested deeper than ${MAX_DEPTH} levels; refusing to process it (Kubernetes objects are far shallower)`;
}

/** The nesting depth of a parsed value, stopping once past `limit`. Iterative: safe on any input. */
export function depthExceeds(root: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d >= limit) return true;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (typeof v[i] === 'object' && v[i] !== null) stack.push([v[i], d + 1]);
    } else {
      for (const k in v) {
        const c = (v as Record<string, unknown>)[k];
        if (typeof c === 'object' && c !== null) stack.push([c, d + 1]);
      }
    }
  }
  return false;
}
