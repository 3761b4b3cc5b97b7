/**
 * Frameworks as data: each requirement has its official identifier and a short title in our own
 * words. Identifiers come from ../shared/reference/regulations.md (section given per framework), with
 * that document's confidence marker: V verified in a primary source, C corroborated by two or more
 * secondary sources, R single source / recall — shown to users so an auditor knows what to re-check.
 */
import type { Mappings } from '../core/types.js';

export type Confidence = 'V' | 'C' | 'R';

export interface Requirement {
  /** The official identifier, e.g. "5.2.2", "CC6.1", "164.312(b)", "I.2(d)". */
  id: string;
  /** Short title in our own words. */
  title: string;
  /** No automated check decides it: shown as a checklist item with guidance. */
  manual?: boolean;
  /** What an auditor or engineer does to satisfy a manual requirement (or extra context). */
  guidance?: string;
  /** Overrides the framework's confidence for this identifier. */
  confidence?: Confidence;
  /** Grouping for display, e.g. "1.2 API server". */
  section?: string;
}

export interface Framework {
  /** Stable slug used on the command line: `--framework pci-dss`. */
  id: string;
  name: string;
  version: string;
  /** Where the identifiers come from. */
  source: string;
  /** Default confidence of identifiers in this framework. */
  confidence: Confidence;
  /** Which key of Control.mappings cites this framework. */
  mappingKey: keyof Mappings;
  requirements: Requirement[];
}
