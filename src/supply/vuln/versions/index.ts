/**
 * Version ordering per OSV ecosystem, for matching components against OSV `introduced` /
 * `fixed` / `last_affected` / `limit` events. Each scheme is a total order over all strings
 * (never throws): versions its ecosystem would reject still get a deterministic place, and the
 * literal "0" — OSV's "from the beginning" — sorts below everything in every scheme.
 *
 * Ecosystem names are OSV's (ossf/osv-schema, docs/schema.md "Defined ecosystems"); the part before
 * the first ":" selects the scheme ("Debian:12", "Alpine:v3.19", "Ubuntu:22.04:LTS",
 * "Red Hat:enterprise_linux:9::baseos").
 */
import { apk } from './apk.js';
import { dpkg } from './dpkg.js';
import { maven } from './maven.js';
import { nuget } from './nuget.js';
import { packagist } from './packagist.js';
import { pep440 } from './pep440.js';
import { rpm } from './rpm.js';
import { rubygems } from './rubygems.js';
import { pub, semver } from './semver.js';

export interface VersionScheme {
  readonly name: string; // 'semver' | 'pep440' | 'maven' | 'dpkg' | 'apk' | 'rpm' | …
  compare(a: string, b: string): number; // <0, 0, >0 — total order, never throws
  valid(v: string): boolean; // is v a well-formed version in this scheme
}

const ECOSYSTEMS: Record<string, VersionScheme> = {
  // SEMVER-typed ecosystems
  npm: semver,
  Go: semver,
  'crates.io': semver,
  Hex: semver,
  SwiftURL: semver,
  Bitnami: semver,
  Kubernetes: semver,
  VSCode: semver,
  Pub: pub,
  PyPI: pep440,
  Maven: maven,
  NuGet: nuget,
  RubyGems: rubygems,
  Packagist: packagist,
  // dpkg
  Debian: dpkg,
  Ubuntu: dpkg,
  Echo: dpkg,
  // apk
  Alpine: apk,
  Alpaquita: apk,
  'BellSoft Hardened Containers': apk,
  Chainguard: apk,
  MinimOS: apk,
  Wolfi: apk,
  // rpm
  'Red Hat': rpm,
  'Rocky Linux': rpm,
  AlmaLinux: rpm,
  openSUSE: rpm,
  SUSE: rpm,
  Mageia: rpm,
  openEuler: rpm,
  'Photon OS': rpm,
  'Azure Linux': rpm,
  'CBL-Mariner': rpm,
};

const BY_NAME = new Map(Object.entries(ECOSYSTEMS));
const BY_LOWER = new Map(Object.entries(ECOSYSTEMS).map(([k, v]) => [k.toLowerCase(), v]));

/** The scheme for an OSV ecosystem string; undefined when the ecosystem has no known ordering. */
export function schemeFor(ecosystem: string): VersionScheme | undefined {
  const colon = ecosystem.indexOf(':');
  const base = (colon < 0 ? ecosystem : ecosystem.slice(0, colon)).trim();
  return BY_NAME.get(base) ?? BY_LOWER.get(base.toLowerCase());
}

/** compare under the ecosystem's scheme; undefined when the ecosystem has none. */
export function compareVersions(ecosystem: string, a: string, b: string): number | undefined {
  const scheme = schemeFor(ecosystem);
  return scheme === undefined ? undefined : scheme.compare(a, b);
}
