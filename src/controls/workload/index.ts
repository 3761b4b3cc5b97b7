import type { Control } from '../../core/types.js';

/** The workload family. */
export const CONTROLS: readonly Control[] = [];
