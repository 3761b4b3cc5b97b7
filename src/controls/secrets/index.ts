import type { Control } from '../../core/types.js';

/** The secrets family. */
export const CONTROLS: readonly Control[] = [];
