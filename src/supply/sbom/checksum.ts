/**
 * Checksum lists in GNU coreutils' format (`sha256sum`, `sha512sum`), written and verified.
 *
 * Written lines are exactly what `sha256sum FILE…` prints in text mode: `<hex>  <name>\n`. A name
 * with a backslash, newline or carriage return is escaped as coreutils (≥ 9.0) does it: the line
 * starts with `\`, and in the name `\` becomes `\\`, LF `\n`, CR `\r`.
 *
 * Verification reads what `sha256sum --check` reads:
 * - `<hex>  <name>` (text marker), `<hex> *<name>` (binary marker; the same bytes on POSIX), and the
 *   marker-less `<hex> <name>` of `md5 -r`-style lists;
 * - BSD-style tagged lines `SHA256 (<name>) = <hex>` (what `sha256sum --tag` prints);
 * - an escaped name on lines starting with `\`; `#` comment lines and empty lines are skipped;
 *   a trailing CR (lists written on Windows) is dropped.
 * The algorithm comes from the tag or the digest length (64 hex digits: SHA-256, 128: SHA-512),
 * unless one is given, in which case lines for another algorithm are malformed. Unlike coreutils,
 * relative names are resolved against the list's directory (or `baseDir`), so a list verifies
 * wherever it is run from. Files are read as streams: memory stays flat for large files.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';

export type ChecksumAlg = 'sha256' | 'sha512';

const HEX_LENGTH: Readonly<Record<ChecksumAlg, number>> = { sha256: 64, sha512: 128 };

/** Tags `--tag` output uses (coreutils' `cksum -a sha2` may print the SHA2- spellings). */
const TAGS: Readonly<Record<string, ChecksumAlg>> = { SHA256: 'sha256', SHA512: 'sha512', 'SHA2-256': 'sha256', 'SHA2-512': 'sha512' };

export interface VerifyOptions {
  /** Directory relative names are resolved against. Default: the list file's directory. */
  baseDir?: string;
  /** Accept only this algorithm. Default: from each line's tag or digest length. */
  algorithm?: ChecksumAlg;
}

export interface VerifyResult {
  /** Names (as written in the list) whose digest matched. */
  ok: string[];
  /** Names whose digest did not match, or that could not be read for another reason than not existing. */
  failed: string[];
  /** Names that do not exist. */
  missing: string[];
  /** Lines that are not checksum lines (1-based line numbers). */
  malformed: { line: number; text: string }[];
}

/** The hex digest of a file, read as a stream. */
export async function hashFile(file: string, alg: ChecksumAlg): Promise<string> {
  const h = createHash(alg);
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function needsEscape(name: string): boolean {
  return /[\\\n\r]/.test(name);
}

function escapeName(name: string): string {
  return name.replace(/[\\\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : '\\r'));
}

/** Reverses `escapeName`; undefined for an escape coreutils would not have written. */
function unescapeName(s: string): string | undefined {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = s[++i];
    if (n === '\\') out += '\\';
    else if (n === 'n') out += '\n';
    else if (n === 'r') out += '\r';
    else return undefined;
  }
  return out;
}

/** One line of a checksum list, as `sha256sum FILE` prints it. */
export function checksumLine(hex: string, name: string): string {
  return needsEscape(name) ? `\\${hex}  ${escapeName(name)}\n` : `${hex}  ${name}\n`;
}

/**
 * The checksum list for `files`, in order, as `sha256sum`/`sha512sum` print it. Names are written as
 * given, or relative to `opts.relativeTo` (use the directory the list will be saved in, so that
 * `sha256sum -c` run there, and `verifyChecksums`, find the files). Rejects, naming the file, when one
 * cannot be read.
 */
export async function writeChecksums(files: readonly string[], alg: ChecksumAlg, opts: { relativeTo?: string } = {}): Promise<string> {
  if (!(alg in HEX_LENGTH)) throw new Error(`unsupported checksum algorithm ${JSON.stringify(alg)} (expected sha256 or sha512)`);
  let out = '';
  for (const file of files) {
    let hex: string;
    try {
      hex = await hashFile(file, alg);
    } catch (e) {
      throw new Error(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    const name = opts.relativeTo !== undefined ? path.relative(opts.relativeTo, path.resolve(file)) : file;
    out += checksumLine(hex, name);
  }
  return out;
}

export interface ChecksumEntry {
  alg: ChecksumAlg;
  /** Lower-case hex. */
  hex: string;
  name: string;
  /** The `*` marker was written (binary mode; no difference on POSIX). */
  binary: boolean;
  /** 1-based line number in the list. */
  line: number;
}

const HEX_RE = /^[0-9a-fA-F]+$/;

function algForLength(len: number): ChecksumAlg | undefined {
  if (len === HEX_LENGTH.sha256) return 'sha256';
  if (len === HEX_LENGTH.sha512) return 'sha512';
  return undefined;
}

/** Parses one line (newline already removed); undefined when it is not a checksum line. */
function parseLine(raw: string, lineNo: number, wanted: ChecksumAlg | undefined): ChecksumEntry | undefined {
  let s = raw.replace(/^[ \t]+/, '');
  const escaped = s.startsWith('\\');
  if (escaped) s = s.slice(1);
  let alg: ChecksumAlg | undefined;
  let hex: string;
  let name: string;
  let binary = false;
  const tagged = /^([A-Z0-9-]+) ?\((.*)\) = ([0-9a-fA-F]+)$/s.exec(s);
  if (tagged && TAGS[tagged[1]!]) {
    alg = TAGS[tagged[1]!]!;
    name = tagged[2]!;
    hex = tagged[3]!;
    if (hex.length !== HEX_LENGTH[alg]) return undefined;
  } else {
    const sp = s.search(/[ \t]/);
    if (sp <= 0) return undefined;
    hex = s.slice(0, sp);
    if (!HEX_RE.test(hex)) return undefined;
    alg = algForLength(hex.length);
    if (!alg) return undefined;
    let rest = s.slice(sp + 1);
    if (rest.startsWith(' ') || rest.startsWith('*')) {
      binary = rest[0] === '*';
      rest = rest.slice(1);
    }
    name = rest;
  }
  if (wanted !== undefined && alg !== wanted) return undefined;
  if (escaped) {
    const u = unescapeName(name);
    if (u === undefined) return undefined;
    name = u;
  }
  if (name === '') return undefined;
  return { alg, hex: hex.toLowerCase(), name, binary, line: lineNo };
}

/** Reads a checksum list's text: entries, and the lines that are not checksum lines. */
export function parseChecksumList(text: string, opts: { algorithm?: ChecksumAlg } = {}): { entries: ChecksumEntry[]; malformed: { line: number; text: string }[] } {
  const entries: ChecksumEntry[] = [];
  const malformed: { line: number; text: string }[] = [];
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.startsWith('#') || line.trim() === '') continue;
    const e = parseLine(line, i + 1, opts.algorithm);
    if (e) entries.push(e);
    else malformed.push({ line: i + 1, text: line });
  }
  return { entries, malformed };
}

/** Verifies the files a checksum list names, like `sha256sum --check` (see the module comment). */
export async function verifyChecksums(listFile: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  if (opts.algorithm !== undefined && !(opts.algorithm in HEX_LENGTH)) {
    throw new Error(`unsupported checksum algorithm ${JSON.stringify(opts.algorithm)} (expected sha256 or sha512)`);
  }
  const text = await fsp.readFile(listFile, 'utf8');
  const { entries, malformed } = parseChecksumList(text, { algorithm: opts.algorithm });
  const base = opts.baseDir ?? path.dirname(path.resolve(listFile));
  const result: VerifyResult = { ok: [], failed: [], missing: [], malformed };
  for (const e of entries) {
    const file = path.isAbsolute(e.name) ? e.name : path.join(base, e.name);
    let actual: string;
    try {
      actual = await hashFile(file, e.alg);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') result.missing.push(e.name);
      else result.failed.push(e.name);
      continue;
    }
    (actual === e.hex ? result.ok : result.failed).push(e.name);
  }
  return result;
}
