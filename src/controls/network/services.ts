/**
 * Services that expose workloads beyond the cluster network: node ports, internet-facing load
 * balancers without source ranges, and externalIPs.
 */
import { asArray, asObject, asString, plural, quote } from '../../core/podspec.js';
import type { Control, JsonObject, Resource, Violation } from '../../core/types.js';
import { NONE, shortList } from '../helpers.js';
import { describeReach, parseCidr, reach, type Reach } from './cidr.js';

const SERVICE_DOC = 'https://kubernetes.io/docs/concepts/services-networking/service/';

function specOf(r: Resource): JsonObject | undefined {
  return asObject(r.object.spec);
}

function annotationsOf(r: Resource): JsonObject | undefined {
  return asObject(r.metadata.annotations);
}

export const serviceNodePort: Control = {
  id: 'service-nodeport',
  title: 'Service of type NodePort',
  severity: 'medium',
  family: 'network',
  appliesTo: ['Service'],
  scope: 'resource',
  description:
    'Services must not be of type NodePort. LoadBalancer Services also allocate node ports (unless `allocateLoadBalancerNodePorts: false`), but those are the load balancer\'s back end — most cloud load balancers need them — so they are not reported here; ' +
    'their exposure is judged by service-loadbalancer-unrestricted.',
  rationale:
    'A NodePort Service opens its port on every node of the cluster, on every node address, bypassing the load balancer, ingress controller and any source filtering in front of them; ' +
    'whoever can reach a node reaches the workload, and node firewalls must then be kept in step with every Service.',
  remediation:
    'Use a ClusterIP Service behind an Ingress (or Gateway), or a LoadBalancer with source ranges:\n```yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: ClusterIP\n  selector:\n    app: web\n  ports:\n  - port: 80\n    targetPort: 8080\n```',
  references: [`${SERVICE_DOC}#type-nodeport`, `${SERVICE_DOC}#loadbalancer`],
  mappings: {
    mitre: ['T1133'],
    stride: ['I'],
    pci: ['1.4.1', '1.4.2'],
    soc2: ['CC6.6'],
    cra: ['I.2(j)'],
  },
  check(target: Resource): Violation[] {
    const spec = specOf(target);
    if (!spec || spec.type !== 'NodePort') return NONE;
    const ports: string[] = [];
    for (const p of asArray(spec.ports)) {
      const np = asObject(p)?.nodePort;
      if (typeof np === 'number' && np > 0) ports.push(String(np));
    }
    const which = ports.length > 0 ? `${plural('node port', 'node ports', ports.length)} ${shortList(ports)}` : 'an allocated node port';
    return [{ path: 'spec.type', message: `Service of type NodePort opens ${which} on every node` }];
  },
};

const SOURCE_RANGES_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';

/**
 * Annotations (and load balancer classes) that make the major clouds' controllers provision an
 * internal load balancer (private addresses only). Values are compared case-insensitively.
 */
const INTERNAL_ANNOTATIONS: readonly [string, string][] = [
  // AWS: in-tree cloud provider, and the AWS Load Balancer Controller (deprecated there in favour of the scheme).
  ['service.beta.kubernetes.io/aws-load-balancer-internal', 'true'],
  // AWS Load Balancer Controller.
  ['service.beta.kubernetes.io/aws-load-balancer-scheme', 'internal'],
  // GKE (current and legacy annotation).
  ['networking.gke.io/load-balancer-type', 'internal'],
  ['cloud.google.com/load-balancer-type', 'internal'],
  // Azure (AKS).
  ['service.beta.kubernetes.io/azure-load-balancer-internal', 'true'],
];
const INTERNAL_CLASSES: ReadonlySet<string> = new Set(['networking.gke.io/l4-regional-internal']);

/** The annotation or field that makes the load balancer internal, or undefined. */
function internalMarker(r: Resource, spec: JsonObject): string | undefined {
  const cls = spec.loadBalancerClass;
  if (typeof cls === 'string' && INTERNAL_CLASSES.has(cls)) return `loadBalancerClass ${cls}`;
  const ann = annotationsOf(r);
  if (!ann) return undefined;
  for (const [key, value] of INTERNAL_ANNOTATIONS) {
    const v = ann[key];
    if (typeof v === 'string' && v.trim().toLowerCase() === value) return key;
  }
  return undefined;
}

export const serviceLoadBalancerUnrestricted: Control = {
  id: 'service-loadbalancer-unrestricted',
  title: 'LoadBalancer Service open to any source address',
  severity: 'medium',
  family: 'network',
  appliesTo: ['Service'],
  scope: 'resource',
  description:
    'A Service of type LoadBalancer must restrict its clients with `spec.loadBalancerSourceRanges` (or, when that field is empty, the `service.beta.kubernetes.io/load-balancer-source-ranges` annotation, which cloud providers read instead). ' +
    'Reported when neither is set, or when the ranges cover at least half of the public IPv4 or IPv6 address space (`0.0.0.0/0`, `::/0`). ' +
    'Internal load balancers are not reported: AWS `service.beta.kubernetes.io/aws-load-balancer-internal: "true"` or `service.beta.kubernetes.io/aws-load-balancer-scheme: internal`, ' +
    'GKE `networking.gke.io/load-balancer-type: "Internal"` (or the legacy `cloud.google.com/load-balancer-type`) or `loadBalancerClass: networking.gke.io/l4-regional-internal`, ' +
    'Azure `service.beta.kubernetes.io/azure-load-balancer-internal: "true"` — they get only private addresses, reachable from the VPC and connected networks (source ranges are still good practice there). ' +
    'Other implementations (MetalLB, other clouds\' annotations) are treated as external.',
  rationale:
    'Without source ranges a cloud load balancer accepts connections from the whole internet: every scanner finds the service, and any vulnerability or weak authentication in it is exploitable from anywhere.',
  remediation:
    'Restrict the clients (or make the load balancer internal when only the private network needs it):\n```yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  type: LoadBalancer\n  loadBalancerSourceRanges:\n  - 203.0.113.0/24   # office / partner network\n  selector:\n    app: api\n  ports:\n  - port: 443\n    targetPort: 8443\n```',
  references: [
    'https://kubernetes.io/docs/tasks/access-application-cluster/configure-cloud-provider-firewall/',
    `${SERVICE_DOC}#loadbalancer`,
    'https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/',
    'https://cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer-parameters',
  ],
  mappings: {
    mitre: ['T1133', 'T1190'],
    stride: ['I', 'D'],
    pci: ['1.4.1', '1.4.2'],
    soc2: ['CC6.6'],
    cra: ['I.2(j)'],
  },
  check(target: Resource): Violation[] {
    const spec = specOf(target);
    if (!spec || spec.type !== 'LoadBalancer' || internalMarker(target, spec)) return NONE;
    let ranges = asArray(spec.loadBalancerSourceRanges).filter((x): x is string => typeof x === 'string' && x.trim() !== '');
    let path = 'spec.loadBalancerSourceRanges';
    if (ranges.length === 0) {
      const ann = asString(annotationsOf(target)?.[SOURCE_RANGES_ANNOTATION]);
      if (ann !== undefined && ann.trim() !== '') {
        ranges = ann.split(',').map((x) => x.trim()).filter((x) => x !== '');
        path = `metadata.annotations[${JSON.stringify(SOURCE_RANGES_ANNOTATION)}]`;
      }
    }
    const fromSpec = path === 'spec.loadBalancerSourceRanges';
    const field = fromSpec ? 'loadBalancerSourceRanges' : `annotation ${SOURCE_RANGES_ANNOTATION}`;
    const s = fromSpec ? '' : 's';
    if (ranges.length === 0) {
      return [{ path, message: 'LoadBalancer Service accepts connections from any address: no loadBalancerSourceRanges' }];
    }
    if (!ranges.some((x) => parseCidr(x))) {
      return [{ path, message: `${field} hold${s} no valid CIDR (${shortList(ranges.map((x) => quote(x)))}): the load balancer is not restricted` }];
    }
    const wide: string[] = [];
    let single: Reach | undefined;
    for (const cidr of ranges) {
      const r = reach([{ cidr }]);
      if (!r.wide) continue;
      wide.push(cidr);
      single ??= r;
    }
    if (single) return [{ path, message: `${field} admit${s} ${shortList(wide)} (${describeReach(single)})` }];
    const all = reach(ranges.map((cidr) => ({ cidr })));
    if (!all.wide) return NONE;
    return [{ path, message: `the ranges of ${field} together cover ${describeReach(all)}` }];
  },
};

export const serviceExternalIps: Control = {
  id: 'service-external-ips',
  title: 'Service with externalIPs',
  severity: 'high',
  family: 'network',
  appliesTo: ['Service'],
  scope: 'resource',
  description:
    'Services must not set `spec.externalIPs`. Every node accepts traffic for those addresses and forwards it to the Service — including traffic that pods and nodes send to that address somewhere else (CVE-2020-8554). ' +
    'The cluster-side fix is the DenyServiceExternalIPs admission plugin (checked by the cluster controls); this control reports the Services that use the field.',
  rationale:
    'Whoever can create a Service with externalIPs can take over any IP address from the cluster\'s point of view and intercept (man-in-the-middle) the traffic of other pods and nodes to it, e.g. to an external database or API. ' +
    'It also exposes the Service on those addresses on every node, outside the load balancer and its filtering.',
  remediation:
    'Remove `externalIPs`; expose the Service through a LoadBalancer (with source ranges) or an Ingress, and enable the DenyServiceExternalIPs admission plugin:\n```yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  type: ClusterIP\n  selector:\n    app: api\n  ports:\n  - port: 443\n    targetPort: 8443\n```',
  references: [`${SERVICE_DOC}#external-ips`, 'https://github.com/kubernetes/kubernetes/issues/97076'],
  mappings: {
    nist80190: ['4.3.3'],
    stride: ['S', 'T', 'I'],
    hipaa: ['164.312(e)(1)'],
    soc2: ['CC6.7'],
    cra: ['I.2(f)', 'I.2(j)'],
  },
  check(target: Resource): Violation[] {
    const spec = specOf(target);
    if (!spec) return NONE;
    const ips = spec.externalIPs;
    if (!Array.isArray(ips) || ips.length === 0) return NONE;
    const shown = ips.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
    return [{ path: 'spec.externalIPs', message: `Service sets externalIPs ${shortList(shown)}: every node accepts and forwards traffic for these addresses (CVE-2020-8554)` }];
  },
};

