/**
 * The decoding half of an OSV import: inputs (directories, zip archives, record files, KEV catalogs) →
 * validated records turned into the rows the index stores, in input order. It touches no database, so it
 * can run on a worker thread while the main thread writes SQLite (db.ts `importOsvParallel`): on the
 * 110k-record benchmark, decoding (inflate, JSON.parse, checks, index rows) is ~60% of the import and
 * the SQLite writes the rest, so two threads overlap most of one with the other.
 *
 * Everything that depends on what is already stored (same id twice, older `modified`, superseded rows)
 * is decided by the writer (db.ts), not here.
 */
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { isObject } from '../../core/inventory.js';
import { ecosystemBase, indexName } from './ecosystem.js';
import { checkOsvRecord, parseOsvText, type OsvAffected, type OsvRecord } from './osv.js';
import { schemeFor } from './versions/index.js';

/** How an advisory body is stored: UTF-8 JSON text, or that text deflated (raw, as the zip held it). */
export const ENC_JSON = 0;
export const ENC_DEFLATE = 1;

export interface KevCatalog {
  catalogVersion: string;
  vulnerabilities: Record<string, unknown>[];
}

/** One valid OSV record, ready to store. */
export interface DecodedRecord {
  /** Where it came from ("<file>" or "<zip>!<entry>"), for messages. */
  source: string;
  id: string;
  modified: string;
  withdrawn: boolean;
  enc: typeof ENC_JSON | typeof ENC_DEFLATE;
  /** Inflated size of an ENC_DEFLATE body. */
  size: number | null;
  /** The body: compact JSON (ENC_JSON) or the archive's deflated bytes (ENC_DEFLATE). */
  body: string | Uint8Array;
  /** What a match reports of the advisory (AdvisoryHead as JSON), so matching never decodes the body. */
  head: string;
  /** Index rows, four strings each: ecosystem base, index name, full ecosystem, match entry JSON. */
  affected: string[];
  /** Distinct aliases other than the id itself. */
  aliases: string[];
  /** Range versions the ecosystem's ordering cannot read, reported if the record is stored. */
  versionWarnings?: string[];
}

/**
 * The part of a record a match reports — summary (or the first line of details), reference URLs, own
 * aliases, upstream ids, and what severity reads — kept beside the body: a match over 10k components
 * reads ~6k advisories, and inflating and parsing their whole bodies for these fields cost ~40% of it.
 */
export interface AdvisoryHead {
  summary?: string;
  references: string[];
  aliases: string[];
  upstream?: string[];
  severity?: OsvRecord['severity'];
  /** database_specific.severity, when a string. */
  dbSeverity?: string;
}

function headOf(rec: OsvRecord): string {
  const refs = (rec.references ?? []).map((r) => r.url);
  // Distinct URLs: a scan for the few most records have, a Set for the long lists some have.
  const distinct = refs.length <= 1 ? refs : refs.length <= 16 ? refs.filter((u, i) => refs.indexOf(u) === i) : [...new Set(refs)];
  const h: AdvisoryHead = { references: distinct, aliases: rec.aliases ?? [] };
  const summary = rec.summary?.trim() || firstLine(rec.details);
  if (summary) h.summary = summary;
  if (Array.isArray(rec.upstream)) h.upstream = rec.upstream;
  if (rec.severity) h.severity = rec.severity;
  const ds = isObject(rec.database_specific) ? rec.database_specific.severity : undefined;
  if (typeof ds === 'string') h.dbSeverity = ds;
  return JSON.stringify(h);
}

function firstLine(s: string | undefined): string | undefined {
  if (!s) return undefined;
  // Details can be pages long: cut at the first line break rather than splitting the whole text.
  const t = s.trimStart();
  const nl = t.indexOf('\n');
  const line = (nl < 0 ? t : t.slice(0, nl)).trim();
  if (line === '') return undefined;
  return line.length > 200 ? line.slice(0, 197) + '…' : line;
}

/** Where decoded input goes, in input order. Exceptions thrown by the sink abort the import. */
export interface DecodeSink {
  warn(w: string): void;
  /** A record file (or zip entry) was read. */
  file(): void;
  /** A record that cannot be indexed (its warning came first). */
  skipped(): void;
  kev(cat: KevCatalog, source: string): void;
  record(r: DecodedRecord): void;
}


/** A KEV catalog (CISA known_exploited_vulnerabilities.json) rather than an OSV record. */
export function isKevCatalog(x: unknown): x is KevCatalog {
  return isObject(x) && typeof x.catalogVersion === 'string' && Array.isArray(x.vulnerabilities) && x.id === undefined && (x.vulnerabilities.length === 0 || (isObject(x.vulnerabilities[0]) && typeof x.vulnerabilities[0].cveID === 'string'));
}

/**
 * What an index row keeps of an affected entry: what evaluation and severity read (non-GIT ranges,
 * versions, severity, database_specific.severity). The whole entry stays in the advisory body.
 */
export function matchEntry(a: OsvAffected): string {
  const e: OsvAffected = {};
  let ranges = a.ranges;
  if (ranges && !ranges.every((r) => r.type !== 'GIT' && r.repo === undefined && r.database_specific === undefined)) {
    ranges = ranges.filter((r) => r.type !== 'GIT').map((r) => ({ type: r.type, events: r.events }));
  }
  if (ranges && ranges.length > 0) e.ranges = ranges;
  if (a.versions && a.versions.length > 0) e.versions = a.versions;
  if (a.severity) e.severity = a.severity;
  const ds = isObject(a.database_specific) ? a.database_specific.severity : undefined;
  if (typeof ds === 'string') e.database_specific = { severity: ds };
  return JSON.stringify(e);
}

/** Decodes every input, in order, into `sink`. Unreadable inputs are warnings; decoding goes on. */
export function decodePaths(paths: readonly string[], sink: DecodeSink): void {
  for (const p of paths) decodePath(p, sink);
}

function decodePath(p: string, sink: DecodeSink): void {
  let st;
  try {
    st = statSync(p);
  } catch (e) {
    sink.warn(`${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
    return;
  }
  if (st.isDirectory()) {
    for (const f of walk(p)) decodeFile(f, sink, false);
  } else {
    decodeFile(p, sink, true);
  }
}

function decodeFile(file: string, sink: DecodeSink, explicit: boolean): void {
  const lower = file.toLowerCase();
  if (lower.endsWith('.zip')) {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (e) {
      sink.warn(`${file}: cannot read: ${(e as Error).message}`);
      return;
    }
    try {
      decodeZip(fileSource(fd), file, sink);
    } finally {
      closeSync(fd);
    }
    return;
  }
  if (!explicit && !/\.(json|ya?ml)$/.test(lower)) return;
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    sink.warn(`${file}: cannot read: ${(e as Error).message}`);
    return;
  }
  if (explicit && isZipMagic(buf)) {
    decodeZip(bufferSource(buf), file, sink);
    return;
  }
  sink.file();
  decodeRecord(buf, file, sink);
}

function decodeZip(src: ByteSource, label: string, sink: DecodeSink): void {
  // An archive that cannot be read is reported; a failure of the sink (disk full …) is not the archive's fault.
  let inner: { error: unknown } | undefined;
  try {
    readZip(src, (name, data, error, deflated) => {
      try {
        const where = `${label}!${name}`;
        if (error) {
          sink.warn(`${where}: ${error}`);
          return;
        }
        const lower = name.toLowerCase();
        if (lower.endsWith('.zip')) {
          decodeZip(bufferSource(data!), where, sink);
          return;
        }
        if (!/\.(json|ya?ml)$/.test(lower)) return;
        sink.file();
        decodeRecord(data!, where, sink, deflated);
      } catch (e) {
        inner = { error: e };
        throw e;
      }
    });
  } catch (e) {
    if (inner) throw inner.error;
    sink.warn(`${label}: not a readable zip archive: ${(e as Error).message}`);
  }
}

/** One record file's bytes → a record, a KEV catalog, or a warning. `deflated` is valid only during the call. */
function decodeRecord(buf: Buffer, source: string, sink: DecodeSink, deflated?: Buffer): void {
  let value: unknown;
  try {
    value = parseOsvText(stripBom(buf.toString('utf8')), source);
  } catch (e) {
    sink.warn(`${source}: not valid ${/\.ya?ml$/i.test(source) ? 'YAML' : 'JSON'}: ${(e as Error).message.split('\n')[0]}`);
    sink.skipped();
    return;
  }
  if (isKevCatalog(value)) {
    sink.kev(value, source);
    return;
  }
  const check = checkOsvRecord(value);
  for (const w of check.warnings) sink.warn(`${source}: ${w}`);
  const rec = check.record;
  if (!rec) {
    sink.warn(`${source}: ${check.error}; not indexed`);
    sink.skipped();
    return;
  }
  const id = rec.id;
  const out: DecodedRecord = { source, id, modified: rec.modified, withdrawn: rec.withdrawn !== undefined, enc: ENC_JSON, size: null, body: '', head: '', affected: [], aliases: [] };
  if (out.withdrawn) {
    sink.record(out);
    return;
  }
  // The body is stored once: as the archive's own deflated bytes when the record needed no repair, else as compact JSON.
  if (deflated && check.warnings.length === 0 && /\.json$/i.test(source)) {
    out.enc = ENC_DEFLATE;
    out.body = deflated;
    out.size = buf.length;
  } else out.body = JSON.stringify(rec);
  out.head = headOf(rec);
  // Index rows: one per affected entry that names a package.
  for (const a of rec.affected ?? []) {
    const pkg = a.package;
    if (!pkg || typeof pkg.ecosystem !== 'string' || typeof pkg.name !== 'string' || pkg.ecosystem === '' || pkg.name === '') continue;
    const eco = pkg.ecosystem.trim();
    out.affected.push(ecosystemBase(eco), indexName(eco, pkg.name.trim()), eco, matchEntry(a));
    const bad = badVersions(a, eco);
    if (bad) (out.versionWarnings ??= []).push(`${source}: ${id}: ${eco} range version${bad.list.length > 1 ? 's' : ''} ${bad.list.map((v) => `'${v}'`).join(', ')} not valid for ${bad.scheme} ordering`);
  }
  const aliases = rec.aliases;
  if (aliases) for (let i = 0; i < aliases.length; i++) if (aliases[i] !== id && aliases.indexOf(aliases[i]!) === i) out.aliases.push(aliases[i]!);
  sink.record(out);
}

/** Event versions the ecosystem's ordering cannot read (the match may then be wrong). */
function badVersions(a: OsvAffected, eco: string): { list: string[]; scheme: string } | undefined {
  const scheme = schemeFor(eco);
  if (!scheme) return undefined;
  let bad: string[] | undefined;
  for (const r of a.ranges ?? []) {
    if (r.type === 'GIT') continue;
    for (const e of r.events) {
      const v = e.introduced ?? e.fixed ?? e.last_affected ?? e.limit;
      if (v === undefined || v === '0' || v.includes('*')) continue;
      if (!scheme.valid(v)) (bad ??= []).push(v);
    }
  }
  return bad ? { list: bad, scheme: scheme.name } : undefined;
}

/** The decoded record as it was before decoding, for comparing two copies of one id. */
export function recordText(enc: number, body: string | Uint8Array, size: number | null): string {
  if (enc === ENC_DEFLATE) {
    const b = body as Uint8Array;
    // A view, not a copy: inflate only reads it.
    const raw = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    return stripBom(inflateRaw(raw, typeof size === 'number' ? size : undefined).toString('utf8'));
  }
  return stripBom(typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
}

// ───────────────────────────── files ─────────────────────────────

export function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

/** Files under a directory, depth first, in name order; dot-directories (.git …) skipped. */
export function* walk(dir: string): Generator<string> {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const n of names) {
    const p = path.join(dir, n);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) {
      if (!n.startsWith('.')) yield* walk(p);
    } else if (st.isFile()) yield p;
  }
}

export function isZipMagic(b: Buffer): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5) && (b[3] === 4 || b[3] === 6);
}

// ───────────────────────────── zip ─────────────────────────────

/** Random access to bytes: a whole buffer, or a file read through a window. */
export interface ByteSource {
  size: number;
  read(pos: number, len: number): Buffer;
}

export function bufferSource(buf: Buffer): ByteSource {
  return { size: buf.length, read: (pos, len) => buf.subarray(pos, Math.min(buf.length, pos + len)) };
}

/** A file read through a sliding window (entries are stored in order, so most reads hit the window). */
export function fileSource(fd: number): ByteSource {
  const size = fstatSync(fd).size;
  const WINDOW = 8 << 20;
  let winStart = 0;
  let win = Buffer.alloc(0);
  return {
    size,
    read(pos, len) {
      if (pos >= winStart && pos + len <= winStart + win.length) return win.subarray(pos - winStart, pos - winStart + len);
      const want = Math.min(size - pos, Math.max(len, WINDOW));
      const buf = Buffer.allocUnsafe(Math.max(0, want));
      let got = 0;
      while (got < want) {
        const n = readSync(fd, buf, got, want - got, pos + got);
        if (n === 0) break;
        got += n;
      }
      win = buf.subarray(0, got);
      winStart = pos;
      return win.subarray(0, Math.min(len, got));
    },
  };
}

/**
 * Called once per file entry: its inflated bytes, or an error for an entry that cannot be read. For a
 * deflated entry `deflated` is its compressed bytes — a view valid only during the call.
 */
export type ZipEntryHandler = (name: string, data: Buffer | undefined, error?: string, deflated?: Buffer) => void;

/** readZip over a file on disk, read through a window (never the whole archive in memory). */
export function readZipFile(file: string, onEntry: ZipEntryHandler): void {
  const fd = openSync(file, 'r');
  try {
    readZip(fileSource(fd), onEntry);
  } finally {
    closeSync(fd);
  }
}

type FastInflate = (input: Buffer, size: number, crc?: number) => Buffer | undefined;
let fastInflate: FastInflate | null | undefined;

/**
 * Inflating many small entries with zlib.inflateRawSync costs more in per-call setup (a Transform stream
 * and a zlib state each time) than in decompression: ~23 µs vs ~12 µs for a 3 KB OSV record. This keeps
 * ONE raw-inflate handle and resets it between entries, writing straight into a buffer of the size the
 * central directory gives. It leans on node's zlib handle (`_handle.writeSync`/`reset`, `_writeState`),
 * so it is feature-detected, checked (exact output size, and the entry's CRC-32 where zlib.crc32 exists)
 * and abandoned for inflateRawSync at the first surprise.
 */
function getFastInflate(): FastInflate | null {
  if (fastInflate !== undefined) return fastInflate;
  fastInflate = null;
  if (process.env.KUBECOMPLY_ZLIB_FALLBACK === '1') return null;
  try {
    const stream = zlib.createInflateRaw() as unknown as {
      _handle?: { writeSync?: unknown; reset?: unknown; onerror?: unknown };
      _writeState?: Uint32Array;
      on(event: string, fn: () => void): void;
    };
    const h = stream._handle;
    const state = stream._writeState;
    if (!h || typeof h.writeSync !== 'function' || typeof h.reset !== 'function' || !(state instanceof Uint32Array) || state.length < 2) return null;
    const writeSync = h.writeSync as (flush: number, i: Buffer, io: number, il: number, o: Buffer, oo: number, ol: number) => void;
    const reset = h.reset as () => void;
    const crc32 = (zlib as unknown as { crc32?: (b: Buffer) => number }).crc32;
    let failed = false;
    stream.on('error', () => {});
    h.onerror = () => {
      failed = true;
    };
    const Z_FINISH = zlib.constants.Z_FINISH;
    fastInflate = (input, size, crc) => {
      // One spare byte: exactly one left over proves the entry is exactly `size` bytes long.
      const out = Buffer.allocUnsafe(size + 1);
      failed = false;
      writeSync.call(h, Z_FINISH, input, 0, input.length, out, 0, size + 1);
      const availOut = state[0];
      reset.call(h);
      if (failed || availOut !== 1) return undefined;
      const data = out.subarray(0, size);
      if (crc !== undefined && crc32 && crc32(data) !== crc) {
        fastInflate = null;
        return undefined;
      }
      return data;
    };
  } catch {
    fastInflate = null;
  }
  return fastInflate;
}

/**
 * Turns the reused-handle inflate on (the default, when node supports it) or off — for tests of the
 * fallback, and as an escape hatch (KUBECOMPLY_ZLIB_FALLBACK=1 in the environment starts with it off).
 */
export function useFastInflate(enabled: boolean): void {
  fastInflate = enabled ? undefined : null;
}

/** Raw inflate: the reused handle when the size is known and it works, else zlib.inflateRawSync (which throws on bad data). */
export function inflateRaw(raw: Buffer, size?: number, crc?: number): Buffer {
  if (size !== undefined) {
    const fast = getFastInflate();
    if (fast) {
      try {
        const out = fast(raw, size, crc);
        if (out) return out;
      } catch {
        fastInflate = null; // node's internals changed under us: never again in this process
      }
    }
  }
  return zlib.inflateRawSync(raw);
}

// Little-endian reads without Buffer's bounds-checking wrappers (the central directory loop is hot).
const u16 = (b: Buffer, o: number): number => b[o]! | (b[o + 1]! << 8);
const u32 = (b: Buffer, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
const u64 = (b: Buffer, o: number): number => u32(b, o) + u32(b, o + 4) * 2 ** 32;

/**
 * Reads a zip archive through its central directory (APPNOTE.TXT 4.3.12–4.3.16, ZIP64 4.3.14/4.5.3),
 * calling back once per file entry — after an entry that cannot be read (unsupported method, bad
 * data) reading goes on. Entries are walked by the directory's byte size, not its 16-bit count, so
 * archives whose writer overflowed the count still read completely. Throws only when the archive itself
 * is unreadable (no end-of-central-directory record).
 */
export function readZip(src: ByteSource, onEntry: ZipEntryHandler): void {
  const tailLen = Math.min(src.size, 65557);
  const tail = src.read(src.size - tailLen, tailLen);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 5 && tail[i + 3] === 6) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('no end of central directory record');
  let cdSize = u32(tail, eocd + 12);
  let cdOffset = u32(tail, eocd + 16);
  const eocdPos = src.size - tailLen + eocd;
  // ZIP64 end of central directory locator sits just before the EOCD.
  if (eocdPos >= 20) {
    const loc = src.read(eocdPos - 20, 20);
    if (u32(loc, 0) === 0x07064b50) {
      const z64 = src.read(u64(loc, 8), 56);
      if (z64.length === 56 && u32(z64, 0) === 0x06064b50) {
        cdSize = u64(z64, 40);
        cdOffset = u64(z64, 48);
      }
    }
  }
  if (cdOffset + cdSize > src.size) throw new Error('central directory outside the file');
  // Copy: the window the source returns is reused by later reads.
  const cd = Buffer.from(src.read(cdOffset, cdSize));
  let p = 0;
  while (p + 46 <= cd.length && u32(cd, p) === 0x02014b50) {
    const flags = u16(cd, p + 8);
    const method = u16(cd, p + 10);
    const crc = u32(cd, p + 16);
    let compSize = u32(cd, p + 20);
    let size = u32(cd, p + 24);
    const nameLen = u16(cd, p + 28);
    const extraLen = u16(cd, p + 30);
    const commentLen = u16(cd, p + 32);
    let local = u32(cd, p + 42);
    const name = cd.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen);
    if (size === 0xffffffff || compSize === 0xffffffff || local === 0xffffffff) {
      let e = p + 46 + nameLen;
      const end = e + extraLen;
      while (e + 4 <= end) {
        const id = u16(cd, e);
        const len = u16(cd, e + 2);
        if (id === 1) {
          let q = e + 4;
          if (size === 0xffffffff) (size = u64(cd, q)), (q += 8);
          if (compSize === 0xffffffff) (compSize = u64(cd, q)), (q += 8);
          if (local === 0xffffffff) local = u64(cd, q);
          break;
        }
        e += 4 + len;
      }
    }
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    if (flags & 1) {
      onEntry(name, undefined, 'encrypted entry; skipped');
      continue;
    }
    const lh = src.read(local, 30);
    if (lh.length < 30 || u32(lh, 0) !== 0x04034b50) {
      onEntry(name, undefined, 'bad local header; skipped');
      continue;
    }
    const dataStart = local + 30 + u16(lh, 26) + u16(lh, 28);
    const raw = src.read(dataStart, compSize);
    if (raw.length !== compSize) {
      onEntry(name, undefined, 'truncated entry; skipped');
      continue;
    }
    let data: Buffer;
    try {
      if (method === 0) data = Buffer.from(raw);
      else if (method === 8) data = inflateRaw(raw, size, crc);
      else {
        onEntry(name, undefined, `compression method ${method} not supported; skipped`);
        continue;
      }
    } catch (e) {
      onEntry(name, undefined, `cannot inflate: ${(e as Error).message}`);
      continue;
    }
    if (data.length !== size) {
      onEntry(name, undefined, `size ${data.length} differs from the directory's ${size}; skipped`);
      continue;
    }
    if (method === 8) onEntry(name, data, undefined, raw);
    else onEntry(name, data);
  }
}
