import type { Framework } from './types.js';

/**
 * NSA/CISA Kubernetes Hardening Guidance v1.2 (August 2022). The guide does not number its
 * recommendations; the identifiers P1…U1 label its executive-summary recommendations as listed in
 * regulations.md §7 (section names given for each).
 */
export const NSA: Framework = {
  id: 'nsa-cisa',
  name: 'NSA/CISA Kubernetes Hardening Guidance',
  version: 'v1.2 (August 2022)',
  source: 'NSA/CISA Kubernetes Hardening Guidance v1.2; recommendation labels P1–U1 from regulations.md §7 (the guide itself does not number them)',
  confidence: 'C',
  mappingKey: 'nsa',
  requirements: [
    { id: 'P1', title: 'Containers run as non-root users', section: 'Kubernetes Pod security' },
    { id: 'P2', title: 'Container file systems are immutable (read-only) where possible', section: 'Kubernetes Pod security' },
    { id: 'P3', title: 'Images are scanned and come from trusted sources', section: 'Kubernetes Pod security' },
    { id: 'P4', title: 'A minimum Pod Security level is enforced', section: 'Kubernetes Pod security' },
    { id: 'P5', title: 'Privileged containers are blocked', section: 'Kubernetes Pod security' },
    { id: 'P6', title: 'Breakout-prone features are denied (hostPID, hostIPC, hostNetwork, hostPath)', section: 'Kubernetes Pod security' },
    { id: 'P7', title: 'Root execution and escalation to root are rejected', section: 'Kubernetes Pod security' },
    { id: 'P8', title: 'Containers are hardened with SELinux, AppArmor and seccomp', section: 'Kubernetes Pod security' },
    { id: 'P9', title: 'Service account tokens are not mounted unless needed', section: 'Kubernetes Pod security' },
    { id: 'N1', title: 'Control plane access is locked down; etcd is restricted further', section: 'Network separation and hardening' },
    { id: 'N2', title: 'Control plane components communicate over authenticated TLS', section: 'Network separation and hardening' },
    { id: 'N3', title: 'NetworkPolicies isolate resources, with default deny for ingress and egress', section: 'Network separation and hardening' },
    { id: 'N4', title: 'LimitRanges and ResourceQuotas bound resource use per namespace', section: 'Network separation and hardening' },
    { id: 'N5', title: 'Credentials are kept in Secrets, and Secrets are encrypted at rest', section: 'Network separation and hardening' },
    { id: 'A1', title: 'Anonymous access is disabled and users authenticate strongly', section: 'Authentication and authorization' },
    { id: 'A2', title: 'RBAC grants unique roles with least privilege', section: 'Authentication and authorization' },
    { id: 'L1', title: 'Audit logging is enabled, logs are kept off-node and anomalies alert', section: 'Audit logging and threat detection' },
    {
      id: 'U1',
      title: 'Components are patched promptly, scanned and tested regularly; unused components removed',
      section: 'Upgrading and application security practices',
      manual: true,
      guidance: 'Keep a patch cadence for Kubernetes and node software, run periodic vulnerability scans and penetration tests, and remove unused components; keep the records.',
    },
  ],
};
