/** Namespaces without a ResourceQuota or a LimitRange. */
import { asArray, asObject, isObject, quote } from '../../core/podspec.js';
import type { CheckContext, Control, Mappings, Resource, Violation } from '../../core/types.js';
import { NONE, push, resourceControl, SYSTEM_NAMESPACES } from '../helpers.js';

interface PolicyIndex {
  /** Namespace → names of the objects of the kind in it. */
  any: Map<string, string[]>;
  /** Namespaces with at least one object of the kind that constrains something. */
  effective: Set<string>;
}

function nonEmptyObject(v: unknown): boolean {
  return isObject(v) && Object.keys(v).length > 0;
}

/** A ResourceQuota constrains something when spec.hard lists at least one resource. */
function quotaEffective(r: Resource): boolean {
  return nonEmptyObject(asObject(r.object.spec)?.hard);
}

/** A LimitRange constrains something when one of its limits sets max, min, default, defaultRequest or maxLimitRequestRatio. */
function limitRangeEffective(r: Resource): boolean {
  for (const l of asArray(asObject(r.object.spec)?.limits)) {
    const o = asObject(l);
    if (o && (nonEmptyObject(o.max) || nonEmptyObject(o.min) || nonEmptyObject(o.default) || nonEmptyObject(o.defaultRequest) || nonEmptyObject(o.maxLimitRequestRatio))) return true;
  }
  return false;
}

function indexOf(ctx: CheckContext, kind: string, effective: (r: Resource) => boolean): PolicyIndex {
  return ctx.inventory.memo(`governance/${kind}-by-namespace`, () => {
    const idx: PolicyIndex = { any: new Map(), effective: new Set() };
    for (const r of ctx.inventory.byKind(kind)) {
      if (r.namespace === undefined) continue;
      let l = idx.any.get(r.namespace);
      if (!l) idx.any.set(r.namespace, (l = []));
      l.push(r.name);
      if (effective(r)) idx.effective.add(r.namespace);
    }
    return idx;
  });
}

interface Spec {
  id: string;
  kind: 'ResourceQuota' | 'LimitRange';
  title: string;
  severity: Control['severity'];
  description: string;
  rationale: string;
  remediation: string;
  references: string[];
  mappings: Mappings;
  effective(r: Resource): boolean;
  empty: string;
}

function namespacePolicyControl(s: Spec): Control {
  return resourceControl(
    {
      id: s.id,
      title: s.title,
      severity: s.severity,
      family: 'governance',
      appliesTo: ['Namespace'],
      scope: 'inventory',
      description: s.description,
      rationale: s.rationale,
      remediation: s.remediation,
      references: s.references,
      mappings: s.mappings,
    },
    (target: Resource, ctx: CheckContext): Violation[] => {
      const ns = target.metadata.name;
      if (typeof ns !== 'string' || ns === '' || SYSTEM_NAMESPACES.has(ns)) return NONE;
      const idx = indexOf(ctx, s.kind, s.effective);
      if (idx.effective.has(ns)) return NONE;
      const names = idx.any.get(ns);
      if (!names) return push(NONE, 'metadata.name', `namespace ${quote(ns)} has no ${s.kind}`);
      const they = names.length === 1 ? 'it limits' : 'they limit';
      return push(NONE, 'metadata.name', `namespace ${quote(ns)} has ${s.kind} ${names.map((n) => quote(n)).join(', ')} but ${they} nothing (${s.empty})`);
    },
  );
}

export const namespaceResourceQuota: Control = namespacePolicyControl({
  id: 'namespace-resource-quota',
  kind: 'ResourceQuota',
  title: 'Namespace without a ResourceQuota',
  severity: 'medium',
  description:
    'Every Namespace (except kube-system, kube-public and kube-node-lease) must contain a ResourceQuota whose spec.hard limits at least one resource. A quota with an empty spec.hard does not count.',
  rationale:
    'Without a quota, one namespace — a runaway deployment, a compromised workload mining cryptocurrency, a CronJob that never finishes — can take every CPU, memory, pod and storage slot of the cluster and starve all other tenants.',
  remediation:
    'Give the namespace a quota sized for its workloads:\n```yaml\napiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: compute\n  namespace: team-a\nspec:\n  hard:\n    requests.cpu: "8"\n    requests.memory: 16Gi\n    limits.cpu: "16"\n    limits.memory: 32Gi\n    pods: "50"\n```',
  references: ['https://kubernetes.io/docs/concepts/policy/resource-quotas/', 'https://kubernetes.io/docs/tasks/administer-cluster/manage-resources/quota-memory-cpu-namespace/'],
  mappings: { nsa: ['N4'], cra: ['I.2(h)', 'I.2(i)'], mitre: ['T1496', 'T1496.001', 'T1499'], stride: ['D'] },
  effective: quotaEffective,
  empty: 'empty spec.hard',
});

export const namespaceLimitRange: Control = namespacePolicyControl({
  id: 'namespace-limit-range',
  kind: 'LimitRange',
  title: 'Namespace without a LimitRange',
  severity: 'low',
  description:
    'Every Namespace (except kube-system, kube-public and kube-node-lease) must contain a LimitRange with at least one limit that sets max, min, default, defaultRequest or maxLimitRequestRatio.',
  rationale:
    'A LimitRange gives containers that declare no requests or limits sensible defaults and caps what a single container may ask for. Without one, a container with no limits can use a whole node, and quotas on limits reject pods that do not declare them.',
  remediation:
    'Give the namespace default requests and limits for containers:\n```yaml\napiVersion: v1\nkind: LimitRange\nmetadata:\n  name: defaults\n  namespace: team-a\nspec:\n  limits:\n  - type: Container\n    defaultRequest:\n      cpu: 100m\n      memory: 128Mi\n    default:\n      cpu: 500m\n      memory: 512Mi\n    max:\n      cpu: "2"\n      memory: 2Gi\n```',
  references: ['https://kubernetes.io/docs/concepts/policy/limit-range/', 'https://kubernetes.io/docs/tasks/administer-cluster/manage-resources/memory-default-namespace/'],
  mappings: { nsa: ['N4'], cra: ['I.2(h)', 'I.2(i)'], mitre: ['T1496', 'T1496.001', 'T1499'], stride: ['D'] },
  effective: limitRangeEffective,
  empty: 'no limit sets max, min, default, defaultRequest or maxLimitRequestRatio',
});
