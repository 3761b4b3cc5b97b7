/**
 * Python distributions: *.dist-info/METADATA (wheels, PEP 566/643 core metadata), *.egg-info/PKG-INFO
 * and single-file *.egg-info. Only the header block is read (the description body after the first blank
 * line is ignored), so files are cut at a bound rather than skipped when large.
 * Licenses: License-Expression (PEP 639), else a short License field, else "License ::" classifiers.
 */
import { formatPurl } from '../purl.js';
import type { License } from '../sbom/model.js';
import { toLicense, toLicenses } from './license.js';
import type { CatalogFile, Cataloger, CatalogResult, FoundPackage } from './types.js';
import { MB, text } from './types.js';

const METADATA = /\/[^/]+\.dist-info\/METADATA$/;
const PKG_INFO = /\/[^/]+\.egg-info\/PKG-INFO$/;
const EGG_INFO_FILE = /\/[^/]+\.egg-info$/;

/** RFC 822-style headers of a core metadata file: field → values (repeatable fields keep all). */
export function parseCoreMetadata(content: string): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  let last: string[] | undefined;
  for (const line of content.split(/\r?\n/)) {
    if (line === '') break; // the body (long description) starts here
    if ((line[0] === ' ' || line[0] === '\t') && last) {
      last[last.length - 1] += '\n' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    let list = fields.get(key);
    if (!list) fields.set(key, (list = []));
    list.push(value);
    last = list;
  }
  return fields;
}

/** PEP 503 normalisation, which is also what the purl spec asks of pypi names. */
export function normalisePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export function pythonLicenses(fields: Map<string, string[]>): License[] {
  const expr = fields.get('license-expression')?.[0];
  if (expr) {
    const l = toLicense(expr);
    if (l) return [l];
  }
  const lic = fields.get('license')?.[0];
  // Some projects paste their whole license text into License; that is not a license name.
  if (lic && !lic.includes('\n') && lic.length <= 100) {
    const l = toLicense(lic);
    if (l) return [l];
  }
  const fromClassifiers = (fields.get('classifier') ?? [])
    .filter((c) => c.startsWith('License ::'))
    .map((c) => c.split('::').map((x) => x.trim()).pop())
    .filter((c) => c !== undefined && c !== 'OSI Approved');
  return toLicenses(fromClassifiers);
}

function parseMetadataFile(f: CatalogFile): CatalogResult {
  const fields = parseCoreMetadata(text(f.data));
  const name = fields.get('name')?.[0];
  const version = fields.get('version')?.[0];
  if (!name || !version) {
    return { packages: [], warnings: [`${f.path}: core metadata has no ${!name ? 'Name' : 'Version'} field`] };
  }
  const norm = normalisePypiName(name);
  const pkg: FoundPackage = {
    type: 'python',
    name,
    version,
    purl: formatPurl({ type: 'pypi', name: norm, version, qualifiers: {} }),
    licenses: pythonLicenses(fields),
    location: f.path,
    key: `pypi:${norm}@${version}`,
    layer: f.layer,
  };
  const summary = fields.get('summary')?.[0];
  if (summary && summary !== 'UNKNOWN') pkg.description = summary;
  const author = fields.get('author')?.[0] ?? fields.get('author-email')?.[0];
  if (author && author !== 'UNKNOWN') pkg.supplier = author;
  return { packages: [pkg], warnings: [] };
}

export const pythonCataloger: Cataloger = {
  name: 'python',
  scope: 'file',
  wants(entry) {
    const p = entry.path;
    if (METADATA.test(p) || PKG_INFO.test(p) || EGG_INFO_FILE.test(p)) return { kind: 'buffer', maxBytes: MB, truncate: true };
    return undefined;
  },
  parse(files) {
    const out: CatalogResult = { packages: [], warnings: [] };
    for (const f of files) {
      const r = parseMetadataFile(f);
      out.packages.push(...r.packages);
      out.warnings.push(...r.warnings);
    }
    return out;
  },
};
