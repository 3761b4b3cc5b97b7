/**
 * Choosing an image from an index / manifest list by platform, with containerd's normalisation of
 * ARM variants (arm64 means v8 unless said otherwise, arm means v7) so `linux/arm64` matches an entry
 * written `linux/arm64/v8` and the other way round.
 */
import type { Descriptor, ImageIndex, Platform } from './media-types.js';

export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

/** Parses `os/arch[/variant]`, e.g. `linux/arm64/v8`. */
export function parsePlatform(s: string): Platform {
  const parts = s.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    throw new Error(`invalid platform ${JSON.stringify(s)}: expected os/architecture[/variant]`);
  }
  const p: Platform = { os: parts[0]!.toLowerCase(), architecture: parts[1]!.toLowerCase() };
  if (parts[2]) p.variant = parts[2].toLowerCase();
  return p;
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? '/' + p.variant : ''}`;
}

function normalizedVariant(p: Platform): string | undefined {
  if (p.variant) return p.variant;
  if (p.architecture === 'arm64') return 'v8';
  if (p.architecture === 'arm') return 'v7';
  return undefined;
}

/** True when an index entry's platform satisfies `want`; a wanted variant must match, an unwanted one is free. */
export function platformMatches(candidate: Platform | undefined, want: Platform): boolean {
  if (!candidate) return false;
  if (candidate.os !== want.os || candidate.architecture !== want.architecture) return false;
  if (!want.variant && want.architecture !== 'arm64' && want.architecture !== 'arm') return true;
  return normalizedVariant(candidate) === normalizedVariant(want);
}

/** The first entry of the index for `want`, or undefined. */
export function selectManifest(index: ImageIndex, want: Platform): Descriptor | undefined {
  return index.manifests.find((d) => platformMatches(d.platform, want));
}
