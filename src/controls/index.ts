/** The built-in control catalog. */
import type { Control } from '../core/types.js';
import { CONTROLS as CLUSTER } from './cluster/index.js';
import { CONTROLS as GOVERNANCE } from './governance/index.js';
import { CONTROLS as IMAGES } from './images/index.js';
import { CONTROLS as NETWORK } from './network/index.js';
import { namespaceEnforceLabel, PSS_CONTROLS } from './pod-security/index.js';
import { CONTROLS as RBAC } from './rbac/index.js';
import { CONTROLS as SECRETS } from './secrets/index.js';
import { CONTROLS as WORKLOAD } from './workload/index.js';

export const BUILTIN_CONTROLS: readonly Control[] = [
  ...PSS_CONTROLS,
  namespaceEnforceLabel,
  ...WORKLOAD,
  ...IMAGES,
  ...SECRETS,
  ...RBAC,
  ...NETWORK,
  ...CLUSTER,
  ...GOVERNANCE,
];

const byId = new Map(BUILTIN_CONTROLS.map((c) => [c.id, c]));

export function findControl(id: string): Control | undefined {
  return byId.get(id);
}

export function controlFamilies(): string[] {
  return [...new Set(BUILTIN_CONTROLS.map((c) => c.family))].sort();
}
