/**
 * Finds where a JSON path sits in a document's text, without re-parsing it with a full YAML
 * parser (which costs ten times the fast parse). A single pass over the document follows its block
 * structure (indentation, `- ` entries, `key:` lines, block scalars) and flow collections / JSON,
 * and records positions only for the requested paths and their ancestors. A path that does not
 * exist in the text (a missing field a finding asks for) resolves to its nearest existing ancestor.
 */
import { child, parsePath } from '../core/path.js';
import type { DocumentLocator, Position } from '../core/types.js';

interface Ctx {
  text: string;
  lineStarts: number[];
  wanted: Set<string>;
  found: Map<string, number>; // path -> offset
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  let i = text.indexOf('\n');
  while (i >= 0) {
    starts.push(i + 1);
    i = text.indexOf('\n', i + 1);
  }
  return starts;
}

function lineOf(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Every ancestor path of `path`, including '' and the path itself, in the `child()` spelling. */
function ancestors(path: string): string[] {
  const out = [''];
  let p = '';
  for (const seg of parsePath(path)) {
    p = child(p, seg);
    out.push(p);
  }
  return out;
}

function record(ctx: Ctx, path: string | null, offset: number): void {
  if (path !== null && !ctx.found.has(path)) ctx.found.set(path, offset);
}

function sub(ctx: Ctx, base: string | null, seg: string | number): string | null {
  if (base === null) return null;
  const p = child(base, seg);
  return ctx.wanted.has(p) ? p : null;
}

// ------------------------------------------------------------------ flow / JSON

function skipFlowSpace(ctx: Ctx, pos: number): number {
  const t = ctx.text;
  for (;;) {
    const c = t.charCodeAt(pos);
    if (c === 32 || c === 9 || c === 10 || c === 13) pos++;
    else if (c === 35 /* # */ && (pos === 0 || /\s/.test(t[pos - 1]))) {
      const nl = t.indexOf('\n', pos);
      pos = nl < 0 ? t.length : nl + 1;
    } else return pos;
  }
}

function scanQuoted(t: string, pos: number): number {
  const q = t[pos];
  let i = pos + 1;
  while (i < t.length) {
    const c = t[i];
    if (q === '"' && c === '\\') i += 2;
    else if (c === q) {
      if (q === "'" && t[i + 1] === "'") i += 2;
      else return i + 1;
    } else i++;
  }
  return t.length;
}

function unquote(raw: string): string {
  if (raw.startsWith('"')) {
    try {
      return JSON.parse(raw) as string;
    } catch {
      return raw.slice(1, -1);
    }
  }
  if (raw.startsWith("'")) return raw.slice(1, -1).replace(/''/g, "'");
  return raw.trim();
}

/** Scans one flow value (or a JSON value) starting at `pos`; returns the offset after it. */
function scanFlow(ctx: Ctx, pos: number, path: string | null, depth = 0): number {
  const t = ctx.text;
  pos = skipFlowSpace(ctx, pos);
  if (depth > 2000) throw new RangeError('too deep');
  const c = t[pos];
  if (c === '[') {
    pos++;
    let index = 0;
    for (;;) {
      pos = skipFlowSpace(ctx, pos);
      if (pos >= t.length) return pos;
      if (t[pos] === ']') return pos + 1;
      const p = sub(ctx, path, index);
      record(ctx, p, pos);
      pos = scanFlow(ctx, pos, p, depth + 1);
      pos = skipFlowSpace(ctx, pos);
      if (t[pos] === ',') pos++;
      else if (t[pos] !== ']') return pos;
      index++;
    }
  }
  if (c === '{') {
    pos++;
    for (;;) {
      pos = skipFlowSpace(ctx, pos);
      if (pos >= t.length) return pos;
      if (t[pos] === '}') return pos + 1;
      const keyStart = pos;
      let key: string;
      if (t[pos] === '"' || t[pos] === "'") {
        pos = scanQuoted(t, pos);
        key = unquote(t.slice(keyStart, pos));
      } else {
        while (pos < t.length && t[pos] !== ':' && t[pos] !== ',' && t[pos] !== '}') pos++;
        key = t.slice(keyStart, pos).trim();
      }
      pos = skipFlowSpace(ctx, pos);
      const p = sub(ctx, path, key);
      record(ctx, p, keyStart);
      if (t[pos] === ':') {
        pos = scanFlow(ctx, pos + 1, p, depth + 1);
        pos = skipFlowSpace(ctx, pos);
      }
      if (t[pos] === ',') pos++;
      else if (t[pos] !== '}') return pos;
    }
  }
  if (c === '"' || c === "'") return scanQuoted(t, pos);
  // plain scalar: up to a flow indicator or line end
  while (pos < t.length) {
    const ch = t[pos];
    if (ch === ',' || ch === ']' || ch === '}' || ch === '\n') break;
    pos++;
  }
  return pos;
}

// ------------------------------------------------------------------ block YAML

interface Frame {
  col: number;
  type: 'map' | 'seq';
  path: string | null;
  /** map: path of the last key; seq: path of the current item */
  current: string | null;
  index: number;
}

const KEY_RE = /^(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"{[\]},&*!|>%@`-][^#]*?|-[^\s][^#]*?)\s*:(?=\s|$)/;

function scanBlock(ctx: Ctx): void {
  const t = ctx.text;
  const starts = ctx.lineStarts;
  const stack: Frame[] = [];
  let blockScalarCol = -1; // skip lines indented more than this
  let resumeAt = 0; // offset before which lines were consumed by a flow or quoted scalar

  const pendingPath = (): string | null => {
    const top = stack[stack.length - 1];
    return top ? top.current : '';
  };

  for (let li = 0; li < starts.length; li++) {
    const ls = starts[li];
    if (ls < resumeAt) continue;
    let le = li + 1 < starts.length ? starts[li + 1] - 1 : t.length;
    if (le > ls && t.charCodeAt(le - 1) === 13) le--;
    let i = ls;
    while (i < le && t.charCodeAt(i) === 32) i++;
    if (i >= le || t[i] === '#') continue; // blank or comment
    const col = i - ls;
    if (blockScalarCol >= 0) {
      if (col > blockScalarCol) continue;
      blockScalarCol = -1;
    }
    if (col === 0 && (t.startsWith('---', i) || t.startsWith('...', i) || t[i] === '%')) continue;
    const next = node(col, i, le, ls);
    if (next > le) resumeAt = next;
  }

  /** Handles the node starting at offset `i` (column `col`) on the line ending at `le`; returns the offset consumed up to. */
  function node(col: number, i: number, le: number, ls: number): number {
    while (stack.length > 0 && stack[stack.length - 1].col > col) stack.pop();
    let top = stack[stack.length - 1];
    const c = t[i];
    if (c === '-' && (i + 1 >= le || t[i + 1] === ' ' || t[i + 1] === '\t')) {
      let seq: Frame;
      if (top && top.col === col && top.type === 'seq') {
        seq = top;
        seq.index++;
      } else {
        const base = top && top.col === col && top.type === 'map' ? top.current : pendingPath();
        seq = { col, type: 'seq', path: base, current: null, index: 0 };
        stack.push(seq);
      }
      seq.current = sub(ctx, seq.path, seq.index);
      let j = i + 1;
      while (j < le && (t[j] === ' ' || t[j] === '\t')) j++;
      record(ctx, seq.current, j < le ? j : i);
      if (j < le && t[j] !== '#') return node(j - ls, j, le, ls);
      return le;
    }
    const m = KEY_RE.exec(t.slice(i, le));
    if (m) {
      if (top && top.col === col && top.type === 'seq') {
        stack.pop();
        top = stack[stack.length - 1];
      }
      let map: Frame;
      if (top && top.col === col && top.type === 'map') map = top;
      else {
        map = { col, type: 'map', path: pendingPath(), current: null, index: 0 };
        stack.push(map);
      }
      const rawKey = m[0].slice(0, m[0].lastIndexOf(':')).trim();
      const key = unquote(rawKey);
      map.current = sub(ctx, map.path, key);
      record(ctx, map.current, i);
      let j = i + m[0].length;
      return value(col, j, le);
    }
    // a bare scalar, flow collection or continuation line
    if (c === '[' || c === '{') return scanFlow(ctx, i, pendingPath());
    return le;
  }

  /** The value part after `key:` (or after a node's properties). */
  function value(col: number, j: number, le: number): number {
    while (j < le && (t[j] === ' ' || t[j] === '\t')) j++;
    // anchors and tags
    while (j < le && (t[j] === '&' || t[j] === '!')) {
      while (j < le && t[j] !== ' ' && t[j] !== '\t') j++;
      while (j < le && (t[j] === ' ' || t[j] === '\t')) j++;
    }
    if (j >= le || t[j] === '#') return le;
    const c = t[j];
    if (c === '|' || c === '>') {
      blockScalarCol = col;
      return le;
    }
    const top = stack[stack.length - 1];
    if (c === '[' || c === '{') return scanFlow(ctx, j, top ? top.current : null);
    if (c === '"' || c === "'") return scanQuoted(t, j);
    return le;
  }
}

function build(text: string, wanted: Set<string>, json: boolean): Ctx {
  const ctx: Ctx = { text, lineStarts: lineStartsOf(text), wanted, found: new Map() };
  try {
    if (json) scanFlow(ctx, 0, '');
    else scanBlock(ctx);
  } catch {
    // Positions are best effort: an odd document falls back to ancestors already found.
  }
  return ctx;
}

function firstContentOffset(text: string): number {
  const m = /[^\s]/.exec(text.replace(/^\s*#.*$/gm, (s) => ' '.repeat(s.length)));
  return m ? m.index : 0;
}

/**
 * A locator for one document's text. Reported lines are `lineBase + (0-based line in text)`, so a
 * document that starts at line 40 of its file reports absolute lines.
 */
export function createLocator(text: string, lineBase: number, format: 'yaml' | 'json'): DocumentLocator {
  return {
    locate(paths: readonly string[]): Position[] {
      const wanted = new Set<string>();
      const chains: string[][] = [];
      for (const p of paths) {
        let chain: string[];
        try {
          chain = ancestors(p);
        } catch {
          chain = [''];
        }
        chains.push(chain);
        for (const a of chain) wanted.add(a);
      }
      const ctx = build(text, wanted, format === 'json');
      if (!ctx.found.has('')) ctx.found.set('', firstContentOffset(text));
      return chains.map((chain) => {
        for (let k = chain.length - 1; k >= 0; k--) {
          const off = ctx.found.get(chain[k]);
          if (off !== undefined) {
            const l = lineOf(ctx.lineStarts, off);
            return { line: lineBase + l, column: off - ctx.lineStarts[l] + 1 };
          }
        }
        return { line: lineBase, column: 1 };
      });
    },
  };
}
