/**
 * Finds where a JSON path sits in a document's text, without re-parsing it with a full YAML
 * parser (which costs ten times the fast parse). A single pass over the document follows its block
 * structure (indentation, `- ` entries, `key:` lines, block scalars) and flow collections / JSON, and
 * records positions only for the requested paths and their ancestors; lines under entries no path
 * asks for are skipped without being looked at. A path that does not exist in the text (a missing
 * field a finding asks for) resolves to its nearest existing ancestor.
 */
import { parsePath, type PathSegment } from '../core/path.js';
import type { DocumentLocator, Position } from '../core/types.js';

/**
 * The requested paths as a trie: one node per path prefix. Scanning the text walks the trie alongside
 * the document; a node gets the position of the text it matched.
 */
interface Node {
  kids: Map<PathSegment, Node> | undefined;
  /** [0-based line, 0-based column] once found */
  pos: [number, number] | undefined;
}

interface Ctx {
  text: string;
  lineStarts: number[] | undefined;
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

/** Records a position given as an offset (flow collections and JSON). */
function recordOffset(ctx: Ctx, node: Node | null, offset: number): void {
  if (node === null || node.pos) return;
  const starts = (ctx.lineStarts ??= lineStartsOf(ctx.text));
  const l = lineOf(starts, offset);
  node.pos = [l, offset - starts[l]];
}

function sub(base: Node | null, seg: PathSegment): Node | null {
  if (base === null || base.kids === undefined) return null;
  return base.kids.get(seg) ?? null;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

// ------------------------------------------------------------------ flow / JSON

function skipFlowSpace(t: string, pos: number): number {
  for (;;) {
    const c = t.charCodeAt(pos);
    if (c === 32 || c === 9 || c === 10 || c === 13) pos++;
    else if (c === 35 /* # */ && (pos === 0 || isBlank(t.charCodeAt(pos - 1)))) {
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
function scanFlow(ctx: Ctx, pos: number, path: Node | null, depth = 0): number {
  const t = ctx.text;
  pos = skipFlowSpace(t, pos);
  if (depth > 2000) throw new RangeError('too deep');
  const c = t[pos];
  if (c === '[') {
    pos++;
    let index = 0;
    for (;;) {
      pos = skipFlowSpace(t, pos);
      if (pos >= t.length) return pos;
      if (t[pos] === ']') return pos + 1;
      const p = sub(path, index);
      recordOffset(ctx, p, pos);
      pos = scanFlow(ctx, pos, p, depth + 1);
      pos = skipFlowSpace(t, pos);
      if (t[pos] === ',') pos++;
      else if (t[pos] !== ']') return pos;
      index++;
    }
  }
  if (c === '{') {
    pos++;
    for (;;) {
      pos = skipFlowSpace(t, pos);
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
      pos = skipFlowSpace(t, pos);
      const p = sub(path, key);
      recordOffset(ctx, p, keyStart);
      if (t[pos] === ':') {
        pos = scanFlow(ctx, pos + 1, p, depth + 1);
        pos = skipFlowSpace(t, pos);
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
  path: Node | null;
  /** map: node of the last key; seq: node of the current item */
  current: Node | null;
  index: number;
}

/**
 * If a block mapping key starts at `i`, returns the offset of its `:` (followed by a space or the end
 * of the line); otherwise -1. Handles quoted keys; plain keys may not start with an indicator.
 */
function scanKey(t: string, i: number, le: number): number {
  const c = t.charCodeAt(i);
  let j: number;
  if (c === 34 /* " */ || c === 39 /* ' */) {
    j = scanQuoted(t, i);
    while (j < le && (t.charCodeAt(j) === 32 || t.charCodeAt(j) === 9)) j++;
    return j < le && t.charCodeAt(j) === 58 && (j + 1 >= le || isBlank(t.charCodeAt(j + 1))) ? j : -1;
  }
  // indicators that cannot start a plain key: # ' " { [ ] } , & * ! | > % @ `
  if (c === 35 || c === 123 || c === 91 || c === 93 || c === 125 || c === 44 || c === 38 || c === 42 || c === 33 || c === 124 || c === 62 || c === 37 || c === 64 || c === 96) return -1;
  if (c === 45 /* - */ && (i + 1 >= le || isBlank(t.charCodeAt(i + 1)))) return -1;
  for (j = i; j < le; j++) {
    const ch = t.charCodeAt(j);
    if (ch === 58 /* : */ && (j + 1 >= le || isBlank(t.charCodeAt(j + 1)))) return j;
    // a comment before the colon ends the candidate key
    if (ch === 35 /* # */ && j > i && isBlank(t.charCodeAt(j - 1))) return -1;
  }
  return -1;
}

/** The wanted child path for the key spelled t[i..end), without building the key unless it may match. */
function keyChild(base: Node | null, t: string, i: number, end: number): Node | null {
  if (base === null) return null;
  const kids = base.kids;
  if (!kids) return null;
  const c = t.charCodeAt(i);
  if (c === 34 || c === 39) return kids.get(unquote(t.slice(i, end).trim())) ?? null;
  while (end > i && (t.charCodeAt(end - 1) === 32 || t.charCodeAt(end - 1) === 9)) end--;
  const len = end - i;
  for (const [seg, p] of kids) {
    if (typeof seg === 'string' && seg.length === len && t.startsWith(seg, i)) return p;
  }
  return null;
}

function scanBlock(ctx: Ctx, root: Node): void {
  const t = ctx.text;
  const n = t.length;
  const stack: Frame[] = [];
  let blockScalarCol = -1; // skip lines indented more than this
  let skipCol = -1; // skip lines indented more than this (inside an entry no path asks for)
  let resumeAt = 0; // offset before which lines were consumed by a flow or quoted scalar
  let li = -1; // current 0-based line
  let ls = 0; // offset of the current line

  const pendingPath = (): Node | null => {
    const top = stack[stack.length - 1];
    return top ? top.current : root;
  };
  const record = (node: Node | null, offset: number): void => {
    if (node !== null && node.pos === undefined) node.pos = [li, offset - ls];
  };

  let next = 0;
  while (next <= n) {
    ls = next;
    li++;
    let le = t.indexOf('\n', ls);
    if (le < 0) le = n;
    next = le + 1;
    if (ls < resumeAt) continue;
    if (le > ls && t.charCodeAt(le - 1) === 13) le--;
    let i = ls;
    while (i < le && t.charCodeAt(i) === 32) i++;
    if (i >= le || t.charCodeAt(i) === 35) continue; // blank or comment
    const col = i - ls;
    if (blockScalarCol >= 0) {
      if (col > blockScalarCol) continue;
      blockScalarCol = -1;
    }
    if (skipCol >= 0) {
      if (col > skipCol) continue;
      skipCol = -1;
    }
    if (col === 0 && (t.startsWith('---', i) || t.startsWith('...', i) || t[i] === '%')) continue;
    const end = node(col, i, le);
    if (end > le) resumeAt = end;
    // Nothing below an unwanted entry can be wanted: skip its lines without looking at them.
    for (let k = stack.length - 1; k >= 0; k--) {
      const f = stack[k];
      if (f.path !== null) {
        if (f.current === null) skipCol = f.col;
        break;
      }
    }
  }

  /** Handles the node starting at offset `i` (column `col`) on the current line; returns the offset consumed up to. */
  function node(col: number, i: number, le: number): number {
    while (stack.length > 0 && stack[stack.length - 1].col > col) stack.pop();
    let top = stack[stack.length - 1];
    const c = t.charCodeAt(i);
    if (c === 45 /* - */ && (i + 1 >= le || t.charCodeAt(i + 1) === 32 || t.charCodeAt(i + 1) === 9)) {
      let seq: Frame;
      if (top && top.col === col && top.type === 'seq') {
        seq = top;
        seq.index++;
      } else {
        const base = top && top.col === col && top.type === 'map' ? top.current : pendingPath();
        seq = { col, type: 'seq', path: base, current: null, index: 0 };
        stack.push(seq);
      }
      seq.current = sub(seq.path, seq.index);
      let j = i + 1;
      while (j < le && (t.charCodeAt(j) === 32 || t.charCodeAt(j) === 9)) j++;
      record(seq.current, j < le ? j : i);
      if (j < le && t.charCodeAt(j) !== 35) return node(j - ls, j, le);
      return le;
    }
    const keyEnd = scanKey(t, i, le);
    if (keyEnd >= 0) {
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
      map.current = keyChild(map.path, t, i, keyEnd);
      record(map.current, i);
      return value(col, keyEnd + 1, le);
    }
    // a bare scalar, flow collection or continuation line
    if (c === 91 || c === 123) return scanFlow(ctx, i, pendingPath());
    return le;
  }

  /** The value part after `key:` (or after a node's properties). */
  function value(col: number, j: number, le: number): number {
    while (j < le && (t.charCodeAt(j) === 32 || t.charCodeAt(j) === 9)) j++;
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

/** Parsed paths. Checks intern their paths, so these lookups hit strings whose hash is cached. */
const segmentCache = new Map<string, PathSegment[]>();

function segmentsOf(path: string): PathSegment[] {
  let segs = segmentCache.get(path);
  if (segs === undefined) {
    try {
      segs = parsePath(path);
    } catch {
      segs = [];
    }
    if (segmentCache.size > 50_000) segmentCache.clear();
    segmentCache.set(path, segs);
  }
  return segs;
}

function firstContent(text: string): [number, number] {
  let pos = 0;
  let line = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    let i = pos;
    while (i < end && isBlank(text.charCodeAt(i))) i++;
    if (i < end && text.charCodeAt(i) !== 35) return [line, i - pos];
    pos = end + 1;
    line++;
  }
  return [0, 0];
}

/**
 * A locator for one document's text. Reported lines are `lineBase + (0-based line in text)`, so a
 * document that starts at line 40 of its file reports absolute lines.
 */
export function createLocator(text: string, lineBase: number, format: 'yaml' | 'json'): DocumentLocator {
  return {
    locate(paths: readonly string[]): Position[] {
      const root: Node = { kids: undefined, pos: undefined };
      const chains: Node[][] = [];
      for (const p of paths) {
        const chain: Node[] = [root];
        let node = root;
        const segs = segmentsOf(p);
        for (const seg of segs) {
          const kids = (node.kids ??= new Map());
          let next = kids.get(seg);
          if (!next) kids.set(seg, (next = { kids: undefined, pos: undefined }));
          chain.push(next);
          node = next;
        }
        chains.push(chain);
      }
      const ctx: Ctx = { text, lineStarts: undefined };
      try {
        if (format === 'json') scanFlow(ctx, 0, root);
        else scanBlock(ctx, root);
      } catch {
        // Positions are best effort: an odd document falls back to ancestors already found.
      }
      if (!root.pos) root.pos = firstContent(text);
      return chains.map((chain) => {
        for (let k = chain.length - 1; k >= 0; k--) {
          const at = chain[k].pos;
          if (at !== undefined) return { line: lineBase + at[0], column: at[1] + 1 };
        }
        return { line: lineBase, column: 1 };
      });
    },
  };
}
