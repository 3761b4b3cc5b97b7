/**
 * RPM packages from rpm's sqlite database (rpm ≥ 4.16: /var/lib/rpm/rpmdb.sqlite, or
 * /usr/lib/sysimage/rpm/rpmdb.sqlite). Each row of the Packages table holds one package header blob:
 *
 *   il (int32 BE, index entry count) · dl (int32 BE, data bytes) ·
 *   il × { tag int32, type uint32, offset int32, count uint32 } (all BE) · dl bytes of data
 *
 * (rpm's lib/header.c `hdrblobInit`/`hdrblobImport`; the on-disk blob has no leading magic). The first
 * entry is usually a region tag (62/63) whose data is a trailer entry; we read tags by offset and do not
 * need it. The database is opened read-only with better-sqlite3 from a temporary copy.
 */
import { copyFileSync, linkSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { formatPurl } from '../purl.js';
import type { Property } from '../sbom/model.js';
import { toLicenses } from './license.js';
import { distroQualifier } from './osrelease.js';
import type { CatalogFile, Cataloger, CatalogContext, CatalogResult, FoundPackage, OsRelease } from './types.js';
import { MB } from './types.js';

export const RPMDB_PATHS = ['/var/lib/rpm/rpmdb.sqlite', '/usr/lib/sysimage/rpm/rpmdb.sqlite'];

export const RPMTAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SUMMARY: 1004,
  VENDOR: 1011,
  LICENSE: 1014,
  ARCH: 1022,
  SOURCERPM: 1044,
} as const;

/** Tag data types (rpm's rpmTagType). */
export const RPM_TYPE = { NULL: 0, CHAR: 1, INT8: 2, INT16: 3, INT32: 4, INT64: 5, STRING: 6, BIN: 7, STRING_ARRAY: 8, I18NSTRING: 9 } as const;

const HEADER_MAX = 256 * MB;

/** Tag → value (strings: the first element of arrays; numbers: the first element) for the tags we read. */
export function parseRpmHeader(blob: Buffer, wanted: ReadonlySet<number> = new Set(Object.values(RPMTAG))): Map<number, string | number> {
  if (blob.length < 8) throw new Error(`header blob of ${blob.length} bytes is shorter than its 8-byte preamble`);
  const il = blob.readUInt32BE(0);
  const dl = blob.readUInt32BE(4);
  if (il < 1 || il > 0xffff) throw new Error(`header claims ${il} index entries`);
  const dataStart = 8 + il * 16;
  if (dl > HEADER_MAX || dataStart + dl > blob.length) {
    throw new Error(`header claims ${il} index entries and ${dl} data bytes, but the blob has ${blob.length} bytes`);
  }
  const dataEnd = dataStart + dl;
  const out = new Map<number, string | number>();
  for (let i = 0; i < il; i++) {
    const at = 8 + i * 16;
    const tag = blob.readInt32BE(at);
    if (!wanted.has(tag)) continue;
    const type = blob.readUInt32BE(at + 4);
    const offset = blob.readInt32BE(at + 8);
    const count = blob.readUInt32BE(at + 12);
    if (offset < 0 || offset >= dl) throw new Error(`tag ${tag}: data offset ${offset} outside the ${dl}-byte data store`);
    const start = dataStart + offset;
    switch (type) {
      case RPM_TYPE.STRING:
      case RPM_TYPE.STRING_ARRAY:
      case RPM_TYPE.I18NSTRING: {
        const nul = blob.indexOf(0, start);
        if (nul < 0 || nul >= dataEnd) throw new Error(`tag ${tag}: string is not NUL-terminated inside the data store`);
        out.set(tag, blob.toString('utf8', start, nul));
        break;
      }
      case RPM_TYPE.INT32:
        if (count < 1 || start + 4 > dataEnd) throw new Error(`tag ${tag}: int32 runs past the data store`);
        out.set(tag, blob.readUInt32BE(start));
        break;
      case RPM_TYPE.INT16:
        if (count < 1 || start + 2 > dataEnd) throw new Error(`tag ${tag}: int16 runs past the data store`);
        out.set(tag, blob.readUInt16BE(start));
        break;
      case RPM_TYPE.INT8:
      case RPM_TYPE.CHAR:
        out.set(tag, blob[start]!);
        break;
      default:
        throw new Error(`tag ${tag}: unexpected data type ${type}`);
    }
  }
  return out;
}

/** "openssl-3.0.7-27.el9.src.rpm" → "openssl". */
export function sourceRpmName(srpm: string | undefined): string | undefined {
  if (!srpm) return undefined;
  const base = srpm.replace(/\.(no)?src\.rpm$/, '');
  const parts = base.split('-');
  return parts.length >= 3 ? parts.slice(0, -2).join('-') : base;
}

const NAMESPACES: Record<string, string> = {
  rhel: 'redhat',
  'opensuse-leap': 'opensuse',
  'opensuse-tumbleweed': 'opensuse',
  'opensuse-microos': 'opensuse',
  sles: 'suse',
  'sle-micro': 'suse',
  amzn: 'amazon',
  ol: 'oracle',
};

function vendorNamespace(vendor: string | undefined): string | undefined {
  if (!vendor) return undefined;
  const v = vendor.toLowerCase();
  for (const [needle, ns] of [
    ['red hat', 'redhat'],
    ['fedora', 'fedora'],
    ['rocky', 'rocky'],
    ['almalinux', 'almalinux'],
    ['centos', 'centos'],
    ['opensuse', 'opensuse'],
    ['suse', 'suse'],
    ['amazon', 'amazon'],
    ['oracle', 'oracle'],
    ['microsoft', 'mariner'],
  ] as const) {
    if (v.includes(needle)) return ns;
  }
  return undefined;
}

export function rpmNamespace(os: OsRelease | undefined, vendor?: string): string | undefined {
  if (os) return NAMESPACES[os.id] ?? os.id;
  return vendorNamespace(vendor);
}

export interface RpmPackageInfo {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  arch?: string;
  license?: string;
  sourceRpm?: string;
  vendor?: string;
  summary?: string;
}

export function rpmInfo(tags: Map<number, string | number>): RpmPackageInfo | undefined {
  const s = (t: number): string | undefined => {
    const v = tags.get(t);
    return typeof v === 'string' && v !== '' && v !== '(none)' ? v : undefined;
  };
  const name = s(RPMTAG.NAME);
  const version = s(RPMTAG.VERSION);
  const release = s(RPMTAG.RELEASE);
  if (!name || !version || !release) return undefined;
  const info: RpmPackageInfo = { name, version, release };
  const epoch = tags.get(RPMTAG.EPOCH);
  if (typeof epoch === 'number') info.epoch = epoch;
  const opt = { arch: s(RPMTAG.ARCH), license: s(RPMTAG.LICENSE), sourceRpm: s(RPMTAG.SOURCERPM), vendor: s(RPMTAG.VENDOR), summary: s(RPMTAG.SUMMARY) };
  for (const [k, v] of Object.entries(opt)) if (v !== undefined) (info as unknown as Record<string, unknown>)[k] = v;
  return info;
}

export function rpmPurl(p: RpmPackageInfo, os: OsRelease | undefined): string {
  const qualifiers: Record<string, string> = {};
  if (p.arch) qualifiers.arch = p.arch;
  if (p.epoch !== undefined) qualifiers.epoch = String(p.epoch);
  const distro = distroQualifier(os);
  if (distro) qualifiers.distro = distro;
  if (p.sourceRpm) qualifiers.upstream = p.sourceRpm;
  const namespace = rpmNamespace(os, p.vendor);
  return formatPurl({ type: 'rpm', ...(namespace ? { namespace } : {}), name: p.name, version: `${p.version}-${p.release}`, qualifiers });
}

/** Rows of the Packages table: [hnum, blob]. Opens a hard link (or copy) of the file and its WAL, read-only. */
function readPackagesTable(db: CatalogFile, wal: CatalogFile | undefined): { hnum: number; blob: Buffer }[] {
  if (!db.file) throw new Error('database was not extracted to a file');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kubecomply-rpmdb-'));
  const place = (from: string, to: string) => {
    try {
      linkSync(from, to);
    } catch {
      copyFileSync(from, to);
    }
  };
  try {
    const target = path.join(dir, 'rpmdb.sqlite');
    place(db.file, target);
    if (wal?.file) place(wal.file, target + '-wal');
    const conn = new Database(target, { readonly: true, fileMustExist: true });
    try {
      return conn.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum').all() as { hnum: number; blob: Buffer }[];
    } finally {
      conn.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseRpm(files: CatalogFile[], ctx: CatalogContext): CatalogResult {
  const packages: FoundPackage[] = [];
  const warnings: string[] = [];
  for (const f of files) {
    if (!RPMDB_PATHS.includes(f.path)) continue;
    const wal = files.find((x) => x.path === f.path + '-wal');
    let rows: { hnum: number; blob: Buffer }[];
    try {
      rows = readPackagesTable(f, wal);
    } catch (e) {
      warnings.push(`${f.path}: not a readable rpm sqlite database: ${(e as Error).message}`);
      continue;
    }
    for (const row of rows) {
      let info: RpmPackageInfo | undefined;
      try {
        if (!Buffer.isBuffer(row.blob)) throw new Error('blob column is not a BLOB');
        info = rpmInfo(parseRpmHeader(row.blob));
      } catch (e) {
        warnings.push(`${f.path}: Packages row hnum=${row.hnum}: corrupt rpm header: ${(e as Error).message}`);
        continue;
      }
      if (!info) {
        warnings.push(`${f.path}: Packages row hnum=${row.hnum}: header has no name, version or release`);
        continue;
      }
      if (info.name === 'gpg-pubkey') continue; // imported signing keys, not software
      const evr = `${info.epoch !== undefined ? `${info.epoch}:` : ''}${info.version}-${info.release}`;
      const props: Property[] = [];
      if (info.sourceRpm) props.push({ name: 'kubecomply:rpm:source-rpm', value: info.sourceRpm });
      if (info.epoch !== undefined) props.push({ name: 'kubecomply:rpm:epoch', value: String(info.epoch) });
      const pkg: FoundPackage = {
        type: 'rpm',
        name: info.name,
        version: evr,
        purl: rpmPurl(info, ctx.os),
        licenses: toLicenses([info.license]),
        location: f.path,
        key: `rpm:${info.name}@${evr}:${info.arch ?? ''}`,
        layer: f.layer,
        properties: props,
      };
      const src = sourceRpmName(info.sourceRpm);
      if (src) pkg.sourcePackage = src;
      if (info.vendor) pkg.supplier = info.vendor;
      if (info.summary) pkg.description = info.summary;
      packages.push(pkg);
    }
  }
  return { packages, warnings };
}

export const rpmCataloger: Cataloger = {
  name: 'rpm',
  scope: 'database',
  wants(entry) {
    if (RPMDB_PATHS.includes(entry.path)) return { kind: 'file', maxBytes: 2048 * MB };
    if (entry.path.endsWith('-wal') && RPMDB_PATHS.includes(entry.path.slice(0, -4))) return { kind: 'file', maxBytes: 2048 * MB };
    return undefined;
  },
  parse: parseRpm,
};
