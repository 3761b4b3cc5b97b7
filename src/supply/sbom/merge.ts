/**
 * Layered product SBOM: `kubecomply sbom merge --layer os=os.json --layer kubernetes=k8s.json …`.
 *
 * The result describes the product (the subject, type `platform`). Beneath it there is one component
 * per layer (ref `layer:<name>`, type from the layer SBOM's subject when it is a fitting kind, else
 * `platform`), and each layer's components are nested beneath their layer component, nesting kept.
 *
 * De-duplication:
 * - by purl (normalised: qualifier order and encoding do not matter), across and within layers. The
 *   first occurrence, in the order the layers are given, keeps the component; later duplicates are
 *   dropped, their refs point to the kept component in the dependency graph, and the children of a
 *   dropped component move up to where it was;
 * - components without a purl by (group, name, version, hashes), within a layer only — across layers
 *   nothing says they are the same thing.
 *
 * Layer membership: every component carries exactly one `kubecomply:layer` property, the layer that
 * kept it (so "the component's layer" stays a single value), plus one `kubecomply:also-in-layer`
 * property for every later layer that contained it too. Layer properties a component already had
 * (an SBOM that was itself merged) are replaced.
 *
 * bom-refs stay unique in the document: a ref already taken (by an earlier layer, or by the
 * product/layer refs) is prefixed with the layer name (`platform:<ref>`), numbered if that is taken too.
 *
 * Dependency graph: every layer's edges are kept, remapped to the new refs (edges to refs the layer
 * does not define are dropped, self-edges that de-duplication creates too); the product depends on
 * the layers; a layer depends on what its SBOM's subject directly depends on when the SBOM says so,
 * else on all its top-level components. Components get a dependency entry only where their input
 * had one (CycloneDX reads a missing entry as "unknown", an empty one as "none").
 */
import { TOOL } from '../../core/version.js';
import { formatPurl, parsePurl } from '../purl.js';
import type { Component, ComponentType, Dependency, Property, Sbom } from './model.js';

export interface MergeLayer {
  /** Layer name: os, kubernetes, platform … */
  name: string;
  sbom: Sbom;
  /** The file the layer was read from (recorded on the layer component). */
  file?: string;
}

export interface MergeOptions {
  /** Product name (default `product`). */
  name?: string;
  version?: string;
  /** Creation time (default: now). */
  now?: Date;
}

export const LAYER_PROPERTY = 'kubecomply:layer';
export const ALSO_IN_LAYER_PROPERTY = 'kubecomply:also-in-layer';

/** Subject types a layer component may take over; anything else becomes `platform`. */
const LAYER_TYPES: ReadonlySet<ComponentType> = new Set(['platform', 'operating-system', 'application', 'container', 'firmware', 'framework']);

function validateNames(layers: readonly MergeLayer[]): void {
  if (layers.length === 0) throw new Error('sbom merge: at least one layer is required');
  const seen = new Map<string, number>();
  layers.forEach((l, i) => {
    const where = `layer ${i + 1}${l.file ? ` (${l.file})` : ''}`;
    if (typeof l.name !== 'string' || l.name.trim() === '') throw new Error(`sbom merge: ${where} has an empty name`);
    if (l.name.trim() !== l.name || /[\s\u0000-\u001f\u007f]/.test(l.name)) {
      throw new Error(`sbom merge: ${where} name ${JSON.stringify(l.name)} must not contain whitespace or control characters`);
    }
    const key = l.name.toLowerCase();
    const prev = seen.get(key);
    if (prev !== undefined) throw new Error(`sbom merge: duplicate layer name ${JSON.stringify(l.name)} (layers ${prev + 1} and ${i + 1})`);
    seen.set(key, i);
  });
}

function normalisedPurl(purl: string | undefined): string | undefined {
  if (!purl) return undefined;
  const p = parsePurl(purl);
  return p ? formatPurl(p) : undefined;
}

function contentKey(c: Component): string {
  const hashes = c.hashes
    .map((h) => `${h.alg}:${h.content.toLowerCase()}`)
    .sort()
    .join(',');
  return [c.group ?? '', c.name, c.version ?? '', hashes].join('\u0000');
}

/** Edges in insertion order, de-duplicated. */
class Graph {
  private readonly edges = new Map<string, Set<string>>();
  declare(ref: string): Set<string> {
    let s = this.edges.get(ref);
    if (!s) this.edges.set(ref, (s = new Set()));
    return s;
  }
  add(from: string, to: string): void {
    const s = this.declare(from);
    if (from !== to) s.add(to);
  }
  toList(): Dependency[] {
    return [...this.edges].map(([ref, to]) => ({ ref, dependsOn: [...to] }));
  }
}

export function mergeLayers(layers: readonly MergeLayer[], opts: MergeOptions = {}): Sbom {
  validateNames(layers);
  const productName = opts.name ?? 'product';
  const productRef = `product:${productName}`;
  const used = new Set<string>([productRef, ...layers.map((l) => `layer:${l.name}`)]);
  const byPurl = new Map<string, Component>();
  const graph = new Graph();
  const layerComponents: Component[] = [];

  const uniqueRef = (ref: string, layer: string): string => {
    if (ref !== '' && !used.has(ref)) {
      used.add(ref);
      return ref;
    }
    const base = `${layer}:${ref === '' ? 'component' : ref}`;
    let candidate = base;
    for (let n = 2; used.has(candidate); n++) candidate = `${base}#${n}`;
    used.add(candidate);
    return candidate;
  };

  const productDeps = graph.declare(productRef);
  for (const layer of layers) {
    const layerRef = `layer:${layer.name}`;
    productDeps.add(layerRef);
    const refMap = new Map<string, string>();
    const subject = layer.sbom.subject;
    if (subject) refMap.set(subject.ref, layerRef);
    const byContent = new Map<string, Component>();

    const place = (c: Component, out: Component[]): void => {
      const purlKey = normalisedPurl(c.purl);
      const twin = purlKey !== undefined ? byPurl.get(purlKey) : byContent.get(contentKey(c));
      if (twin) {
        if (!refMap.has(c.ref)) refMap.set(c.ref, twin.ref);
        const primary = twin.properties.find((p) => p.name === LAYER_PROPERTY)?.value;
        if (primary !== layer.name && !twin.properties.some((p) => p.name === ALSO_IN_LAYER_PROPERTY && p.value === layer.name)) {
          twin.properties.push({ name: ALSO_IN_LAYER_PROPERTY, value: layer.name });
        }
        for (const child of c.components ?? []) place(child, out);
        return;
      }
      const properties: Property[] = c.properties.filter((p) => p.name !== LAYER_PROPERTY && p.name !== ALSO_IN_LAYER_PROPERTY).map((p) => ({ ...p }));
      properties.push({ name: LAYER_PROPERTY, value: layer.name });
      const copy: Component = { ...c, ref: uniqueRef(c.ref, layer.name), licenses: [...c.licenses], hashes: [...c.hashes], properties };
      delete copy.components;
      if (!refMap.has(c.ref)) refMap.set(c.ref, copy.ref);
      if (purlKey !== undefined) byPurl.set(purlKey, copy);
      else byContent.set(contentKey(c), copy);
      out.push(copy);
      if (c.components && c.components.length > 0) {
        const children: Component[] = [];
        for (const child of c.components) place(child, children);
        if (children.length > 0) copy.components = children;
      }
    };

    const nested: Component[] = [];
    for (const c of layer.sbom.components) place(c, nested);

    const properties: Property[] = [{ name: LAYER_PROPERTY, value: layer.name }];
    if (subject) {
      properties.push({ name: 'kubecomply:layer:subject-name', value: subject.name });
      if (subject.version) properties.push({ name: 'kubecomply:layer:subject-version', value: subject.version });
      if (subject.purl) properties.push({ name: 'kubecomply:layer:subject-purl', value: subject.purl });
    }
    if (layer.file) properties.push({ name: 'kubecomply:layer:file', value: layer.file });
    const lc: Component = {
      ref: layerRef,
      type: subject && LAYER_TYPES.has(subject.type) ? subject.type : 'platform',
      name: layer.name,
      licenses: [],
      hashes: [],
      properties,
    };
    if (subject?.version) lc.version = subject.version;
    lc.description = subject ? `${layer.name} layer: ${subject.name}${subject.version ? ` ${subject.version}` : ''}` : `${layer.name} layer`;
    if (nested.length > 0) lc.components = nested;
    layerComponents.push(lc);

    // The layer's own graph, remapped.
    graph.declare(layerRef);
    let subjectDeclared = false;
    for (const d of layer.sbom.dependencies) {
      const from = refMap.get(d.ref);
      if (from === undefined) continue;
      if (from === layerRef) subjectDeclared = true;
      graph.declare(from);
      for (const t of d.dependsOn) {
        const to = refMap.get(t);
        if (to !== undefined) graph.add(from, to);
      }
    }
    if (!subjectDeclared) {
      for (const c of layer.sbom.components) {
        const to = refMap.get(c.ref);
        if (to !== undefined) graph.add(layerRef, to);
      }
    }
  }

  const subject: Component = { ref: productRef, type: 'platform', name: productName, licenses: [], hashes: [], properties: [] };
  if (opts.version !== undefined) subject.version = opts.version;
  const tool = `${TOOL.name} ${TOOL.version}`;
  const tools = [...new Set([...layers.flatMap((l) => l.sbom.tools), tool])];
  const authors = [...new Set(layers.flatMap((l) => l.sbom.authors))];
  return {
    name: productName,
    created: (opts.now ?? new Date()).toISOString(),
    tools,
    authors,
    subject,
    components: layerComponents,
    dependencies: graph.toList(),
    properties: [{ name: 'kubecomply:layers', value: layers.map((l) => l.name).join(',') }],
  };
}
