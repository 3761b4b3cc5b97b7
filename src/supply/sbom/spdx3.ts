/**
 * SPDX 3.0 JSON-LD (read only): `@context` + `@graph` of elements, as the SPDX 3 model (spdx/spdx-3-model) and
 * its JSON-LD context define them.
 *
 * - `software_Package`, `ai_AIPackage`, `dataset_DatasetPackage` and `software_File` elements become components
 *   (name, software_packageVersion, software_packageUrl or an externalIdentifier of type packageUrl, cpe23/cpe22
 *   identifiers, verifiedUsing Hash entries, suppliedBy's name, description, software_primaryPurpose).
 * - `Relationship` / `LifecycleScopedRelationship` (from, to[], relationshipType): `contains` nests, `dependsOn`,
 *   `hasDynamicLink`, `hasStaticLink`, `hasOptionalDependency`, `hasProvidedDependency`, `hasPrerequisite` are
 *   dependencies, `hasDeclaredLicense` / `hasConcludedLicense` point at `simplelicensing_LicenseExpression`
 *   elements, listed licenses (https://spdx.org/licenses/<id>) or custom licenses.
 * - The subject: the one package the SpdxDocument / software_Sbom names as rootElement (or `describes`).
 * - CreationInfo (inline or a blank node): created, createdBy → authors, createdUsing → tools.
 * Type names are matched on their local part, so prefixed (`software_Package`), bare (`Package`) and full-IRI
 * spellings all read.
 */
import { SbomError, emptySbom, type Component, type ComponentType, type Dependency, type Hash, type License, type Property, type Sbom } from './model.js';
import { RefAllocator, knownSpdxLicenseId, normalizeDependencies, normalizeHashAlg } from './cyclonedx.js';

type Node = Record<string, unknown>;

const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : typeof x === 'number' ? String(x) : undefined);
const isObj = (x: unknown): x is Node => typeof x === 'object' && x !== null && !Array.isArray(x);
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : x === undefined || x === null ? [] : [x]);

/** Local name of a type or property: strips an IRI, a `prefix:` and a profile prefix (`software_`). */
function local(name: string): string {
  let s = name;
  const cut = Math.max(s.lastIndexOf('/'), s.lastIndexOf('#'));
  if (cut >= 0) s = s.slice(cut + 1);
  const colon = s.lastIndexOf(':');
  if (colon >= 0) s = s.slice(colon + 1);
  const us = s.indexOf('_');
  if (us > 0) s = s.slice(us + 1);
  return s;
}

/** A property by local name: `software_packageUrl`, `packageUrl`, `spdx:Software/packageUrl` … */
function prop(n: Node, name: string): unknown {
  if (name in n) return n[name];
  for (const k of Object.keys(n)) if (local(k) === name) return n[k];
  return undefined;
}

const typeOf = (n: Node): string => local(str(n.type) ?? str(n['@type']) ?? '');
const idOf = (n: Node): string | undefined => str(n.spdxId) ?? str(n['@id']);
const refValue = (x: unknown): string | undefined => (isObj(x) ? idOf(x) : str(x));

const PURPOSE: Record<string, ComponentType> = {
  application: 'application',
  framework: 'framework',
  library: 'library',
  container: 'container',
  operatingSystem: 'operating-system',
  device: 'device',
  deviceDriver: 'device-driver',
  firmware: 'firmware',
  file: 'file',
  source: 'file',
  archive: 'file',
  model: 'machine-learning-model',
  data: 'data',
  install: 'application',
};

const DEPENDENCY_TYPES = new Set(['dependsOn', 'hasDynamicLink', 'hasStaticLink', 'hasOptionalDependency', 'hasProvidedDependency', 'hasPrerequisite']);
const PACKAGE_TYPES = new Set(['Package', 'AIPackage', 'DatasetPackage', 'File']);

export function isSpdx3(doc: unknown): boolean {
  if (!isObj(doc)) return false;
  const ctx = doc['@context'];
  const ctxText = JSON.stringify(ctx ?? '');
  return Array.isArray(doc['@graph']) && (/spdx/i.test(ctxText) || (doc['@graph'] as unknown[]).some((n) => isObj(n) && /SpdxDocument|software_/.test(String(n.type ?? n['@type']))));
}

export function parseSpdx3Object(doc: Node, file: string): Sbom {
  if (!Array.isArray(doc['@graph'])) throw new SbomError(file, 'an SPDX 3 JSON-LD document has an @graph array', undefined, '/@graph');
  const nodes = (doc['@graph'] as unknown[]).filter(isObj);
  const byId = new Map<string, Node>();
  for (const n of nodes) {
    const id = idOf(n);
    if (id && !byId.has(id)) byId.set(id, n);
  }
  const sbom = emptySbom();
  const creation = (n: Node): Node | undefined => {
    const ci = prop(n, 'creationInfo');
    if (isObj(ci)) return ci;
    const id = str(ci);
    return id ? byId.get(id) : undefined;
  };
  const agentName = (x: unknown): string | undefined => {
    const id = refValue(x);
    const n = id ? byId.get(id) : isObj(x) ? x : undefined;
    return n ? (str(prop(n, 'name')) ?? id) : id;
  };

  const docNode = nodes.find((n) => typeOf(n) === 'SpdxDocument');
  const anyCreation = (docNode && creation(docNode)) ?? nodes.map((n) => (typeOf(n) === 'CreationInfo' ? n : undefined)).find(isObj);
  const specVersion = (anyCreation && str(prop(anyCreation, 'specVersion'))) ?? /(\d+\.\d+(?:\.\d+)?)/.exec(JSON.stringify(doc['@context'] ?? ''))?.[1] ?? '3.0';
  sbom.source = { format: 'spdx', specVersion, encoding: 'json-ld' };
  if (docNode) {
    const id = idOf(docNode);
    if (id) sbom.serialNumber = id;
    const name = str(prop(docNode, 'name'));
    if (name) sbom.name = name;
  }
  if (anyCreation) {
    const created = str(prop(anyCreation, 'created'));
    if (created) sbom.created = created;
    for (const a of arr(prop(anyCreation, 'createdBy'))) {
      const n = agentName(a);
      if (n) sbom.authors.push(n);
    }
    for (const t of arr(prop(anyCreation, 'createdUsing'))) {
      const n = agentName(t);
      if (n) sbom.tools.push(n);
    }
  }

  // Licenses: element id → license list.
  const licenseOf = (target: string): License[] => {
    const n = byId.get(target);
    if (n) {
      const t = typeOf(n);
      if (t === 'LicenseExpression') {
        const e = str(prop(n, 'licenseExpression'))?.trim();
        if (!e || e === 'NOASSERTION' || e === 'NONE') return [];
        if (/^[A-Za-z0-9.+-]+$/.test(e) && !e.startsWith('LicenseRef-')) return knownSpdxLicenseId(e) ? [{ id: e }] : [{ name: e }];
        return [{ expression: e }];
      }
      if (t === 'ListedLicense') {
        const id = local(target);
        return id ? [{ id }] : [];
      }
      if (t === 'NoAssertionLicense' || t === 'NoneLicense') return [];
      const name = str(prop(n, 'name'));
      return name ? [{ name }] : [];
    }
    if (/^https?:\/\/spdx\.org\/licenses\/[A-Za-z0-9.+-]+$/.test(target)) return [{ id: target.slice(target.lastIndexOf('/') + 1) }];
    if (/NoAssertionLicense|NoneLicense/.test(target)) return [];
    return [];
  };

  const rels: { from: string; type: string; to: string[] }[] = [];
  for (const n of nodes) {
    const t = typeOf(n);
    if (t !== 'Relationship' && t !== 'LifecycleScopedRelationship') continue;
    const from = refValue(prop(n, 'from'));
    const type = local(str(prop(n, 'relationshipType')) ?? '');
    const to = arr(prop(n, 'to')).map(refValue).filter((x): x is string => !!x);
    if (from && type) rels.push({ from, type, to });
  }

  const elements = nodes.filter((n) => PACKAGE_TYPES.has(typeOf(n)) && idOf(n));
  const isElement = (id: string): boolean => {
    const n = byId.get(id);
    return !!n && PACKAGE_TYPES.has(typeOf(n));
  };

  // The subject: the root package.
  const roots: string[] = [];
  const addRoots = (n: Node | undefined): void => {
    if (!n) return;
    for (const r of arr(prop(n, 'rootElement'))) {
      const id = refValue(r);
      if (!id) continue;
      const target = byId.get(id);
      if (target && typeOf(target) === 'Sbom') addRoots(target);
      else if (isElement(id) && !roots.includes(id)) roots.push(id);
    }
  };
  addRoots(docNode);
  if (roots.length === 0) for (const n of nodes) if (typeOf(n) === 'Sbom') addRoots(n);
  if (roots.length === 0) {
    for (const r of rels) if (r.type === 'describes') for (const x of r.to) if (isElement(x) && !roots.includes(x)) roots.push(x);
  }
  const subjectId = roots.length === 1 && typeOf(byId.get(roots[0]!)!) !== 'File' ? roots[0] : undefined;

  const declared = new Map<string, License[]>();
  const concluded = new Map<string, License[]>();
  const parent = new Map<string, string>();
  const deps: Dependency[] = [];
  for (const r of rels) {
    if (r.type === 'hasDeclaredLicense' || r.type === 'hasConcludedLicense') {
      const m = r.type === 'hasDeclaredLicense' ? declared : concluded;
      const list = m.get(r.from) ?? [];
      for (const x of r.to) list.push(...licenseOf(x));
      m.set(r.from, list);
    } else if (r.type === 'contains') {
      for (const x of r.to) {
        if (x === r.from || parent.has(x) || !isElement(x) || !isElement(r.from) || x === subjectId || r.from === subjectId) continue;
        let cyclic = false;
        for (let p: string | undefined = r.from; p !== undefined; p = parent.get(p)) if (p === x) cyclic = true;
        if (!cyclic) parent.set(x, r.from);
      }
    } else if (DEPENDENCY_TYPES.has(r.type)) {
      for (const x of r.to) if (x !== r.from && isElement(x) && isElement(r.from)) deps.push({ ref: r.from, dependsOn: [x] });
    }
  }

  const refs = new RefAllocator();
  const refOf = new Map<string, string>();
  const comps = new Map<string, Component>();
  for (const n of elements) {
    const id = idOf(n)!;
    if (comps.has(id)) continue;
    const c = toComponent(n, id, agentName, declared.get(id), concluded.get(id));
    c.ref = refs.take(id, id);
    refOf.set(id, c.ref);
    comps.set(id, c);
  }
  for (const [id, c] of comps) {
    if (id === subjectId) continue;
    const p = parent.get(id);
    if (p !== undefined && comps.has(p)) (comps.get(p)!.components ??= []).push(c);
    else sbom.components.push(c);
  }
  if (subjectId) sbom.subject = comps.get(subjectId)!;
  sbom.dependencies = normalizeDependencies(deps.map((d) => ({ ref: refOf.get(d.ref)!, dependsOn: d.dependsOn.map((x) => refOf.get(x)!) })));
  return sbom;
}

function toComponent(
  n: Node,
  id: string,
  agentName: (x: unknown) => string | undefined,
  declared: License[] | undefined,
  concluded: License[] | undefined,
): Component {
  const t = typeOf(n);
  const purposeName = local(str(prop(n, 'primaryPurpose')) ?? '');
  let type: ComponentType = PURPOSE[purposeName] ?? (t === 'File' ? 'file' : t === 'AIPackage' ? 'machine-learning-model' : t === 'DatasetPackage' ? 'data' : 'library');
  if (t === 'AIPackage' && type === 'library') type = 'machine-learning-model';
  const hashes: Hash[] = [];
  const properties: Property[] = [];
  for (const v of arr(prop(n, 'verifiedUsing'))) {
    if (!isObj(v) || typeOf(v) !== 'Hash') continue;
    const alg = str(prop(v, 'algorithm'));
    const value = str(prop(v, 'hashValue'));
    if (!alg || !value) continue;
    const algName = alg.replace(/^.*[/#]/, '');
    const a = normalizeHashAlg(algName);
    const content = /^[0-9a-fA-F]+$/.test(value) ? value.toLowerCase() : value;
    if (a) {
      if (!hashes.some((h) => h.alg === a && h.content === content)) hashes.push({ alg: a, content });
    } else properties.push({ name: `spdx:checksum:${algName}`, value: content });
  }
  let purl = str(prop(n, 'packageUrl'));
  let cpe: string | undefined;
  for (const x of arr(prop(n, 'externalIdentifier'))) {
    if (!isObj(x)) continue;
    const kind = local(str(prop(x, 'externalIdentifierType')) ?? '');
    const value = str(prop(x, 'identifier'));
    if (!value) continue;
    if (kind === 'packageUrl') {
      if (!purl) purl = value;
      else if (value !== purl) properties.push({ name: 'spdx:purl', value });
    } else if (kind === 'cpe23' || kind === 'cpe22') {
      if (!cpe) cpe = value;
      else properties.push({ name: 'spdx:cpe', value });
    }
  }
  const licenses = declared && declared.length > 0 ? declared : (concluded ?? []);
  const comp: Component = { ref: id, type, name: str(prop(n, 'name')) ?? '', licenses, hashes, properties };
  const version = str(prop(n, 'packageVersion'));
  if (version) comp.version = version;
  if (purl) comp.purl = purl;
  if (cpe) comp.cpe = cpe;
  const supplier = prop(n, 'suppliedBy');
  if (supplier !== undefined) {
    const s = agentName(supplier);
    if (s) comp.supplier = s;
  }
  const description = str(prop(n, 'description')) ?? str(prop(n, 'summary'));
  if (description) comp.description = description;
  const download = str(prop(n, 'downloadLocation'));
  if (download && download !== 'NOASSERTION' && download !== 'NONE') properties.push({ name: 'spdx:downloadLocation', value: download });
  return comp;
}
