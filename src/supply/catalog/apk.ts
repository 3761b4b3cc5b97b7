/**
 * Alpine (and Wolfi) packages: /lib/apk/db/installed — records of `X:value` lines separated by blank
 * lines (apk-tools' installed database): P name, V version, A arch, L license, o origin (the source
 * package, what Alpine's secdb names), m maintainer, T description, C checksum of the control segment.
 */
import { formatPurl } from '../purl.js';
import type { Property } from '../sbom/model.js';
import { toLicenses } from './license.js';
import { distroQualifier } from './osrelease.js';
import type { CatalogFile, Cataloger, CatalogContext, CatalogResult, FoundPackage, OsRelease } from './types.js';
import { MB, text } from './types.js';

const INSTALLED = '/lib/apk/db/installed';

export interface ApkRecord {
  fields: Record<string, string>;
  line: number;
}

/** Records of single-letter fields; repeated letters (F, R, a, Z: file lists) keep their first value. */
export function parseApkInstalled(content: string): ApkRecord[] {
  const out: ApkRecord[] = [];
  let cur: Record<string, string> = {};
  let start = 1;
  const lines = content.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '') {
      if (Object.keys(cur).length > 0) out.push({ fields: cur, line: start });
      cur = {};
      start = i + 2;
      return;
    }
    if (line.length < 2 || line[1] !== ':') return;
    const k = line[0]!;
    if (!(k in cur)) cur[k] = line.slice(2);
  });
  if (Object.keys(cur).length > 0) out.push({ fields: cur, line: start });
  return out;
}

export function apkPurl(name: string, version: string, arch: string | undefined, origin: string | undefined, os: OsRelease | undefined): string {
  const qualifiers: Record<string, string> = {};
  if (arch) qualifiers.arch = arch;
  const distro = distroQualifier(os);
  if (distro) qualifiers.distro = distro;
  if (origin && origin !== name) qualifiers.upstream = origin;
  return formatPurl({ type: 'apk', namespace: os?.id ?? 'alpine', name, version, qualifiers });
}

function parseApk(files: CatalogFile[], ctx: CatalogContext): CatalogResult {
  const packages: FoundPackage[] = [];
  const warnings: string[] = [];
  for (const f of files) {
    if (f.path !== INSTALLED) continue;
    for (const rec of parseApkInstalled(text(f.data))) {
      const r = rec.fields;
      if (!r.P) {
        warnings.push(`${f.path}:${rec.line}: record has no P: (package name) line`);
        continue;
      }
      if (!r.V) {
        warnings.push(`${f.path}:${rec.line}: package ${r.P} has no V: (version) line`);
        continue;
      }
      const arch = r.A || undefined;
      const props: Property[] = [];
      if (r.C) props.push({ name: 'kubecomply:apk:checksum', value: r.C });
      if (r.c) props.push({ name: 'kubecomply:apk:commit', value: r.c });
      const pkg: FoundPackage = {
        type: 'apk',
        name: r.P,
        version: r.V,
        purl: apkPurl(r.P, r.V, arch, r.o, ctx.os),
        licenses: toLicenses([r.L]),
        location: f.path,
        sourcePackage: r.o || r.P,
        key: `apk:${r.P}@${r.V}:${arch ?? ''}`,
        layer: f.layer,
        properties: props,
      };
      if (r.m) pkg.supplier = r.m;
      if (r.T) pkg.description = r.T;
      packages.push(pkg);
    }
  }
  return { packages, warnings };
}

export const apkCataloger: Cataloger = {
  name: 'apk',
  scope: 'database',
  wants(entry) {
    return entry.path === INSTALLED ? { kind: 'buffer', maxBytes: 64 * MB } : undefined;
  },
  parse: parseApk,
};
