import type { Control } from '../../core/types.js';
import { IMAGE_CONTROLS } from './controls.js';

/** The images family. */
export const CONTROLS: readonly Control[] = IMAGE_CONTROLS;
