/**
 * Debian packages: /var/lib/dpkg/status (deb822 stanzas, Status "install ok installed" only) and
 * distroless images' /var/lib/dpkg/status.d/<package> (one stanza a file, no Status line). Licenses come
 * from machine-readable /usr/share/doc/<package>/copyright files (their `License:` lines).
 */
import { formatPurl } from '../purl.js';
import { toLicenses } from './license.js';
import { distroQualifier } from './osrelease.js';
import type { CatalogFile, Cataloger, CatalogContext, CatalogResult, FoundPackage, OsRelease } from './types.js';
import { MB, basename, text } from './types.js';

const STATUS = '/var/lib/dpkg/status';
const STATUS_D = '/var/lib/dpkg/status.d/';
const COPYRIGHT = /^\/usr\/share\/doc\/([^/]+)\/copyright$/;

/** deb822 paragraphs → field maps (continuation lines joined with '\n'). */
export function parseDeb822(content: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  let cur: Record<string, string> = {};
  let last: string | undefined;
  const flush = () => {
    if (Object.keys(cur).length > 0) out.push(cur);
    cur = {};
    last = undefined;
  };
  for (const line of content.split(/\r?\n/)) {
    if (line.trim() === '') {
      flush();
      continue;
    }
    if (line[0] === ' ' || line[0] === '\t') {
      if (last !== undefined) cur[last] += '\n' + line.slice(1);
      continue;
    }
    if (line[0] === '#') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim();
    cur[last] = line.slice(colon + 1).trim();
  }
  flush();
  return out;
}

/** "openssl" or "glibc (2.36-9)" → name and optional version. */
export function parseSource(field: string | undefined): { name?: string; version?: string } {
  if (!field) return {};
  const m = /^(\S+)(?:\s+\(([^)]+)\))?/.exec(field.trim());
  if (!m) return {};
  return m[2] ? { name: m[1], version: m[2].trim() } : { name: m[1] };
}

/** Only the `License:` values of a machine-readable copyright file (kept in memory instead of the file). */
export function copyrightLicenses(data: Buffer): Buffer {
  const s = text(data);
  if (!/^\s*Format:\s*\S/i.test(s)) return Buffer.alloc(0);
  const out: string[] = [];
  for (const m of s.matchAll(/^License:[ \t]*(.+?)[ \t]*$/gm)) out.push(m[1]!);
  return Buffer.from([...new Set(out)].join('\n'));
}

function namespaceFor(os: OsRelease | undefined): string {
  return os?.id ?? 'debian';
}

export function debPurl(
  name: string,
  version: string,
  arch: string | undefined,
  source: string | undefined,
  os: OsRelease | undefined,
): string {
  const qualifiers: Record<string, string> = {};
  if (arch) qualifiers.arch = arch;
  const distro = distroQualifier(os);
  if (distro && os) qualifiers.distro = distro;
  if (source && source !== name) qualifiers.upstream = source;
  return formatPurl({ type: 'deb', namespace: namespaceFor(os), name, version, qualifiers });
}

function parseDpkg(files: CatalogFile[], ctx: CatalogContext): CatalogResult {
  const warnings: string[] = [];
  const licenses = new Map<string, string[]>();
  for (const f of files) {
    const m = COPYRIGHT.exec(f.path);
    if (m) licenses.set(m[1]!, text(f.data).split('\n').filter((x) => x !== ''));
  }
  const packages: FoundPackage[] = [];
  const dbFiles = files
    .filter((f) => f.path === STATUS || f.path.startsWith(STATUS_D))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const f of dbFiles) {
    const stanzas = parseDeb822(text(f.data));
    stanzas.forEach((st, i) => {
      const name = st.Package;
      if (!name) {
        if (f.path === STATUS || Object.keys(st).length > 2) warnings.push(`${f.path}: paragraph ${i + 1} has no Package field`);
        return;
      }
      if (st.Status !== undefined) {
        const words = st.Status.split(/\s+/);
        if (words[2] !== 'installed') return;
      }
      const version = st.Version;
      if (!version) {
        warnings.push(`${f.path}: package ${name} has no Version field`);
        return;
      }
      const arch = st.Architecture || undefined;
      const src = parseSource(st.Source);
      const sourceName = src.name ?? name;
      const props = [];
      if (src.version && src.version !== version) props.push({ name: 'kubecomply:source-version', value: src.version });
      const pkg: FoundPackage = {
        type: 'deb',
        name,
        version,
        purl: debPurl(name, version, arch, src.name, ctx.os),
        licenses: toLicenses(licenses.get(name) ?? []),
        location: f.path,
        sourcePackage: sourceName,
        key: `deb:${name}@${version}:${arch ?? ''}`,
        layer: f.layer,
        properties: props,
      };
      if (st.Maintainer) pkg.supplier = st.Maintainer;
      if (st.Description) pkg.description = st.Description.split('\n')[0]!.trim();
      packages.push(pkg);
    });
  }
  return { packages, warnings };
}

export const dpkgCataloger: Cataloger = {
  name: 'dpkg',
  scope: 'database',
  wants(entry) {
    const p = entry.path;
    if (p === STATUS) return { kind: 'buffer', maxBytes: 64 * MB };
    if (p.startsWith(STATUS_D) && p.indexOf('/', STATUS_D.length) < 0) {
      const b = basename(p);
      if (b.endsWith('.md5sums') || b.startsWith('.')) return undefined;
      return { kind: 'buffer', maxBytes: 4 * MB };
    }
    if (COPYRIGHT.test(p)) return { kind: 'buffer', maxBytes: 4 * MB, truncate: true, reduce: copyrightLicenses };
    return undefined;
  },
  parse: parseDpkg,
};
