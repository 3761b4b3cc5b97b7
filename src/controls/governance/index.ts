import type { Control } from '../../core/types.js';

/** The governance family. */
export const CONTROLS: readonly Control[] = [];
