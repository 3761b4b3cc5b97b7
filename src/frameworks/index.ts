/** All frameworks, by id. */
import type { Mappings } from '../core/types.js';
import { CIS } from './cis.js';
import { CRA } from './cra.js';
import { GDPR } from './gdpr.js';
import { HIPAA } from './hipaa.js';
import { MITRE } from './mitre.js';
import { NIST_800_190 } from './nist.js';
import { NSA } from './nsa.js';
import { PCI_DSS } from './pci.js';
import { SOC2 } from './soc2.js';
import { STRIDE } from './stride.js';
import type { Framework, Requirement } from './types.js';

export type { Confidence, Framework, Requirement } from './types.js';

export const FRAMEWORKS: readonly Framework[] = [CIS, NSA, NIST_800_190, MITRE, STRIDE, PCI_DSS, HIPAA, GDPR, SOC2, CRA];

const byId = new Map(FRAMEWORKS.map((f) => [f.id, f]));

export function findFramework(id: string): Framework | undefined {
  return byId.get(id);
}

/** The requirement ids a control cites in one framework. */
export function citedIds(mappings: Mappings, f: Framework): readonly string[] {
  return (mappings[f.mappingKey] as readonly string[] | undefined) ?? [];
}

export function requirementOf(f: Framework, id: string): Requirement | undefined {
  return f.requirements.find((r) => r.id === id);
}
