/** Shared shapes of the vulnerability side: what an index stores and what a match reports. */
import type { ExceptionRef } from '../../core/types.js';

export type VulnSeverity = 'critical' | 'high' | 'medium' | 'low' | 'none' | 'unknown';

export const SEVERITY_ORDER: readonly VulnSeverity[] = ['critical', 'high', 'medium', 'low', 'none', 'unknown'];

/** The CVSS score computed from a vector (never the number an advisory wrote beside it). */
export interface CvssScore {
  version: '2.0' | '3.0' | '3.1' | '4.0';
  vector: string;
  score: number;
  severity: VulnSeverity;
}

/** A component as the matcher sees it. */
export interface MatchTarget {
  ref: string;
  name: string;
  version: string;
  purl: string;
  /** Product layer (merge) and image layer digest (generate), when known. */
  layer?: string;
  imageLayer?: string;
}

export interface VulnMatch {
  component: MatchTarget;
  /** The advisory id as the index stores it (OSV id: GHSA-…, GO-…, PYSEC-…, CVE-…, DSA-…). */
  id: string;
  /** CVE ↔ GHSA and friends; the advisory's aliases plus ids that name it as an alias. */
  aliases: string[];
  summary?: string;
  /** OSV ecosystem the match was made in ("npm", "Debian:12", "Alpine:v3.19" …). */
  ecosystem: string;
  severity: VulnSeverity;
  /** The highest computed score among the advisory's CVSS vectors (v4 preferred over v3 when both). */
  cvss?: CvssScore;
  /** Versions that fix it in this component's range, in ecosystem order. Empty: no fix known. */
  fixedVersions: string[];
  /** In CISA's Known Exploited Vulnerabilities catalog (by the CVE id or an alias). */
  exploited: boolean;
  kev?: { cveId: string; dateAdded: string; dueDate?: string; knownRansomwareCampaignUse?: string };
  references: string[];
  /** 'excepted' when a ComplianceException names the vulnerability id (or an alias) and is in force. */
  status: 'open' | 'excepted';
  exception?: ExceptionRef;
}
