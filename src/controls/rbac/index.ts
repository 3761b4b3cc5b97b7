import type { Control } from '../../core/types.js';

/** The rbac family. */
export const CONTROLS: readonly Control[] = [];
