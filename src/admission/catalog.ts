/**
 * The catalog controls at admission: the same controls, engine and inventory as `kubecomply scan`,
 * on a one-object inventory. Only controls with scope 'resource' take part — the others read other
 * resources (RBAC bindings, NetworkPolicies, PodDisruptionBudgets …), which an admission request
 * does not carry. Selection, gating and grouping by kind happen once per decider.
 */
import { BUILTIN_CONTROLS } from '../controls/index.js';
import { selectControls } from '../controls/select.js';
import { prepareEngine, selectActive } from '../core/engine.js';
import { dig, extractPodSpecs, isObject, resourceName } from '../core/inventory.js';
import { CLUSTER_SCOPED_KINDS, isWorkloadKind, POD_SPEC_LOCATIONS } from '../core/kinds.js';
import { asArray, asObject } from '../core/podspec.js';
import type { CheckContext, Control, InventoryView, JsonObject, ObjectMeta, PodSpecRef, Resource, ScanConfig, Violation } from '../core/types.js';
import { metaOf } from './request.js';
import { firstLine } from './format.js';
import type { AdmissionRequest, AdmissionViolation } from './types.js';

export interface CatalogSelection {
  /** Controls evaluated at admission (scope 'resource', active at the configured Pod Security level and version). */
  controls: Control[];
  /** Selected controls left out because they need cluster state (scope 'inventory'). */
  needInventory: Control[];
  /** Selected controls that do not apply at this configuration (e.g. restricted-only checks at baseline). */
  inactive: Control[];
  /** Patterns in admission.controls that name no control. */
  unknown: string[];
}

/**
 * Picks admission.controls from `catalog` (default: the built-in catalog, as `scan` has it). Unknown
 * ids are reported, not thrown: the configuration file was validated when it was loaded.
 */
export function selectAdmissionControls(patterns: readonly string[], config: ScanConfig, catalog: readonly Control[] = BUILTIN_CONTROLS): CatalogSelection {
  const { controls } = selectControls(catalog, { include: patterns });
  const known = [...catalog, ...BUILTIN_CONTROLS];
  const unknown = patterns.filter((p) => selectControls(known, { include: [p] }).controls.length === 0);
  // An empty list selects nothing here (selectControls would read it as "everything").
  const selected = patterns.length === 0 ? [] : controls;
  const resource = selected.filter((c) => c.scope === 'resource');
  const active = selectActive(resource, config);
  return {
    controls: active,
    needInventory: selected.filter((c) => c.scope !== 'resource'),
    inactive: resource.filter((c) => !active.includes(c)),
    unknown,
  };
}

/** `apps/v1` from a request's kind. */
export function apiVersionOf(kind: { group: string; version: string }): string {
  return kind.group ? `${kind.group}/${kind.version}` : kind.version;
}

/**
 * The object of a request as a scan would have read it from a manifest: the same name, namespace and
 * metadata rules (src/sources/loader.ts), with the request's kind when the object carries none.
 */
export function toResource(object: JsonObject, kind: { group: string; version: string; kind: string }, namespace: string | undefined): Resource {
  const apiVersion = typeof object.apiVersion === 'string' && object.apiVersion !== '' ? object.apiVersion : apiVersionOf(kind);
  const obj = object.kind === kind.kind && object.apiVersion === apiVersion ? object : { ...object, apiVersion, kind: kind.kind };
  const metadata = (isObject(obj.metadata) ? obj.metadata : {}) as ObjectMeta;
  const name = resourceName(metadata);
  return {
    apiVersion,
    kind: kind.kind,
    name,
    namespace: CLUSTER_SCOPED_KINDS.has(kind.kind) ? undefined : namespace,
    metadata,
    object: obj,
    origin: { file: '<admission>', doc: 0, line: 0 },
    precomputed: undefined,
    podSpecs: undefined,
  };
}

// ------------------------------------------------------------------ which updates are judged

/** Structural equality of JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!jsonEqual((a as JsonObject)[k], (b as JsonObject)[k])) return false;
  }
  return true;
}

const SECCOMP_CONTAINER_ANNOTATION = 'container.seccomp.security.alpha.kubernetes.io/';

/** pod-security-admission's isSignificantContainerUpdate: the image, or the container's seccomp annotation. */
function significantContainerUpdate(c: unknown, old: unknown, ann: JsonObject, oldAnn: JsonObject): boolean {
  const a = isObject(c) ? c : {};
  const b = isObject(old) ? old : {};
  if (!jsonEqual(a.image, b.image)) return true;
  return !jsonEqual(ann[`${SECCOMP_CONTAINER_ANNOTATION}${String(a.name)}`], oldAnn[`${SECCOMP_CONTAINER_ANNOTATION}${String(b.name)}`]);
}

/**
 * pod-security-admission's isSignificantPodUpdate (admission.go): a pod update is judged when the
 * number of containers or init containers changes, an image or a container's seccomp annotation
 * changes, or an ephemeral container is added or changed. Everything else a pod update may change
 * (labels, annotations, tolerations, activeDeadlineSeconds …) cannot make it less compliant.
 */
export function isSignificantPodUpdate(pod: JsonObject, oldPod: JsonObject): boolean {
  const spec = isObject(pod.spec) ? pod.spec : {};
  const oldSpec = isObject(oldPod.spec) ? oldPod.spec : {};
  const ann = asObject(metaOf(pod).annotations) ?? {};
  const oldAnn = asObject(metaOf(oldPod).annotations) ?? {};
  for (const list of ['containers', 'initContainers'] as const) {
    const a = asArray(spec[list]);
    const b = asArray(oldSpec[list]);
    if (a.length !== b.length) return true;
    for (let i = 0; i < a.length; i++) if (significantContainerUpdate(a[i], b[i], ann, oldAnn)) return true;
  }
  const oldEphemeral = asArray(oldSpec.ephemeralContainers);
  for (const c of asArray(spec.ephemeralContainers)) {
    const name = isObject(c) ? c.name : undefined;
    const old = oldEphemeral.find((o) => isObject(o) && o.name === name);
    if (old === undefined) return true;
    if (significantContainerUpdate(c, old, ann, oldAnn)) return true;
  }
  return false;
}

/**
 * Whether an UPDATE is judged by the catalog, and why not. Pods follow Pod Security admission; other
 * workloads are judged when their pod template changes (the pod spec, or the template's annotations,
 * which carry the legacy seccomp and AppArmor settings), as PSA exempts updates that leave the pod
 * spec alone; other kinds when anything but their status and bookkeeping metadata changes.
 */
export function updateIsJudged(kind: string, object: JsonObject, oldObject: JsonObject): { judged: true } | { judged: false; reason: string } {
  if (kind === 'Pod') {
    return isSignificantPodUpdate(object, oldObject) ? { judged: true } : { judged: false, reason: 'pod update changes no image, container or seccomp annotation (as Pod Security admission)' };
  }
  if (isWorkloadKind(kind)) {
    const [specPath, metaPath] = POD_SPEC_LOCATIONS[kind];
    const sameSpec = jsonEqual(dig(object, specPath), dig(oldObject, specPath));
    const sameAnn = jsonEqual(dig(object, [...metaPath, 'annotations']), dig(oldObject, [...metaPath, 'annotations']));
    return sameSpec && sameAnn ? { judged: false, reason: 'update leaves the pod template unchanged' } : { judged: true };
  }
  for (const k of new Set([...Object.keys(object), ...Object.keys(oldObject)])) {
    if (k === 'metadata' || k === 'status') continue;
    if (!jsonEqual(object[k], oldObject[k])) return { judged: true };
  }
  const m = metaOf(object);
  const om = metaOf(oldObject);
  if (!jsonEqual(m.labels, om.labels) || !jsonEqual(m.annotations, om.annotations)) return { judged: true };
  return { judged: false, reason: 'update changes only status or bookkeeping metadata' };
}

/**
 * The pod a pods/ephemeralcontainers update would produce. Current API servers send the Pod; the
 * alpha API (Kubernetes 1.16–1.22) sent an EphemeralContainers object, merged here into the old pod.
 */
export function ephemeralPod(req: AdmissionRequest): { object: JsonObject; oldObject: JsonObject | undefined } | undefined {
  const obj = req.object;
  if (!obj) return undefined;
  if (req.kind.kind !== 'EphemeralContainers') return { object: obj, oldObject: req.oldObject };
  const old = req.oldObject && (req.oldObject.kind === 'Pod' || isObject(req.oldObject.spec)) ? req.oldObject : undefined;
  const base: JsonObject = old ?? { apiVersion: 'v1', kind: 'Pod', metadata: metaOf(obj), spec: { containers: [] } };
  const spec = isObject(base.spec) ? base.spec : {};
  return {
    object: { ...base, apiVersion: 'v1', kind: 'Pod', spec: { ...spec, ephemeralContainers: asArray(obj.ephemeralContainers) } },
    oldObject: old ? { ...old, apiVersion: 'v1', kind: 'Pod' } : undefined,
  };
}

const EMPTY: readonly never[] = Object.freeze([]);

/**
 * The inventory of one admission request: the object under review, alone. It answers every query
 * exactly as `new Inventory([r])` would (the same keys, the same label-index semantics), without
 * building the indexes: resource-scoped controls only read their target's pod specs.
 */
export class SingleResourceInventory implements InventoryView {
  readonly resources: readonly Resource[];
  private labelKeys: Map<string, number> | undefined;
  private memos: Map<string, unknown> | undefined;

  constructor(private readonly r: Resource) {
    this.resources = [r];
  }

  byKind(kind: string): readonly Resource[] {
    return kind === this.r.kind ? this.resources : EMPTY;
  }

  inNamespace(namespace: string): readonly Resource[] {
    return this.r.namespace !== undefined && namespace === this.r.namespace ? this.resources : EMPTY;
  }

  namespaces(): readonly string[] {
    return this.r.namespace !== undefined ? [this.r.namespace] : EMPTY;
  }

  get(kind: string, namespace: string | undefined, name: string): Resource | undefined {
    const r = this.r;
    return kind === r.kind && (namespace ?? '') === (r.namespace ?? '') && name === r.name ? r : undefined;
  }

  withLabel(key: string, value?: string): readonly Resource[] {
    if (!this.labelKeys) {
      // Inventory's label index: the resource under `k` and under `k=String(v)` for every label (twice
      // under one key when a label's key is another's `k=v`, as there).
      const keys = new Map<string, number>();
      const labels = this.r.metadata.labels;
      if (isObject(labels)) {
        for (const [k, v] of Object.entries(labels)) {
          for (const ik of [k, `${k}=${String(v)}`]) keys.set(ik, (keys.get(ik) ?? 0) + 1);
        }
      }
      this.labelKeys = keys;
    }
    const n = this.labelKeys.get(value === undefined ? key : `${key}=${value}`) ?? 0;
    return n === 0 ? EMPTY : n === 1 ? this.resources : new Array<Resource>(n).fill(this.r);
  }

  podSpecsOf(r: Resource): readonly PodSpecRef[] {
    return (r.podSpecs ??= extractPodSpecs(r));
  }

  memo<T>(key: string, build: () => T): T {
    const memos = (this.memos ??= new Map());
    if (memos.has(key)) return memos.get(key) as T;
    const v = build();
    memos.set(key, v);
    return v;
  }
}

/**
 * Runs the selected controls on one resource: appends what they find to `out` (as violations, with
 * the control's one-line fix) and returns the errors of controls that failed. Gating (isActive) and
 * the per-kind control lists are those of the scan engine (`prepareEngine`), computed once; each
 * request then runs its kind's controls in the engine's order by the engine's rules — a scope
 * predicate that throws leaves the resource in scope, a check that throws is an error worded as the
 * engine words it — without the bookkeeping a scan needs and one object does not (evaluation counts
 * per control, Finding records, the inventory's indexes). test/admission/scan-equivalence.test.ts
 * holds the result to `kubecomply scan`'s findings.
 */
export function compileCatalog(controls: readonly Control[], config: ScanConfig): (r: Resource, out: AdmissionViolation[]) => readonly string[] {
  const engine = prepareEngine(controls, config);
  const active = engine.activeControls;
  const fixes = new Map<Control, string>(active.map((c) => [c, firstLine(c.remediation)]));
  // The engine's per-kind order: the controls that name the kind, then those that apply to every kind.
  const isWildcard = (c: Control): boolean => c.appliesTo.includes('*');
  const wildcard = active.filter(isWildcard);
  const byKind = new Map<string, readonly Control[]>();
  for (const c of active) {
    if (isWildcard(c)) continue;
    for (const k of c.appliesTo) if (!byKind.has(k)) byKind.set(k, [...active.filter((x) => !isWildcard(x) && x.appliesTo.includes(k)), ...wildcard]);
  }
  return (r, out) => {
    const list = byKind.get(r.kind) ?? wildcard;
    if (list.length === 0) return EMPTY;
    const ctx: CheckContext = { config, inventory: new SingleResourceInventory(r) };
    let errors: string[] | undefined;
    for (let k = 0; k < list.length; k++) {
      const c = list[k];
      if (c.inScope !== undefined) {
        let applies: boolean;
        try {
          applies = c.inScope(r, ctx);
        } catch {
          applies = true;
        }
        if (!applies) continue;
      }
      let violations: readonly Violation[];
      try {
        violations = c.check(r, ctx);
      } catch (e) {
        (errors ??= []).push(`control ${c.id} failed on ${r.kind}/${r.name}: ${e instanceof Error ? e.message : String(e)}`);
        continue;
      }
      if (violations.length === 0) continue;
      const fix = fixes.get(c)!;
      for (let v = 0; v < violations.length; v++) out.push({ id: c.id, severity: c.severity, path: violations[v].path, message: violations[v].message, fix });
    }
    return errors ?? EMPTY;
  };
}
