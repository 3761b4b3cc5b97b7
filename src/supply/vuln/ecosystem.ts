/**
 * Package URL → OSV package: which (ecosystem, name, version) an advisory database is keyed by for a
 * component, and how ecosystem strings with a release suffix ("Debian:12", "Alpine:v3.19",
 * "Ubuntu:22.04:LTS") compare.
 *
 * Sources for each mapping:
 * - OSV ecosystem names and their `name` conventions: ossf/osv-schema docs/schema.md, "Defined ecosystems"
 *   (e.g. Debian/Ubuntu/Alpine/Rocky/AlmaLinux name the SOURCE package; Maven is `groupId:artifactId`;
 *   PyPI names are PEP 503-normalised; Alpine releases carry a required `v` prefix; Ubuntu releases are
 *   "YY.MM" with a mandatory `:LTS` suffix for LTS releases and an optional `Pro:` prefix; Red Hat's
 *   suffix is a CPE without `cpe:/[oa]:redhat:`; SUSE/openSUSE suffixes are the os-release PRETTY_NAME).
 * - purl types, namespaces and qualifiers: package-url/purl-spec (PURL-TYPES.rst): `npm` namespace is the
 *   `@scope`; `maven` namespace is the groupId; `golang` namespace+name is the module path; `deb`/`rpm`/`apk`
 *   namespace is the vendor/distro (`debian`, `ubuntu`, `alpine`, `redhat`, `rocky`, …), `distro` and
 *   `epoch` qualifiers; `cargo`, `gem`, `nuget`, `composer` (namespace = vendor), `hex`, `pub`, `hackage`,
 *   `cran`, `conan`, `swift`.
 * - `upstream=` (source package, optionally `name@version`; for rpm the source RPM file name such as
 *   `openssl-3.0.7-24.el9.src.rpm`) and `distro=debian-12` / `alpine-3.19.1` / `rhel-9.3`: Syft's purl
 *   conventions (anchore/syft pkg/cataloger/{debian,alpine,redhat}); Trivy writes `distro=3.19.1` for apk and
 *   `distro=redhat-9.4` for rpm — both forms are read.
 * - Go standard library: the Go vulnerability database files stdlib advisories under module "stdlib"
 *   (golang/vulndb, e.g. GO-2023-2102); SBOM tools write `pkg:golang/stdlib@1.21.0` (or `go1.21.0`, `v1.21.0`).
 */
import { parsePurl, type Purl } from '../purl.js';

export interface OsvPackage {
  /** OSV ecosystem, with a release suffix when the distro release is known ("Debian:12"). */
  ecosystem: string;
  /** Package name as OSV records it (not yet index-normalised; see indexName). */
  name: string;
  /** The version to evaluate for this candidate (source version for a source package, epoch included). */
  version?: string;
}

/** The part of an ecosystem string before the first ':' ("Debian:12" → "Debian"). */
export function ecosystemBase(ecosystem: string): string {
  const i = ecosystem.indexOf(':');
  return i < 0 ? ecosystem : ecosystem.slice(0, i);
}

/** PEP 503 normalised name: lower case, runs of '-', '_' and '.' become one '-'. */
export function pep503(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** Ecosystems whose package names compare case-insensitively (registry rules: NuGet ids, Packagist, crates.io, distro packages). */
const CASE_INSENSITIVE = new Set(['NuGet', 'Packagist', 'crates.io', 'Debian', 'Ubuntu', 'Alpine', 'Pub', 'Hex']);

/**
 * The name as the index keys it, so that an advisory's spelling and a purl's spelling meet:
 * PyPI → PEP 503; case-insensitive registries → lower case; everything else verbatim.
 */
export function indexName(ecosystem: string, name: string): string {
  const base = ecosystemBase(ecosystem);
  if (base === 'PyPI') return pep503(name);
  if (CASE_INSENSITIVE.has(base)) return name.toLowerCase();
  return name;
}

/** Ecosystems whose ':' suffix names a distribution release (as opposed to a repository URL, e.g. Maven). */
const DISTRO_ECOSYSTEMS = new Set([
  'Debian',
  'Ubuntu',
  'Alpine',
  'Red Hat',
  'Rocky Linux',
  'AlmaLinux',
  'openSUSE',
  'SUSE',
  'Photon OS',
  'Mageia',
  'openEuler',
  'Alpaquita',
]);

export function isDistroEcosystem(ecosystem: string): boolean {
  return DISTRO_ECOSYSTEMS.has(ecosystemBase(ecosystem));
}

/** The first "N" or "N.M…" number in a string. */
function firstNumber(s: string): string | undefined {
  return /(\d+(?:\.\d+)*)/.exec(s)?.[1];
}

const major = (v: string | undefined): string | undefined => v?.split('.')[0];

/**
 * The release key two ecosystem strings of the same base are compared by. Ubuntu: the YY.MM number
 * ("Pro:" and ":LTS" do not separate releases: an ESM fix for 22.04 is about 22.04). Red Hat: the major
 * version inside the CPE ("enterprise_linux:9::appstream", "rhel_aus:8.4::appstream" → "9", "8").
 * Rocky/AlmaLinux/openEuler/Photon/Mageia: the number as written, major only for Rocky/Alma. Debian: the
 * number or series ("12", "sid"). Alpine: "v3.19". SUSE/openSUSE: the marketing name, lower-cased.
 */
function releaseKey(base: string, release: string): string {
  switch (base) {
    case 'Ubuntu':
      return firstNumber(release) ?? release.toLowerCase();
    case 'Red Hat':
    case 'Rocky Linux':
    case 'AlmaLinux':
      return major(firstNumber(release)) ?? release.toLowerCase();
    case 'SUSE':
    case 'openSUSE':
      return release.toLowerCase().replace(/\s+/g, ' ').trim();
    default:
      return release;
  }
}

export type EcosystemMatch = 'exact' | 'any-release';

/**
 * Whether an advisory filed under `advisoryEco` applies to a component in `componentEco`.
 * - Different bases never match.
 * - An advisory without a release suffix applies to every release ('exact').
 * - A component whose distro release is unknown ("Debian") matches advisories of any release of that
 *   distro: 'any-release', which the matcher reports so the result can be read as "possibly".
 * - Otherwise the releases must agree (see releaseKey); SUSE/openSUSE match when the advisory's product
 *   name ends with the component's release ("… 15 SP5" ~ "15 SP5").
 * - Non-distro suffixes (Maven/Packagist repository URLs) are ignored: same base matches.
 */
export function ecosystemMatches(componentEco: string, advisoryEco: string): EcosystemMatch | undefined {
  if (componentEco === advisoryEco) return 'exact';
  const cb = ecosystemBase(componentEco);
  const ab = ecosystemBase(advisoryEco);
  if (cb !== ab) return undefined;
  if (!DISTRO_ECOSYSTEMS.has(ab)) return 'exact';
  const cr = componentEco.length > cb.length ? componentEco.slice(cb.length + 1) : '';
  const ar = advisoryEco.length > ab.length ? advisoryEco.slice(ab.length + 1) : '';
  if (ar === '') return 'exact';
  if (cr === '') return 'any-release';
  const ck = releaseKey(ab, cr);
  const ak = releaseKey(ab, ar);
  if (ck === ak) return 'exact';
  if ((ab === 'SUSE' || ab === 'openSUSE') && (ak.endsWith(' ' + ck) || ak === ck)) return 'exact';
  return undefined;
}

// ───────────────────────────── distro qualifiers ─────────────────────────────

/** Debian codenames → numeric release (debian/distro-info-data debian.csv). */
const DEBIAN_CODENAMES: Record<string, string> = {
  wheezy: '7',
  jessie: '8',
  stretch: '9',
  buster: '10',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
  forky: '14',
};

/** Ubuntu codenames → YY.MM (wiki.ubuntu.com/Releases). */
const UBUNTU_CODENAMES: Record<string, string> = {
  trusty: '14.04',
  xenial: '16.04',
  bionic: '18.04',
  focal: '20.04',
  jammy: '22.04',
  mantic: '23.10',
  noble: '24.04',
  oracular: '24.10',
  plucky: '25.04',
};

/** `distro=` value with an optional "<id>-" prefix removed ("debian-12.4" → "12.4"; "3.19.1" → "3.19.1"). */
function distroVersion(distro: string | undefined, ids: string[]): string | undefined {
  if (!distro) return undefined;
  let d = distro.trim().toLowerCase();
  for (const id of ids) {
    if (d.startsWith(id + '-')) {
      d = d.slice(id.length + 1);
      break;
    }
    if (d === id) return undefined;
  }
  return d === '' ? undefined : d;
}

function debianRelease(distro: string | undefined): string | undefined {
  const v = distroVersion(distro, ['debian']);
  if (!v) return undefined;
  if (DEBIAN_CODENAMES[v]) return DEBIAN_CODENAMES[v];
  if (v === 'sid' || v === 'unstable') return 'sid';
  return major(firstNumber(v));
}

function ubuntuRelease(distro: string | undefined): string | undefined {
  const v = distroVersion(distro, ['ubuntu']);
  if (!v) return undefined;
  if (UBUNTU_CODENAMES[v]) return UBUNTU_CODENAMES[v];
  const m = /^(\d{2}\.\d{2})/.exec(v);
  return m?.[1];
}

function alpineRelease(distro: string | undefined): string | undefined {
  const v = distroVersion(distro, ['alpine']);
  const m = v ? /^v?(\d+)\.(\d+)/.exec(v) : null;
  return m ? `v${m[1]}.${m[2]}` : undefined;
}

/** openSUSE: "opensuse-leap-15.5" → "Leap 15.5", "opensuse-tumbleweed" → "Tumbleweed". */
function opensuseRelease(distro: string | undefined): string | undefined {
  if (!distro) return undefined;
  const d = distro.toLowerCase();
  const leap = /leap-?(\d+\.\d+)/.exec(d);
  if (leap) return `Leap ${leap[1]}`;
  if (d.includes('tumbleweed')) return 'Tumbleweed';
  return undefined;
}

/** SUSE: "sles-15.5" / "sles-15-sp5" → "15 SP5" (matched as a suffix of the product name). */
function suseRelease(distro: string | undefined): string | undefined {
  if (!distro) return undefined;
  const d = distro.toLowerCase();
  const m = /(\d+)(?:[.-]sp(\d+)|\.(\d+))?/.exec(d);
  if (!m) return undefined;
  const sp = m[2] ?? m[3];
  return sp && sp !== '0' ? `${m[1]} SP${sp}` : m[1];
}

function withRelease(base: string, release: string | undefined): string {
  return release ? `${base}:${release}` : base;
}

// ───────────────────────────── source packages ─────────────────────────────

/** `upstream=openssl` or `upstream=openssl@3.0.11-1` (Syft, deb/apk). */
function splitUpstream(up: string | undefined): { name: string; version?: string } | undefined {
  if (!up) return undefined;
  const at = up.indexOf('@');
  if (at > 0) return { name: up.slice(0, at), version: up.slice(at + 1) || undefined };
  return { name: up };
}

/** `upstream=openssl-3.0.7-24.el9.src.rpm` → name "openssl", version "3.0.7-24.el9"; plain names pass through. */
function splitRpmUpstream(up: string | undefined): { name: string; version?: string } | undefined {
  if (!up) return undefined;
  const m = /^(.+)-([^-]+)-([^-]+)\.(?:src|nosrc)\.rpm$/.exec(up);
  if (m) return { name: m[1]!, version: `${m[2]}-${m[3]}` };
  return splitUpstream(up);
}

function pushUnique(out: OsvPackage[], p: OsvPackage): void {
  if (out.some((q) => q.ecosystem === p.ecosystem && q.name === p.name && q.version === p.version)) return;
  out.push(p);
}

/** Source package first (what distro advisories are keyed by), then the binary name as a fallback. */
function distroCandidates(ecosystem: string, p: Purl, upstream: { name: string; version?: string } | undefined, version: string | undefined): OsvPackage[] {
  const out: OsvPackage[] = [];
  if (upstream && upstream.name !== '') {
    pushUnique(out, { ecosystem, name: upstream.name, ...optVersion(upstream.version ?? version) });
  }
  pushUnique(out, { ecosystem, name: p.name, ...optVersion(version) });
  return out;
}

const optVersion = (v: string | undefined): { version?: string } => (v !== undefined && v !== '' ? { version: v } : {});

/** RPM namespaces (purl `pkg:rpm/<vendor>/…`) → OSV ecosystem base. */
const RPM_VENDORS: Record<string, string> = {
  redhat: 'Red Hat',
  rhel: 'Red Hat',
  rocky: 'Rocky Linux',
  'rocky-linux': 'Rocky Linux',
  almalinux: 'AlmaLinux',
  alma: 'AlmaLinux',
  opensuse: 'openSUSE',
  suse: 'SUSE',
  sles: 'SUSE',
  photon: 'Photon OS',
  mageia: 'Mageia',
  openeuler: 'openEuler',
};

function rpmEcosystem(base: string, distro: string | undefined): string {
  switch (base) {
    case 'Red Hat':
    case 'Rocky Linux':
    case 'AlmaLinux':
      return withRelease(base, major(firstNumber(distro ?? '')));
    case 'openSUSE':
      return withRelease(base, opensuseRelease(distro));
    case 'SUSE':
      return withRelease(base, suseRelease(distro));
    case 'Photon OS':
    case 'openEuler':
      return withRelease(base, firstNumber(distro ?? ''));
    case 'Mageia':
      return withRelease(base, major(firstNumber(distro ?? '')));
    default:
      return base;
  }
}

/**
 * The OSV packages a purl is looked up as, most specific first. Empty when the purl is not a purl or
 * its type has no OSV ecosystem.
 */
export function osvPackageOf(purl: string): OsvPackage[] {
  const p = parsePurl(purl);
  if (!p) return [];
  const ns = p.namespace;
  const v = p.version;
  const q = p.qualifiers;
  switch (p.type) {
    case 'npm': {
      // Scope is the namespace, written "@scope" (percent-encoded or not); tolerate a missing '@'.
      const name = ns ? `${ns.startsWith('@') ? ns : '@' + ns}/${p.name}` : p.name;
      return [{ ecosystem: 'npm', name, ...optVersion(v) }];
    }
    case 'pypi':
      return [{ ecosystem: 'PyPI', name: pep503(p.name), ...optVersion(v) }];
    case 'golang': {
      const module = ns ? `${ns}/${p.name}` : p.name;
      if (module === 'stdlib' || module === 'std' || module === 'go') {
        const sv = v?.replace(/^go/, '');
        return [{ ecosystem: 'Go', name: 'stdlib', ...optVersion(sv) }];
      }
      const out: OsvPackage[] = [{ ecosystem: 'Go', name: module, ...optVersion(v) }];
      // Kubernetes' own CVE feed (KUBE- records) is keyed by the same Go module paths.
      if (module.startsWith('k8s.io/')) out.push({ ecosystem: 'Kubernetes', name: module, ...optVersion(v) });
      return out;
    }
    case 'cargo':
      return [{ ecosystem: 'crates.io', name: p.name, ...optVersion(v) }];
    case 'maven':
      if (!ns) return [];
      return [{ ecosystem: 'Maven', name: `${ns}:${p.name}`, ...optVersion(v) }];
    case 'nuget':
      return [{ ecosystem: 'NuGet', name: p.name, ...optVersion(v) }];
    case 'gem':
      return [{ ecosystem: 'RubyGems', name: p.name, ...optVersion(v) }];
    case 'composer':
      return [{ ecosystem: 'Packagist', name: ns ? `${ns}/${p.name}` : p.name, ...optVersion(v) }];
    case 'hex':
      return [{ ecosystem: 'Hex', name: p.name, ...optVersion(v) }];
    case 'pub':
      return [{ ecosystem: 'Pub', name: p.name, ...optVersion(v) }];
    case 'hackage':
      return [{ ecosystem: 'Hackage', name: p.name, ...optVersion(v) }];
    case 'cran':
      return [{ ecosystem: 'CRAN', name: p.name, ...optVersion(v) }];
    case 'conan':
      return [{ ecosystem: 'ConanCenter', name: p.name, ...optVersion(v) }];
    case 'swift':
      return ns ? [{ ecosystem: 'SwiftURL', name: `https://${ns}/${p.name}`, ...optVersion(v) }] : [];
    case 'deb': {
      const vendor = (ns ?? 'debian').toLowerCase();
      let eco: string;
      if (vendor === 'debian') eco = withRelease('Debian', debianRelease(q.distro));
      else if (vendor === 'ubuntu') eco = withRelease('Ubuntu', ubuntuRelease(q.distro));
      else return [];
      return distroCandidates(eco, p, splitUpstream(q.upstream), v);
    }
    case 'apk': {
      const vendor = (ns ?? 'alpine').toLowerCase();
      if (vendor === 'alpine') return distroCandidates(withRelease('Alpine', alpineRelease(q.distro)), p, splitUpstream(q.upstream), v);
      if (vendor === 'wolfi') return distroCandidates('Wolfi', p, splitUpstream(q.upstream), v);
      if (vendor === 'chainguard') return distroCandidates('Chainguard', p, splitUpstream(q.upstream), v);
      return [];
    }
    case 'rpm': {
      const base = RPM_VENDORS[(ns ?? '').toLowerCase()];
      if (!base) return [];
      const eco = rpmEcosystem(base, q.distro);
      // RPM versions carry the epoch in a qualifier; OSV writes "epoch:version-release".
      const epoch = q.epoch && q.epoch !== '0' ? q.epoch : undefined;
      const withEpoch = (x: string | undefined): string | undefined => (x && epoch && !/^\d+:/.test(x) ? `${epoch}:${x}` : x);
      const up = splitRpmUpstream(q.upstream);
      const out: OsvPackage[] = [];
      // Red Hat names binary or source RPMs; Rocky/Alma/SUSE name source RPMs. Try both, source first.
      if (up && up.name !== '') pushUnique(out, { ecosystem: eco, name: up.name, ...optVersion(withEpoch(up.version ?? v)) });
      pushUnique(out, { ecosystem: eco, name: p.name, ...optVersion(withEpoch(v)) });
      return out;
    }
    default:
      return [];
  }
}

/**
 * The inverse direction, for tests and benchmarks: a purl for an OSV (ecosystem, name, version).
 * Distro ecosystems get the `distro=` qualifier Syft writes; undefined for ecosystems with no purl type here.
 */
export function purlForOsvPackage(ecosystem: string, name: string, version?: string): string | undefined {
  const base = ecosystemBase(ecosystem);
  const release = ecosystem.length > base.length ? ecosystem.slice(base.length + 1) : '';
  const at = version !== undefined && version !== '' ? '@' + encodeURIComponent(version) : '';
  const enc = (s: string): string => encodeURIComponent(s);
  switch (base) {
    case 'npm':
      if (name.startsWith('@') && name.includes('/')) {
        const [scope, n] = [name.slice(0, name.indexOf('/')), name.slice(name.indexOf('/') + 1)];
        return `pkg:npm/${enc(scope)}/${enc(n)}${at}`;
      }
      return `pkg:npm/${enc(name)}${at}`;
    case 'PyPI':
      return `pkg:pypi/${enc(pep503(name))}${at}`;
    case 'Go':
      return `pkg:golang/${name.split('/').map(enc).join('/')}${at}`;
    case 'crates.io':
      return `pkg:cargo/${enc(name)}${at}`;
    case 'Maven': {
      const i = name.indexOf(':');
      if (i < 0) return undefined;
      return `pkg:maven/${enc(name.slice(0, i))}/${enc(name.slice(i + 1))}${at}`;
    }
    case 'NuGet':
      return `pkg:nuget/${enc(name)}${at}`;
    case 'RubyGems':
      return `pkg:gem/${enc(name)}${at}`;
    case 'Packagist':
      return `pkg:composer/${name.split('/').map(enc).join('/')}${at}`;
    case 'Hex':
      return `pkg:hex/${enc(name)}${at}`;
    case 'Pub':
      return `pkg:pub/${enc(name)}${at}`;
    case 'Debian': {
      const d = release ? `?distro=debian-${release}` : '';
      return `pkg:deb/debian/${enc(name)}${at}${d}`;
    }
    case 'Ubuntu': {
      const n = firstNumber(release);
      return `pkg:deb/ubuntu/${enc(name)}${at}${n ? `?distro=ubuntu-${n}` : ''}`;
    }
    case 'Alpine': {
      const m = /^v(\d+\.\d+)/.exec(release);
      return `pkg:apk/alpine/${enc(name)}${at}${m ? `?distro=alpine-${m[1]}` : ''}`;
    }
    case 'Red Hat':
    case 'Rocky Linux':
    case 'AlmaLinux': {
      const vendor = base === 'Red Hat' ? 'redhat' : base === 'Rocky Linux' ? 'rocky' : 'almalinux';
      const id = base === 'Red Hat' ? 'rhel' : vendor;
      const n = major(firstNumber(release));
      let ver = version ?? '';
      let epoch = '';
      const em = /^(\d+):(.*)$/.exec(ver);
      if (em) {
        epoch = em[1]!;
        ver = em[2]!;
      }
      const qs = [n ? `distro=${id}-${n}` : '', epoch ? `epoch=${epoch}` : ''].filter((x) => x !== '').join('&');
      return `pkg:rpm/${vendor}/${enc(name)}${ver ? '@' + enc(ver) : ''}${qs ? '?' + qs : ''}`;
    }
    default:
      return undefined;
  }
}
