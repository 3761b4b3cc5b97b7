import type { Control } from '../../core/types.js';
import { credentialsInAnnotations } from './annotations.js';
import { credentialsInConfigMap } from './configmap.js';
import { credentialsInEnvValue, secretInEnv } from './env.js';
import { defaultServiceAccountUsed, saTokenAutomount } from './service-accounts.js';

/**
 * The secrets family: service account tokens and identities of workloads, Secrets exposed through the
 * environment, and credentials in plain text (env values, command lines, ConfigMaps, annotations —
 * detect.ts holds the shared, low-false-positive detector).
 */
export const CONTROLS: readonly Control[] = [
  saTokenAutomount,
  defaultServiceAccountUsed,
  secretInEnv,
  credentialsInEnvValue,
  credentialsInConfigMap,
  credentialsInAnnotations,
];
