/**
 * Building blocks for controls. A control is metadata plus one pure check; these helpers cover the
 * common shapes so each control file holds only what is specific to it.
 */
import { WORKLOAD_KINDS } from '../core/kinds.js';
import { internConcat } from '../core/path.js';
import { asArray, containerSubject, isObject, type ContainerRef } from '../core/podspec.js';
import type { CheckContext, Control, PodSpecRef, Resource, Violation } from '../core/types.js';

export const NONE: Violation[] = Object.freeze([]) as unknown as Violation[];

/**
 * Namespaces the control plane owns (kube-system holds the distribution's control-plane and node
 * add-ons; kube-public and kube-node-lease hold no pods): not tenant namespaces.
 */
export const SYSTEM_NAMESPACES: ReadonlySet<string> = new Set(['kube-system', 'kube-public', 'kube-node-lease']);

/** True when a controller (ReplicaSet → Deployment, Job → CronJob, Pod → anything) manages the object: ownerReferences[].controller: true. */
export function hasController(r: Resource): boolean {
  return asArray(r.metadata.ownerReferences).some((o) => isObject(o) && o.controller === true);
}

/** Appends to a result that starts as the shared empty array: most checks find nothing. */
export function push(out: Violation[], path: string, message: string): Violation[] {
  if (out === NONE) out = [];
  out.push({ path, message });
  return out;
}

/** `a, b, c` — the first `max` values, then `, …` when there are more. */
export function shortList(values: readonly string[], max = 3): string {
  return values.slice(0, max).join(', ') + (values.length > max ? ', ...' : '');
}

/** Path of a field of a container, e.g. `spec.template.spec.containers[0]` + `image`. Interned. */
export function cpath(c: ContainerRef, rel: string): string {
  return internConcat(c.base, rel);
}

/** Path of a field of a pod spec. Interned. */
export function spath(ref: PodSpecRef, rel: string): string {
  return internConcat(ref.specPath, rel);
}

/** "container \"app\"", "init container \"setup\"", "ephemeral container \"debug\"". */
export function who(c: ContainerRef): string {
  return containerSubject(c);
}

export type ControlMeta = Omit<Control, 'check' | 'appliesTo' | 'scope'> & { appliesTo?: readonly string[]; scope?: 'resource' | 'inventory' };

/**
 * A control that checks the pod spec of every workload kind (Pod, Deployment, …, CronJob,
 * PodTemplate). `check` gets one pod spec at a time; paths must be full paths (use cpath/spath).
 * Scope defaults to 'resource': declare 'inventory' if the check reads other resources.
 */
export function workloadControl(meta: ControlMeta, check: (ref: PodSpecRef, r: Resource, ctx: CheckContext) => Violation[]): Control {
  return {
    ...meta,
    appliesTo: meta.appliesTo ?? WORKLOAD_KINDS,
    scope: meta.scope ?? 'resource',
    check(target: Resource, ctx: CheckContext): Violation[] {
      const refs = ctx.inventory.podSpecsOf(target);
      if (refs.length === 0) return NONE;
      if (refs.length === 1) return check(refs[0], target, ctx);
      return refs.flatMap((ref) => check(ref, target, ctx));
    },
  };
}

/** A control over other kinds; `scope` must be given ('resource' only if the check reads its target alone). */
export function resourceControl(meta: ControlMeta & { appliesTo: readonly string[]; scope: 'resource' | 'inventory' }, check: (r: Resource, ctx: CheckContext) => Violation[]): Control {
  return { ...meta, check };
}
