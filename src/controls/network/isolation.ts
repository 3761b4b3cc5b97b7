/**
 * Namespace and workload isolation by NetworkPolicy: default deny per direction, and every workload
 * selected by some policy. Semantics and the namespaces considered: see model.ts.
 */
import { internConcat } from '../../core/path.js';
import { get, quote } from '../../core/podspec.js';
import type { CheckContext, Control, Resource, Violation } from '../../core/types.js';
import { NONE, push, SYSTEM_NAMESPACES } from '../helpers.js';
import {
  defaultDenyPolicy,
  describeLabels,
  labelsOf,
  namespaceFindingTarget,
  networkModel,
  policiesIn,
  RUNNING_WORKLOAD_KINDS,
  rulesOf,
  selects,
  type Direction,
  type NetworkModel,
} from './model.js';

const NP_DOC = 'https://kubernetes.io/docs/concepts/services-networking/network-policies/';
const NP_DEFAULTS = 'https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies';
const NP_API = 'https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/';

const SKIPPED = [...SYSTEM_NAMESPACES].join(', ');

/** Why a namespace has no default deny for `dir`: a hint naming the nearest miss, for the message. */
function denyHint(m: NetworkModel, ns: string, dir: Direction): string {
  const all = policiesIn(m, ns);
  if (all.length === 0) return 'it has no NetworkPolicy at all';
  const Dir = dir === 'ingress' ? 'Ingress' : 'Egress';
  const invalid = all.find((p) => p.invalid !== undefined);
  for (const p of all) {
    if (p.invalid !== undefined || !p.selectsAll) continue;
    if (!p.types[dir] && rulesOf(p, dir).length === 0) {
      return `NetworkPolicy ${quote(p.resource.name)} selects every pod but its policyTypes do not include ${Dir}`;
    }
    if (p.types[dir]) return `NetworkPolicy ${quote(p.resource.name)} selects every pod but its ${dir} rules allow traffic; keep the deny-all policy separate`;
  }
  if (invalid) return `NetworkPolicy ${quote(invalid.resource.name)} is invalid (${invalid.invalid}) and was ignored`;
  return `none of its NetworkPolicies selects every pod with ${Dir} in its policy types and no ${dir} rules`;
}

function defaultDenyCheck(dir: Direction): (target: Resource, ctx: CheckContext) => Violation[] {
  return (target, ctx) => {
    const m = networkModel(ctx);
    const where = namespaceFindingTarget(m, target, true);
    if (!where || defaultDenyPolicy(m, where.ns, dir)) return NONE;
    const subject = where.onWorkload ? `namespace ${quote(where.ns)} (no Namespace object in the input)` : `namespace ${quote(where.ns)}`;
    return [{ path: where.path, message: `${subject} has no default-deny ${dir} NetworkPolicy: ${denyHint(m, where.ns, dir)}` }];
  };
}

const denyYaml = (types: string): string =>
  `\`\`\`yaml\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-${types === 'Ingress' ? 'ingress' : 'egress'}\n  namespace: team-a\nspec:\n  podSelector: {}\n  policyTypes:\n  - ${types}\n\`\`\``;

export const namespaceDefaultDenyIngress: Control = {
  id: 'namespace-default-deny-ingress',
  title: 'Namespace without default-deny ingress NetworkPolicy',
  severity: 'medium',
  family: 'network',
  appliesTo: ['Namespace', ...RUNNING_WORKLOAD_KINDS],
  scope: 'inventory',
  description:
    'Every namespace must have a NetworkPolicy that selects all its pods (`podSelector: {}` or absent), has Ingress in its effective policy types, and has no ingress rules. ' +
    'Namespaces are those of Namespace objects in the input and those that hold workloads; ' +
    `${SKIPPED} are not checked. The finding is reported on the Namespace object, or on the first workload of the namespace when the input has no Namespace object for it. ` +
    'A policy that selects every pod but also lists ingress rules is not a default deny (its rules admit traffic); keep the deny-all policy separate from the allow policies.',
  rationale:
    'Without a default deny, every pod of the namespace accepts connections from every other pod in the cluster (and from outside, wherever a route exists). ' +
    'A compromised workload anywhere can then scan and reach these pods; a default deny makes every allowed flow an explicit, reviewable rule.',
  remediation: `Add a default-deny ingress policy to the namespace, then allow the flows the workloads need with further policies:\n${denyYaml('Ingress')}`,
  references: [NP_DOC, NP_DEFAULTS],
  mappings: {
    cis: ['5.3.2'],
    nsa: ['N3'],
    nist80190: ['4.3.3'],
    mitre: ['T1046'],
    stride: ['I', 'T'],
    pci: ['1.2.1', '1.3.1'],
    hipaa: ['164.312(a)(1)'],
    soc2: ['CC6.1', 'CC6.6'],
    cra: ['I.2(b)', 'I.2(d)', 'I.2(j)', 'I.2(k)'],
  },
  check: defaultDenyCheck('ingress'),
};

export const namespaceDefaultDenyEgress: Control = {
  id: 'namespace-default-deny-egress',
  title: 'Namespace without default-deny egress NetworkPolicy',
  severity: 'medium',
  family: 'network',
  appliesTo: ['Namespace', ...RUNNING_WORKLOAD_KINDS],
  scope: 'inventory',
  description:
    'Every namespace must have a NetworkPolicy that selects all its pods, lists Egress in `policyTypes`, and has no egress rules. ' +
    'Egress must be listed explicitly: when `policyTypes` is absent the API server adds Egress only to policies that have egress rules, so a policy without egress rules and without `policyTypes: [Egress]` restricts nothing outbound. ' +
    `Namespaces considered and where the finding is reported: as namespace-default-deny-ingress (${SKIPPED} are not checked).`,
  rationale:
    'Unrestricted egress lets a compromised pod reach the cloud metadata service, the API server, internal databases of other teams and the internet: exfiltration, command-and-control and use of the pod to attack others. ' +
    'A default deny makes every outbound flow (DNS included) an explicit rule.',
  remediation:
    `Add a default-deny egress policy, then allow what the workloads need (DNS to kube-dns, their own dependencies):\n${denyYaml('Egress')}\n` +
    'and, for example:\n```yaml\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-dns\n  namespace: team-a\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - namespaceSelector:\n        matchLabels:\n          kubernetes.io/metadata.name: kube-system\n      podSelector:\n        matchLabels:\n          k8s-app: kube-dns\n    ports:\n    - { protocol: UDP, port: 53 }\n    - { protocol: TCP, port: 53 }\n```',
  references: [NP_DOC, NP_DEFAULTS, NP_API],
  mappings: {
    nsa: ['N3'],
    nist80190: ['4.4.2'],
    mitre: ['T1046', 'T1496.002', 'T1613'],
    stride: ['I', 'T'],
    pci: ['1.2.1', '1.3.2'],
    soc2: ['CC6.7'],
    cra: ['I.2(b)', 'I.2(i)', 'I.2(k)'],
  },
  check: defaultDenyCheck('egress'),
};

export const workloadNotSelected: Control = {
  id: 'workload-not-selected-by-network-policy',
  title: 'Workload not selected by any NetworkPolicy',
  severity: 'medium',
  family: 'network',
  appliesTo: RUNNING_WORKLOAD_KINDS,
  scope: 'inventory',
  description:
    'The pods of every workload must be selected by at least one valid NetworkPolicy of their namespace (matched against the pod template labels with the policy\'s podSelector; an absent podSelector selects every pod). ' +
    `Workloads in ${SKIPPED}, PodTemplates (they run nothing) and pods with hostNetwork: true (NetworkPolicy does not isolate host-network pods; pss-host-namespaces reports them) are not checked.`,
  rationale:
    'A pod that no NetworkPolicy selects is not isolated in either direction: it accepts every connection and may connect anywhere, whatever policies its neighbours have.',
  remediation:
    'Select the pods with a policy, for instance a namespace-wide default deny plus the allow rules they need:\n```yaml\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web\n  namespace: team-a\nspec:\n  podSelector:\n    matchLabels:\n      app: web\n  policyTypes: [Ingress, Egress]\n  ingress:\n  - from:\n    - podSelector:\n        matchLabels:\n          app: frontend\n    ports:\n    - { protocol: TCP, port: 8080 }\n```',
  references: [NP_DOC],
  mappings: {
    nsa: ['N3'],
    nist80190: ['4.3.3'],
    mitre: ['T1046'],
    stride: ['I', 'T'],
    pci: ['1.2.1'],
    soc2: ['CC6.6'],
    cra: ['I.2(j)'],
  },
  check(target: Resource, ctx: CheckContext): Violation[] {
    const ns = target.namespace;
    if (ns === undefined || SYSTEM_NAMESPACES.has(ns)) return NONE;
    const refs = ctx.inventory.podSpecsOf(target);
    if (refs.length === 0) return NONE;
    const m = networkModel(ctx);
    const policies = policiesIn(m, ns);
    let out = NONE;
    for (const ref of refs) {
      if (get(ref.spec, 'hostNetwork') === true) continue;
      const labels = labelsOf(ref.meta);
      if (policies.some((p) => selects(p, labels))) continue;
      const what = target.kind === 'Pod' ? 'pod' : 'pod template';
      const tail =
        policies.length === 0
          ? `namespace ${quote(ns)} has no NetworkPolicy`
          : policies.length === 1
            ? `the only NetworkPolicy of namespace ${quote(ns)} does not select it`
            : `none of the ${policies.length} NetworkPolicies of namespace ${quote(ns)} selects it`;
      out = push(out, internConcat(ref.metaPath, 'labels'), `${what} (${describeLabels(labels)}) is not selected by any NetworkPolicy: ${tail}`);
    }
    return out;
  },
};
