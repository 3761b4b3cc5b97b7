/** Resources placed in the `default` namespace. */
import { WORKLOAD_KINDS } from '../../core/kinds.js';
import type { CheckContext, Control, Resource, Violation } from '../../core/types.js';
import { hasController, NONE, push, resourceControl } from '../helpers.js';

export const DEFAULT_NAMESPACE_KINDS: readonly string[] = [
  ...WORKLOAD_KINDS,
  'Service',
  'ConfigMap',
  'Secret',
  'ServiceAccount',
  'Role',
  'RoleBinding',
  'NetworkPolicy',
  'Ingress',
  'PersistentVolumeClaim',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
];

/** Objects Kubernetes itself keeps in `default` (kind → name). */
const SYSTEM_OBJECTS: ReadonlySet<string> = new Set(['Service/kubernetes', 'ServiceAccount/default', 'ConfigMap/kube-root-ca.crt']);

function check(r: Resource, ctx: CheckContext): Violation[] {
  const md = r.metadata;
  const written = typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : undefined;
  // The loader resolves the effective namespace; be explicit about an empty one here as well.
  const ns = written ?? (typeof r.namespace === 'string' && r.namespace !== '' ? r.namespace : ctx.config.defaultNamespace);
  if (ns !== 'default') return NONE;
  if (typeof md.name === 'string' && SYSTEM_OBJECTS.has(`${r.kind}/${md.name}`)) return NONE;
  // Pods of a ReplicaSet, ReplicaSets of a Deployment, …: the owner is reported.
  if (hasController(r)) return NONE;
  return push(
    NONE,
    'metadata.namespace',
    written !== undefined
      ? `${r.kind} is in the "default" namespace`
      : `${r.kind} names no namespace and is placed in the scan's default namespace "default"`,
  );
}

export const defaultNamespace: Control = resourceControl(
  {
    id: 'workload-default-namespace',
    title: 'Resource in the default namespace',
    severity: 'low',
    family: 'workload',
    appliesTo: DEFAULT_NAMESPACE_KINDS,
    scope: 'resource',
    description:
      'Workloads and the namespaced objects that go with them (Services, ConfigMaps, Secrets, ServiceAccounts, Roles, RoleBindings, NetworkPolicies, Ingresses, PersistentVolumeClaims, HorizontalPodAutoscalers, PodDisruptionBudgets) must not be placed in the "default" namespace — explicitly, or by naming no namespace when the scan\'s default namespace (-n) is "default". Objects Kubernetes keeps there itself (Service kubernetes, ServiceAccount default, ConfigMap kube-root-ca.crt) and objects managed by a controller (ownerReferences with controller: true; their owner is reported) are not reported.',
    rationale:
      'The default namespace is where everything lands by accident: it usually has no Pod Security level, NetworkPolicies, quotas or narrowly scoped RBAC, and unrelated applications sharing it can read each other\'s Secrets through any RoleBinding granted there.',
    remediation:
      'Create a namespace per application or team, with its own policies, and deploy into it:\n```yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop\n```',
    references: ['https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/'],
    mappings: { cis: ['5.6.4'], nist80190: ['4.3.4'], pci: ['2.2.1'], stride: ['E', 'I'] },
  },
  check,
);
