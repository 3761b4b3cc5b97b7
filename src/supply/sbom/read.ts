/**
 * Reading any supported SBOM: the format is chosen by content, never by file name.
 *
 * - CycloneDX JSON (bomFormat "CycloneDX", or a CycloneDX $schema) and XML (root <bom> in a
 *   http://cyclonedx.org/schema/bom/1.x namespace, any prefix);
 * - SPDX 2.x JSON (spdxVersion "SPDX-2.x") and tag-value (first tag SPDXVersion);
 * - SPDX 3 JSON-LD (@context + @graph);
 * - any of the JSON ones wrapped in an in-toto attestation (a DSSE envelope, or a bare Statement, or JSON lines of
 *   them — the first one that holds an SBOM), as `cosign attest` and `trivy` write them.
 *
 * Errors are SbomErrors naming the file and, where possible, the line and the JSON/XML path.
 */
import { readFile } from 'node:fs/promises';
import { SbomError, type Sbom } from './model.js';
import { parseCycloneDxObject, parseCycloneDxXml, xmlRoot } from './cyclonedx.js';
import { parseSpdxObject, parseSpdxTagValue } from './spdx.js';
import { isSpdx3, parseSpdx3Object } from './spdx3.js';

export interface DetectedFormat {
  format: 'cyclonedx' | 'spdx';
  encoding: 'json' | 'xml' | 'tag-value' | 'json-ld';
  /** As the document declares it ("1.6", "2.3", "3.0.1"), when it does. */
  specVersion?: string;
  /** The SBOM came out of an in-toto attestation. */
  attestation?: boolean;
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Text of a file's bytes: UTF-8 (BOM dropped) or UTF-16 with a BOM. */
export function decodeText(input: string | Uint8Array): string {
  if (typeof input === 'string') return input.replace(/^\uFEFF/, '');
  const b = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (b[0] === 0xff && b[1] === 0xfe) return b.subarray(2).toString('utf16le');
  if (b[0] === 0xfe && b[1] === 0xff) {
    const swapped = Buffer.from(b.subarray(2));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  return b.toString('utf8').replace(/^\uFEFF/, '');
}

// ---------------------------------------------------------------------------------------------------------------
// Lines and JSON paths

/** Offsets where each line starts, for offset → line look-ups. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** 1-based line of a character offset. */
export function lineOfOffset(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

function skipWs(t: string, i: number): number {
  while (i < t.length) {
    const c = t.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) i++;
    else break;
  }
  return i;
}

function skipString(t: string, i: number): number {
  // t[i] === '"'
  i++;
  while (i < t.length) {
    const c = t[i];
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else i++;
  }
  return i;
}

function skipValue(t: string, i: number): number {
  const c = t[i];
  if (c === '"') return skipString(t, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    while (i < t.length) {
      const ch = t[i];
      if (ch === '"') {
        i = skipString(t, i);
        continue;
      }
      if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return i;
  }
  while (i < t.length && !/[,\]}\s]/.test(t[i]!)) i++;
  return i;
}

/**
 * Offset of the value a JSON pointer (RFC 6901, "/components/3/hashes/0") names in JSON text, or of the deepest
 * part of it that exists. Scans only what lies on the path.
 */
export function jsonPointerOffset(text: string, pointer: string): number {
  const segs = pointer === '' ? [] : pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let pos = skipWs(text, 0);
  for (const seg of segs) {
    const c = text[pos];
    if (c === '{') {
      let p = skipWs(text, pos + 1);
      let found = -1;
      while (p < text.length && text[p] === '"') {
        const keyEnd = skipString(text, p);
        let key: string;
        try {
          key = JSON.parse(text.slice(p, keyEnd)) as string;
        } catch {
          return pos;
        }
        p = skipWs(text, keyEnd);
        if (text[p] !== ':') return pos;
        p = skipWs(text, p + 1);
        if (key === seg) {
          found = p;
          break;
        }
        p = skipWs(text, skipValue(text, p));
        if (text[p] === ',') p = skipWs(text, p + 1);
        else break;
      }
      if (found < 0) return pos;
      pos = found;
    } else if (c === '[') {
      const want = Number(seg);
      if (!Number.isInteger(want) || want < 0) return pos;
      let p = skipWs(text, pos + 1);
      let i = 0;
      let found = -1;
      while (p < text.length && text[p] !== ']') {
        if (i === want) {
          found = p;
          break;
        }
        p = skipWs(text, skipValue(text, p));
        if (text[p] === ',') p = skipWs(text, p + 1);
        else break;
        i++;
      }
      if (found < 0) return pos;
      pos = found;
    } else return pos;
  }
  return pos;
}

/** 1-based line of the value a JSON pointer names (or of its deepest existing part). */
export function jsonPointerLine(text: string, pointer: string, starts?: number[]): number {
  return lineOfOffset(starts ?? lineStarts(text), jsonPointerOffset(text, pointer));
}

/** JSON.parse with an SbomError naming the line on failure. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /at position (\d+)/.exec(msg);
    const lc = /\(line (\d+) column (\d+)\)/.exec(msg);
    let line: number;
    if (lc) line = Number(lc[1]);
    else if (m) line = lineOfOffset(lineStarts(text), Number(m[1]));
    else line = lineStarts(text.trimEnd()).length; // "Unexpected end of JSON input": the last line
    const clean = msg.replace(/^Unexpected token '(.)', "[\s\S]*" is not valid JSON$/, "Unexpected token '$1'").replace(/\s*\(line \d+ column \d+\)/, '');
    throw new SbomError(file, `not valid JSON: ${clean}`, line);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Detection

type Sniffed =
  | { kind: 'cyclonedx-json'; doc: Record<string, unknown>; attestation: boolean }
  | { kind: 'spdx-json'; doc: Record<string, unknown>; attestation: boolean }
  | { kind: 'spdx3'; doc: Record<string, unknown>; attestation: boolean }
  | { kind: 'cyclonedx-xml' }
  | { kind: 'spdx-tag-value' }
  | { kind: 'unknown'; why: string; line?: number; path?: string };

function classifyJson(doc: unknown, attestation: boolean): Sniffed | undefined {
  if (!isObj(doc)) return undefined;
  const schema = typeof doc.$schema === 'string' ? doc.$schema : '';
  if (doc.bomFormat === 'CycloneDX' || /cyclonedx\.org\/schema\/bom/i.test(schema)) return { kind: 'cyclonedx-json', doc, attestation };
  if (typeof doc.spdxVersion === 'string' && /^SPDX-2\./.test(doc.spdxVersion)) return { kind: 'spdx-json', doc, attestation };
  if (isSpdx3(doc)) return { kind: 'spdx3', doc, attestation };
  // in-toto: a DSSE envelope …
  if (typeof doc.payloadType === 'string' && typeof doc.payload === 'string' && /in-toto/i.test(doc.payloadType)) {
    let statement: unknown;
    try {
      statement = JSON.parse(Buffer.from(doc.payload, 'base64').toString('utf8'));
    } catch {
      return undefined;
    }
    return classifyJson(statement, true);
  }
  // … or a bare Statement whose predicate is the SBOM (Trivy once wrapped it in {Data}).
  if (typeof doc._type === 'string' && /in-toto/i.test(doc._type) && 'predicate' in doc) {
    const p = doc.predicate;
    return classifyJson(p, true) ?? (isObj(p) ? classifyJson(p.Data, true) : undefined);
  }
  // A CycloneDX document without bomFormat (seen from old tools): specVersion 1.x and components/metadata.
  if (typeof doc.specVersion === 'string' && /^1\.\d$/.test(doc.specVersion) && ('components' in doc || 'metadata' in doc)) {
    return { kind: 'cyclonedx-json', doc, attestation };
  }
  return undefined;
}

function sniff(text: string, file: string, strict: boolean): Sniffed {
  const t = text.trimStart();
  if (t.startsWith('<')) {
    const root = xmlRoot(text);
    if (!root) return { kind: 'unknown', why: 'XML without a root element', line: 1 };
    if (root.local === 'bom' && (root.version !== undefined || root.namespace === undefined)) return { kind: 'cyclonedx-xml' };
    if (root.local === 'RDF') return { kind: 'unknown', why: 'SPDX RDF/XML is not supported (convert it to SPDX JSON)', line: root.line, path: `/${root.qname}` };
    return {
      kind: 'unknown',
      why: `root element is <${root.qname}>${root.namespace ? ` in namespace "${root.namespace}"` : ''}, expected a CycloneDX <bom> (http://cyclonedx.org/schema/bom/1.x)`,
      line: root.line,
      path: `/${root.qname}`,
    };
  }
  if (t.startsWith('{') || t.startsWith('[')) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      // JSON lines: the first line that is an SBOM (or attestation of one).
      const lines = text.split('\n').filter((l) => l.trim() !== '');
      if (lines.length > 1) {
        for (const l of lines) {
          try {
            const c = classifyJson(JSON.parse(l), false);
            if (c) return c;
          } catch {
            break;
          }
        }
      }
      if (strict) parseJsonText(text, file); // throws with the line
      return { kind: 'unknown', why: `not valid JSON: ${(e as Error).message}` };
    }
    const c = classifyJson(doc, false);
    if (c) return c;
    return { kind: 'unknown', why: 'JSON that is neither CycloneDX (bomFormat "CycloneDX"), SPDX 2 (spdxVersion) nor SPDX 3 (@graph)', line: 1, path: '' };
  }
  for (const raw of t.split('\n', 50)) {
    const l = raw.trim();
    if (l === '' || l.startsWith('#')) continue;
    if (/^SPDXVersion\s*:/.test(l)) return { kind: 'spdx-tag-value' };
    if (/^spdxVersion\s*:/.test(l)) return { kind: 'unknown', why: 'SPDX YAML is not supported (convert it to SPDX JSON)' };
    break;
  }
  return { kind: 'unknown', why: 'not an SBOM: expected CycloneDX JSON/XML, SPDX JSON/tag-value or SPDX 3 JSON-LD', line: 1 };
}

function spdx3Version(doc: Record<string, unknown>): string {
  for (const n of Array.isArray(doc['@graph']) ? (doc['@graph'] as unknown[]) : []) {
    if (isObj(n) && /CreationInfo$/.test(String(n.type ?? n['@type'] ?? '')) && typeof n.specVersion === 'string') return n.specVersion;
  }
  return /(\d+\.\d+(?:\.\d+)?)/.exec(JSON.stringify(doc['@context'] ?? ''))?.[1] ?? '3.0';
}

/** The message of an SbomError without the "file:line: path: " it starts with. */
function bareMessage(e: SbomError): string {
  let prefix = e.file + (e.line !== undefined ? `:${e.line}` : '') + ': ';
  if (e.path) prefix += `${e.path}: `;
  return e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
}

/** What an SBOM is, by its content; undefined when it is none of the supported formats. */
export function detectFormat(input: string | Uint8Array, file = '<input>'): DetectedFormat | undefined {
  const text = decodeText(input);
  const s = sniff(text, file, false);
  switch (s.kind) {
    case 'cyclonedx-json':
      return { format: 'cyclonedx', encoding: 'json', ...(typeof s.doc.specVersion === 'string' ? { specVersion: s.doc.specVersion } : {}), ...(s.attestation ? { attestation: true } : {}) };
    case 'spdx-json':
      return { format: 'spdx', encoding: 'json', specVersion: String(s.doc.spdxVersion).replace(/^SPDX-/, ''), ...(s.attestation ? { attestation: true } : {}) };
    case 'spdx3':
      return { format: 'spdx', encoding: 'json-ld', specVersion: spdx3Version(s.doc), ...(s.attestation ? { attestation: true } : {}) };
    case 'cyclonedx-xml': {
      const v = xmlRoot(text)?.version;
      return { format: 'cyclonedx', encoding: 'xml', ...(v ? { specVersion: v } : {}) };
    }
    case 'spdx-tag-value': {
      const m = /^\s*SPDXVersion\s*:\s*SPDX-(\S+)/m.exec(text);
      return { format: 'spdx', encoding: 'tag-value', ...(m ? { specVersion: m[1]! } : {}) };
    }
    default:
      return undefined;
  }
}

/** Parses SBOM text of any supported format. Throws SbomError naming `file` (and line/path where known). */
export function parseSbom(input: string | Uint8Array, file: string): Sbom {
  const text = decodeText(input);
  const s = sniff(text, file, true);
  try {
    switch (s.kind) {
      case 'cyclonedx-json':
        return parseCycloneDxObject(s.doc, file);
      case 'spdx-json':
        return parseSpdxObject(s.doc, file);
      case 'spdx3':
        return parseSpdx3Object(s.doc, file);
      case 'cyclonedx-xml':
        return parseCycloneDxXml(text, file);
      case 'spdx-tag-value':
        return parseSpdxTagValue(text, file);
      default:
        throw new SbomError(file, s.why, s.line, s.path);
    }
  } catch (e) {
    if (e instanceof SbomError) {
      // Give JSON path errors a line when the reader could not.
      if (e.line === undefined && e.path !== undefined && (s.kind === 'cyclonedx-json' || s.kind === 'spdx-json' || s.kind === 'spdx3') && !('attestation' in s && s.attestation)) {
        throw new SbomError(e.file, bareMessage(e), jsonPointerLine(text, e.path), e.path);
      }
      throw e;
    }
    throw new SbomError(file, `cannot read: ${(e as Error).message}`);
  }
}

export async function readSbom(file: string): Promise<Sbom> {
  const bytes = await readFile(file);
  return parseSbom(bytes, file);
}
