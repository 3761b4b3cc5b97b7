import { POD_SPEC_LOCATIONS } from './kinds.js';
import type { InventoryView, JsonObject, ObjectMeta, PodSpecRef, Resource } from './types.js';

const EMPTY: readonly never[] = Object.freeze([]);

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * All resources of a scan, indexed once by kind, namespace and name. The label index and pod-spec
 * extraction are built on first use, then kept.
 */
export class Inventory implements InventoryView {
  readonly resources: Resource[] = [];
  private readonly kindIndex = new Map<string, Resource[]>();
  private readonly nsIndex = new Map<string, Resource[]>();
  private readonly keyIndex = new Map<string, Resource>();
  private labelIndex: Map<string, Resource[]> | undefined;
  private readonly memos = new Map<string, unknown>();

  constructor(resources: Iterable<Resource> = []) {
    for (const r of resources) this.add(r);
  }

  add(r: Resource): void {
    this.resources.push(r);
    let k = this.kindIndex.get(r.kind);
    if (!k) this.kindIndex.set(r.kind, (k = []));
    k.push(r);
    if (r.namespace !== undefined) {
      let n = this.nsIndex.get(r.namespace);
      if (!n) this.nsIndex.set(r.namespace, (n = []));
      n.push(r);
    }
    const key = keyOf(r.kind, r.namespace, r.name);
    // Later duplicates replace earlier ones for lookup (as `kubectl apply` of the same stream would).
    this.keyIndex.set(key, r);
    this.labelIndex = undefined;
    this.memos.clear();
  }

  memo<T>(key: string, build: () => T): T {
    if (this.memos.has(key)) return this.memos.get(key) as T;
    const v = build();
    this.memos.set(key, v);
    return v;
  }

  get size(): number {
    return this.resources.length;
  }

  kinds(): string[] {
    return [...this.kindIndex.keys()];
  }

  byKind(kind: string): readonly Resource[] {
    return this.kindIndex.get(kind) ?? EMPTY;
  }

  inNamespace(namespace: string): readonly Resource[] {
    return this.nsIndex.get(namespace) ?? EMPTY;
  }

  namespaces(): readonly string[] {
    return [...this.nsIndex.keys()];
  }

  get(kind: string, namespace: string | undefined, name: string): Resource | undefined {
    return this.keyIndex.get(keyOf(kind, namespace, name));
  }

  /** Resources carrying label `key` (with `value`, if given). */
  withLabel(key: string, value?: string): readonly Resource[] {
    if (!this.labelIndex) {
      const idx = new Map<string, Resource[]>();
      for (const r of this.resources) {
        const labels = r.metadata.labels;
        if (!isObject(labels)) continue;
        for (const [k, v] of Object.entries(labels)) {
          for (const ik of [k, `${k}=${String(v)}`]) {
            let a = idx.get(ik);
            if (!a) idx.set(ik, (a = []));
            a.push(r);
          }
        }
      }
      this.labelIndex = idx;
    }
    return this.labelIndex.get(value === undefined ? key : `${key}=${value}`) ?? EMPTY;
  }

  podSpecsOf(r: Resource): readonly PodSpecRef[] {
    // Cached on the resource itself: a WeakMap of every resource would weigh on each full GC.
    return (r.podSpecs ??= extractPodSpecs(r));
  }
}

function keyOf(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}\u0000${namespace ?? ''}\u0000${name}`;
}

/** The display name of an object: metadata.name, else `generateName*`, else `<unnamed>`. */
export function resourceName(metadata: ObjectMeta): string {
  if (typeof metadata.name === 'string' && metadata.name !== '') return metadata.name;
  if (typeof metadata.generateName === 'string' && metadata.generateName !== '') return `${metadata.generateName}*`;
  return '<unnamed>';
}

/** The value at a path of keys, undefined when a step is missing or not an object. */
export function dig(obj: JsonObject, path: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const k of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

// Joined once: the same path strings for every resource of a kind.
const SPEC_PATHS: Record<string, string> = Object.fromEntries(Object.entries(POD_SPEC_LOCATIONS).map(([k, v]) => [k, v[0].join('.')]));
const META_PATHS: Record<string, string> = Object.fromEntries(Object.entries(POD_SPEC_LOCATIONS).map(([k, v]) => [k, v[1].join('.')]));

/** Finds the pod spec of a workload (Pod, Deployment, …, CronJob, PodTemplate). */
export function extractPodSpecs(r: Resource): readonly PodSpecRef[] {
  const loc = POD_SPEC_LOCATIONS[r.kind];
  if (!loc) return EMPTY;
  const spec = dig(r.object, loc[0]);
  if (!isObject(spec)) return EMPTY;
  const meta = dig(r.object, loc[1]);
  return [
    {
      resource: r,
      spec,
      meta: isObject(meta) ? meta : {},
      specPath: SPEC_PATHS[r.kind],
      metaPath: META_PATHS[r.kind],
      containers: undefined,
    },
  ];
}
