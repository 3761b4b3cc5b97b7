/**
 * npm packages: every node_modules/<name>/package.json and node_modules/@scope/<name>/package.json
 * (what is installed), and package-lock.json / npm-shrinkwrap.json (lockfileVersion 1–3) for projects
 * whose node_modules is not in the image — a lockfile's entries are dropped when installed packages were
 * found under its directory's node_modules.
 */
import { formatPurl } from '../purl.js';
import type { Hash, HashAlg, License, Property } from '../sbom/model.js';
import { toLicense, toLicenses } from './license.js';
import type { CatalogFile, Cataloger, CatalogResult, FoundPackage } from './types.js';
import { MB, basename, dirname, text } from './types.js';

const PACKAGE_JSON = /\/node_modules\/(?:@[^/]+\/)?[^/@.][^/]*\/package\.json$/;
const LOCKFILES = new Set(['package-lock.json', 'npm-shrinkwrap.json']);

export function npmPurl(name: string, version: string | undefined): string {
  const slash = name.startsWith('@') ? name.indexOf('/') : -1;
  const p =
    slash > 0
      ? { type: 'npm', namespace: name.slice(0, slash), name: name.slice(slash + 1), qualifiers: {} }
      : { type: 'npm', name, qualifiers: {} };
  return formatPurl(version ? { ...p, version } : p);
}

/** `license` (string, {type}), legacy `licenses` ([{type}] or strings). */
export function npmLicenses(pkg: Record<string, unknown>): License[] {
  const raw: string[] = [];
  const add = (v: unknown) => {
    if (typeof v === 'string') raw.push(v);
    else if (v && typeof v === 'object' && typeof (v as { type?: unknown }).type === 'string') raw.push((v as { type: string }).type);
  };
  add(pkg.license);
  if (Array.isArray(pkg.licenses)) pkg.licenses.forEach(add);
  else add(pkg.licenses);
  return toLicenses(raw);
}

/** SRI integrity ("sha512-<base64>") → hash. */
export function integrityHash(integrity: unknown): Hash | undefined {
  if (typeof integrity !== 'string') return undefined;
  const first = integrity.trim().split(/\s+/)[0]!;
  const m = /^(sha1|sha256|sha384|sha512)-([A-Za-z0-9+/=]+)$/.exec(first);
  if (!m) return undefined;
  const alg: Record<string, HashAlg> = { sha1: 'SHA-1', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };
  return { alg: alg[m[1]!]!, content: Buffer.from(m[2]!, 'base64').toString('hex') };
}

function split(name: string): { name: string; group?: string } {
  if (name.startsWith('@') && name.includes('/')) {
    const i = name.indexOf('/');
    return { group: name.slice(1, i), name: name.slice(i + 1) };
  }
  return { name };
}

function pkgFrom(name: string, version: string, location: string, layer: number, extra: Partial<FoundPackage>): FoundPackage {
  const s = split(name);
  const p: FoundPackage = {
    type: 'npm',
    name: s.name,
    version,
    purl: npmPurl(name, version),
    licenses: [],
    location,
    key: `npm:${name}@${version}`,
    layer,
    ...extra,
  };
  if (s.group) p.group = s.group;
  return p;
}

function parsePackageJson(f: CatalogFile): CatalogResult {
  const json = JSON.parse(text(f.data)) as unknown;
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error('package.json is not a JSON object');
  const pkg = json as Record<string, unknown>;
  const name = typeof pkg.name === 'string' ? pkg.name : undefined;
  const version = typeof pkg.version === 'string' ? pkg.version : undefined;
  // Nested package.json files without name/version (e.g. {"type":"module"} markers) are not packages.
  if (!name || !version) return { packages: [], warnings: [] };
  const extra: Partial<FoundPackage> = { licenses: npmLicenses(pkg) };
  if (typeof pkg.description === 'string' && pkg.description !== '') extra.description = pkg.description;
  return { packages: [pkgFrom(name, version, f.path, f.layer, extra)], warnings: [] };
}

function lockEntry(name: string, e: Record<string, unknown>, f: CatalogFile): FoundPackage | undefined {
  const version = typeof e.version === 'string' ? e.version : undefined;
  if (!version || e.link === true) return undefined;
  // Aliases and git/file dependencies write a URL or spec as "version"; keep only real versions.
  if (/^(file|git|git\+\w+|https?|npm):/.test(version)) return undefined;
  const props: Property[] = [];
  if (e.dev === true) props.push({ name: 'kubecomply:npm:dev', value: 'true' });
  const extra: Partial<FoundPackage> = { properties: props };
  const h = integrityHash(e.integrity);
  if (h) extra.hashes = [h];
  const lic = typeof e.license === 'string' ? toLicense(e.license) : undefined;
  if (lic) extra.licenses = [lic];
  return pkgFrom(name, version, f.path, f.layer, extra);
}

function parseLockfile(f: CatalogFile): CatalogResult {
  const json = JSON.parse(text(f.data)) as Record<string, unknown>;
  if (!json || typeof json !== 'object') throw new Error('lockfile is not a JSON object');
  const packages: FoundPackage[] = [];
  const warnings: string[] = [];
  const v = typeof json.lockfileVersion === 'number' ? json.lockfileVersion : 1;
  if (v >= 2 && json.packages && typeof json.packages === 'object') {
    for (const [key, e] of Object.entries(json.packages as Record<string, Record<string, unknown>>)) {
      if (key === '' || !e || typeof e !== 'object') continue;
      const i = key.lastIndexOf('node_modules/');
      if (i < 0) continue; // workspace folders
      const name = typeof e.name === 'string' ? e.name : key.slice(i + 'node_modules/'.length);
      const p = lockEntry(name, e, f);
      if (p) packages.push(p);
    }
  } else if (json.dependencies && typeof json.dependencies === 'object') {
    const walk = (deps: Record<string, Record<string, unknown>>, depth: number) => {
      if (depth > 64) return;
      for (const [name, e] of Object.entries(deps)) {
        if (!e || typeof e !== 'object') continue;
        const p = lockEntry(name, e, f);
        if (p) packages.push(p);
        if (e.dependencies && typeof e.dependencies === 'object') walk(e.dependencies as Record<string, Record<string, unknown>>, depth + 1);
      }
    };
    walk(json.dependencies as Record<string, Record<string, unknown>>, 0);
  } else {
    warnings.push(`${f.path}: lockfile has neither "packages" nor "dependencies"`);
  }
  return { packages, warnings };
}

export const npmCataloger: Cataloger = {
  name: 'npm',
  scope: 'file',
  wants(entry) {
    const p = entry.path;
    if (p.endsWith('/package.json')) return PACKAGE_JSON.test(p) ? { kind: 'buffer', maxBytes: 4 * MB } : undefined;
    if (LOCKFILES.has(basename(p)) && !p.includes('/node_modules/')) return { kind: 'buffer', maxBytes: 128 * MB };
    return undefined;
  },
  parse(files) {
    const out: CatalogResult = { packages: [], warnings: [] };
    for (const f of files) {
      const r = f.path.endsWith('/package.json') ? parsePackageJson(f) : parseLockfile(f);
      out.packages.push(...r.packages);
      out.warnings.push(...r.warnings);
    }
    return out;
  },
  reconcile(packages) {
    const installedDirs = new Set<string>();
    for (const p of packages) {
      if (!p.location.endsWith('/package.json')) continue;
      // "/app/node_modules/x/package.json" → every ancestor directory that holds that node_modules.
      const i = p.location.indexOf('/node_modules/');
      if (i >= 0) installedDirs.add(p.location.slice(0, i) || '/');
    }
    return packages.filter((p) => {
      if (p.location.endsWith('/package.json')) return true;
      return !installedDirs.has(dirname(p.location));
    });
  },
};
