import type { Control } from '../../core/types.js';

/** The network family. */
export const CONTROLS: readonly Control[] = [];
