/**
 * SPDX 2.2/2.3: read JSON and tag-value into the shared model; write SPDX 2.3 JSON and tag-value.
 *
 * Reading
 * - Packages and files become components (files as type `file`); snippets are skipped.
 * - `DOCUMENT DESCRIBES x` (or documentDescribes): a single described package is the subject; several described
 *   elements stay ordinary components.
 * - Containment (hasFiles, CONTAINS, CONTAINED_BY, and in tag-value a file following a package when no relationship
 *   says what contains it) nests components; whatever the subject contains is top level. A second parent of the same
 *   element is not kept (the model nests each component once).
 * - Dependencies: DEPENDS_ON (a → b), DEPENDENCY_OF and its DEV_/BUILD_/RUNTIME_/OPTIONAL_/PROVIDED_/TEST_ variants
 *   (reversed), DYNAMIC_LINK/STATIC_LINK (a → b). Edges to other documents or NOASSERTION are dropped.
 * - Licenses: licenseDeclared, else licenseConcluded (NOASSERTION/NONE mean none). When both are given and differ,
 *   the concluded one is kept in property `spdx:licenseConcluded`. A single listed id reads as `{id}`, a
 *   LicenseRef with an extracted name as `{name}`, anything else as `{expression}`.
 * - externalRefs: PACKAGE-MANAGER purl → purl, SECURITY cpe23Type/cpe22Type → cpe (further ones in properties
 *   `spdx:purl` / `spdx:cpe`); checksums → hashes (SHA256 → SHA-256 …; algorithms CycloneDX lacks in
 *   `spdx:checksum:<ALG>`); supplier "Organization: x" → x; downloadLocation → property `spdx:downloadLocation`.
 *
 * What CycloneDX has and SPDX 2.3 has no field for survives a round trip as package annotations written by
 * `Tool: kubecomply` (annotationType OTHER), one per item, comment `name: value`:
 * - every component property, under its own name;
 * - `kubecomply:cdx:type` — the component type, when primaryPackagePurpose cannot say it exactly
 *   (platform, device-driver, machine-learning-model, data, cryptographic-asset);
 * - `kubecomply:cdx:bom-ref` — the bom-ref, when it is not a valid SPDXID (`SPDXRef-[A-Za-z0-9.-]+`);
 * - `kubecomply:cdx:group` — the group;
 * - `kubecomply:cdx:licenses` — the license list as JSON, when the SPDX expression would read back differently
 *   (several licenses, an expression that is a single id …);
 * - on the document: its properties, and `kubecomply:cdx:no-subject` when there is no subject.
 * Readers turn our own annotations back into exactly what they were; annotations by other tools are kept as
 * properties named `spdx:annotation`.
 */
import { randomUUID } from 'node:crypto';
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
import { RefAllocator, isComponentType, knownSpdxLicenseId, licenseRefId, normalizeDependencies, normalizeHashAlg, uuidFrom } from './cyclonedx.js';

// ---------------------------------------------------------------------------------------------------------------
// Intermediate form shared by the JSON and tag-value readers

interface SpdxAnnotation {
  annotator: string;
  date?: string;
  type?: string;
  comment: string;
}

interface SpdxElement {
  id: string;
  kind: 'package' | 'file';
  name: string;
  version?: string;
  supplier?: string;
  description?: string;
  downloadLocation?: string;
  purpose?: string;
  checksums: { algorithm: string; value: string }[];
  externalRefs: { category: string; type: string; locator: string }[];
  licenseConcluded?: string;
  licenseDeclared?: string;
  annotations: SpdxAnnotation[];
  hasFiles: string[];
  /** Tag-value: the package a file follows. */
  after?: string;
}

interface SpdxDoc {
  specVersion: string;
  encoding: 'json' | 'tag-value';
  id: string;
  name?: string;
  namespace?: string;
  created?: string;
  creators: string[];
  describes: string[];
  elements: SpdxElement[];
  relationships: { from: string; type: string; to: string }[];
  annotations: SpdxAnnotation[];
  extracted: Map<string, { name?: string }>;
}

const OWN_ANNOTATOR = 'Tool: kubecomply';
const isOwn = (a: SpdxAnnotation): boolean => /^Tool:\s*kubecomply\b/.test(a.annotator);
const meaningful = (s: string | undefined): s is string => !!s && s.trim() !== '' && s.trim() !== 'NOASSERTION' && s.trim() !== 'NONE';

const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : typeof x === 'number' ? String(x) : undefined);
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : x === undefined || x === null ? [] : [x]);

// ---------------------------------------------------------------------------------------------------------------
// JSON

function jsonAnnotations(x: unknown): SpdxAnnotation[] {
  const out: SpdxAnnotation[] = [];
  for (const a of arr(x)) {
    if (!isObj(a)) continue;
    const ann: SpdxAnnotation = { annotator: str(a.annotator) ?? '', comment: str(a.comment) ?? '' };
    const date = str(a.annotationDate);
    if (date) ann.date = date;
    const type = str(a.annotationType);
    if (type) ann.type = type;
    out.push(ann);
  }
  return out;
}

function jsonElement(p: Record<string, unknown>, kind: 'package' | 'file', index: number): SpdxElement {
  const el: SpdxElement = {
    id: str(p.SPDXID) ?? `SPDXRef-${kind}-${index}`,
    kind,
    name: str(kind === 'file' ? (p.fileName ?? p.name) : p.name) ?? '',
    checksums: [],
    externalRefs: [],
    annotations: jsonAnnotations(p.annotations),
    hasFiles: arr(p.hasFiles).map(str).filter((x): x is string => !!x),
  };
  const set = <K extends keyof SpdxElement>(k: K, v: SpdxElement[K] | undefined): void => {
    if (v !== undefined && v !== '') el[k] = v;
  };
  set('version', str(p.versionInfo));
  set('supplier', str(p.supplier));
  set('description', str(p.description));
  set('downloadLocation', str(p.downloadLocation));
  set('purpose', str(p.primaryPackagePurpose));
  set('licenseConcluded', str(p.licenseConcluded));
  set('licenseDeclared', str(p.licenseDeclared));
  for (const c of arr(p.checksums)) {
    if (!isObj(c)) continue;
    const algorithm = str(c.algorithm);
    const value = str(c.checksumValue);
    if (algorithm && value) el.checksums.push({ algorithm, value });
  }
  for (const r of arr(p.externalRefs)) {
    if (!isObj(r)) continue;
    const locator = str(r.referenceLocator);
    if (!locator) continue;
    el.externalRefs.push({ category: str(r.referenceCategory) ?? '', type: str(r.referenceType) ?? '', locator });
  }
  return el;
}

export function parseSpdxObject(doc: Record<string, unknown>, file: string): Sbom {
  const version = str(doc.spdxVersion);
  if (!version || !/^SPDX-2\.\d+$/.test(version)) {
    throw new SbomError(file, `unsupported spdxVersion ${JSON.stringify(doc.spdxVersion ?? null)} (expected SPDX-2.2 or SPDX-2.3)`, undefined, '/spdxVersion');
  }
  if (doc.packages !== undefined && !Array.isArray(doc.packages)) throw new SbomError(file, 'packages must be an array', undefined, '/packages');
  const ci = isObj(doc.creationInfo) ? doc.creationInfo : {};
  const d: SpdxDoc = {
    specVersion: version.slice(5),
    encoding: 'json',
    id: str(doc.SPDXID) ?? 'SPDXRef-DOCUMENT',
    creators: arr(ci.creators).map(str).filter((x): x is string => !!x),
    describes: arr(doc.documentDescribes).map(str).filter((x): x is string => !!x),
    elements: [
      ...arr(doc.packages)
        .filter(isObj)
        .map((p, i) => jsonElement(p, 'package', i)),
      ...arr(doc.files)
        .filter(isObj)
        .map((p, i) => jsonElement(p, 'file', i)),
    ],
    relationships: [],
    annotations: jsonAnnotations(doc.annotations),
    extracted: new Map(),
  };
  const name = str(doc.name);
  if (name) d.name = name;
  const ns = str(doc.documentNamespace);
  if (ns) d.namespace = ns;
  const created = str(ci.created);
  if (created) d.created = created;
  for (const r of arr(doc.relationships)) {
    if (!isObj(r)) continue;
    const from = str(r.spdxElementId);
    const type = str(r.relationshipType);
    const to = str(r.relatedSpdxElement);
    if (from && type && to) d.relationships.push({ from, type: type.toUpperCase(), to });
  }
  for (const e of arr(doc.hasExtractedLicensingInfos)) {
    if (!isObj(e)) continue;
    const id = str(e.licenseId);
    if (!id) continue;
    const n = str(e.name);
    d.extracted.set(id, n ? { name: n } : {});
  }
  return toSbom(d, file);
}

export function parseSpdxJson(text: string, file: string): Sbom {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new SbomError(file, `not valid JSON: ${(e as Error).message}`);
  }
  if (!isObj(doc)) throw new SbomError(file, 'an SPDX document must be a JSON object', 1, '');
  return parseSpdxObject(doc, file);
}

// ---------------------------------------------------------------------------------------------------------------
// Tag-value

export interface TagValueLine {
  tag: string;
  value: string;
  /** Line the tag is on (1-based). */
  line: number;
}

/**
 * Splits tag-value text into `Tag: value` pairs; `<text>…</text>` values may span lines. Blank lines and
 * `#` comments are skipped. A line that is neither is an error naming its line.
 */
export function tokenizeTagValue(text: string, file: string): TagValueLine[] {
  const out: TagValueLine[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z][A-Za-z0-9_-]*)\s*:\s?(.*)$/s.exec(line);
    if (!m) {
      throw new SbomError(file, `expected "Tag: value", found ${JSON.stringify(line.length > 60 ? line.slice(0, 60) + '…' : line)}`, i + 1);
    }
    const tag = m[1]!;
    let value = m[2]!.trim();
    const start = i + 1;
    if (value.startsWith('<text>')) {
      let body = value.slice(6);
      let end = body.indexOf('</text>');
      while (end < 0) {
        i++;
        if (i >= lines.length) throw new SbomError(file, `${tag}: <text> is not closed by </text>`, start);
        body += '\n' + lines[i]!;
        end = body.indexOf('</text>');
      }
      const rest = body.slice(end + 7).trim();
      if (rest !== '') throw new SbomError(file, `${tag}: unexpected text after </text>: ${JSON.stringify(rest.slice(0, 40))}`, i + 1);
      value = body.slice(0, end);
    }
    out.push({ tag, value, line: start });
  }
  return out;
}

export function parseSpdxTagValue(text: string, file: string): Sbom {
  const tokens = tokenizeTagValue(text, file);
  const first = tokens[0];
  if (!first || first.tag !== 'SPDXVersion') {
    throw new SbomError(file, 'an SPDX tag-value document starts with "SPDXVersion: SPDX-2.x"', first?.line ?? 1);
  }
  if (!/^SPDX-2\.\d+$/.test(first.value)) {
    throw new SbomError(file, `unsupported SPDXVersion "${first.value}" (expected SPDX-2.2 or SPDX-2.3)`, first.line);
  }
  const d: SpdxDoc = {
    specVersion: first.value.slice(5),
    encoding: 'tag-value',
    id: 'SPDXRef-DOCUMENT',
    creators: [],
    describes: [],
    elements: [],
    relationships: [],
    annotations: [],
    extracted: new Map(),
  };
  type Section = 'document' | 'package' | 'file' | 'snippet' | 'license';
  let section: Section = 'document';
  let el: SpdxElement | undefined;
  let lastPackage: SpdxElement | undefined;
  let license: { id: string; name?: string } | undefined;
  let ann: (SpdxAnnotation & { target?: string }) | undefined;
  const pending: (SpdxAnnotation & { target?: string; owner: string })[] = [];
  const current = (): string => (section === 'document' ? d.id : (el?.id ?? d.id));
  const startElement = (kind: 'package' | 'file', name: string): void => {
    el = { id: '', kind, name, checksums: [], externalRefs: [], annotations: [], hasFiles: [] };
    if (kind === 'file' && lastPackage) el.after = lastPackage.id;
    d.elements.push(el);
    if (kind === 'package') lastPackage = el;
  };
  for (const t of tokens.slice(1)) {
    const v = t.value;
    switch (t.tag) {
      case 'PackageName':
        section = 'package';
        startElement('package', v);
        continue;
      case 'FileName':
        section = 'file';
        startElement('file', v);
        continue;
      case 'SnippetSPDXID':
        section = 'snippet';
        el = undefined;
        continue;
      case 'LicenseID':
        section = 'license';
        el = undefined;
        license = { id: v };
        d.extracted.set(v, {});
        continue;
      case 'Relationship': {
        const parts = v.split(/\s+/);
        if (parts.length < 3) throw new SbomError(file, `Relationship: expected "<id> <TYPE> <id>", found "${v}"`, t.line);
        d.relationships.push({ from: parts[0]!, type: parts[1]!.toUpperCase(), to: parts[2]! });
        continue;
      }
      case 'Annotator': {
        const a: SpdxAnnotation & { target?: string; owner: string } = { annotator: v, comment: '', owner: current() };
        pending.push(a);
        ann = a;
        continue;
      }
      case 'AnnotationDate':
        if (ann) ann.date = v;
        continue;
      case 'AnnotationType':
        if (ann) ann.type = v;
        continue;
      case 'AnnotationComment':
        if (ann) ann.comment = v;
        continue;
      case 'SPDXREF':
        if (ann) ann.target = v;
        continue;
    }
    if (section === 'document') {
      switch (t.tag) {
        case 'SPDXID':
          d.id = v;
          break;
        case 'DocumentName':
          d.name = v;
          break;
        case 'DocumentNamespace':
          d.namespace = v;
          break;
        case 'Creator':
          d.creators.push(v);
          break;
        case 'Created':
          d.created = v;
          break;
      }
      continue;
    }
    if (section === 'license') {
      if (t.tag === 'LicenseName' && license) {
        license.name = v;
        d.extracted.set(license.id, { name: v });
      }
      continue;
    }
    if (!el) continue;
    switch (t.tag) {
      case 'SPDXID':
        el.id = v;
        break;
      case 'PackageVersion':
        el.version = v;
        break;
      case 'PackageSupplier':
        el.supplier = v;
        break;
      case 'PackageDescription':
        el.description = v;
        break;
      case 'PackageDownloadLocation':
        el.downloadLocation = v;
        break;
      case 'PrimaryPackagePurpose':
        el.purpose = v;
        break;
      case 'PackageLicenseConcluded':
      case 'LicenseConcluded':
        el.licenseConcluded = v;
        break;
      case 'PackageLicenseDeclared':
        el.licenseDeclared = v;
        break;
      case 'PackageChecksum':
      case 'FileChecksum': {
        const colon = v.indexOf(':');
        if (colon <= 0) throw new SbomError(file, `${t.tag}: expected "ALGORITHM: value", found "${v}"`, t.line);
        el.checksums.push({ algorithm: v.slice(0, colon).trim(), value: v.slice(colon + 1).trim() });
        break;
      }
      case 'ExternalRef': {
        const parts = v.split(/\s+/);
        if (parts.length < 3) throw new SbomError(file, `ExternalRef: expected "CATEGORY TYPE LOCATOR", found "${v}"`, t.line);
        el.externalRefs.push({ category: parts[0]!, type: parts[1]!, locator: parts.slice(2).join(' ') });
        break;
      }
    }
  }
  // Annotations name their target with SPDXREF; without one they belong to the section they appear in.
  const byId = new Map(d.elements.map((e) => [e.id, e]));
  for (const a of pending) {
    const target = a.target ?? a.owner;
    const { target: _t, owner: _o, ...plain } = a;
    void _t;
    void _o;
    if (target === d.id) d.annotations.push(plain);
    else byId.get(target)?.annotations.push(plain);
  }
  d.elements.forEach((e, i) => {
    if (!e.id) e.id = `SPDXRef-${e.kind}-${i}`;
  });
  return toSbom(d, file);
}

// ---------------------------------------------------------------------------------------------------------------
// Intermediate form → model

const PURPOSE_TO_TYPE: Record<string, ComponentType> = {
  APPLICATION: 'application',
  FRAMEWORK: 'framework',
  LIBRARY: 'library',
  CONTAINER: 'container',
  'OPERATING-SYSTEM': 'operating-system',
  OPERATING_SYSTEM: 'operating-system',
  DEVICE: 'device',
  FIRMWARE: 'firmware',
  FILE: 'file',
  SOURCE: 'library',
  ARCHIVE: 'file',
  INSTALL: 'application',
  OTHER: 'library',
};
/** Purposes CycloneDX has no type for: kept in property `spdx:primaryPackagePurpose` so SPDX → CycloneDX → SPDX keeps them. */
const LOSSY_PURPOSES = new Set(['SOURCE', 'ARCHIVE', 'INSTALL', 'OTHER']);
const TYPE_TO_PURPOSE: Partial<Record<ComponentType, string>> = {
  application: 'APPLICATION',
  framework: 'FRAMEWORK',
  library: 'LIBRARY',
  container: 'CONTAINER',
  'operating-system': 'OPERATING_SYSTEM',
  device: 'DEVICE',
  firmware: 'FIRMWARE',
  file: 'FILE',
};

const REVERSED_DEPENDENCY = /^(|DEV_|BUILD_|RUNTIME_|OPTIONAL_|PROVIDED_|TEST_)DEPENDENCY_OF$/;

/** Reads one `name: value` (or JSON `{"name","value"}`) annotation comment. */
function annotationProperty(comment: string): Property | undefined {
  const c = comment.trim();
  if (c.startsWith('{')) {
    try {
      const o = JSON.parse(c) as unknown;
      if (isObj(o) && typeof o.name === 'string' && typeof o.value === 'string') return { name: o.name, value: o.value };
    } catch {
      // not ours after all
    }
  }
  const i = comment.indexOf(': ');
  if (i <= 0) return undefined;
  return { name: comment.slice(0, i), value: comment.slice(i + 2) };
}

function annotationComment(p: Property): string {
  return p.name.includes(': ') || p.name.startsWith('{') || p.name === '' ? JSON.stringify({ name: p.name, value: p.value }) : `${p.name}: ${p.value}`;
}

const SIMPLE_ID = /^[A-Za-z0-9.+-]+$/;

/** An SPDX license expression as the model's license list (see the module comment). */
export function licensesFromExpression(expr: string | undefined, extracted: Map<string, { name?: string }>): License[] {
  if (!meaningful(expr)) return [];
  const e = expr.trim();
  if (SIMPLE_ID.test(e)) {
    if (e.startsWith('LicenseRef-')) {
      const name = extracted.get(e)?.name;
      return name ? [{ name }] : [{ expression: e }];
    }
    // A token that is not on the SPDX license list ("GPLv3+", "BSD") is a name, not an id.
    return knownSpdxLicenseId(e) ? [{ id: e }] : [{ name: e }];
  }
  return [{ expression: e }];
}

/** Tool strings "syft-0.42.0" → "syft 0.42.0" (the model's "name version"). */
function toolFromCreator(s: string): string {
  const m = /^(.*?)-(v?\d[\w.+~-]*)$/.exec(s.trim());
  return m && m[1] ? `${m[1]} ${m[2]}` : s.trim();
}

function stripAgent(s: string): string {
  return s.replace(/^(Organization|Person|Tool)\s*:\s*/i, '').trim();
}

function toSbom(d: SpdxDoc, file: string): Sbom {
  void file;
  const sbom = emptySbom();
  sbom.source = { format: 'spdx', specVersion: d.specVersion, encoding: d.encoding };
  if (d.namespace) sbom.serialNumber = d.namespace;
  if (d.name) sbom.name = d.name;
  if (d.created) sbom.created = d.created;
  for (const c of d.creators) {
    const m = /^(Tool|Person|Organization)\s*:\s*(.*)$/i.exec(c);
    if (!m) continue;
    const v = m[2]!.trim();
    if (!v) continue;
    if (m[1]!.toLowerCase() === 'tool') sbom.tools.push(toolFromCreator(v));
    else sbom.authors.push(v.replace(/\s*\(\s*\)$/, ''));
  }
  let noSubject = false;
  for (const a of d.annotations) {
    if (!isOwn(a)) continue;
    const p = annotationProperty(a.comment);
    if (!p) continue;
    if (p.name === 'kubecomply:cdx:no-subject') noSubject = true;
    else sbom.properties.push(p);
  }

  const byId = new Map<string, SpdxElement>();
  for (const e of d.elements) if (!byId.has(e.id)) byId.set(e.id, e);
  const rels = d.relationships;
  const described = new Set(d.describes.filter((x) => byId.has(x)));
  for (const r of rels) {
    if ((r.type === 'DESCRIBES' || r.type === 'DESCRIBE') && r.from === d.id && byId.has(r.to)) described.add(r.to);
    if (r.type === 'DESCRIBED_BY' && r.to === d.id && byId.has(r.from)) described.add(r.from);
  }
  const describedList = [...described];
  const subjectId =
    !noSubject && describedList.length === 1 && byId.get(describedList[0]!)!.kind === 'package' ? describedList[0] : undefined;

  // Containment → nesting.
  const parent = new Map<string, string>();
  const setParent = (child: string, p: string): void => {
    if (child === p || parent.has(child) || !byId.has(child) || !byId.has(p) || child === subjectId) return;
    for (let x: string | undefined = p; x !== undefined; x = parent.get(x)) if (x === child) return; // no cycles
    parent.set(child, p);
  };
  // hasFiles is structure, so it wins over (possibly contradictory) relationships.
  for (const e of d.elements) for (const f of e.hasFiles) setParent(f, e.id);
  for (const r of rels) {
    if (r.type === 'CONTAINS') setParent(r.to, r.from);
    else if (r.type === 'CONTAINED_BY') setParent(r.from, r.to);
  }
  // Tag-value: a file with no containment relationship of its own belongs to the package it follows.
  for (const e of d.elements) if (e.after && !parent.has(e.id)) setParent(e.id, e.after);
  for (const [child, p] of [...parent]) if (p === subjectId) parent.delete(child);

  // Dependencies.
  const deps: Dependency[] = [];
  const edge = (from: string, to: string): void => {
    if (from !== to && byId.has(from) && byId.has(to)) deps.push({ ref: from, dependsOn: [to] });
  };
  for (const r of rels) {
    if (r.type === 'DEPENDS_ON' || r.type === 'DYNAMIC_LINK' || r.type === 'STATIC_LINK') edge(r.from, r.to);
    else if (REVERSED_DEPENDENCY.test(r.type)) edge(r.to, r.from);
  }

  // Components.
  const refs = new RefAllocator();
  const refOf = new Map<string, string>();
  const comps = new Map<string, Component>();
  for (const e of d.elements) {
    if (comps.has(e.id)) continue;
    const c = toComponent(e, d.extracted);
    c.ref = refs.take(c.ref, e.id);
    refOf.set(e.id, c.ref);
    comps.set(e.id, c);
  }
  for (const e of d.elements) {
    const c = comps.get(e.id)!;
    if (e.id === subjectId) continue;
    const p = parent.get(e.id);
    if (p !== undefined) {
      const pc = comps.get(p)!;
      (pc.components ??= []).push(c);
    } else sbom.components.push(c);
  }
  if (subjectId) sbom.subject = comps.get(subjectId)!;
  // Dedupe elements that appear twice under one SPDXID.
  const seen = new Set<Component>();
  const dedupe = (cs: Component[]): Component[] =>
    cs.filter((c) => {
      if (seen.has(c)) return false;
      seen.add(c);
      if (c.components) c.components = dedupe(c.components);
      return true;
    });
  sbom.components = dedupe(sbom.components);
  sbom.dependencies = normalizeDependencies(deps.map((x) => ({ ref: refOf.get(x.ref)!, dependsOn: x.dependsOn.map((y) => refOf.get(y)!) })));
  return sbom;
}

function toComponent(e: SpdxElement, extracted: Map<string, { name?: string }>): Component {
  const props: Property[] = [];
  const hashes: Hash[] = [];
  for (const c of e.checksums) {
    const alg = normalizeHashAlg(c.algorithm);
    const value = /^[0-9a-fA-F]+$/.test(c.value) ? c.value.toLowerCase() : c.value;
    if (alg) {
      if (!hashes.some((h) => h.alg === alg && h.content === value)) hashes.push({ alg, content: value });
    } else props.push({ name: `spdx:checksum:${c.algorithm}`, value });
  }
  let purl: string | undefined;
  let cpe: string | undefined;
  const extraPurls: string[] = [];
  const cpes23: string[] = [];
  const cpes22: string[] = [];
  for (const r of e.externalRefs) {
    const type = r.type.toLowerCase();
    if (type === 'purl') {
      if (purl === undefined) purl = r.locator;
      else extraPurls.push(r.locator);
    } else if (type === 'cpe23type') cpes23.push(r.locator);
    else if (type === 'cpe22type') cpes22.push(r.locator);
  }
  const allCpes = [...cpes23, ...cpes22];
  if (allCpes.length > 0) cpe = allCpes[0];
  let type: ComponentType = e.kind === 'file' ? 'file' : (e.purpose && PURPOSE_TO_TYPE[e.purpose.toUpperCase()]) || 'library';
  let ref = e.id;
  let ownType = false;
  let group: string | undefined;
  let ownLicenses: License[] | undefined;
  let concluded: string | undefined;
  const ownProps: Property[] = [];
  const foreign: Property[] = [];
  for (const a of e.annotations) {
    if (!isOwn(a)) {
      if (a.comment) foreign.push({ name: 'spdx:annotation', value: a.comment });
      continue;
    }
    const p = annotationProperty(a.comment);
    if (!p) continue;
    switch (p.name) {
      case 'kubecomply:cdx:type':
        if (isComponentType(p.value)) {
          type = p.value;
          ownType = true;
        }
        break;
      case 'kubecomply:cdx:bom-ref':
        if (p.value) ref = p.value;
        break;
      case 'kubecomply:cdx:group':
        group = p.value;
        break;
      case 'kubecomply:cdx:licenses':
        try {
          const l = JSON.parse(p.value) as unknown;
          if (Array.isArray(l)) ownLicenses = l as License[];
        } catch {
          // ignore a damaged annotation; the expression still says it
        }
        break;
      default:
        ownProps.push(p);
    }
  }
  const declared = meaningful(e.licenseDeclared) ? e.licenseDeclared.trim() : undefined;
  const concl = meaningful(e.licenseConcluded) ? e.licenseConcluded.trim() : undefined;
  const licenses = ownLicenses ?? licensesFromExpression(declared ?? concl, extracted);
  if (declared && concl && concl !== declared) concluded = concl;
  // What SPDX itself says comes first, then our own annotations in the order written, then other tools' ones: the
  // order a round trip through CycloneDX reproduces.
  const properties: Property[] = [];
  const has = (n: string): boolean => properties.some((p) => p.name === n);
  if (concluded && !has('spdx:licenseConcluded')) properties.push({ name: 'spdx:licenseConcluded', value: concluded });
  const purpose = e.purpose?.toUpperCase();
  if (e.kind === 'package' && purpose && LOSSY_PURPOSES.has(purpose) && !ownType && !has('spdx:primaryPackagePurpose')) {
    properties.push({ name: 'spdx:primaryPackagePurpose', value: purpose });
  }
  if (meaningful(e.downloadLocation) && !has('spdx:downloadLocation')) properties.push({ name: 'spdx:downloadLocation', value: e.downloadLocation });
  for (const p of extraPurls) if (!properties.some((q) => q.name === 'spdx:purl' && q.value === p)) properties.push({ name: 'spdx:purl', value: p });
  for (const c of allCpes.slice(1)) if (!properties.some((q) => q.name === 'spdx:cpe' && q.value === c)) properties.push({ name: 'spdx:cpe', value: c });
  for (const p of props) if (!properties.some((q) => q.name === p.name && q.value === p.value)) properties.push(p);
  for (const p of ownProps) if (!properties.some((q) => q.name === p.name && q.value === p.value)) properties.push(p);
  for (const p of foreign) properties.push(p);
  const comp: Component = { ref, type, name: e.name, licenses, hashes, properties };
  if (meaningful(e.version)) comp.version = e.version;
  if (group) comp.group = group;
  if (purl) comp.purl = purl;
  if (cpe) comp.cpe = cpe;
  if (meaningful(e.supplier)) {
    const s = stripAgent(e.supplier);
    if (s) comp.supplier = s;
  }
  if (e.description) comp.description = e.description;
  return comp;
}

// ---------------------------------------------------------------------------------------------------------------
// Writing SPDX 2.3

export interface SpdxWriteOptions {
  now?: Date;
  /** documentNamespace to use (default: the SBOM's own SPDX namespace, else one derived from its serial number). */
  namespace?: string;
}

const SPDX_ALG: Record<HashAlg, string> = {
  MD5: 'MD5',
  'SHA-1': 'SHA1',
  'SHA-256': 'SHA256',
  'SHA-384': 'SHA384',
  'SHA-512': 'SHA512',
  'SHA3-256': 'SHA3-256',
  'SHA3-384': 'SHA3-384',
  'SHA3-512': 'SHA3-512',
  'BLAKE2b-256': 'BLAKE2b-256',
  'BLAKE2b-384': 'BLAKE2b-384',
  'BLAKE2b-512': 'BLAKE2b-512',
  BLAKE3: 'BLAKE3',
};
const SPDX_ONLY_ALGS = new Set(['SHA224', 'MD2', 'MD4', 'MD6', 'ADLER32']);

export function spdxHashAlg(a: HashAlg): string {
  return SPDX_ALG[a];
}

interface OutPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  supplier?: string;
  downloadLocation: string;
  filesAnalyzed: false;
  checksums?: { algorithm: string; checksumValue: string }[];
  licenseConcluded: string;
  licenseDeclared: string;
  copyrightText: string;
  description?: string;
  externalRefs?: { referenceCategory: string; referenceType: string; referenceLocator: string }[];
  primaryPackagePurpose?: string;
  annotations?: { annotationDate: string; annotationType: 'OTHER'; annotator: string; comment: string }[];
}

interface OutDoc {
  SPDXID: 'SPDXRef-DOCUMENT';
  spdxVersion: 'SPDX-2.3';
  creationInfo: { created: string; creators: string[] };
  name: string;
  dataLicense: 'CC0-1.0';
  documentNamespace: string;
  annotations?: { annotationDate: string; annotationType: 'OTHER'; annotator: string; comment: string }[];
  packages: OutPackage[];
  hasExtractedLicensingInfos?: { licenseId: string; name: string; extractedText: string }[];
  relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
}

/** SPDX wants UTC with a Z and no fraction: 2024-01-02T03:04:05Z. */
function spdxDate(created: string | undefined, now: Date): string {
  const t = created ? Date.parse(created) : NaN;
  return (Number.isNaN(t) ? now : new Date(t)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const SPDXID_RE = /^SPDXRef-[A-Za-z0-9.-]+$/;

function slug(s: string): string {
  const x = s.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '');
  return x.length > 0 ? x : 'sbom';
}

const UUID_AT_END = /([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;

/** Builds the SPDX 2.3 document (as a plain object) that both encodings are written from. */
function buildDoc(sbom: Sbom, opts: SpdxWriteOptions): OutDoc {
  const now = opts.now ?? new Date();
  const created = spdxDate(sbom.created, now);
  const docName = sbom.name ?? sbom.subject?.name ?? 'sbom';
  const docProps = sbom.properties.filter((p) => p.name !== 'spdx:documentNamespace');
  const uri = (s: string | undefined): string | undefined => (s && /^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(s) && !s.includes('#') ? s : undefined);
  let namespace = opts.namespace ?? uri(sbom.properties.find((p) => p.name === 'spdx:documentNamespace')?.value) ?? uri(sbom.serialNumber);
  if (!namespace) {
    const uuid =
      (sbom.serialNumber && UUID_AT_END.exec(sbom.serialNumber)?.[1]?.toLowerCase()) ??
      (opts.now ? uuidFrom(JSON.stringify([docName, sbom.components, sbom.dependencies, now.toISOString()])) : randomUUID());
    namespace = `https://kubecomply.io/spdxdocs/${slug(docName)}-${uuid}`;
  }

  const creators: string[] = [];
  for (const a of sbom.authors) creators.push(/^(Person|Organization)\s*:/.test(a) ? a : `Person: ${a}`);
  for (const t of sbom.tools) {
    const sp = t.lastIndexOf(' ');
    creators.push(`Tool: ${sp > 0 ? `${t.slice(0, sp)}-${t.slice(sp + 1)}` : t}`);
  }
  if (!creators.some((c) => /^Tool:\s*kubecomply\b/.test(c))) creators.push(OWN_ANNOTATOR);

  const annotation = (p: Property) => ({ annotationDate: created, annotationType: 'OTHER' as const, annotator: OWN_ANNOTATOR, comment: annotationComment(p) });

  // SPDXIDs: the ref itself when it is a valid SPDXID, else a sanitised one (the bom-ref rides in an annotation).
  const ids = new RefAllocator();
  ids.take('SPDXRef-DOCUMENT', 'SPDXRef-DOCUMENT');
  const idOf = new Map<string, string>();
  const all: { c: Component; parent?: Component }[] = [];
  const walk = (cs: Component[], parent?: Component): void => {
    for (const c of cs) {
      all.push(parent ? { c, parent } : { c });
      if (c.components) walk(c.components, c);
    }
  };
  if (sbom.subject) {
    all.push({ c: sbom.subject });
    // The model nests components under the subject only rarely; SPDX can't tell those from top-level ones.
    if (sbom.subject.components) walk(sbom.subject.components);
  }
  walk(sbom.components);
  for (const { c } of all) {
    if (idOf.has(c.ref)) continue;
    const wanted = SPDXID_RE.test(c.ref) ? c.ref : `SPDXRef-${slug(c.ref)}`;
    idOf.set(c.ref, ids.take(wanted, 'SPDXRef-component'));
  }

  const extracted = new Map<string, { licenseId: string; name: string; extractedText: string }>();
  const refFor = (name: string): string => {
    for (const e of extracted.values()) if (e.name === name) return e.licenseId;
    let id = `LicenseRef-${licenseRefId(name)}`;
    for (let i = 2; extracted.has(id); i++) id = `LicenseRef-${licenseRefId(name)}-${i}`;
    extracted.set(id, { licenseId: id, name, extractedText: name });
    return id;
  };
  const term = (l: License): string => {
    if ('id' in l) return SIMPLE_ID.test(l.id) ? l.id : refFor(l.id);
    // A "name" that is an SPDX list id (Trivy writes license.name "MIT") is written as the id it is.
    if ('name' in l) return knownSpdxLicenseId(l.name, false) ? l.name : refFor(l.name);
    return l.expression;
  };

  const packages: OutPackage[] = [];
  const written = new Set<string>();
  for (const { c } of all) {
    const id = idOf.get(c.ref)!;
    if (written.has(id)) continue;
    written.add(id);
    const anns: Property[] = [];
    let expr = 'NOASSERTION';
    if (c.licenses.length === 1) expr = term(c.licenses[0]!);
    else if (c.licenses.length > 1) expr = c.licenses.map((l) => (('expression' in l && /\s/.test(l.expression)) ? `(${l.expression})` : term(l))).join(' AND ');
    const extractedNames = new Map([...extracted.values()].map((e) => [e.licenseId, { name: e.name }]));
    if (c.licenses.length > 0 && JSON.stringify(licensesFromExpression(expr, extractedNames)) !== JSON.stringify(c.licenses)) {
      anns.push({ name: 'kubecomply:cdx:licenses', value: JSON.stringify(c.licenses) });
    }
    const purpose = TYPE_TO_PURPOSE[c.type];
    if (!purpose) anns.push({ name: 'kubecomply:cdx:type', value: c.type });
    if (id !== c.ref) anns.push({ name: 'kubecomply:cdx:bom-ref', value: c.ref });
    if (c.group) anns.push({ name: 'kubecomply:cdx:group', value: c.group });
    let purposeOverride: string | undefined;
    let concluded = 'NOASSERTION';
    let download = 'NOASSERTION';
    const checksums: { algorithm: string; checksumValue: string }[] = c.hashes.map((h) => ({ algorithm: SPDX_ALG[h.alg], checksumValue: h.content }));
    const externalRefs: { referenceCategory: string; referenceType: string; referenceLocator: string }[] = [];
    if (c.purl) externalRefs.push({ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: c.purl });
    if (c.cpe) externalRefs.push({ referenceCategory: 'SECURITY', referenceType: c.cpe.startsWith('cpe:2.3:') ? 'cpe23Type' : 'cpe22Type', referenceLocator: c.cpe });
    for (const p of c.properties) {
      if (p.name === 'spdx:licenseConcluded') concluded = p.value;
      else if (p.name === 'spdx:primaryPackagePurpose' && LOSSY_PURPOSES.has(p.value)) purposeOverride = p.value;
      else if (p.name === 'spdx:downloadLocation') download = p.value;
      else if (p.name === 'spdx:purl' && !/\s/.test(p.value)) externalRefs.push({ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: p.value });
      else if (p.name === 'spdx:cpe' && !/\s/.test(p.value)) externalRefs.push({ referenceCategory: 'SECURITY', referenceType: p.value.startsWith('cpe:2.3:') ? 'cpe23Type' : 'cpe22Type', referenceLocator: p.value });
      else if (p.name.startsWith('spdx:checksum:') && SPDX_ONLY_ALGS.has(p.name.slice(14)) && /^[0-9a-fA-F]+$/.test(p.value)) checksums.push({ algorithm: p.name.slice(14), checksumValue: p.value });
      else anns.push(p);
    }
    const pkg: OutPackage = {
      SPDXID: id,
      name: c.name,
      downloadLocation: download,
      filesAnalyzed: false,
      licenseConcluded: concluded,
      licenseDeclared: expr,
      copyrightText: 'NOASSERTION',
    };
    if (c.version) pkg.versionInfo = c.version;
    if (c.supplier) pkg.supplier = /^(Person|Organization)\s*:/.test(c.supplier) ? c.supplier : `Organization: ${c.supplier}`;
    if (checksums.length > 0) pkg.checksums = checksums;
    if (c.description) pkg.description = c.description;
    if (externalRefs.length > 0) pkg.externalRefs = externalRefs;
    pkg.primaryPackagePurpose = purposeOverride ?? purpose ?? 'OTHER';
    if (anns.length > 0) pkg.annotations = anns.map(annotation);
    // Key order as SPDX tools write it.
    packages.push(pkg);
  }

  const relationships: OutDoc['relationships'] = [];
  const rel = (a: string, type: string, b: string): void => {
    relationships.push({ spdxElementId: a, relationshipType: type, relatedSpdxElement: b });
  };
  const docAnns: Property[] = [...docProps];
  if (sbom.subject) {
    const sid = idOf.get(sbom.subject.ref)!;
    rel('SPDXRef-DOCUMENT', 'DESCRIBES', sid);
    for (const c of sbom.subject.components ?? []) rel(sid, 'CONTAINS', idOf.get(c.ref)!);
    for (const c of sbom.components) rel(sid, 'CONTAINS', idOf.get(c.ref)!);
  } else {
    docAnns.push({ name: 'kubecomply:cdx:no-subject', value: 'true' });
    for (const c of sbom.components) rel('SPDXRef-DOCUMENT', 'DESCRIBES', idOf.get(c.ref)!);
  }
  for (const { c, parent } of all) if (parent) rel(idOf.get(parent.ref)!, 'CONTAINS', idOf.get(c.ref)!);
  for (const dep of normalizeDependencies(sbom.dependencies)) {
    const a = idOf.get(dep.ref);
    if (!a) continue;
    for (const x of dep.dependsOn) {
      const b = idOf.get(x);
      if (b && b !== a) rel(a, 'DEPENDS_ON', b);
    }
  }

  const doc: OutDoc = {
    SPDXID: 'SPDXRef-DOCUMENT',
    spdxVersion: 'SPDX-2.3',
    creationInfo: { created, creators },
    name: docName,
    dataLicense: 'CC0-1.0',
    documentNamespace: namespace,
    packages,
    relationships,
  };
  if (docAnns.length > 0) doc.annotations = docAnns.map(annotation);
  if (extracted.size > 0) doc.hasExtractedLicensingInfos = [...extracted.values()];
  return doc;
}

export function writeSpdxJson(sbom: Sbom, opts: SpdxWriteOptions = {}): string {
  const d = buildDoc(sbom, opts);
  const out: Record<string, unknown> = {
    SPDXID: d.SPDXID,
    spdxVersion: d.spdxVersion,
    creationInfo: d.creationInfo,
    name: d.name,
    dataLicense: d.dataLicense,
    documentNamespace: d.documentNamespace,
  };
  if (d.annotations) out.annotations = d.annotations;
  out.packages = d.packages;
  if (d.hasExtractedLicensingInfos) out.hasExtractedLicensingInfos = d.hasExtractedLicensingInfos;
  out.relationships = d.relationships;
  return JSON.stringify(out, null, 2) + '\n';
}

/** A tag-value value: on one line as is, else (or when it could be misread) wrapped in <text>…</text>. */
function tv(value: string): string {
  return /[\r\n]/.test(value) || value.startsWith('<text>') || value !== value.trim() ? `<text>${value}</text>` : value;
}

export function writeSpdxTagValue(sbom: Sbom, opts: SpdxWriteOptions = {}): string {
  const d = buildDoc(sbom, opts);
  const out: string[] = [];
  const line = (tag: string, value: string): void => {
    out.push(`${tag}: ${tv(value)}`);
  };
  const annotations = (anns: OutDoc['annotations'], target: string): void => {
    for (const a of anns ?? []) {
      line('Annotator', a.annotator);
      line('AnnotationDate', a.annotationDate);
      line('AnnotationType', a.annotationType);
      line('SPDXREF', target);
      out.push(`AnnotationComment: <text>${a.comment}</text>`);
    }
  };
  line('SPDXVersion', d.spdxVersion);
  line('DataLicense', d.dataLicense);
  line('SPDXID', d.SPDXID);
  line('DocumentName', d.name);
  line('DocumentNamespace', d.documentNamespace);
  for (const c of d.creationInfo.creators) line('Creator', c);
  line('Created', d.creationInfo.created);
  annotations(d.annotations, d.SPDXID);
  for (const p of d.packages) {
    out.push('', `##### Package: ${p.name.replace(/[\r\n]+/g, ' ')}`, '');
    line('PackageName', p.name);
    line('SPDXID', p.SPDXID);
    if (p.versionInfo) line('PackageVersion', p.versionInfo);
    if (p.supplier) line('PackageSupplier', p.supplier);
    line('PackageDownloadLocation', p.downloadLocation);
    line('FilesAnalyzed', 'false');
    for (const c of p.checksums ?? []) line('PackageChecksum', `${c.algorithm}: ${c.checksumValue}`);
    line('PackageLicenseConcluded', p.licenseConcluded);
    line('PackageLicenseDeclared', p.licenseDeclared);
    line('PackageCopyrightText', p.copyrightText);
    if (p.description) out.push(`PackageDescription: <text>${p.description}</text>`);
    for (const r of p.externalRefs ?? []) line('ExternalRef', `${r.referenceCategory} ${r.referenceType} ${r.referenceLocator}`);
    if (p.primaryPackagePurpose) line('PrimaryPackagePurpose', p.primaryPackagePurpose.replace('OPERATING_SYSTEM', 'OPERATING-SYSTEM'));
    annotations(p.annotations, p.SPDXID);
  }
  if (d.hasExtractedLicensingInfos) {
    out.push('', '##### Other licenses', '');
    for (const e of d.hasExtractedLicensingInfos) {
      line('LicenseID', e.licenseId);
      out.push(`ExtractedText: <text>${e.extractedText}</text>`);
      line('LicenseName', e.name);
    }
  }
  if (d.relationships.length > 0) {
    out.push('', '##### Relationships', '');
    for (const r of d.relationships) line('Relationship', `${r.spdxElementId} ${r.relationshipType} ${r.relatedSpdxElement}`);
  }
  return out.join('\n') + '\n';
}
