import type { Control } from '../../core/types.js';
import { cardholderSegmentation } from './cardholder.js';
import { ingressWithoutTls } from './ingress-tls.js';
import { namespaceDefaultDenyEgress, namespaceDefaultDenyIngress, workloadNotSelected } from './isolation.js';
import { meshMtlsNotStrict } from './mesh.js';
import { policyAllowsAllEgress, policyAllowsAllIngress } from './policy-rules.js';
import { serviceExternalIps, serviceLoadBalancerUnrestricted, serviceNodePort } from './services.js';

/**
 * The network family: NetworkPolicy isolation (model.ts holds the shared semantics), exposure through
 * Services and Ingresses, PCI segmentation of cardholder namespaces, and service mesh mTLS.
 */
export const CONTROLS: readonly Control[] = [
  namespaceDefaultDenyIngress,
  namespaceDefaultDenyEgress,
  workloadNotSelected,
  policyAllowsAllIngress,
  policyAllowsAllEgress,
  serviceNodePort,
  serviceLoadBalancerUnrestricted,
  serviceExternalIps,
  ingressWithoutTls,
  cardholderSegmentation,
  meshMtlsNotStrict,
];
