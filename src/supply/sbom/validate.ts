/**
 * Validating SBOMs against the official schemas of the format and version they declare.
 *
 * - CycloneDX JSON 1.2–1.7: the schemas @cyclonedx/cyclonedx-library ships (res/schema/bom-1.X.SNAPSHOT.schema.json
 *   with spdx.SNAPSHOT, jsf-0.82.SNAPSHOT and cryptography-defs.SNAPSHOT they $ref), draft-07, compiled with ajv the
 *   way that library's own JsonValidator does: no defaults, not strict, every ajv-formats format, `idn-email`
 *   checked, `iri-reference` accepted (no implementation of it exists — the library does the same).
 * - CycloneDX XML 1.0–1.7: res/schema/bom-1.X.SNAPSHOT.xsd (+ spdx.SNAPSHOT.xsd) with libxml2's xmllint compiled to
 *   WebAssembly (xmllint-wasm). It is imported lazily, once; documents waiting at the same time are validated in one
 *   xmllint run (one WebAssembly instance) per schema version, which is what keeps many validations fast.
 * - SPDX 2.2 / 2.3 JSON: the official SPDX JSON schemas, vendored in schemas/vendor/.
 * - SPDX tag-value: parsed, with the fields SPDX 2.3 (and 2.2) require checked, each error on its line.
 * - SPDX 3 JSON-LD: structure only (elements typed and identified, relationships complete, creation info present);
 *   no SPDX 3 schema is bundled.
 *
 * Errors name the JSON pointer (/components/3/hashes/0/content), the XML element path
 * (/bom/components/component[4]/hashes/hash[1]) or, for tag-value, the element (/packages/2/PackageName), and the
 * line where it can be known. Schemas are compiled once and cached.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ajv as AjvType, ErrorObject, ValidateFunction } from 'ajv';
import { SbomError } from './model.js';
import { xmlRoot, xmlWellFormed } from './cyclonedx.js';
import { tokenizeTagValue } from './spdx.js';
import { decodeText, detectFormat, jsonPointerLine, lineStarts, parseJsonText } from './read.js';

export interface ValidationError {
  /** JSON pointer, XML element path or tag-value element path; '' for the document itself. */
  path: string;
  message: string;
  line?: number;
}

export interface ValidationResult {
  format: 'cyclonedx' | 'spdx';
  specVersion: string;
  encoding: 'json' | 'xml' | 'tag-value' | 'json-ld';
  valid: boolean;
  errors: ValidationError[];
}

const require = createRequire(import.meta.url);
const MAX_ERRORS = 200;

// ---------------------------------------------------------------------------------------------------------------
// Schema files

function cdxSchemaDir(): string {
  return path.join(path.dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res', 'schema');
}

/** schemas/vendor/ of this package, found from this file upwards (works from src/ and from dist/). */
function vendorDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'schemas', 'vendor');
    try {
      readFileSync(path.join(candidate, 'spdx-schema-v2.3.json'));
      return candidate;
    } catch {
      dir = path.dirname(dir);
    }
  }
  throw new Error('schemas/vendor/spdx-schema-v2.3.json not found');
}

const CDX_JSON_VERSIONS = ['1.2', '1.3', '1.4', '1.5', '1.6', '1.7'];
const CDX_XML_VERSIONS = ['1.0', '1.1', '1.2', '1.3', '1.4', '1.5', '1.6', '1.7'];
const SPDX_JSON_VERSIONS = ['2.2', '2.3'];

// ---------------------------------------------------------------------------------------------------------------
// JSON (ajv)

let ajvInstance: AjvType | undefined;
const validators = new Map<string, ValidateFunction>();

/** idn-email (RFC 6531): like email, letters of any script allowed. */
const IDN_EMAIL = /^[^\s@"(),:;<>[\]\\]+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?$/u;

function ajv(): AjvType {
  if (ajvInstance) return ajvInstance;
  const { Ajv } = require('ajv') as typeof import('ajv');
  const addFormats = require('ajv-formats') as (a: AjvType) => AjvType;
  const dir = cdxSchemaDir();
  const load = (f: string): Record<string, unknown> => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Record<string, unknown>;
  const a = new Ajv({
    // As @cyclonedx/cyclonedx-library's JsonValidator: no data alteration, lenient schema keywords.
    useDefaults: false,
    strict: false,
    strictSchema: false,
    addUsedSchema: false,
    allErrors: true,
    loadSchema: (uri: string) => {
      throw new Error(`remote schemas are disabled: ${uri}`);
    },
  });
  a.addSchema(load('spdx.SNAPSHOT.schema.json'), 'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json');
  a.addSchema(load('jsf-0.82.SNAPSHOT.schema.json'), 'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json');
  try {
    a.addSchema(load('cryptography-defs.SNAPSHOT.schema.json'), 'http://cyclonedx.org/schema/cryptography-defs.SNAPSHOT.schema.json');
  } catch {
    // only 1.7 needs it
  }
  addFormats(a);
  a.addFormat('idn-email', IDN_EMAIL);
  a.addFormat('iri-reference', true);
  ajvInstance = a;
  return a;
}

function compiled(key: string, load: () => Record<string, unknown>): ValidateFunction {
  let v = validators.get(key);
  if (!v) {
    // Each main schema has its own $id (bom-1.X.schema.json, spdx terms/2.3 …): relative $refs resolve against it.
    v = ajv().compile(load());
    validators.set(key, v);
  }
  return v;
}

function cdxJsonValidator(version: string): ValidateFunction {
  return compiled(`cdx-${version}`, () => JSON.parse(readFileSync(path.join(cdxSchemaDir(), `bom-${version}.SNAPSHOT.schema.json`), 'utf8')) as Record<string, unknown>);
}

function spdxJsonValidator(version: string): ValidateFunction {
  return compiled(`spdx-${version}`, () => JSON.parse(readFileSync(path.join(vendorDir(), `spdx-schema-v${version}.json`), 'utf8')) as Record<string, unknown>);
}

function describeAjvError(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `missing required property "${String(p.missingProperty)}"`;
    case 'additionalProperties':
      return `unknown property "${String(p.additionalProperty)}" is not allowed`;
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]) ?? [];
      const shown = allowed.slice(0, 12).map((x) => JSON.stringify(x)).join(', ');
      return `must be one of ${shown}${allowed.length > 12 ? `, … (${allowed.length} values)` : ''}`;
    }
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'pattern':
      return `does not match the pattern ${String(p.pattern)}`;
    case 'format':
      return `is not a valid ${String(p.format)}`;
    case 'type':
      return `must be of type ${String(p.type)}`;
    default:
      return e.message ?? e.keyword;
  }
}

function ajvErrors(errors: ErrorObject[] | null | undefined, text: string | undefined): ValidationError[] {
  const out: ValidationError[] = [];
  const seen = new Set<string>();
  const starts = text !== undefined ? lineStarts(text) : undefined;
  for (const e of errors ?? []) {
    const message = describeAjvError(e);
    const key = `${e.instancePath}\0${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const err: ValidationError = { path: e.instancePath, message };
    if (text !== undefined) err.line = jsonPointerLine(text, e.instancePath, starts);
    out.push(err);
    if (out.length >= MAX_ERRORS) break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// XML (xmllint-wasm), batched per schema version

type XmlLint = typeof import('xmllint-wasm');
let xmllintModule: Promise<XmlLint> | undefined;
const xsdCache = new Map<string, string>();

function xmllint(): Promise<XmlLint> {
  xmllintModule ??= import('xmllint-wasm').then((m) => ((m as { default?: XmlLint }).default?.validateXML ? (m as { default: XmlLint }).default : m));
  return xmllintModule;
}

function xsd(file: string): string {
  let s = xsdCache.get(file);
  if (s === undefined) {
    s = readFileSync(path.join(cdxSchemaDir(), file), 'utf8');
    xsdCache.set(file, s);
  }
  return s;
}

interface XmlJob {
  text: string;
  resolve: (lines: { line?: number; message: string }[]) => void;
  reject: (e: unknown) => void;
}

const queues = new Map<string, XmlJob[]>();
const MAX_BATCH_BYTES = 32 * 1024 * 1024;

function enqueueXml(version: string, text: string): Promise<{ line?: number; message: string }[]> {
  return new Promise((resolve, reject) => {
    let q = queues.get(version);
    if (!q) {
      q = [];
      queues.set(version, q);
      setImmediate(() => {
        queues.delete(version);
        void runBatches(version, q!);
      });
    }
    q.push({ text, resolve, reject });
  });
}

async function runBatches(version: string, jobs: XmlJob[]): Promise<void> {
  let batch: XmlJob[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const b = batch;
    batch = [];
    size = 0;
    await runBatch(version, b);
  };
  for (const j of jobs) {
    if (size + j.text.length > MAX_BATCH_BYTES) await flush();
    batch.push(j);
    size += j.text.length;
  }
  await flush();
}

/** Parses xmllint's stderr into per-document findings (documents are named doc<N>.xml). */
function splitXmllintOutput(output: string, count: number): { line?: number; message: string }[][] {
  const per: { line?: number; message: string }[][] = Array.from({ length: count }, () => []);
  const failed = new Set<number>();
  for (const raw of output.split('\n')) {
    const line = raw.trimEnd();
    if (!line) continue;
    const m = /^doc(\d+)\.xml:(\d+):\s*(.*)$/.exec(line);
    if (m) {
      const i = Number(m[1]);
      if (i < count) per[i]!.push({ line: Number(m[2]), message: m[3]! });
      continue;
    }
    const f = /^doc(\d+)\.xml fails to validate$/.exec(line);
    if (f) {
      failed.add(Number(f[1]));
      continue;
    }
    // Continuation lines of parser errors (the source line and a caret) carry nothing more.
  }
  for (const i of failed) if (per[i]!.length === 0) per[i]!.push({ message: 'fails to validate' });
  return per;
}

async function runBatch(version: string, jobs: XmlJob[]): Promise<void> {
  try {
    const lint = await xmllint();
    const total = jobs.reduce((n, j) => n + j.text.length, 0);
    const pages = Math.min(lint.memoryPages.max, Math.max(lint.memoryPages.defaultMaxMemoryPages, Math.ceil((total * 24) / 65536) + 512));
    let output: string;
    try {
      const r = await lint.validateXML({
        xml: jobs.map((j, i) => ({ fileName: `doc${i}.xml`, contents: j.text })),
        schema: [{ fileName: `bom-${version}.SNAPSHOT.xsd`, contents: xsd(`bom-${version}.SNAPSHOT.xsd`) }],
        preload: [{ fileName: 'spdx.SNAPSHOT.xsd', contents: xsd('spdx.SNAPSHOT.xsd') }],
        initialMemoryPages: lint.memoryPages.defaultInitialMemoryPages,
        maxMemoryPages: pages,
      });
      output = r.valid ? '' : r.rawOutput;
    } catch (e) {
      // xmllint exits 1 when a document does not even parse; its report is still in the message.
      const code = (e as { code?: unknown }).code;
      if (typeof code === 'number' && code > 0) output = (e as Error).message;
      else throw e;
    }
    const per = splitXmllintOutput(output, jobs.length);
    jobs.forEach((j, i) => j.resolve(per[i]!));
  } catch (e) {
    if (jobs.length > 1) {
      // One bad document must not fail the others: retry them one by one.
      for (const j of jobs) await runBatch(version, [j]);
      return;
    }
    jobs[0]!.reject(e);
  }
}

/** Element paths (/bom/components/component[3]) of the start tags on each line, in document order. */
function elementPathsByLine(text: string): Map<number, { local: string; path: string }[]> {
  const out = new Map<number, { local: string; path: string }[]>();
  const stack: { local: string; counts: Map<string, number>; path: string }[] = [{ local: '', counts: new Map(), path: '' }];
  const re = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<!DOCTYPE[^>[]*(?:\[[\s\S]*?\])?\s*>|<(\/?)([A-Za-z_][\w.:-]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g;
  let line = 1;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    for (let i = text.indexOf('\n', last); i >= 0 && i < m.index; i = text.indexOf('\n', i + 1)) line++;
    last = m.index;
    if (m[2] === undefined) continue;
    const qname = m[2];
    const local = qname.includes(':') ? qname.slice(qname.indexOf(':') + 1) : qname;
    if (m[1] === '/') {
      if (stack.length > 1) stack.pop();
      continue;
    }
    const parent = stack[stack.length - 1]!;
    const n = (parent.counts.get(local) ?? 0) + 1;
    parent.counts.set(local, n);
    const p = `${parent.path}/${local}${parent.path === '' ? '' : `[${n}]`}`;
    let list = out.get(line);
    if (!list) out.set(line, (list = []));
    list.push({ local, path: p });
    if (m[4] !== '/') stack.push({ local, counts: new Map(), path: p });
  }
  return out;
}

function cleanXmlMessage(msg: string): { element?: string; message: string } {
  let s = msg.replace(/^element [\w.:-]+:\s*/, '').replace(/^Schemas validity error\s*:\s*/, '').replace(/^parser error\s*:\s*/, 'not well-formed: ');
  const el = /^Element '(?:\{[^}]*\})?([\w.-]+)'/.exec(s)?.[1];
  // Drop namespace URIs of qualified names ({http://cyclonedx.org/schema/bom/1.6}hash → hash), not enumerations.
  s = s.replace(/\{[a-z][a-z0-9+.-]*:\/\/[^}'\s]*\}/gi, '');
  if (s.length > 400) s = s.slice(0, 400) + ' …';
  return el ? { element: el, message: s } : { message: s };
}

async function validateCycloneDxXml(text: string): Promise<{ version: string; errors: ValidationError[] }> {
  const root = xmlRoot(text);
  const wf = xmlWellFormed(text);
  if (!wf.ok) return { version: root?.version ?? '', errors: [{ path: '', line: wf.line, message: `not well-formed XML: ${wf.message}` }] };
  if (!root || root.local !== 'bom') return { version: '', errors: [{ path: root ? `/${root.qname}` : '', ...(root ? { line: root.line } : {}), message: 'the root element must be a CycloneDX <bom>' }] };
  const version = root.version;
  if (!version) {
    return {
      version: '',
      errors: [{ path: `/${root.local}`, line: root.line, message: `<bom> is ${root.namespace ? `in namespace "${root.namespace}"` : 'in no namespace'}, not a CycloneDX one (http://cyclonedx.org/schema/bom/1.x)` }],
    };
  }
  if (!CDX_XML_VERSIONS.includes(version)) return { version, errors: [{ path: `/${root.local}`, line: root.line, message: `no XML schema for CycloneDX ${version}` }] };
  const found = await enqueueXml(version, text);
  if (found.length === 0) return { version, errors: [] };
  const paths = elementPathsByLine(text);
  const errors: ValidationError[] = [];
  for (const f of found.slice(0, MAX_ERRORS)) {
    const c = cleanXmlMessage(f.message);
    let p = '';
    if (f.line !== undefined) {
      const onLine = paths.get(f.line) ?? [];
      p = (c.element ? onLine.find((x) => x.local === c.element) : undefined)?.path ?? onLine[0]?.path ?? '';
    }
    errors.push({ path: p, message: c.message, ...(f.line !== undefined ? { line: f.line } : {}) });
  }
  return { version, errors };
}

// ---------------------------------------------------------------------------------------------------------------
// SPDX tag-value

const SPDXID = /^SPDXRef-[A-Za-z0-9.-]+$/;
const SPDX_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const RELATIONSHIP_TYPES = new Set(
  'VARIANT_OF COPY_OF PATCH_FOR TEST_DEPENDENCY_OF CONTAINED_BY DATA_FILE_OF OPTIONAL_COMPONENT_OF ANCESTOR_OF GENERATES CONTAINS OPTIONAL_DEPENDENCY_OF FILE_ADDED REQUIREMENT_DESCRIPTION_FOR DEV_DEPENDENCY_OF DEPENDENCY_OF BUILD_DEPENDENCY_OF DESCRIBES PREREQUISITE_FOR HAS_PREREQUISITE PROVIDED_DEPENDENCY_OF DYNAMIC_LINK DESCRIBED_BY METAFILE_OF DEPENDENCY_MANIFEST_OF PATCH_APPLIED RUNTIME_DEPENDENCY_OF TEST_OF TEST_TOOL_OF DEPENDS_ON SPECIFICATION_FOR FILE_MODIFIED DISTRIBUTION_ARTIFACT AMENDS DOCUMENTATION_OF GENERATED_FROM STATIC_LINK OTHER BUILD_TOOL_OF TEST_CASE_OF PACKAGE_OF DESCENDANT_OF FILE_DELETED EXPANDED_FROM_ARCHIVE DEV_TOOL_OF EXAMPLE_OF'.split(' '),
);
const CHECKSUM_ALGS = new Set(['SHA1', 'SHA224', 'SHA256', 'SHA384', 'SHA512', 'SHA3-256', 'SHA3-384', 'SHA3-512', 'BLAKE2b-256', 'BLAKE2b-384', 'BLAKE2b-512', 'BLAKE3', 'MD2', 'MD4', 'MD5', 'MD6', 'ADLER32']);
const PURPOSES = new Set(['APPLICATION', 'FRAMEWORK', 'LIBRARY', 'CONTAINER', 'OPERATING-SYSTEM', 'DEVICE', 'FIRMWARE', 'SOURCE', 'ARCHIVE', 'FILE', 'INSTALL', 'OTHER']);

function validateTagValue(text: string, file: string): { version: string; errors: ValidationError[] } {
  const errors: ValidationError[] = [];
  let tokens;
  try {
    tokens = tokenizeTagValue(text, file);
  } catch (e) {
    if (e instanceof SbomError) return { version: '', errors: [{ path: '', message: e.message.replace(/^[^:]*:\d+: /, ''), ...(e.line !== undefined ? { line: e.line } : {}) }] };
    throw e;
  }
  const version = /^SPDX-(\d+\.\d+)$/.exec(tokens[0]?.tag === 'SPDXVersion' ? tokens[0].value : '')?.[1] ?? '';
  const v22 = version === '2.2' || version === '2.1';
  const err = (pathName: string, message: string, line?: number): void => {
    if (errors.length < MAX_ERRORS) errors.push({ path: pathName, message, ...(line !== undefined ? { line } : {}) });
  };
  if (tokens[0]?.tag !== 'SPDXVersion') err('/SPDXVersion', 'the document must start with SPDXVersion', tokens[0]?.line ?? 1);
  else if (!version) err('/SPDXVersion', `"${tokens[0].value}" is not an SPDX 2.x version (SPDX-2.2, SPDX-2.3)`, tokens[0].line);

  interface El {
    kind: 'package' | 'file' | 'snippet' | 'license';
    index: number;
    line: number;
    tags: Map<string, { value: string; line: number }[]>;
  }
  const doc = new Map<string, { value: string; line: number }[]>();
  const els: El[] = [];
  const counts = { package: 0, file: 0, snippet: 0, license: 0 };
  const relationships: { value: string; line: number }[] = [];
  let cur: El | undefined;
  let inAnnotation = false;
  for (const t of tokens) {
    const start = (kind: El['kind']): void => {
      cur = { kind, index: counts[kind]++, line: t.line, tags: new Map() };
      els.push(cur);
    };
    if (t.tag === 'PackageName') start('package');
    else if (t.tag === 'FileName') start('file');
    else if (t.tag === 'SnippetSPDXID') start('snippet');
    else if (t.tag === 'LicenseID') start('license');
    if (t.tag === 'Relationship') {
      relationships.push(t);
      continue;
    }
    if (t.tag === 'Annotator') inAnnotation = true;
    if (inAnnotation && /^(Annotator|AnnotationDate|AnnotationType|AnnotationComment|SPDXREF)$/.test(t.tag)) {
      if (t.tag === 'AnnotationDate' && !SPDX_DATE.test(t.value)) err('/annotations', `AnnotationDate "${t.value}" is not YYYY-MM-DDThh:mm:ssZ`, t.line);
      if (t.tag === 'AnnotationType' && t.value !== 'REVIEW' && t.value !== 'OTHER') err('/annotations', `AnnotationType must be REVIEW or OTHER, not "${t.value}"`, t.line);
      continue;
    }
    inAnnotation = false;
    const target = cur ? cur.tags : doc;
    let list = target.get(t.tag);
    if (!list) target.set(t.tag, (list = []));
    list.push(t);
  }
  const one = (m: Map<string, { value: string; line: number }[]>, tag: string) => m.get(tag)?.[0];
  const requireDoc = (tag: string, check?: (v: string) => string | undefined): void => {
    const x = one(doc, tag);
    if (!x) return err(`/${tag}`, `missing required field ${tag}`, 1);
    const problem = check?.(x.value);
    if (problem) err(`/${tag}`, problem, x.line);
  };
  requireDoc('DataLicense', (v) => (v === 'CC0-1.0' ? undefined : `DataLicense must be CC0-1.0, not "${v}"`));
  requireDoc('SPDXID', (v) => (v === 'SPDXRef-DOCUMENT' ? undefined : `the document's SPDXID must be SPDXRef-DOCUMENT, not "${v}"`));
  requireDoc('DocumentName');
  requireDoc('DocumentNamespace', (v) => (/^[a-z][a-z0-9+.-]*:\S+$/i.test(v) && !v.includes('#') ? undefined : `DocumentNamespace "${v}" must be an absolute URI without "#"`));
  const creators = doc.get('Creator') ?? [];
  if (creators.length === 0) err('/Creator', 'missing required field Creator (at least one)', 1);
  for (const c of creators) if (!/^(Person|Organization|Tool)\s*:\s*\S/.test(c.value)) err('/Creator', `Creator "${c.value}" must start with "Person:", "Organization:" or "Tool:"`, c.line);
  requireDoc('Created', (v) => (SPDX_DATE.test(v) ? undefined : `Created "${v}" is not YYYY-MM-DDThh:mm:ssZ`));

  const ids = new Map<string, number>();
  ids.set('SPDXRef-DOCUMENT', 0);
  for (const e of els) {
    const where = `/${e.kind === 'package' ? 'packages' : e.kind === 'file' ? 'files' : e.kind === 'snippet' ? 'snippets' : 'hasExtractedLicensingInfos'}/${e.index}`;
    const req = (tag: string): { value: string; line: number } | undefined => {
      const x = one(e.tags, tag);
      if (!x) err(`${where}/${tag}`, `missing required field ${tag}`, e.line);
      return x;
    };
    if (e.kind === 'license') {
      req('ExtractedText');
      const id = one(e.tags, 'LicenseID');
      if (id && !/^LicenseRef-[A-Za-z0-9.-]+$/.test(id.value) && !/^DocumentRef-[A-Za-z0-9.-]+:LicenseRef-[A-Za-z0-9.-]+$/.test(id.value)) {
        err(`${where}/LicenseID`, `LicenseID "${id.value}" must be LicenseRef-[A-Za-z0-9.-]+`, id.line);
      }
      continue;
    }
    const idTag = e.kind === 'snippet' ? 'SnippetSPDXID' : 'SPDXID';
    const id = req(idTag);
    if (id) {
      if (!SPDXID.test(id.value)) err(`${where}/${idTag}`, `SPDXID "${id.value}" must be SPDXRef- followed by letters, digits, "." or "-"`, id.line);
      if (ids.has(id.value)) err(`${where}/${idTag}`, `SPDXID "${id.value}" is used twice`, id.line);
      ids.set(id.value, id.line);
    }
    if (e.kind === 'package') {
      req('PackageDownloadLocation');
      if (v22) {
        req('PackageLicenseConcluded');
        req('PackageLicenseDeclared');
        req('PackageCopyrightText');
      }
      const fa = one(e.tags, 'FilesAnalyzed');
      if (fa && fa.value !== 'true' && fa.value !== 'false') err(`${where}/FilesAnalyzed`, `FilesAnalyzed must be true or false, not "${fa.value}"`, fa.line);
      for (const c of e.tags.get('PackageChecksum') ?? []) {
        const alg = c.value.split(':')[0]!.trim();
        if (!CHECKSUM_ALGS.has(alg)) err(`${where}/PackageChecksum`, `unknown checksum algorithm "${alg}"`, c.line);
        else if (!/^[0-9a-fA-F]+$/.test(c.value.slice(c.value.indexOf(':') + 1).trim())) err(`${where}/PackageChecksum`, 'the checksum value must be hexadecimal', c.line);
      }
      for (const r of e.tags.get('ExternalRef') ?? []) {
        const parts = r.value.split(/\s+/);
        if (parts.length < 3) err(`${where}/ExternalRef`, 'ExternalRef must be "CATEGORY TYPE LOCATOR"', r.line);
        else if (!/^(SECURITY|PACKAGE-MANAGER|PACKAGE_MANAGER|PERSISTENT-ID|PERSISTENT_ID|OTHER)$/.test(parts[0]!)) err(`${where}/ExternalRef`, `unknown ExternalRef category "${parts[0]}"`, r.line);
      }
      const purpose = one(e.tags, 'PrimaryPackagePurpose');
      if (purpose && !PURPOSES.has(purpose.value.replace('OPERATING_SYSTEM', 'OPERATING-SYSTEM'))) err(`${where}/PrimaryPackagePurpose`, `unknown PrimaryPackagePurpose "${purpose.value}"`, purpose.line);
    } else if (e.kind === 'file') {
      const sums = e.tags.get('FileChecksum') ?? [];
      if (!sums.some((c) => c.value.startsWith('SHA1:'))) err(`${where}/FileChecksum`, 'a file needs a SHA1 FileChecksum', e.line);
      if (v22) {
        req('LicenseConcluded');
        req('LicenseInfoInFile');
        req('FileCopyrightText');
      }
    } else if (e.kind === 'snippet') {
      req('SnippetFromFileSPDXID');
      req('SnippetByteRange');
    }
  }
  relationships.forEach((r, i) => {
    const parts = r.value.split(/\s+/);
    const where = `/relationships/${i}`;
    if (parts.length < 3) return err(where, 'Relationship must be "<SPDXID> <TYPE> <SPDXID>"', r.line);
    if (!RELATIONSHIP_TYPES.has(parts[1]!)) err(`${where}/relationshipType`, `unknown relationship type "${parts[1]}"`, r.line);
    for (const x of [parts[0]!, parts[2]!]) {
      if (x === 'NOASSERTION' || x === 'NONE' || x.startsWith('DocumentRef-')) continue;
      if (!ids.has(x)) err(where, `refers to "${x}", which no element in this document has as SPDXID`, r.line);
    }
  });
  return { version, errors };
}

// ---------------------------------------------------------------------------------------------------------------
// SPDX 3 JSON-LD: structure only (no SPDX 3 schema is bundled)

function validateSpdx3(doc: Record<string, unknown>, text: string): ValidationError[] {
  const errors: ValidationError[] = [];
  const starts = lineStarts(text);
  const err = (p: string, message: string): void => {
    if (errors.length < MAX_ERRORS) errors.push({ path: p, message, line: jsonPointerLine(text, p, starts) });
  };
  if (doc['@context'] === undefined) err('', 'missing @context');
  const graph = doc['@graph'];
  if (!Array.isArray(graph)) {
    err('/@graph', '@graph must be an array');
    return errors;
  }
  const ids = new Set<string>();
  const blank = new Set<string>();
  graph.forEach((n, i) => {
    if (typeof n !== 'object' || n === null || Array.isArray(n)) return err(`/@graph/${i}`, 'must be an object');
    const o = n as Record<string, unknown>;
    const type = o.type ?? o['@type'];
    if (typeof type !== 'string' || type === '') err(`/@graph/${i}`, 'missing type');
    const id = o.spdxId ?? o['@id'];
    if (typeof id === 'string') {
      if (ids.has(id) || blank.has(id)) err(`/@graph/${i}`, `duplicate id "${id}"`);
      (id.startsWith('_:') ? blank : ids).add(id);
    } else if (type !== 'CreationInfo') err(`/@graph/${i}`, 'missing spdxId');
    if (type === 'CreationInfo') {
      if (typeof o.specVersion !== 'string') err(`/@graph/${i}`, 'CreationInfo: missing specVersion');
      if (typeof o.created !== 'string' || Number.isNaN(Date.parse(o.created))) err(`/@graph/${i}`, 'CreationInfo: missing or invalid created');
    }
  });
  graph.forEach((n, i) => {
    if (typeof n !== 'object' || n === null) return;
    const o = n as Record<string, unknown>;
    if (!/Relationship$/.test(String(o.type ?? o['@type'] ?? ''))) return;
    if (typeof o.relationshipType !== 'string') err(`/@graph/${i}/relationshipType`, 'Relationship: missing relationshipType');
    if (typeof o.from !== 'string') err(`/@graph/${i}/from`, 'Relationship: missing from');
    if (!Array.isArray(o.to)) err(`/@graph/${i}/to`, 'Relationship: to must be an array');
    const ci = o.creationInfo;
    if (typeof ci === 'string' && ci.startsWith('_:') && !blank.has(ci)) err(`/@graph/${i}/creationInfo`, `no CreationInfo "${ci}" in @graph`);
  });
  return errors;
}

// ---------------------------------------------------------------------------------------------------------------

/** Validates SBOM text against the official schema of the format and version it declares. */
export async function validateSbom(input: string | Uint8Array, file: string): Promise<ValidationResult> {
  const text = decodeText(input);
  const t = text.trimStart();
  if (t.startsWith('<')) {
    const r = await validateCycloneDxXml(text);
    return { format: 'cyclonedx', specVersion: r.version, encoding: 'xml', valid: r.errors.length === 0, errors: r.errors };
  }
  const det = detectFormat(text, file);
  if (!det) {
    if (t.startsWith('{') || t.startsWith('[')) parseJsonText(text, file); // a JSON syntax error names its line
    throw new SbomError(file, 'not an SBOM this tool can validate (CycloneDX JSON/XML, SPDX 2.2/2.3 JSON or tag-value)', 1);
  }
  if (det.encoding === 'tag-value') {
    const r = validateTagValue(text, file);
    return { format: 'spdx', specVersion: r.version || (det.specVersion ?? ''), encoding: 'tag-value', valid: r.errors.length === 0, errors: r.errors };
  }
  if (det.encoding === 'json-ld') {
    const errors = validateSpdx3(parseJsonText(text, file) as Record<string, unknown>, text);
    return { format: 'spdx', specVersion: det.specVersion ?? '3', encoding: 'json-ld', valid: errors.length === 0, errors };
  }
  // JSON: the document itself, or the SBOM inside an attestation (whose lines we cannot point at).
  let doc: Record<string, unknown>;
  let lineText: string | undefined = text;
  if (det.attestation) {
    lineText = undefined;
    doc = attestedSbom(text, file);
  } else doc = parseJsonText(text, file) as Record<string, unknown>;
  if (det.format === 'cyclonedx') {
    const version = typeof doc.specVersion === 'string' ? doc.specVersion : '';
    if (!CDX_JSON_VERSIONS.includes(version)) {
      return {
        format: 'cyclonedx',
        specVersion: version,
        encoding: 'json',
        valid: false,
        errors: [{ path: '/specVersion', message: version ? `no JSON schema for CycloneDX ${version} (JSON exists from 1.2 on)` : 'missing specVersion', ...(lineText ? { line: jsonPointerLine(lineText, '/specVersion') } : {}) }],
      };
    }
    const v = cdxJsonValidator(version);
    const ok = v(doc);
    return { format: 'cyclonedx', specVersion: version, encoding: 'json', valid: ok, errors: ok ? [] : ajvErrors(v.errors, lineText) };
  }
  const version = String(doc.spdxVersion ?? '').replace(/^SPDX-/, '');
  if (!SPDX_JSON_VERSIONS.includes(version)) {
    return { format: 'spdx', specVersion: version, encoding: 'json', valid: false, errors: [{ path: '/spdxVersion', message: `no JSON schema for SPDX ${version} (2.2 and 2.3 are bundled)`, ...(lineText ? { line: jsonPointerLine(lineText, '/spdxVersion') } : {}) }] };
  }
  const v = spdxJsonValidator(version);
  const ok = v(doc);
  return { format: 'spdx', specVersion: version, encoding: 'json', valid: ok, errors: ok ? [] : ajvErrors(v.errors, lineText) };
}

/** The SBOM inside an in-toto attestation: one JSON document, or the first JSON line that holds one. */
function attestedSbom(text: string, file: string): Record<string, unknown> {
  let candidates: unknown[];
  try {
    candidates = [JSON.parse(text)];
  } catch {
    candidates = text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        try {
          return JSON.parse(l) as unknown;
        } catch {
          return undefined;
        }
      });
  }
  for (const c of candidates) {
    if (typeof c !== 'object' || c === null) continue;
    try {
      const d = unwrapAttestation(c as Record<string, unknown>);
      if (d && typeof d === 'object' && ('bomFormat' in d || 'spdxVersion' in d || 'specVersion' in d)) return d;
    } catch {
      // not this one
    }
  }
  throw new SbomError(file, 'no SBOM found in the attestation');
}

function unwrapAttestation(doc: Record<string, unknown>): Record<string, unknown> {
  let d: unknown = doc;
  if (typeof doc.payload === 'string') d = JSON.parse(Buffer.from(doc.payload, 'base64').toString('utf8'));
  if (typeof d === 'object' && d !== null && 'predicate' in d) {
    const p = (d as { predicate: unknown }).predicate;
    if (typeof p === 'object' && p !== null && 'Data' in p && !('bomFormat' in p) && !('spdxVersion' in p)) return (p as { Data: Record<string, unknown> }).Data;
    return p as Record<string, unknown>;
  }
  return d as Record<string, unknown>;
}
