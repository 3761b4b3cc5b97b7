import type { Control } from '../../core/types.js';

/** The cluster family. */
export const CONTROLS: readonly Control[] = [];
