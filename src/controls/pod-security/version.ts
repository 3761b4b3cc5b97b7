import type { PssLevel, PssVersion } from '../../core/types.js';

/**
 * The newest Pod Security policy version whose rules we implement. `latest` resolves to it, and
 * newer versions are clamped to it — exactly as the pod-security-admission registry clamps a
 * requested version to its `maxVersion` (`policy/registry.go`).
 * v1.37 adds net.ipv4.tcp_slow_start_after_idle and net.ipv4.tcp_notsent_lowat to the safe sysctls
 * (../shared/reference/regulations.md §10.1).
 */
export const LATEST_PSS_VERSION: PssVersion = Object.freeze({ major: 1, minor: 37 });

export const PSS_LEVELS: readonly PssLevel[] = ['privileged', 'baseline', 'restricted'];

export function isPssLevel(s: string): s is PssLevel {
  return (PSS_LEVELS as readonly string[]).includes(s);
}

export function v(major: number, minor: number): PssVersion {
  return { major, minor };
}

export function compareVersions(a: PssVersion, b: PssVersion): number {
  return a.major !== b.major ? a.major - b.major : a.minor - b.minor;
}

export function atLeast(a: PssVersion, b: PssVersion): boolean {
  return compareVersions(a, b) >= 0;
}

export function formatVersion(ver: PssVersion): string {
  return `v${ver.major}.${ver.minor}`;
}

export interface ParsedVersion {
  version: PssVersion;
  /** Set when the requested version was newer than what we implement and was clamped. */
  clampedFrom?: string;
}

/**
 * Parses `latest`, `v1.30` or `1.30` like the `pod-security.kubernetes.io/enforce-version` label.
 * Returns an error string for anything else.
 */
export function parsePssVersion(input: string): ParsedVersion | string {
  const s = input.trim();
  if (s === 'latest') return { version: LATEST_PSS_VERSION };
  const m = /^v?(\d+)\.(\d+)$/.exec(s);
  if (!m) return `invalid Pod Security version "${input}": expected "latest" or "v<major>.<minor>", e.g. v1.30`;
  const ver = v(Number(m[1]), Number(m[2]));
  if (ver.major !== 1) return `invalid Pod Security version "${input}": only v1.x versions exist`;
  if (compareVersions(ver, LATEST_PSS_VERSION) > 0) {
    return { version: LATEST_PSS_VERSION, clampedFrom: s.startsWith('v') ? s : `v${s}` };
  }
  return { version: ver };
}
