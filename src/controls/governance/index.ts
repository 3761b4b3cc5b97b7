import type { Control } from '../../core/types.js';
import { namespaceRequiredLabels, workloadRequiredLabels } from './labels.js';
import { namespaceLimitRange, namespaceResourceQuota } from './quotas.js';
import { dataResidency } from './residency.js';
import { sandboxRuntimeForHighRisk } from './sandbox.js';

/**
 * The governance family: ownership and data-class labels, data residency of regulated data, sandboxed
 * runtimes for high-risk workloads, and per-namespace resource policies. Organisation-specific values
 * come from settings (src/config/defaults.ts).
 */
export const CONTROLS: readonly Control[] = [
  namespaceRequiredLabels,
  workloadRequiredLabels,
  dataResidency,
  sandboxRuntimeForHighRisk,
  namespaceResourceQuota,
  namespaceLimitRange,
];
