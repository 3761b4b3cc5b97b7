/** The built-in control catalog. */
import type { Control } from '../core/types.js';
import { namespaceEnforceLabel, PSS_CONTROLS } from './pod-security/index.js';

export const BUILTIN_CONTROLS: readonly Control[] = [...PSS_CONTROLS, namespaceEnforceLabel];

const byId = new Map(BUILTIN_CONTROLS.map((c) => [c.id, c]));

export function findControl(id: string): Control | undefined {
  return byId.get(id);
}

export function controlFamilies(): string[] {
  return [...new Set(BUILTIN_CONTROLS.map((c) => c.family))].sort();
}
