/**
 * The per-document work of a scan: parse, classify, decide which per-resource controls judge each
 * resource, run them, and locate their findings. The main thread's engine takes what was decided here
 * and does the rest (every inventory-scoped control, and whatever could not be decided here).
 */
import { findControl } from '../controls/index.js';
import { extractPodSpecs, isObject, resourceName } from '../core/inventory.js';
import { CLUSTER_SCOPED_KINDS } from '../core/kinds.js';
import { concat } from '../core/path.js';
import { PRE_STATE, type CheckContext, type Control, type InventoryView, type JsonObject, type ObjectMeta, type Origin, type PodSpecRef, type Precomputed, type Resource, type ScanConfig, type Violation } from '../core/types.js';
import { classifyDocument } from '../sources/classify.js';
import { createLocator } from '../sources/locate.js';
import type { ProcessedOutcome } from '../sources/loader.js';
import { parseYamlDocument } from '../sources/yaml.js';

export interface HandlerInit {
  config: ScanConfig;
  /**
   * Ids of active built-in controls with scope 'resource', in the engine's order: their scope
   * predicates and checks run here (any other id is ignored).
   */
  controls: string[];
}

export interface BatchDoc {
  text: string;
  lineBase: number;
  docNo: number;
}

/** The inventory a per-resource control sees: its target only. Anything else is a scope violation. */
class SingleResourceView implements InventoryView {
  constructor(private readonly target: Resource) {}
  get resources(): readonly Resource[] {
    return [this.target];
  }
  podSpecsOf(r: Resource): readonly PodSpecRef[] {
    return (r.podSpecs ??= extractPodSpecs(r));
  }
  byKind(): readonly Resource[] {
    throw new Error('a resource-scoped control read other resources (byKind)');
  }
  inNamespace(): readonly Resource[] {
    throw new Error('a resource-scoped control read other resources (inNamespace)');
  }
  get(): Resource | undefined {
    throw new Error('a resource-scoped control read other resources (get)');
  }
  withLabel(): readonly Resource[] {
    throw new Error('a resource-scoped control read other resources (withLabel)');
  }
  namespaces(): readonly string[] {
    throw new Error('a resource-scoped control read other resources (namespaces)');
  }
  memo<T>(): T {
    throw new Error('a resource-scoped control read other resources (memo)');
  }
}

/** A resource as a handler sees it: where it sits in its file is only known on the main thread. */
class HandlerResource implements Resource {
  precomputed: Precomputed | undefined = undefined;
  podSpecs: readonly PodSpecRef[] | undefined = undefined;
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
    readonly name: string,
    readonly namespace: string | undefined,
    readonly metadata: ObjectMeta,
    readonly object: JsonObject,
    private readonly doc: number,
  ) {}
  /** Made only if a check asks (none should: findings are located here, from the document text). */
  get origin(): Origin {
    return { file: '', doc: this.doc, line: 0 };
  }
}

const S_RAN = PRE_STATE.ran.charCodeAt(0);
const S_RUN = PRE_STATE.run.charCodeAt(0);
const S_OUT = PRE_STATE.out.charCodeAt(0);
const S_NONE = PRE_STATE.none.charCodeAt(0);

interface Offloaded {
  control: Control;
  /** Index in the handler's ids (and in `Precomputed.state`). */
  index: number;
}

/** The built-in controls of the handler's ids that are resource-scoped: only those can run here. */
function offloaded(init: HandlerInit): Offloaded[] {
  const out: Offloaded[] = [];
  for (const id of init.controls) {
    const c = findControl(id);
    if (c !== undefined && c.scope === 'resource') out.push({ control: c, index: out.length });
  }
  return out;
}

const idLists = new WeakMap<HandlerInit, readonly string[]>();

/**
 * The controls a handler decides (`Precomputed.ids`), in its order: one array per configuration, on
 * every thread, so the engine can cache its plans by the array.
 */
export function offloadedIds(init: HandlerInit): readonly string[] {
  let ids = idLists.get(init);
  if (ids === undefined) idLists.set(init, (ids = Object.freeze(offloaded(init).map((o) => o.control.id))));
  return ids;
}

/**
 * Whether the control judges the resource: true or false, or undefined when its scope predicate
 * throws — because it reached for another resource (the single-resource view throws then) or failed.
 * Either way the engine then asks it again on the main thread, with the whole inventory, and treats
 * a failure as in scope exactly as it does for every other resource.
 */
function scopeOf(c: Control, r: Resource, ctx: CheckContext): boolean | undefined {
  if (c.inScope === undefined) return true;
  try {
    return c.inScope(r, ctx);
  } catch {
    return undefined;
  }
}

/**
 * Parses documents and runs the per-resource controls on what they hold, locating each finding:
 * the same work on the main thread and on every worker, done while each document is still hot in
 * the CPU cache. For every resource it also records, per control, what it decided (see PRE_STATE),
 * so that the engine neither asks scope predicates again nor re-runs checks.
 */
export function createDocumentHandler(init: HandlerInit): (filename: string, docs: readonly BatchDoc[]) => ProcessedOutcome[] {
  const all = offloaded(init);
  const ids = offloadedIds(init);
  const byKind = new Map<string, Offloaded[]>();
  const forKind = (kind: string): Offloaded[] => {
    let l = byKind.get(kind);
    if (!l) {
      l = all.filter((o) => o.control.appliesTo.includes('*') || o.control.appliesTo.includes(kind));
      // Bounded: kinds come from the input (custom resources).
      if (byKind.size < 10000) byKind.set(kind, l);
    }
    return l;
  };
  // One string per distinct state: resources alike share it (and its cached hash, for the engine's plan lookup).
  const states = new Map<string, string>();
  const codes = new Uint8Array(ids.length);

  const checkDocument = (text: string, lineBase: number, value: unknown, docNo: number): [number, Precomputed][] => {
    const c = classifyDocument(value, docNo);
    const out: [number, Precomputed][] = [];
    // Findings are created once, with their position filled in after one locate pass over the text.
    let pending: (number | string)[][] | undefined;
    let pendingPaths: string[] | undefined;
    for (const item of c.items) {
      const metadata = isObject(item.object.metadata) ? item.object.metadata : {};
      const r = new HandlerResource(
        item.apiVersion,
        item.kind,
        resourceName(metadata),
        // as the main thread decides it (custom kinds' scope from CRDs is unknown here; resource-scoped checks must not depend on it,
        // and the loader drops what was precomputed when a CRD in the input decides otherwise)
        CLUSTER_SCOPED_KINDS.has(item.kind) ? undefined : typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : init.config.defaultNamespace,
        metadata,
        item.object,
        docNo - 1,
      );
      const ctx: CheckContext = { config: init.config, inventory: new SingleResourceView(r) };
      codes.fill(S_NONE);
      const found: (number | string)[] = [];
      const prefix = item.itemIndex >= 0 ? `items[${item.itemIndex}]` : '';
      for (const o of forKind(item.kind)) {
        const scope = scopeOf(o.control, r, ctx);
        if (scope === undefined) continue; // S_NONE: the engine decides
        if (!scope) {
          codes[o.index] = S_OUT;
          continue;
        }
        let vs: Violation[];
        try {
          vs = o.control.check(r, ctx);
        } catch {
          // Left to the main thread, which reports the failure the same way for every resource.
          codes[o.index] = S_RUN;
          continue;
        }
        codes[o.index] = S_RAN;
        for (let v = 0; v < vs.length; v++) {
          found.push(o.index, vs[v].path, vs[v].message, 0, 0);
          (pendingPaths ??= []).push(prefix === '' ? vs[v].path : concat(prefix, vs[v].path));
        }
      }
      const key = String.fromCharCode.apply(null, codes as unknown as number[]);
      let state = states.get(key);
      if (state === undefined) {
        state = key;
        if (states.size < 10000) states.set(key, key);
      }
      if (found.length > 0) (pending ??= []).push(found);
      out.push([item.itemIndex, { ids, state, findings: found }]);
    }
    if (pending !== undefined && pendingPaths !== undefined) {
      const loc = createLocator(text, lineBase, 'yaml');
      const positions = loc.locate(pendingPaths);
      // Paths were added in the order of the findings, resource by resource.
      let k = 0;
      for (const found of pending) {
        for (let m = 0; m < found.length; m += 5) {
          found[m + 3] = positions[k].line;
          found[m + 4] = positions[k].column;
          k++;
        }
      }
    }
    return out;
  };

  return (filename, docs) => {
    const out: ProcessedOutcome[] = [];
    for (const d of docs) {
      if (d.text === '') {
        out.push({ ok: true, value: null, warnings: [] });
        continue;
      }
      const r = parseYamlDocument(d.text, filename);
      if (!r.ok || all.length === 0) {
        out.push(r);
        continue;
      }
      out.push({ ...r, precomputed: new Map(checkDocument(d.text, d.lineBase, r.value, d.docNo)) });
    }
    return out;
  };
}
