import type { Control } from '../../core/types.js';

/** The images family. */
export const CONTROLS: readonly Control[] = [];
