/**
 * Helpers for reading pod specs defensively: input comes straight from user files, so any field may
 * be missing or of the wrong type. Nothing here throws on odd input.
 */
import { isObject } from './inventory.js';
import type { JsonObject } from './types.js';

export { isObject };

export interface ContainerRef {
  container: JsonObject;
  /** Container name, or `<index>` when missing. */
  name: string;
  /** Path relative to the pod spec, e.g. `initContainers[0]`. */
  path: string;
  kind: 'initContainers' | 'containers' | 'ephemeralContainers';
}

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

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
export function containersOf(spec: JsonObject): ContainerRef[] {
  const out: ContainerRef[] = [];
  for (const kind of CONTAINER_LISTS) {
    const list = spec[kind];
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      if (!isObject(c)) continue;
      const name = typeof c.name === 'string' ? c.name : `<${kind}[${i}]>`;
      out.push({ container: c, name, path: `${kind}[${i}]`, kind });
    }
  }
  return out;
}

/** `obj.a.b.c` without throwing. */
export function get(obj: unknown, ...keys: string[]): unknown {
  let cur = obj;
  for (const k of keys) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
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
