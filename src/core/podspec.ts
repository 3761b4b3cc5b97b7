/**
 * Helpers for reading pod specs defensively: input comes straight from user files, so any field may
 * be missing or of the wrong type. Nothing here throws on odd input.
 */
import { isObject } from './inventory.js';
import { internConcat } from './path.js';
import type { JsonObject, PodSpecRef } from './types.js';

export { isObject };

export interface ContainerRef {
  container: JsonObject;
  /** The container's securityContext when it is an object. */
  sc: JsonObject | undefined;
  /** Container name, or `<index>` when missing. */
  name: string;
  /** Path relative to the pod spec, e.g. `initContainers[0]`. */
  path: string;
  /** Full path in the resource, e.g. `spec.template.spec.initContainers[0]`. */
  base: string;
  kind: 'initContainers' | 'containers' | 'ephemeralContainers';
  /** "container \"app\"" and the like, once asked for (see containerSubject). */
  subject?: string;
}

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/**
 * `containers[0]` … for the first indexes of each list, built once: every review builds its containers'
 * paths, and constant strings (their hash computed once) make the intern lookups on them cheap.
 */
const PATH_TABLE_SIZE = 32;
const CONTAINER_PATHS: Readonly<Record<(typeof CONTAINER_LISTS)[number], readonly string[]>> = {
  initContainers: Array.from({ length: PATH_TABLE_SIZE }, (_, i) => `initContainers[${i}]`),
  containers: Array.from({ length: PATH_TABLE_SIZE }, (_, i) => `containers[${i}]`),
  ephemeralContainers: Array.from({ length: PATH_TABLE_SIZE }, (_, i) => `ephemeralContainers[${i}]`),
};

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function asObject(v: unknown): JsonObject | undefined {
  return isObject(v) ? v : undefined;
}

export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * Every container of a pod spec in the order the Pod Security admission library visits them:
 * init containers, containers, ephemeral containers.
 */
export function containersOf(ref: PodSpecRef): ContainerRef[] {
  // Every check walks the same containers: build the list once per pod spec.
  if (ref.containers) return ref.containers as ContainerRef[];
  const spec = ref.spec;
  const out: ContainerRef[] = [];
  for (const kind of CONTAINER_LISTS) {
    const list = spec[kind];
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      if (!isObject(c)) continue;
      const name = typeof c.name === 'string' ? c.name : `<${kind}[${i}]>`;
      const sc = isObject(c.securityContext) ? c.securityContext : undefined;
      const path = i < PATH_TABLE_SIZE ? CONTAINER_PATHS[kind][i] : `${kind}[${i}]`;
      // subject starts undefined (filled on demand) so that every ContainerRef has the same shape.
      out.push({ container: c, sc, name, path, base: internConcat(ref.specPath, path), kind, subject: undefined });
    }
  }
  ref.containers = out;
  return out;
}

/** The images the containers of these pod specs run (init, regular, ephemeral), with the path of each image field. */
export function containerImages(specs: readonly PodSpecRef[]): { image: string; path: string }[] {
  const out: { image: string; path: string }[] = [];
  for (const ps of specs) {
    for (const c of containersOf(ps)) {
      const image = c.container.image;
      if (typeof image === 'string' && image !== '') out.push({ image, path: `${c.base}.image` });
    }
  }
  return out;
}

/**
 * "container \"app\"", "init container \"setup\"", "ephemeral container \"debug\"": how messages name a
 * container. Computed once per container: several checks name the same container in their findings.
 */
export function containerSubject(c: ContainerRef): string {
  let s = c.subject;
  if (s === undefined) {
    const what = c.kind === 'initContainers' ? 'init container' : c.kind === 'ephemeralContainers' ? 'ephemeral container' : 'container';
    c.subject = s = `${what} ${JSON.stringify(c.name)}`;
  }
  return s;
}

/** `obj.a.b.c` without throwing. */
export function get(obj: unknown, k1: string, k2?: string, k3?: string, k4?: string): unknown {
  if (!isObject(obj)) return undefined;
  let cur = obj[k1];
  if (k2 === undefined) return cur;
  if (!isObject(cur)) return undefined;
  cur = cur[k2];
  if (k3 === undefined) return cur;
  if (!isObject(cur)) return undefined;
  cur = cur[k3];
  if (k4 === undefined) return cur;
  if (!isObject(cur)) return undefined;
  return cur[k4];
}

/** True when a field is present and not null (what a Go pointer being non-nil means after decoding). */
export function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** `pluralize("container", "containers", n)` */
export function plural(singular: string, pluralForm: string, n: number): string {
  return n === 1 ? singular : pluralForm;
}

export function quote(s: string): string {
  return JSON.stringify(s);
}
