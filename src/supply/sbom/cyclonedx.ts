/**
 * CycloneDX: read JSON and XML (spec 1.0–1.7; 1.2–1.6 are the supported range, the rest is tolerated) into the
 * shared model, and write the model as CycloneDX 1.6 JSON.
 *
 * Reading keeps what the model holds: components (nested ones too), bom-ref, type, group, name, version, purl, cpe,
 * supplier, description, licenses (license.id / license.name / expression), hashes, properties; the dependency
 * graph (JSON `dependencies[].ref/dependsOn`, XML `<dependency ref>` nesting); metadata.component as the subject,
 * metadata.tools (the legacy array and the 1.5 `{components, services}` shape), authors and properties.
 *
 * XML is parsed with fast-xml-parser keeping namespace prefixes: the CycloneDX namespace is found on the root
 * element whatever prefix it is bound to, and only elements in that namespace are read (extension elements in
 * other namespaces are ignored, never mistaken for CycloneDX ones).
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { XMLParser as XMLParserType, validationOptions, ValidationError as XmlValidationError } from 'fast-xml-parser';
import {
  SbomError,
  emptySbom,
  type Component,
  type ComponentType,
  type Dependency,
  type Hash,
  type HashAlg,
  type License,
  type Property,
  type Sbom,
} from './model.js';

// ---------------------------------------------------------------------------------------------------------------
// Shared helpers (also used by the SPDX readers and writers)

export const HASH_ALGS: readonly HashAlg[] = [
  'MD5',
  'SHA-1',
  'SHA-256',
  'SHA-384',
  'SHA-512',
  'SHA3-256',
  'SHA3-384',
  'SHA3-512',
  'BLAKE2b-256',
  'BLAKE2b-384',
  'BLAKE2b-512',
  'BLAKE3',
];

/** Any common spelling of a hash algorithm (SHA256, sha-256, SHA_256, blake2b256 …) to the model's name. */
export function normalizeHashAlg(name: string): HashAlg | undefined {
  const k = name.toUpperCase().replace(/[^A-Z0-9]/g, '');
  for (const a of HASH_ALGS) if (a.toUpperCase().replace(/[^A-Z0-9]/g, '') === k) return a;
  return undefined;
}

export const COMPONENT_TYPES: readonly ComponentType[] = [
  'application',
  'framework',
  'library',
  'container',
  'platform',
  'operating-system',
  'device',
  'device-driver',
  'firmware',
  'file',
  'machine-learning-model',
  'data',
  'cryptographic-asset',
];

export function isComponentType(s: unknown): s is ComponentType {
  return typeof s === 'string' && (COMPONENT_TYPES as readonly string[]).includes(s);
}

/** Gives every component a ref unique in the document (keeps the first holder of a ref, renames later ones). */
export class RefAllocator {
  private readonly used = new Set<string>();
  take(wanted: string | undefined, fallback: string): string {
    let base = wanted && wanted.length > 0 ? wanted : fallback;
    if (base.length === 0) base = 'component';
    let ref = base;
    for (let i = 2; this.used.has(ref); i++) ref = `${base}-${i}`;
    this.used.add(ref);
    return ref;
  }
  has(ref: string): boolean {
    return this.used.has(ref);
  }
}

/** Deduplicates edges, keeps first-seen order, merges entries with the same ref. */
export function normalizeDependencies(deps: Dependency[]): Dependency[] {
  const byRef = new Map<string, Set<string>>();
  for (const d of deps) {
    let s = byRef.get(d.ref);
    if (!s) byRef.set(d.ref, (s = new Set()));
    for (const x of d.dependsOn) s.add(x);
  }
  return [...byRef].map(([ref, s]) => ({ ref, dependsOn: [...s] }));
}

/** "Jane Doe (jane@example.com)" ↔ { name, email }: how authors with an email are kept in the model. */
export function splitContact(s: string): { name: string; email?: string } {
  const m = /^(.*?)\s*\(([^()\s]+@[^()\s]+)\)\s*$/.exec(s);
  if (m && m[1]) return { name: m[1], email: m[2]! };
  return { name: s };
}

const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : typeof x === 'number' ? String(x) : undefined);
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : x === undefined || x === null ? [] : [x]);

function pushHash(hashes: Hash[], props: Property[], alg: string | undefined, content: string | undefined): void {
  if (!alg || !content) return;
  const a = normalizeHashAlg(alg);
  const value = content.trim();
  if (!a) {
    props.push({ name: `cdx:hash:${alg}`, value });
    return;
  }
  const hex = /^[0-9a-fA-F]+$/.test(value) ? value.toLowerCase() : value;
  if (!hashes.some((h) => h.alg === a && h.content === hex)) hashes.push({ alg: a, content: hex });
}

// ---------------------------------------------------------------------------------------------------------------
// JSON

interface Ctx {
  file: string;
  refs: RefAllocator;
  counter: number;
}

function fallbackRef(name: string | undefined, version: string | undefined, purl: string | undefined, ctx: Ctx): string {
  ctx.counter++;
  if (purl) return purl;
  if (name) return version ? `${name}@${version}` : name;
  return `component-${ctx.counter}`;
}

function jsonLicenses(x: unknown): License[] {
  const out: License[] = [];
  for (const l of arr(x)) {
    if (!isObj(l)) continue;
    const expr = str(l.expression);
    if (expr) {
      out.push({ expression: expr });
      continue;
    }
    const lic = isObj(l.license) ? l.license : l;
    const id = str(lic.id);
    const name = str(lic.name);
    if (id) out.push({ id });
    else if (name) out.push({ name });
  }
  return out;
}

function jsonProperties(x: unknown): Property[] {
  const out: Property[] = [];
  for (const p of arr(x)) {
    if (!isObj(p)) continue;
    const name = str(p.name);
    if (name === undefined) continue;
    out.push({ name, value: str(p.value) ?? '' });
  }
  return out;
}

function jsonComponent(c: Record<string, unknown>, ctx: Ctx): Component {
  const name = str(c.name) ?? '';
  const version = str(c.version);
  const purl = str(c.purl);
  const props = jsonProperties(c.properties);
  const hashes: Hash[] = [];
  for (const h of arr(c.hashes)) if (isObj(h)) pushHash(hashes, props, str(h.alg), str(h.content));
  const wanted = str(c['bom-ref']);
  // A duplicate bom-ref (invalid, but seen) is renamed; the graph keeps pointing at the first holder.
  const ref = ctx.refs.take(wanted, fallbackRef(name, version, purl, ctx));
  const comp: Component = {
    ref,
    type: isComponentType(c.type) ? c.type : 'library',
    name,
    licenses: jsonLicenses(c.licenses),
    hashes,
    properties: props,
  };
  if (version !== undefined && version !== '') comp.version = version;
  const group = str(c.group);
  if (group) comp.group = group;
  if (purl) comp.purl = purl;
  const cpe = str(c.cpe);
  if (cpe) comp.cpe = cpe;
  const supplier = isObj(c.supplier) ? str(c.supplier.name) : undefined;
  if (supplier) comp.supplier = supplier;
  const description = str(c.description);
  if (description) comp.description = description;
  const nested = arr(c.components).filter(isObj);
  if (nested.length > 0) comp.components = nested.map((n) => jsonComponent(n, ctx));
  return comp;
}

function jsonTools(tools: unknown): string[] {
  const out: string[] = [];
  const add = (t: unknown): void => {
    if (!isObj(t)) return;
    const name = str(t.name);
    if (!name) return;
    const version = str(t.version);
    out.push(version ? `${name} ${version}` : name);
  };
  if (Array.isArray(tools)) tools.forEach(add);
  else if (isObj(tools)) {
    arr(tools.components).forEach(add);
    arr(tools.services).forEach(add);
  }
  return out;
}

function contactString(a: unknown): string | undefined {
  if (typeof a === 'string') return a || undefined;
  if (!isObj(a)) return undefined;
  const name = str(a.name);
  const email = str(a.email);
  if (name && email) return `${name} (${email})`;
  return name ?? email;
}

/** Parse CycloneDX JSON that is already parsed (`doc` is the object). */
export function parseCycloneDxObject(doc: Record<string, unknown>, file: string): Sbom {
  const sbom = emptySbom();
  const specVersion = str(doc.specVersion) ?? '1.0';
  sbom.source = { format: 'cyclonedx', specVersion, encoding: 'json' };
  const serial = str(doc.serialNumber);
  if (serial) sbom.serialNumber = serial;
  const ctx: Ctx = { file, refs: new RefAllocator(), counter: 0 };
  const md = isObj(doc.metadata) ? doc.metadata : {};
  const ts = str(md.timestamp);
  if (ts) sbom.created = ts;
  sbom.tools = jsonTools(md.tools);
  for (const a of arr(md.authors)) {
    const s = contactString(a);
    if (s) sbom.authors.push(s);
  }
  sbom.properties = jsonProperties(md.properties);
  if (isObj(md.component)) {
    sbom.subject = jsonComponent(md.component, ctx);
    sbom.name = sbom.subject.name;
  }
  if (doc.components !== undefined && !Array.isArray(doc.components)) {
    throw new SbomError(file, 'components must be an array', undefined, '/components');
  }
  sbom.components = arr(doc.components)
    .filter(isObj)
    .map((c) => jsonComponent(c, ctx));
  const deps: Dependency[] = [];
  for (const d of arr(doc.dependencies)) {
    if (!isObj(d)) continue;
    const ref = str(d.ref);
    if (!ref) continue;
    const dependsOn = arr(d.dependsOn)
      .map((x) => (isObj(x) ? str(x.ref) : str(x)))
      .filter((x): x is string => !!x);
    deps.push({ ref, dependsOn });
  }
  sbom.dependencies = normalizeDependencies(deps);
  takeDocumentName(sbom);
  return sbom;
}

export function parseCycloneDxJson(text: string, file: string): Sbom {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new SbomError(file, `not valid JSON: ${(e as Error).message}`);
  }
  if (!isObj(doc)) throw new SbomError(file, 'a CycloneDX document must be a JSON object', 1, '');
  return parseCycloneDxObject(doc, file);
}

// ---------------------------------------------------------------------------------------------------------------
// XML

const CDX_NS = /^http:\/\/cyclonedx\.org\/schema\/bom\/(\d+\.\d+)$/;

type XNode = Record<string, unknown>;

/** Access to elements of one namespace prefix inside fast-xml-parser's object tree. */
class XmlView {
  constructor(readonly prefix: string) {}
  key(local: string): string {
    return this.prefix ? `${this.prefix}:${local}` : local;
  }
  all(node: unknown, local: string): unknown[] {
    if (!isObj(node)) return [];
    return arr(node[this.key(local)]);
  }
  one(node: unknown, local: string): unknown {
    return this.all(node, local)[0];
  }
  text(node: unknown, local: string): string | undefined {
    return xmlText(this.one(node, local));
  }
}

function xmlText(n: unknown): string | undefined {
  if (typeof n === 'string') return n;
  if (typeof n === 'number' || typeof n === 'boolean') return String(n);
  if (isObj(n)) {
    const t = n['#text'];
    if (typeof t === 'string' || typeof t === 'number') return String(t);
    return '';
  }
  return undefined;
}

const attr = (n: unknown, name: string): string | undefined => (isObj(n) ? str(n[`@_${name}`]) : undefined);

/** Line (1-based) of a character offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export interface XmlRootInfo {
  /** Qualified name of the root element as written ("bom", "cdx:bom"). */
  qname: string;
  local: string;
  prefix: string;
  /** Namespace URI bound to the root's prefix, if declared on the root. */
  namespace?: string;
  /** CycloneDX version from the namespace (1.0 … 1.7). */
  version?: string;
  line: number;
}

/** The root element of an XML document, read from its start tag (no full parse). */
export function xmlRoot(text: string): XmlRootInfo | undefined {
  let i = 0;
  for (;;) {
    const lt = text.indexOf('<', i);
    if (lt < 0) return undefined;
    const next = text[lt + 1];
    if (next === '?') {
      const end = text.indexOf('?>', lt);
      if (end < 0) return undefined;
      i = end + 2;
      continue;
    }
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt);
      if (end < 0) return undefined;
      i = end + 3;
      continue;
    }
    if (next === '!') {
      // DOCTYPE (possibly with an internal subset)
      const bracket = text.indexOf('[', lt);
      const gt = text.indexOf('>', lt);
      if (bracket >= 0 && bracket < gt) {
        const end = text.indexOf(']>', bracket);
        if (end < 0) return undefined;
        i = end + 2;
      } else {
        if (gt < 0) return undefined;
        i = gt + 1;
      }
      continue;
    }
    const m = /^<([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)([^>]*)>/s.exec(text.slice(lt, lt + 4096));
    if (!m) return undefined;
    const qname = m[1]!;
    const colon = qname.indexOf(':');
    const prefix = colon >= 0 ? qname.slice(0, colon) : '';
    const local = colon >= 0 ? qname.slice(colon + 1) : qname;
    const attrs = m[2] ?? '';
    const nsRe = prefix ? new RegExp(`xmlns:${prefix.replace(/[.-]/g, '\\$&')}\\s*=\\s*["']([^"']*)["']`) : /xmlns\s*=\s*["']([^"']*)["']/;
    const ns = nsRe.exec(attrs)?.[1];
    const info: XmlRootInfo = { qname, local, prefix, line: lineAt(text, lt) };
    if (ns !== undefined) {
      info.namespace = ns;
      const v = CDX_NS.exec(ns);
      if (v) info.version = v[1]!;
    }
    return info;
  }
}

/** A well-formedness check with the line of the first error (fast-xml-parser's validator). */
type Fxp = typeof import('fast-xml-parser');
let fxp: Fxp | undefined;
/** fast-xml-parser, loaded on first XML use (only XML reading needs it). */
function fastXml(): Fxp {
  fxp ??= createRequire(import.meta.url)('fast-xml-parser') as Fxp;
  return fxp;
}

export function xmlWellFormed(text: string): { ok: true } | { ok: false; line: number; message: string } {
  const opts: validationOptions = { allowBooleanAttributes: true };
  const r: true | XmlValidationError = fastXml().XMLValidator.validate(text, opts);
  if (r === true) return { ok: true };
  return { ok: false, line: r.err.line, message: r.err.msg };
}

function xmlComponent(v: XmlView, c: XNode, ctx: Ctx): Component {
  const name = v.text(c, 'name') ?? '';
  const version = v.text(c, 'version');
  const purl = v.text(c, 'purl');
  const props: Property[] = [];
  for (const p of v.all(v.one(c, 'properties'), 'property')) {
    const pname = attr(p, 'name');
    if (pname !== undefined) props.push({ name: pname, value: xmlText(p) ?? '' });
  }
  const hashes: Hash[] = [];
  for (const h of v.all(v.one(c, 'hashes'), 'hash')) pushHash(hashes, props, attr(h, 'alg'), xmlText(h));
  const licenses: License[] = [];
  const lics = v.one(c, 'licenses');
  if (isObj(lics)) {
    // Keep document order between <license> and <expression> as far as the object tree allows.
    for (const l of v.all(lics, 'license')) {
      const id = v.text(l, 'id');
      const lname = v.text(l, 'name');
      if (id) licenses.push({ id });
      else if (lname) licenses.push({ name: lname });
    }
    for (const e of v.all(lics, 'expression')) {
      const t = xmlText(e);
      if (t) licenses.push({ expression: t });
    }
  }
  const wanted = attr(c, 'bom-ref');
  // A duplicate bom-ref (invalid, but seen) is renamed; the graph keeps pointing at the first holder.
  const ref = ctx.refs.take(wanted, fallbackRef(name, version, purl, ctx));
  const type = attr(c, 'type');
  const comp: Component = { ref, type: isComponentType(type) ? type : 'library', name, licenses, hashes, properties: props };
  if (version) comp.version = version;
  const group = v.text(c, 'group');
  if (group) comp.group = group;
  if (purl) comp.purl = purl;
  const cpe = v.text(c, 'cpe');
  if (cpe) comp.cpe = cpe;
  const supplier = v.text(v.one(c, 'supplier'), 'name');
  if (supplier) comp.supplier = supplier;
  const description = v.text(c, 'description');
  if (description) comp.description = description;
  const nested = v.all(v.one(c, 'components'), 'component').filter(isObj);
  if (nested.length > 0) comp.components = nested.map((n) => xmlComponent(v, n, ctx));
  return comp;
}

function xmlTools(v: XmlView, tools: unknown): string[] {
  const out: string[] = [];
  const add = (t: unknown): void => {
    const name = v.text(t, 'name');
    if (!name) return;
    const version = v.text(t, 'version');
    out.push(version ? `${name} ${version}` : name);
  };
  v.all(tools, 'tool').forEach(add);
  v.all(v.one(tools, 'components'), 'component').forEach(add);
  v.all(v.one(tools, 'services'), 'service').forEach(add);
  return out;
}

function xmlDependencies(v: XmlView, node: unknown, out: Dependency[], top = true): void {
  for (const d of v.all(node, 'dependency')) {
    const ref = attr(d, 'ref');
    if (!ref) continue;
    const children = v.all(d, 'dependency');
    // A top-level <dependency> is an entry even without children (as in JSON); a nested one only states an edge,
    // unless it nests further (rare), which states that child's own dependencies.
    if (top || children.length > 0) out.push({ ref, dependsOn: children.map((x) => attr(x, 'ref')).filter((x): x is string => !!x) });
    if (children.length > 0) xmlDependencies(v, d, out, false);
  }
}

let xmlParser: XMLParserType | undefined;
function parser(): XMLParserType {
  xmlParser ??= new (fastXml().XMLParser)({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    removeNSPrefix: false,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    allowBooleanAttributes: true,
    textNodeName: '#text',
    processEntities: true,
    htmlEntities: false,
  });
  return xmlParser;
}

export function parseCycloneDxXml(text: string, file: string): Sbom {
  const wf = xmlWellFormed(text);
  if (!wf.ok) throw new SbomError(file, `not well-formed XML: ${wf.message}`, wf.line);
  const root = xmlRoot(text);
  if (!root) throw new SbomError(file, 'no root element', 1);
  if (root.local !== 'bom') {
    throw new SbomError(file, `root element is <${root.qname}>, expected a CycloneDX <bom>`, root.line, `/${root.qname}`);
  }
  if (root.namespace !== undefined && root.version === undefined) {
    throw new SbomError(file, `root <bom> is in namespace "${root.namespace}", not a CycloneDX one (http://cyclonedx.org/schema/bom/1.x)`, root.line, `/${root.qname}`);
  }
  let tree: XNode;
  try {
    tree = parser().parse(text) as XNode;
  } catch (e) {
    throw new SbomError(file, `not well-formed XML: ${(e as Error).message}`);
  }
  const bom = arr(tree[root.qname])[0];
  if (!isObj(bom)) throw new SbomError(file, 'empty <bom>', root.line, `/${root.qname}`);
  const v = new XmlView(root.prefix);
  const sbom = emptySbom();
  sbom.source = { format: 'cyclonedx', specVersion: root.version ?? '1.0', encoding: 'xml' };
  const serial = attr(bom, 'serialNumber');
  if (serial) sbom.serialNumber = serial;
  const ctx: Ctx = { file, refs: new RefAllocator(), counter: 0 };
  const md = v.one(bom, 'metadata');
  if (isObj(md)) {
    const ts = v.text(md, 'timestamp');
    if (ts) sbom.created = ts;
    sbom.tools = xmlTools(v, v.one(md, 'tools'));
    for (const a of v.all(v.one(md, 'authors'), 'author')) {
      const name = v.text(a, 'name');
      const email = v.text(a, 'email');
      const s = name && email ? `${name} (${email})` : (name ?? email);
      if (s) sbom.authors.push(s);
    }
    for (const p of v.all(v.one(md, 'properties'), 'property')) {
      const pname = attr(p, 'name');
      if (pname !== undefined) sbom.properties.push({ name: pname, value: xmlText(p) ?? '' });
    }
    const subject = v.one(md, 'component');
    if (isObj(subject)) {
      sbom.subject = xmlComponent(v, subject, ctx);
      sbom.name = sbom.subject.name;
    }
  }
  sbom.components = v
    .all(v.one(bom, 'components'), 'component')
    .filter(isObj)
    .map((c) => xmlComponent(v, c, ctx));
  const deps: Dependency[] = [];
  xmlDependencies(v, v.one(bom, 'dependencies'), deps);
  sbom.dependencies = normalizeDependencies(deps);
  takeDocumentName(sbom);
  return sbom;
}

// ---------------------------------------------------------------------------------------------------------------
// Writing CycloneDX 1.6 JSON

export interface CycloneDxWriteOptions {
  now?: Date;
  /** urn:uuid:… to use as serialNumber (default: the SBOM's own, else derived from the content and `now`). */
  serialNumber?: string;
  /** "name version" of the tool to record in metadata.tools (default kubecomply). */
  tool?: string;
}

const UUID_URN = /^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const UUID_AT_END = /([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;

/** A UUID (version 5 layout) derived from a string: stable serial numbers for stable input. */
export function uuidFrom(seed: string): string {
  const h = createHash('sha1').update(seed).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

let spdxIds: Set<string> | undefined;
/** License ids the CycloneDX schema accepts in license.id (its SPDX enumeration). */
export function knownSpdxLicenseId(id: string, whenNoList = true): boolean {
  if (!spdxIds) {
    try {
      const require = createRequire(import.meta.url);
      const pkg = require.resolve('@cyclonedx/cyclonedx-library/package.json');
      const p = path.join(path.dirname(pkg), 'res', 'schema', 'spdx.SNAPSHOT.schema.json');
      const schema = JSON.parse(readFileSync(p, 'utf8')) as { enum?: string[] };
      spdxIds = new Set(schema.enum ?? []);
    } catch {
      spdxIds = new Set();
    }
  }
  // Without the list we cannot tell: trust the reader that produced the id.
  return spdxIds.size === 0 ? whenNoList : spdxIds.has(id);
}

const KUBECOMPLY_TOOL = 'kubecomply';

function toolEntry(tool: string): Record<string, unknown> {
  const sp = tool.lastIndexOf(' ');
  const e: Record<string, unknown> = { type: 'application' };
  if (sp > 0) {
    e.name = tool.slice(0, sp);
    e.version = tool.slice(sp + 1);
  } else e.name = tool;
  return e;
}

function licenseOut(l: License): Record<string, unknown> {
  if ('expression' in l) return { expression: l.expression };
  if ('id' in l) return knownSpdxLicenseId(l.id) ? { license: { id: l.id } } : { license: { name: l.id } };
  return { license: { name: l.name } };
}

const CDX_HASH = /^([a-fA-F0-9]{32}|[a-fA-F0-9]{40}|[a-fA-F0-9]{64}|[a-fA-F0-9]{96}|[a-fA-F0-9]{128})$/;

function componentOut(c: Component): Record<string, unknown> {
  const o: Record<string, unknown> = { type: c.type, 'bom-ref': c.ref };
  if (c.supplier) o.supplier = { name: c.supplier };
  if (c.group) o.group = c.group;
  o.name = c.name;
  if (c.version) o.version = c.version;
  if (c.description) o.description = c.description;
  // CycloneDX accepts only hex digests of the lengths real algorithms produce; others (damaged input) go to properties.
  const hashes = c.hashes.filter((h) => CDX_HASH.test(h.content));
  const badHashes = c.hashes.filter((h) => !CDX_HASH.test(h.content));
  if (hashes.length > 0) o.hashes = hashes.map((h) => ({ alg: h.alg, content: h.content }));
  if (c.licenses.length > 0) {
    // The schema allows either any number of `license` entries or exactly one `expression`.
    const hasExpr = c.licenses.some((l) => 'expression' in l);
    if (hasExpr && c.licenses.length > 1) {
      const parts = c.licenses.map((l) => ('expression' in l ? `(${l.expression})` : 'id' in l ? l.id : `LicenseRef-${licenseRefId(l.name)}`));
      o.licenses = [{ expression: parts.join(' AND ') }];
    } else o.licenses = c.licenses.map(licenseOut);
  }
  if (c.cpe) o.cpe = c.cpe;
  if (c.purl) o.purl = c.purl;
  const props = [...c.properties, ...badHashes.map((h) => ({ name: `cdx:hash:${h.alg}`, value: h.content }))];
  if (props.length > 0) o.properties = props.map((p) => ({ name: p.name, value: p.value }));
  if (c.components && c.components.length > 0) o.components = c.components.map(componentOut);
  return o;
}

/** A LicenseRef idstring ([A-Za-z0-9.-]+) for a free-text license name. */
export function licenseRefId(name: string): string {
  const s = name.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '');
  return s.length > 0 ? s : 'unnamed';
}

function contactOut(s: string): Record<string, unknown> {
  const c = splitContact(s);
  return c.email ? { name: c.name, email: c.email } : { name: c.name };
}

/** The serialNumber to write: the given one, the SBOM's own urn:uuid, a UUID found at the end of an SPDX namespace, or a derived one. */
export function serialFor(sbom: Sbom, opts: CycloneDxWriteOptions, seed: () => string): string {
  if (opts.serialNumber) return opts.serialNumber.startsWith('urn:uuid:') ? opts.serialNumber : `urn:uuid:${opts.serialNumber}`;
  const s = sbom.serialNumber;
  if (s && UUID_URN.test(s)) return s.toLowerCase();
  if (s) {
    const m = UUID_AT_END.exec(s);
    if (m) return `urn:uuid:${m[1]!.toLowerCase()}`;
    return `urn:uuid:${uuidFrom(s)}`;
  }
  return opts.now ? `urn:uuid:${uuidFrom(seed())}` : `urn:uuid:${randomUUID()}`;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 date-time: the given one when it already is, else normalised, else `now`. */
export function timestampOut(created: string | undefined, now: Date): string {
  if (created && RFC3339.test(created)) return created;
  const t = created ? Date.parse(created) : NaN;
  return (Number.isNaN(t) ? now : new Date(t)).toISOString().replace(/\.000Z$/, 'Z');
}

/** Document-level properties the writers use to carry what the other format has no field for; readers fold them back. */
export function takeDocumentName(sbom: Sbom): void {
  const i = sbom.properties.findIndex((p) => p.name === 'kubecomply:document:name');
  if (i >= 0) {
    sbom.name = sbom.properties[i]!.value;
    sbom.properties.splice(i, 1);
  }
}

export function writeCycloneDxJson(sbom: Sbom, opts: CycloneDxWriteOptions = {}): string {
  const now = opts.now ?? new Date();
  const components = sbom.components.map(componentOut);
  const serialNumber = serialFor(sbom, opts, () => JSON.stringify([sbom.name, components, sbom.dependencies, now.toISOString()]));
  // SPDX documents keep their namespace here, so SPDX → CycloneDX → SPDX gives it back.
  const properties = [...sbom.properties];
  // (Not when it is one we derived from a serial number in the first place: that one is derived again.)
  if (
    sbom.serialNumber &&
    !UUID_URN.test(sbom.serialNumber) &&
    !/^https:\/\/kubecomply\.io\/spdxdocs\/.*[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(sbom.serialNumber) &&
    !properties.some((p) => p.name === 'spdx:documentNamespace')
  ) {
    properties.push({ name: 'spdx:documentNamespace', value: sbom.serialNumber });
  }
  if (sbom.name && sbom.name !== sbom.subject?.name && !properties.some((p) => p.name === 'kubecomply:document:name')) {
    properties.push({ name: 'kubecomply:document:name', value: sbom.name });
  }
  const tools = [...sbom.tools];
  const own = opts.tool ?? KUBECOMPLY_TOOL;
  if (!tools.some((t) => t === own || t.startsWith(`${own} `))) tools.push(own);
  const metadata: Record<string, unknown> = {
    timestamp: timestampOut(sbom.created, now),
    tools: { components: tools.map(toolEntry) },
  };
  if (sbom.authors.length > 0) metadata.authors = sbom.authors.map(contactOut);
  if (sbom.subject) metadata.component = componentOut(sbom.subject);
  if (properties.length > 0) metadata.properties = properties.map((p) => ({ name: p.name, value: p.value }));

  // Every ref in the graph must exist: keep edges between known components (and the subject) only.
  const known = new Set<string>();
  const collect = (cs: Component[]): void => {
    for (const c of cs) {
      known.add(c.ref);
      if (c.components) collect(c.components);
    }
  };
  collect(sbom.components);
  if (sbom.subject) collect([sbom.subject]);
  const dependencies = normalizeDependencies(sbom.dependencies)
    .filter((d) => known.has(d.ref))
    .map((d) => {
      const dependsOn = d.dependsOn.filter((x) => known.has(x) && x !== d.ref);
      return dependsOn.length > 0 ? { ref: d.ref, dependsOn } : { ref: d.ref };
    });
  const bom: Record<string, unknown> = {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber,
    version: 1,
    metadata,
    components,
  };
  if (dependencies.length > 0) bom.dependencies = dependencies;
  return JSON.stringify(bom, null, 2) + '\n';
}
