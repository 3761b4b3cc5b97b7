/**
 * Shared pieces of the workload controls: host paths, volume mounts, resource quantities and the
 * cross-resource indexes (LimitRanges, HorizontalPodAutoscalers, PodDisruptionBudgets), each built
 * once per inventory through `memo`.
 */
import { asArray, asObject, containersOf, get, type ContainerRef } from '../../core/podspec.js';
import type { InventoryView, JsonObject, PodSpecRef, Resource } from '../../core/types.js';
import { who } from '../helpers.js';

// ---------------------------------------------------------------- host paths

/** `/`, or `/a/b` with no empty, `.` or `..` segment, no trailing slash and no surrounding space. */
const CANONICAL_RE = /^(?:\/|(?:\/(?!\.\.?(?:\/|$))[^/\s][^/]*(?<!\s))+)$/;

/**
 * A Linux host path in canonical form: absolute, no empty, `.` or `..` segments, no trailing slash.
 * `..` is resolved lexically (the API server rejects it, but a scanner must not be fooled by it).
 * Undefined for empty or non-string input.
 */
export function normalizeHostPath(p: unknown): string | undefined {
  if (typeof p !== 'string') return undefined;
  // Fast path: most paths are already canonical.
  if (CANONICAL_RE.test(p)) return p;
  const t = p.trim();
  if (t === '') return undefined;
  const out: string[] = [];
  for (const seg of t.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}

/** `/var/run` is a symlink to `/run` on every current distribution: `/var/run/x` → `/run/x`. */
export function aliasVarRun(p: string): string {
  if (p === '/var/run') return '/run';
  return p.startsWith('/var/run/') ? p.slice(4) : p;
}

/** True when `p` is `base` or lies below it (on path boundaries). `base` is canonical. */
export function isAtOrBelow(p: string, base: string): boolean {
  if (base === '/') return true;
  return p === base || p.startsWith(base + '/');
}

/** One hostPath volume of a pod spec. */
export interface HostPathVolume {
  index: number;
  name: string;
  /** The path as written. */
  raw: string;
  /** Canonical form (see normalizeHostPath). */
  path: string;
}

// Cached on the pod spec itself, not in WeakMaps: admission makes short-lived pod specs per request, and
// WeakMap entries (ephemerons) make every young-generation GC copy and re-scan them.
const HOST_PATHS = Symbol('hostPathVolumes');
const MOUNTS = Symbol('mountsByVolume');
type Indexed = PodSpecRef & { [HOST_PATHS]?: HostPathVolume[]; [MOUNTS]?: Map<string, MountUse[]> };
const NO_HOST_PATHS: HostPathVolume[] = [];

/** Every hostPath volume whose path is a non-empty string (built once per pod spec). */
export function hostPathVolumes(ref: PodSpecRef): readonly HostPathVolume[] {
  let out = (ref as Indexed)[HOST_PATHS];
  if (out) return out;
  const vols = asArray(ref.spec.volumes);
  for (let i = 0; i < vols.length; i++) {
    const v = asObject(vols[i]);
    const hp = asObject(v?.hostPath);
    if (!v || !hp) continue;
    const path = normalizeHostPath(hp.path);
    if (path === undefined) continue;
    (out ??= []).push({ index: i, name: typeof v.name === 'string' ? v.name : String(i), raw: String(hp.path), path });
  }
  out ??= NO_HOST_PATHS;
  (ref as Indexed)[HOST_PATHS] = out;
  return out;
}

// ---------------------------------------------------------------- volume mounts

export interface MountUse {
  container: ContainerRef;
  mountPath: string;
  readOnly: boolean;
}

/** The containers (init, regular, ephemeral) that mount each volume, by volume name. */
export function mountsByVolume(ref: PodSpecRef): Map<string, MountUse[]> {
  let m = (ref as Indexed)[MOUNTS];
  if (m) return m;
  m = new Map();
  for (const c of containersOf(ref)) {
    for (const vm of asArray(c.container.volumeMounts)) {
      const o = asObject(vm);
      if (!o || typeof o.name !== 'string') continue;
      let list = m.get(o.name);
      if (!list) m.set(o.name, (list = []));
      list.push({ container: c, mountPath: typeof o.mountPath === 'string' ? o.mountPath : '', readOnly: o.readOnly === true });
    }
  }
  (ref as Indexed)[MOUNTS] = m;
  return m;
}

/** `mounted read-write by container "a" at /host` / `mounted read-only by …` / `not mounted by any container`. */
export function describeMounts(mounts: readonly MountUse[] | undefined): string {
  if (!mounts || mounts.length === 0) return 'not mounted by any container yet, though an ephemeral debug container could mount it';
  const parts = mounts.slice(0, 3).map((m) => `${who(m.container)}${m.mountPath ? ` at ${m.mountPath}` : ''}${m.readOnly ? ' read-only' : ' read-write'}`);
  if (mounts.length > 3) parts.push(`${mounts.length - 3} more`);
  return `mounted by ${parts.join(', ')}`;
}

// ---------------------------------------------------------------- quantities

const QUANTITY_RE = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:[eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

/** 'positive', 'zero' (zero or negative: no effective amount) or 'invalid' for a resource.Quantity value. */
export function quantitySign(v: unknown): 'positive' | 'zero' | 'invalid' {
  if (typeof v === 'number') return Number.isFinite(v) ? (v > 0 ? 'positive' : 'zero') : 'invalid';
  if (typeof v !== 'string') return 'invalid';
  const m = QUANTITY_RE.exec(v.trim());
  if (!m) return 'invalid';
  return Number(m[1]) > 0 ? 'positive' : 'zero';
}

// ---------------------------------------------------------------- LimitRange defaults

export interface NamespaceDefaults {
  /** Resources (cpu, memory, …) that containers get a default limit for. */
  limits: Set<string>;
  /** Resources that containers get a default request for. */
  requests: Set<string>;
  /** LimitRange names, for messages. */
  sources: string[];
}

/**
 * Per namespace, the container defaults LimitRanges inject at admission. With the API defaulting of
 * LimitRangeItem (type Container): a default limit comes from `default`, else `max`; a default
 * request from `defaultRequest`, else the default limit, else `min`.
 */
export function limitRangeDefaults(inv: InventoryView): ReadonlyMap<string, NamespaceDefaults> {
  return inv.memo('workload/limit-range-defaults', () => {
    const out = new Map<string, NamespaceDefaults>();
    for (const lr of inv.byKind('LimitRange')) {
      if (lr.namespace === undefined) continue;
      for (const item of asArray(get(lr.object, 'spec', 'limits'))) {
        const o = asObject(item);
        if (!o || o.type !== 'Container') continue;
        const add = (into: Set<string>, list: unknown): void => {
          const l = asObject(list);
          if (!l) return;
          for (const [k, v] of Object.entries(l)) if (quantitySign(v) === 'positive') into.add(k);
        };
        let d = out.get(lr.namespace);
        if (!d) out.set(lr.namespace, (d = { limits: new Set(), requests: new Set(), sources: [] }));
        if (!d.sources.includes(lr.name)) d.sources.push(lr.name);
        add(d.limits, o.default);
        add(d.limits, o.max);
        add(d.requests, o.defaultRequest);
        add(d.requests, o.default);
        add(d.requests, o.max);
        add(d.requests, o.min);
      }
    }
    return out;
  });
}

// ---------------------------------------------------------------- replicas and autoscalers

/** spec.replicas of a Deployment/StatefulSet: absent means 1. `invalid` holds a value of the wrong type. */
export function replicasOf(r: Resource): { value: number; explicit: boolean; invalid?: unknown } {
  const v = get(r.object, 'spec', 'replicas');
  if (v === undefined || v === null) return { value: 1, explicit: false };
  if (typeof v === 'number' && Number.isInteger(v)) return { value: v, explicit: true };
  return { value: 1, explicit: true, invalid: v };
}

export interface Autoscaler {
  name: string;
  /** spec.minReplicas (default 1). */
  minReplicas: number;
  /** spec.maxReplicas (0 when missing or invalid). */
  maxReplicas: number;
}

function targetKey(namespace: string | undefined, kind: string, name: string): string {
  return `${namespace ?? ''}\u0000${kind}\u0000${name}`;
}

const NO_AUTOSCALERS: readonly Autoscaler[] = Object.freeze([]);

/** HorizontalPodAutoscalers (any autoscaling/* version) by the workload they scale. */
export function autoscalersOf(inv: InventoryView, r: Resource): readonly Autoscaler[] {
  const idx = inv.memo('workload/hpa-by-target', () => {
    const m = new Map<string, Autoscaler[]>();
    for (const hpa of inv.byKind('HorizontalPodAutoscaler')) {
      const spec = asObject(hpa.object.spec);
      const target = asObject(spec?.scaleTargetRef);
      if (!spec || !target || typeof target.kind !== 'string' || typeof target.name !== 'string') continue;
      const min = spec.minReplicas;
      const max = spec.maxReplicas;
      const a: Autoscaler = {
        name: hpa.name,
        minReplicas: typeof min === 'number' && Number.isInteger(min) ? min : 1,
        maxReplicas: typeof max === 'number' && Number.isInteger(max) ? max : 0,
      };
      const key = targetKey(hpa.namespace, target.kind, target.name);
      let list = m.get(key);
      if (!list) m.set(key, (list = []));
      list.push(a);
    }
    return m;
  });
  return idx.get(targetKey(r.namespace, r.kind, r.name)) ?? NO_AUTOSCALERS;
}

// ---------------------------------------------------------------- PodDisruptionBudgets

export interface Budget {
  name: string;
  selector: unknown;
  /** policy/v1beta1: an empty selector selects nothing (policy/v1: everything). */
  emptySelectsNone: boolean;
  /** Why the budget protects nothing (minAvailable 0, maxUnavailable 100%), if it does not. */
  ineffective?: string;
}

function ineffectiveReason(spec: JsonObject): string | undefined {
  const min = spec.minAvailable;
  if (min === 0 || (typeof min === 'string' && /^\s*0+\s*%?\s*$/.test(min))) return `minAvailable: ${String(min)}`;
  const max = spec.maxUnavailable;
  if (typeof max === 'string' && /^\s*100\s*%\s*$/.test(max)) return `maxUnavailable: ${max}`;
  return undefined;
}

const NO_BUDGETS: readonly Budget[] = Object.freeze([]);

/** PodDisruptionBudgets by namespace. */
export function budgetsIn(inv: InventoryView, namespace: string | undefined): readonly Budget[] {
  const idx = inv.memo('workload/pdb-by-namespace', () => {
    const m = new Map<string, Budget[]>();
    for (const pdb of inv.byKind('PodDisruptionBudget')) {
      const spec = asObject(pdb.object.spec);
      if (!spec || pdb.namespace === undefined) continue;
      const b: Budget = { name: pdb.name, selector: spec.selector, emptySelectsNone: pdb.apiVersion === 'policy/v1beta1' };
      const why = ineffectiveReason(spec);
      if (why) b.ineffective = why;
      let list = m.get(pdb.namespace);
      if (!list) m.set(pdb.namespace, (list = []));
      list.push(b);
    }
    return m;
  });
  return namespace === undefined ? NO_BUDGETS : (idx.get(namespace) ?? NO_BUDGETS);
}

/** True when a Pod is run-to-completion: restartPolicy Never/OnFailure, or owned by a Job. */
export function isRunToCompletion(ref: PodSpecRef): boolean {
  const rp = ref.spec.restartPolicy;
  if (rp === 'Never' || rp === 'OnFailure') return true;
  for (const o of asArray(get(ref.resource.object, 'metadata', 'ownerReferences'))) {
    if (get(o, 'kind') === 'Job') return true;
  }
  return false;
}
