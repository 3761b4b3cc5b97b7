/**
 * /etc/os-release and /usr/lib/os-release (os-release(5)): which distribution the image is, for the
 * `operating-system` component and for distro qualifiers on OS package purls.
 */
import type { CatalogFile, Cataloger, CatalogResult, OsRelease } from './types.js';
import { text } from './types.js';

export const OS_RELEASE_PATHS = ['/etc/os-release', '/usr/lib/os-release'];

/** Parses os-release text: KEY=value lines, values optionally single- or double-quoted with \-escapes. */
export function parseOsRelease(content: string): OsRelease | undefined {
  const fields: Record<string, string> = {};
  for (const line of content.split(/\r?\n/)) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    let v = m[2]!;
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) {
      v = v.slice(1, -1);
      if (m[2]![0] === '"') v = v.replace(/\\(["\\$`])/g, '$1');
    }
    fields[m[1]!] = v;
  }
  if (!fields.ID && !fields.NAME) return undefined;
  const os: OsRelease = {
    id: (fields.ID ?? fields.NAME!).toLowerCase(),
    idLike: (fields.ID_LIKE ?? '').split(/\s+/).filter((x) => x !== ''),
  };
  if (fields.VERSION_ID) os.versionId = fields.VERSION_ID;
  if (fields.VERSION_CODENAME) os.versionCodename = fields.VERSION_CODENAME;
  if (fields.PRETTY_NAME) os.prettyName = fields.PRETTY_NAME;
  if (fields.NAME) os.name = fields.NAME;
  return os;
}

/** /etc/os-release wins over /usr/lib/os-release, as os-release(5) says. */
export function osReleaseFrom(files: CatalogFile[]): OsRelease | undefined {
  for (const p of OS_RELEASE_PATHS) {
    const f = files.find((x) => x.path === p);
    const os = f ? parseOsRelease(text(f.data)) : undefined;
    if (os) return os;
  }
  return undefined;
}

/** `distro=` qualifier value: `<id>-<version_id>` (Syft's convention), codename when there is no version. */
export function distroQualifier(os: OsRelease | undefined): string | undefined {
  if (!os) return undefined;
  const v = os.versionId ?? os.versionCodename;
  return v ? `${os.id}-${v}` : os.id;
}

/** os-release is read by the generator itself; as a cataloger it finds files and reports no packages. */
export const osReleaseCataloger: Cataloger = {
  name: 'os-release',
  scope: 'database',
  wants(entry) {
    return OS_RELEASE_PATHS.includes(entry.path) ? { kind: 'buffer', maxBytes: 64 * 1024, truncate: true } : undefined;
  },
  parse(): CatalogResult {
    return { packages: [], warnings: [] };
  },
};
