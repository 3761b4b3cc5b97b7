import type { Control } from '../../core/types.js';
import { missingPodDisruptionBudget, singleReplica } from './availability.js';
import { runtimeSocketMount, sensitiveHostPathMount } from './host-paths.js';
import { defaultNamespace } from './namespace.js';
import { livenessProbe, readinessProbe } from './probes.js';
import { cpuLimit, memoryLimit, resourceRequests } from './resources.js';
import { dangerousCapabilities, readOnlyRootFs, shareProcessNamespace } from './security.js';

/** The workload family. */
export const CONTROLS: readonly Control[] = [
  readOnlyRootFs,
  memoryLimit,
  cpuLimit,
  resourceRequests,
  livenessProbe,
  readinessProbe,
  dangerousCapabilities,
  runtimeSocketMount,
  sensitiveHostPathMount,
  shareProcessNamespace,
  defaultNamespace,
  singleReplica,
  missingPodDisruptionBudget,
];
