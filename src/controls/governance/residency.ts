/**
 * Data residency: workloads that process a regulated data class must be pinned to regions, and, when
 * allowed regions are configured, only to those.
 */
import { settingsOf } from '../../config/defaults.js';
import { child, concat, internConcat } from '../../core/path.js';
import { asArray, asObject, asString, get, quote } from '../../core/podspec.js';
import type { CheckContext, Control, PodSpecRef, Resource, Violation } from '../../core/types.js';
import { NONE, push, spath, workloadControl } from '../helpers.js';

/** A non-empty string label value, else undefined. */
function labelValue(labels: unknown, key: string): string | undefined {
  const v = asObject(labels)?.[key];
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

interface DataClass {
  cls: string;
  /** Where it came from, for messages: `label data-class on the workload`. */
  source: string;
  regulated: boolean;
}

/**
 * The data class of a workload: the workload's label or its pod template's (either one naming a
 * regulated class wins), else its Namespace's label when the Namespace is in the inventory.
 */
export function dataClassOf(r: Resource, ref: PodSpecRef, ctx: CheckContext): DataClass | undefined {
  const dp = settingsOf(ctx.config).dataProtection;
  const key = dp.dataClassLabel;
  const regulated = (c: string): boolean => dp.regulatedClasses.includes(c);
  const own = labelValue(r.metadata.labels, key);
  const tpl = ref.metaPath !== 'metadata' ? labelValue(ref.meta.labels, key) : undefined;
  if (own !== undefined && regulated(own)) return { cls: own, source: `label ${key} on the ${r.kind}`, regulated: true };
  if (tpl !== undefined && regulated(tpl)) return { cls: tpl, source: `label ${key} on the pod template`, regulated: true };
  if (own !== undefined) return { cls: own, source: `label ${key} on the ${r.kind}`, regulated: false };
  if (tpl !== undefined) return { cls: tpl, source: `label ${key} on the pod template`, regulated: false };
  if (r.namespace === undefined) return undefined;
  const ns = ctx.inventory.get('Namespace', undefined, r.namespace);
  const nsClass = ns ? labelValue(ns.metadata.labels, key) : undefined;
  if (nsClass === undefined) return undefined;
  return { cls: nsClass, source: `label ${key} on namespace ${quote(r.namespace)}`, regulated: regulated(nsClass) };
}

/** One way the pod is restricted to regions, with the path that says so. */
interface Restriction {
  /** Regions this part allows. */
  regions: Set<string>;
  path: string;
  /** Several parts of one mechanism are alternatives (node affinity terms are ORed). */
  group: string;
  /** The mechanism, for messages. */
  via: string;
}

interface Placement {
  restrictions: Restriction[];
  /** Node affinity terms that leave the region open: [path, why]. */
  openTerms: [string, string][];
}

function stringValues(v: unknown): string[] {
  return asArray(v).filter((x): x is string => typeof x === 'string');
}

/** Regions a nodeSelectorTerm allows, or a reason it leaves them open; null when the term matches no node. */
function termRegions(term: unknown, regionLabel: string, base: string): { regions: Set<string>; path: string } | { open: string } | null {
  const t = asObject(term);
  const exprs = asArray(t?.matchExpressions);
  const fields = asArray(t?.matchFields);
  // A null or empty term matches no node: it adds no placement.
  if (!t || (exprs.length === 0 && fields.length === 0)) return null;
  let regions: Set<string> | undefined;
  let path = '';
  const excluded = new Set<string>();
  for (let i = 0; i < exprs.length; i++) {
    const e = asObject(exprs[i]);
    if (!e || e.key !== regionLabel) continue;
    if (e.operator === 'In') {
      const vals = new Set(stringValues(e.values));
      regions = regions === undefined ? vals : new Set([...regions].filter((x) => vals.has(x)));
      if (path === '') path = concat(base, `matchExpressions[${i}].values`);
    } else if (e.operator === 'NotIn') {
      for (const x of stringValues(e.values)) excluded.add(x);
    }
  }
  if (regions === undefined) return { open: `does not restrict ${regionLabel} with operator In` };
  for (const x of excluded) regions.delete(x);
  return { regions, path };
}

function placementOf(ref: PodSpecRef, ctx: CheckContext, regionLabel: string): Placement {
  const restrictions: Restriction[] = [];
  const openTerms: [string, string][] = [];
  const spec = ref.spec;
  const sel = labelValue(spec.nodeSelector, regionLabel);
  if (sel !== undefined) restrictions.push({ regions: new Set([sel]), path: child(spath(ref, 'nodeSelector'), regionLabel), group: 'nodeSelector', via: 'nodeSelector' });
  // A RuntimeClass's scheduling.nodeSelector is merged into the pod's at admission.
  const rcName = asString(spec.runtimeClassName);
  if (rcName) {
    const rc = ctx.inventory.get('RuntimeClass', undefined, rcName);
    const rcRegion = rc ? labelValue(get(rc.object, 'scheduling', 'nodeSelector'), regionLabel) : undefined;
    if (rcRegion !== undefined) restrictions.push({ regions: new Set([rcRegion]), path: spath(ref, 'runtimeClassName'), group: 'runtimeClass', via: `scheduling.nodeSelector of RuntimeClass ${quote(rcName)}` });
  }
  // A pod already bound to a node (spec.nodeName) runs in that node's region, when the Node is known.
  const nodeName = asString(spec.nodeName);
  if (nodeName) {
    const node = ctx.inventory.get('Node', undefined, nodeName);
    const nodeRegion = node ? labelValue(node.metadata.labels, regionLabel) : undefined;
    if (nodeRegion !== undefined) restrictions.push({ regions: new Set([nodeRegion]), path: spath(ref, 'nodeName'), group: 'nodeName', via: `node ${quote(nodeName)}` });
  }
  const termsPath = spath(ref, 'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms');
  const terms = get(spec, 'affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms');
  if (Array.isArray(terms) && terms.length > 0) {
    const parts: Restriction[] = [];
    for (let i = 0; i < terms.length; i++) {
      const base = internConcat(termsPath, `[${i}]`);
      const tr = termRegions(terms[i], regionLabel, base);
      if (tr === null) continue;
      if ('open' in tr) openTerms.push([base, tr.open]);
      else parts.push({ regions: tr.regions, path: tr.path, group: 'affinity', via: 'required node affinity' });
    }
    // Terms are alternatives: the affinity pins the region only when every term does.
    if (openTerms.length === 0) restrictions.push(...parts);
  }
  return { restrictions, openTerms };
}

/** Regions the pod can land in: the intersection over mechanisms of the union of each mechanism's parts. */
function effectiveRegions(restrictions: readonly Restriction[]): Set<string> | undefined {
  const byGroup = new Map<string, Set<string>>();
  for (const r of restrictions) {
    let s = byGroup.get(r.group);
    if (!s) byGroup.set(r.group, (s = new Set()));
    for (const x of r.regions) s.add(x);
  }
  let out: Set<string> | undefined;
  for (const s of byGroup.values()) out = out === undefined ? new Set(s) : new Set([...out].filter((x) => s.has(x)));
  return out;
}

function list(values: Iterable<string>): string {
  return [...values].map((v) => quote(v)).join(', ');
}

const residency: Control = workloadControl(
  {
    id: 'data-residency',
    title: 'Regulated data not pinned to allowed regions',
    severity: 'high',
    family: 'governance',
    scope: 'inventory',
    description:
      'A workload whose data class is regulated (settings.dataProtection.regulatedClasses, default personal, health, cardholder) must be pinned to regions. ' +
      'The data class is the label settings.dataProtection.dataClassLabel (default `data-class`) on the workload or its pod template, else on its Namespace when the Namespace is in the scanned input. ' +
      'Pinned means: spec.nodeSelector sets the region label (settings.dataProtection.regionLabel, default topology.kubernetes.io/region), or a required node affinity restricts it — every nodeSelectorTerm must have an `In` expression on the region label, since terms are alternatives. ' +
      'A RuntimeClass scheduling.nodeSelector and a spec.nodeName on a Node of the input also count. When settings.dataProtection.allowedRegions is non-empty, every region the pods can land in must be allowed.',
    rationale:
      'GDPR restricts transfers of personal data to third countries, and contracts and sector rules often require health or cardholder data to stay in named regions. In a multi-region cluster the scheduler places an unpinned pod on any node that fits — a pod processing regulated data can silently start in another jurisdiction after a scale-up or a node failure.',
    remediation:
      'Pin the pods with a node selector (or a required node affinity) on the region label, using only allowed regions:\n```yaml\nspec:\n  template:\n    spec:\n      nodeSelector:\n        topology.kubernetes.io/region: eu-west-1\n      # or, for several regions:\n      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n            - matchExpressions:\n              - key: topology.kubernetes.io/region\n                operator: In\n                values: [eu-west-1, eu-central-1]\n```',
    references: [
      'https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/',
      'https://kubernetes.io/docs/reference/labels-annotations-taints/#topologykubernetesioregion',
      'https://kubernetes.io/docs/concepts/containers/runtime-class/#scheduling',
    ],
    mappings: {
      gdpr: ['Art. 44'],
      soc2: ['CC6.7'],
      stride: ['I'],
    },
    isActive: (config) => settingsOf(config).dataProtection.regulatedClasses.length > 0,
  },
  (ref, r, ctx) => {
    const dc = dataClassOf(r, ref, ctx);
    if (!dc || !dc.regulated) return NONE;
    const dp = settingsOf(ctx.config).dataProtection;
    const what = `${dc.cls} data (${dc.source})`;
    const placement = placementOf(ref, ctx, dp.regionLabel);
    const regions = effectiveRegions(placement.restrictions);
    let out: Violation[] = NONE;
    if (regions === undefined) {
      if (placement.openTerms.length > 0) {
        for (const [path, why] of placement.openTerms) {
          out = push(out, path, `pods with ${what} can run in any region: required node affinity nodeSelectorTerms${path.slice(path.lastIndexOf('['))} ${why}`);
        }
        return out;
      }
      return push(out, child(spath(ref, 'nodeSelector'), dp.regionLabel), `pods with ${what} are not pinned to a region: no nodeSelector or required node affinity on ${dp.regionLabel}`);
    }
    if (dp.allowedRegions.length === 0) return NONE;
    const allowed = new Set(dp.allowedRegions);
    const bad = [...regions].filter((x) => !allowed.has(x));
    if (bad.length === 0) return NONE;
    for (const rs of placement.restrictions) {
      const here = bad.filter((x) => rs.regions.has(x));
      if (here.length === 0) continue;
      out = push(out, rs.path, `pods with ${what} can run in ${here.length === 1 ? 'region' : 'regions'} ${list(here)} (${rs.via}), outside the allowed regions (${list(dp.allowedRegions)})`);
    }
    return out;
  },
);

/** Only workloads that handle regulated data are judged. */
export const dataResidency: Control = {
  ...residency,
  inScope: (r, ctx) => ctx.inventory.podSpecsOf(r).some((ref) => dataClassOf(r, ref, ctx)?.regulated === true),
};
