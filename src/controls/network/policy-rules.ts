/**
 * NetworkPolicy rules that admit everything: they make the isolation of the pods they apply to void
 * for that direction. Rule semantics: see openPeers() and openPorts() in model.ts.
 */
import { asArray, isObject } from '../../core/podspec.js';
import type { Control, Resource, Violation } from '../../core/types.js';
import { NONE, push } from '../helpers.js';
import { effectiveTypes, openPeers, openPorts, type Direction } from './model.js';

const NP_DOC = 'https://kubernetes.io/docs/concepts/services-networking/network-policies/';
const NP_API = 'https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/';

function openRulesCheck(dir: Direction): (target: Resource) => Violation[] {
  const verb = dir === 'ingress' ? 'admits' : 'allows';
  return (target) => {
    const raw = target.object.spec;
    if (!isObject(raw)) return NONE;
    const types = effectiveTypes(raw);
    // Rules of a direction the policy does not have are ignored by the network plugins.
    if (!types || !types[dir]) return NONE;
    const rules = asArray(raw[dir]);
    let out = NONE;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      if (rule !== null && !isObject(rule)) continue;
      const ports = openPorts(isObject(rule) ? rule.ports : undefined);
      if (ports === undefined) continue;
      for (const open of openPeers(rule, `spec.${dir}[${i}]`, dir)) {
        out = push(out, open.path, `${dir} rule ${i} ${verb} ${open.what} ${ports}`);
      }
    }
    return out;
  };
}

export const policyAllowsAllIngress: Control = {
  id: 'network-policy-allows-all-ingress',
  title: 'NetworkPolicy ingress rule admits all traffic',
  severity: 'medium',
  family: 'network',
  appliesTo: ['NetworkPolicy'],
  scope: 'resource',
  description:
    'An ingress rule (of a policy whose effective policy types include Ingress) must not admit every source on every port. Reported: a rule without `from` (absent, null or []) or a null rule; ' +
    'an empty peer `{}` (which the API server rejects, "must specify a peer"); a `namespaceSelector` that selects every namespace without a `podSelector` or with an empty one (every pod of the cluster); ' +
    'ipBlocks that, after their `except` lists, still cover at least half of the public IPv4 or IPv6 address space (`0.0.0.0/0`, `::/0`, `0.0.0.0/0` except private ranges, `0.0.0.0/1` + `128.0.0.0/1`). ' +
    '"Every port" means no `ports` (absent or []), a port entry without a port (every port of its protocol) or a range 1–65535. ' +
    'Not reported: `podSelector: {}` alone (every pod of the policy\'s own namespace — the usual "allow within the namespace" rule), and rules limited to some ports (a deliberately exposed port, such as an ingress controller\'s 443, is judged by the Service and Ingress controls).',
  rationale:
    'A NetworkPolicy rule that admits everything on every port removes the isolation of every pod the policy selects: any compromised pod in the cluster, or any host that can route to the pods, reaches every port of them.',
  remediation:
    'Name the sources that need access, and the ports:\n```yaml\nspec:\n  podSelector:\n    matchLabels:\n      app: api\n  policyTypes: [Ingress]\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels:\n          kubernetes.io/metadata.name: frontend\n      podSelector:\n        matchLabels:\n          app: web\n    ports:\n    - { protocol: TCP, port: 8080 }\n```',
  references: [NP_DOC, NP_API],
  mappings: {
    nsa: ['N3'],
    nist80190: ['4.3.3'],
    mitre: ['T1046'],
    stride: ['I', 'T'],
    pci: ['1.2.5', '1.3.1', '1.4.2'],
    soc2: ['CC6.6'],
    cra: ['I.2(j)'],
  },
  check: openRulesCheck('ingress'),
};

export const policyAllowsAllEgress: Control = {
  id: 'network-policy-allows-all-egress',
  title: 'NetworkPolicy egress rule allows all traffic',
  severity: 'medium',
  family: 'network',
  appliesTo: ['NetworkPolicy'],
  scope: 'resource',
  description:
    'An egress rule (of a policy whose effective policy types include Egress) must not allow every destination on every port. Reported: a rule without `to` (absent, null or []) or a null rule; an empty peer `{}` (rejected by the API server); ' +
    'ipBlocks that, after their `except` lists, still cover at least half of the public IPv4 or IPv6 address space (`0.0.0.0/0` or `::/0` without a meaningful `except`: excepting only private, link-local or other non-public ranges leaves the whole internet). ' +
    '"Every port" as for network-policy-allows-all-ingress. Not reported: rules limited to some ports (DNS on port 53, HTTPS to the internet on 443) and `namespaceSelector: {}` (every pod of the cluster: the traffic stays inside the cluster, where the receiving pods\' ingress policies apply).',
  rationale:
    'An egress rule to everywhere lets a compromised pod exfiltrate data, fetch tooling, talk to command-and-control servers, reach the cloud metadata endpoint and use its bandwidth against others — the outbound isolation the policy promises does not exist.',
  remediation:
    'Allow only the destinations the workload needs, with ports:\n```yaml\nspec:\n  podSelector:\n    matchLabels:\n      app: api\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - ipBlock:\n        cidr: 203.0.113.0/24   # the payment provider\n    ports:\n    - { protocol: TCP, port: 443 }\n```\nRoute general internet access through an egress proxy or gateway when it is needed.',
  references: [NP_DOC, NP_API],
  mappings: {
    nsa: ['N3'],
    nist80190: ['4.4.2'],
    mitre: ['T1496.002'],
    stride: ['I', 'T'],
    pci: ['1.2.5', '1.3.2'],
    soc2: ['CC6.7'],
    cra: ['I.2(i)'],
  },
  check: openRulesCheck('egress'),
};
