/**
 * Reading audit events: JSON lines (the log backend's format), EventList bodies (the webhook backend's),
 * pretty-printed JSON documents, gzip (recognised by its magic bytes, not the name), rotated sets, stdin.
 * Bad lines are reported with file:line and skipped.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { AuditDiagnostic, AuditEvent, EventOrigin } from './types.js';

export type EventSink = (e: AuditEvent, origin: EventOrigin) => void;
export type DiagnosticSink = (d: AuditDiagnostic) => void;

/** Lines longer than this are reported and skipped (the API server truncates events at 100 KB when asked to). */
export const MAX_LINE = 64 * 1024 * 1024;
/** A pretty-printed JSON document is read whole, up to this size. */
export const MAX_DOCUMENT = 512 * 1024 * 1024;

export interface ReadStats {
  events: number;
  bad: number;
  lines: number;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v !== 'object') return `a ${typeof v}`;
  const k = (v as Record<string, unknown>).kind;
  return k === undefined ? 'an object without kind' : `kind ${JSON.stringify(k)}`;
}

/** Routes one parsed JSON value: an Event, an EventList, or an array of events. Returns the number of events. */
export function routeValue(v: unknown, origin: EventOrigin, onEvent: EventSink, onDiag: DiagnosticSink): number {
  if (v !== null && typeof v === 'object') {
    if (Array.isArray(v)) {
      let n = 0;
      let bad = 0;
      let first = '';
      for (const x of v)
        n += routeValue(x, origin, onEvent, (d) => {
          if (bad++ === 0) first = d.message;
        });
      if (bad) onDiag({ ...origin, message: bad === 1 ? `array item: ${first}` : `${bad} array items are not audit Events (first: ${first})` });
      return n;
    }
    const o = v as AuditEvent;
    if (o.kind === 'EventList') {
      const items = (o as { items?: unknown }).items;
      if (items === null || items === undefined) return 0;
      if (!Array.isArray(items)) {
        onDiag({ ...origin, message: 'EventList.items is not a list' });
        return 0;
      }
      let n = 0;
      for (let i = 0; i < items.length; i++) {
        const it = items[i] as AuditEvent;
        if (isEvent(it)) {
          onEvent(it, origin);
          n++;
        } else onDiag({ ...origin, message: `EventList item ${i} is not an audit Event (${describe(it)})` });
      }
      return n;
    }
    if (isEvent(o)) {
      onEvent(o, origin);
      return 1;
    }
  }
  onDiag({ ...origin, message: `not an audit.k8s.io Event or EventList (${describe(v)}); skipped` });
  return 0;
}

function isEvent(o: AuditEvent): boolean {
  return o !== null && typeof o === 'object' && !Array.isArray(o) && (o.kind === 'Event' || o.kind === undefined) && typeof o.verb === 'string';
}

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** Chunks of a byte stream, gunzipped when it starts with the gzip magic bytes. */
async function* decoded(src: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  const it = src[Symbol.asyncIterator]();
  let first = await it.next();
  while (!first.done && first.value.length === 0) first = await it.next();
  if (first.done) return;
  const head = typeof first.value === 'string' ? Buffer.from(first.value) : first.value;
  const rest = async function* (): AsyncGenerator<Buffer> {
    yield head;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield typeof n.value === 'string' ? Buffer.from(n.value) : n.value;
    }
  };
  if (isGzip(head)) yield* Readable.from(rest()).pipe(createGunzip()) as AsyncIterable<Buffer>;
  else yield* rest();
}

/**
 * Reads one byte stream of audit events. `name` is used in diagnostics ("-" for stdin).
 * Never throws for bad content: every problem becomes a diagnostic.
 */
export async function readAuditStream(src: AsyncIterable<Buffer | string>, name: string, onEvent: EventSink, onDiag: DiagnosticSink): Promise<ReadStats> {
  const stats: ReadStats = { events: 0, bad: 0, lines: 0 };
  const diag: DiagnosticSink = (d) => {
    stats.bad++;
    onDiag(d);
  };
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let lineNo = 0;
  let skipping = false;
  let docMode = false;
  let doc: string[] = [];
  let docSize = 0;
  let sawContent = false;
  const line = (s: string): void => {
    lineNo++;
    if (docMode) {
      doc.push(s);
      docSize += s.length + 1;
      return;
    }
    let a = 0;
    let b = s.length;
    while (a < b && s.charCodeAt(a) <= 32) a++;
    while (b > a && s.charCodeAt(b - 1) <= 32) b--;
    if (a === b) return;
    if (!sawContent) {
      sawContent = true;
      const t = s.slice(a, b);
      if (t === '{' || t === '[') {
        docMode = true;
        doc = [s];
        docSize = s.length;
        stats.lines = lineNo;
        return;
      }
    }
    let v: unknown;
    try {
      v = JSON.parse(a === 0 && b === s.length ? s : s.slice(a, b));
    } catch (e) {
      diag({ file: name, line: lineNo, message: `invalid JSON: ${(e as Error).message}` });
      return;
    }
    stats.events += routeValue(v, { file: name, line: lineNo }, onEvent, diag);
  };
  try {
    for await (const chunk of decoded(src)) {
      let s = carry + decoder.write(chunk);
      carry = '';
      let start = 0;
      for (;;) {
        const nl = s.indexOf('\n', start);
        if (nl < 0) break;
        if (skipping) {
          skipping = false;
          lineNo++;
        } else line(s.slice(start, nl));
        start = nl + 1;
      }
      s = start === 0 ? s : s.slice(start);
      if (s.length > MAX_LINE && !docMode) {
        if (!skipping) diag({ file: name, line: lineNo + 1, message: `line longer than ${MAX_LINE} bytes; skipped` });
        skipping = true;
        s = '';
      }
      if (docMode && docSize > MAX_DOCUMENT) throw new Error(`JSON document larger than ${MAX_DOCUMENT} bytes`);
      carry = s;
    }
    carry += decoder.end();
    if (carry.length && !skipping) line(carry);
  } catch (e) {
    diag({ file: name, line: lineNo + 1, message: `cannot read: ${(e as Error).message}` });
  }
  if (docMode) {
    const text = doc.join('\n');
    doc = [];
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      diag({ file: name, line: stats.lines || 1, message: `invalid JSON document: ${(e as Error).message}` });
      return stats;
    }
    stats.events += routeValue(v, { file: name, line: stats.lines || 1 }, onEvent, diag);
  }
  stats.lines = lineNo;
  return stats;
}

/** Reads one file (or "-" for stdin). */
export async function readAuditFile(file: string, onEvent: EventSink, onDiag: DiagnosticSink): Promise<ReadStats> {
  if (file === '-') return readAuditStream(process.stdin, '-', onEvent, onDiag);
  return readAuditStream(createReadStream(file, { highWaterMark: 1 << 20 }), file, onEvent, onDiag);
}

const STAMP = /^(.*)-(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d(?:\.\d+)?)(\.[^.]+)?(\.gz)?$/;
const NUMBERED = /^(.*)\.(\d+)(\.gz)?$/;

/**
 * Ordering key in a rotated set: kube-apiserver's (lumberjack) `audit-2026-12-01T10-00-00.000.log[.gz]`,
 * logrotate's `audit.log.1[.gz]` (higher = older); the live file (`audit.log`) comes last.
 */
export function rotationKey(name: string): { base: string; order: string } {
  const m = STAMP.exec(name);
  if (m) return { base: `${m[1]}${m[3] ?? ''}`, order: `1${m[2]}` };
  const n = NUMBERED.exec(name);
  if (n) return { base: n[1], order: `0${String(1e9 - Number(n[2])).padStart(10, '0')}` };
  return { base: name.replace(/\.gz$/, ''), order: '2' };
}

export function sortRotated(names: string[]): string[] {
  return [...names].sort((a, b) => {
    const ka = rotationKey(a);
    const kb = rotationKey(b);
    if (ka.base !== kb.base) return ka.base < kb.base ? -1 : 1;
    return ka.order < kb.order ? -1 : ka.order > kb.order ? 1 : 0;
  });
}

/**
 * Expands inputs: a directory becomes its files in rotation order (oldest first, live file last);
 * with `rotated`, a file also brings the rotated files of its set from the same directory.
 */
export async function expandInputs(inputs: string[], rotated = false): Promise<string[]> {
  const out: string[] = [];
  for (const p of inputs) {
    if (p === '-') {
      out.push(p);
      continue;
    }
    const st = await fsp.stat(p);
    if (st.isDirectory()) {
      const names = (await fsp.readdir(p, { withFileTypes: true })).filter((d) => d.isFile() && !d.name.startsWith('.')).map((d) => d.name);
      for (const n of sortRotated(names)) out.push(path.join(p, n));
    } else if (rotated) {
      const dir = path.dirname(p);
      const base = rotationKey(path.basename(p)).base;
      const names = (await fsp.readdir(dir)).filter((n) => rotationKey(n).base === base);
      for (const n of sortRotated(names)) out.push(path.join(dir, n));
    } else out.push(p);
  }
  return [...new Set(out)];
}
