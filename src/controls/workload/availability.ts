/**
 * Availability of replicated workloads: more than one replica, and a PodDisruptionBudget so that
 * voluntary disruptions (node drains, upgrades, autoscaler scale-down) keep some of them running.
 * Both read HorizontalPodAutoscalers of the inventory, so their scope is 'inventory'.
 */
import { asObject, get } from '../../core/podspec.js';
import { selectorMatches, selectsAll } from '../../core/selector.js';
import type { CheckContext, Control, Mappings, Resource, Violation } from '../../core/types.js';
import { NONE, push, resourceControl } from '../helpers.js';
import { autoscalersOf, budgetsIn, replicasOf } from './common.js';

const q = JSON.stringify;

const AVAILABILITY_MAPPINGS: Mappings = { cra: ['I.2(h)'], hipaa: ['164.308(a)(7)(ii)(C)'], gdpr: ['Art. 32'], stride: ['D'] };
const REPLICATED_KINDS: readonly string[] = ['Deployment', 'StatefulSet'];

function singleReplicaCheck(r: Resource, ctx: CheckContext): Violation[] {
  const rep = replicasOf(r);
  if (rep.invalid === undefined && rep.value === 0) return NONE; // scaled down on purpose
  const hpas = autoscalersOf(ctx.inventory, r);
  if (hpas.length > 0) {
    const best = hpas.reduce((a, b) => (b.minReplicas > a.minReplicas ? b : a));
    if (best.minReplicas >= 2) return NONE;
    return push(NONE, 'spec.replicas', `${r.kind} is scaled by HorizontalPodAutoscaler ${q(best.name)} with minReplicas ${best.minReplicas}: it can run a single replica`);
  }
  if (rep.invalid !== undefined) return push(NONE, 'spec.replicas', `${r.kind} has spec.replicas ${q(rep.invalid)}, which is not an integer`);
  if (rep.value >= 2) return NONE;
  return push(NONE, 'spec.replicas', rep.explicit ? `${r.kind} runs a single replica (spec.replicas: 1)` : `${r.kind} sets no spec.replicas and runs a single replica`);
}

export const singleReplica: Control = resourceControl(
  {
    id: 'deployment-single-replica',
    title: 'Workload runs a single replica',
    severity: 'medium',
    family: 'workload',
    appliesTo: REPLICATED_KINDS,
    scope: 'inventory',
    description:
      'Deployments and StatefulSets must run at least two replicas: spec.replicas absent (which means 1) or 1 fails. spec.replicas: 0 (scaled down on purpose) passes. When a HorizontalPodAutoscaler in the inventory scales the workload, its minReplicas (default 1) decides instead of spec.replicas.',
    rationale:
      'A single replica is down during every rollout, node drain, eviction or crash: each routine cluster operation becomes an outage of the service.',
    remediation:
      'Run at least two replicas (spread over nodes), or let an autoscaler keep at least two:\n```yaml\napiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 2\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: api\n  minReplicas: 2\n  maxReplicas: 10\n```',
    references: ['https://kubernetes.io/docs/concepts/workloads/controllers/deployment/', 'https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/'],
    mappings: AVAILABILITY_MAPPINGS,
  },
  singleReplicaCheck,
);

function labelText(labels: Record<string, unknown>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length === 0 ? 'no labels' : parts.slice(0, 3).join(',') + (parts.length > 3 ? ',…' : '');
}

function missingBudgetCheck(r: Resource, ctx: CheckContext): Violation[] {
  const rep = replicasOf(r);
  if (rep.invalid === undefined && rep.explicit && rep.value === 0) return NONE;
  const hpas = autoscalersOf(ctx.inventory, r);
  const maxByHpa = hpas.reduce((m, h) => Math.max(m, h.maxReplicas, h.minReplicas), 0);
  const replicas = hpas.length > 0 ? maxByHpa : rep.invalid === undefined ? rep.value : 1;
  if (replicas < 2) return NONE;
  const labels = asObject(get(r.object, 'spec', 'template', 'metadata', 'labels')) ?? {};
  let weak: string | undefined;
  for (const b of budgetsIn(ctx.inventory, r.namespace)) {
    if (!asObject(b.selector)) continue;
    if (selectsAll(b.selector) ? b.emptySelectsNone : !selectorMatches(b.selector, labels)) continue;
    if (b.ineffective === undefined) return NONE;
    weak ??= `PodDisruptionBudget ${q(b.name)} selects its pods but allows evicting all of them (${b.ineffective})`;
  }
  const scale = hpas.length > 0 ? `up to ${replicas} replicas (HorizontalPodAutoscaler)` : `${replicas} replicas`;
  return push(
    NONE,
    'spec.template.metadata.labels',
    weak !== undefined
      ? `${r.kind} runs ${scale} and ${weak}`
      : `${r.kind} runs ${scale} but no PodDisruptionBudget in its namespace selects its pods (${labelText(labels)}); a node drain can evict them all at once`,
  );
}

export const missingPodDisruptionBudget: Control = resourceControl(
  {
    id: 'missing-pod-disruption-budget',
    title: 'Replicated workload without a PodDisruptionBudget',
    severity: 'low',
    family: 'workload',
    appliesTo: REPLICATED_KINDS,
    scope: 'inventory',
    description:
      'A Deployment or StatefulSet with two or more replicas, or scaled by a HorizontalPodAutoscaler that allows two or more, must be covered by a PodDisruptionBudget in the same namespace whose selector (matchLabels and matchExpressions with In, NotIn, Exists, DoesNotExist) matches its pod template labels. An empty selector covers every pod under policy/v1 and none under policy/v1beta1. A budget that allows evicting every pod (minAvailable: 0 or "0%", maxUnavailable: "100%") does not count. spec.replicas: 0 passes.',
    rationale:
      'Without a PodDisruptionBudget, a node drain, cluster upgrade or autoscaler scale-down may evict every replica at the same time: the service goes down although it is replicated.',
    remediation:
      'Add a PodDisruptionBudget selecting the pods:\n```yaml\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: api\n  namespace: shop\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels:\n      app: api\n```',
    references: ['https://kubernetes.io/docs/concepts/workloads/pods/disruptions/', 'https://kubernetes.io/docs/tasks/run-application/configure-pdb/'],
    mappings: AVAILABILITY_MAPPINGS,
  },
  missingBudgetCheck,
);
