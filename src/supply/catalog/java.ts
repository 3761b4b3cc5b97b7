/**
 * Java archives (.jar, .war, .ear, Jenkins .jpi/.hpi): every META-INF/maven/<group>/<artifact>/pom.properties
 * is a package (shaded jars hold several; the one whose artifactId matches the file name is the archive's
 * own and gets its hashes); without any, META-INF/MANIFEST.MF (Implementation-Title/-Version,
 * Bundle-SymbolicName/-Version) and the file name. Nested archives in fat jars (BOOT-INF/lib, WEB-INF/lib,
 * lib/ …) are read one level deep; their location is `outer.jar!/inner.jar`.
 */
import { createHash } from 'node:crypto';
import { unzipSync } from 'fflate';
import { formatPurl } from '../purl.js';
import type { License } from '../sbom/model.js';
import { toLicense } from './license.js';
import type { Cataloger, CatalogResult, FoundPackage } from './types.js';
import { MB, basename } from './types.js';

const ARCHIVE = /\.(jar|war|ear|jpi|hpi)$/i;
const POM_PROPERTIES = /^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/;
const MANIFEST = 'META-INF/MANIFEST.MF';
const NESTED_MAX = 64 * MB;

/** java.util.Properties, the subset pom.properties uses: key=value / key: value, # and ! comments. */
export function parseProperties(content: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of content.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line[0] === '#' || line[0] === '!') continue;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.replace(/\\(.)/g, '$1');
  }
  return out;
}

/** Main attributes of a JAR manifest (continuation lines start with one space; 72-byte wrapping). */
export function parseManifest(content: string): Record<string, string> {
  const out: Record<string, string> = {};
  let last: string | undefined;
  for (const line of content.split(/\r?\n/)) {
    if (line === '') break; // per-entry sections follow
    if (line[0] === ' ' && last) {
      out[last] += line.slice(1);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim();
    out[last] = line.slice(colon + 1).trim();
  }
  return out;
}

/** "log4j-core-2.14.1.jar" → { name: "log4j-core", version: "2.14.1" }. */
export function nameFromFileName(file: string): { name: string; version?: string } {
  const base = basename(file).replace(ARCHIVE, '');
  const m = /^(.+?)-(\d[\w.+-]*)$/.exec(base);
  return m ? { name: m[1]!, version: m[2]! } : { name: base };
}

function licenseFromManifest(m: Record<string, string>): License[] {
  const raw = m['Bundle-License'];
  if (!raw) return [];
  const first = raw.split(',')[0]!.trim().split(';')[0]!.trim();
  if (/apache\.org\/licenses\/LICENSE-2\.0/i.test(first)) return [{ id: 'Apache-2.0' }];
  if (/opensource\.org\/licenses\/MIT/i.test(first)) return [{ id: 'MIT' }];
  if (/eclipse\.org\/legal\/epl-2\.0|epl-v20/i.test(first)) return [{ id: 'EPL-2.0' }];
  const l = toLicense(first);
  return l ? [l] : [];
}

function mavenPurl(group: string | undefined, artifact: string, version: string): string {
  return formatPurl({ type: 'maven', ...(group ? { namespace: group } : {}), name: artifact, version, qualifiers: {} });
}

/** SHA-1 of the archive, as Syft records it (and what Maven Central's search keys on). */
function hashes(data: Uint8Array) {
  return [{ alg: 'SHA-1' as const, content: createHash('sha1').update(data).digest('hex') }];
}

function readArchive(data: Uint8Array, location: string, layer: number, depth: number, out: CatalogResult): void {
  const files = unzipSync(data, {
    filter: (f) =>
      (f.compression === 0 || f.compression === 8) &&
      (POM_PROPERTIES.test(f.name) ||
        f.name === MANIFEST ||
        (depth === 0 && ARCHIVE.test(f.name) && f.originalSize <= NESTED_MAX)),
  });
  const names = Object.keys(files).sort();
  const fromFile = nameFromFileName(location);
  const manifest = files[MANIFEST] ? parseManifest(Buffer.from(files[MANIFEST]!).toString('utf8')) : {};
  const licenses = licenseFromManifest(manifest);
  const found: FoundPackage[] = [];
  for (const n of names.filter((x) => POM_PROPERTIES.test(x))) {
    const props = parseProperties(Buffer.from(files[n]!).toString('utf8'));
    const { groupId, artifactId, version } = props;
    if (!groupId || !artifactId || !version) {
      out.warnings.push(`${location}!/${n}: pom.properties lacks groupId, artifactId or version`);
      continue;
    }
    found.push({
      type: 'java-archive',
      name: artifactId,
      group: groupId,
      version,
      purl: mavenPurl(groupId, artifactId, version),
      licenses: [],
      location,
      key: `maven:${groupId}:${artifactId}@${version}`,
      layer,
      properties: [{ name: 'kubecomply:java:pom-properties', value: n }],
    });
  }
  if (found.length > 0) {
    const own = found.length === 1 ? found[0] : found.find((p) => p.name === fromFile.name);
    if (own) {
      own.hashes = hashes(data);
      own.licenses = licenses;
    }
  } else {
    const name = manifest['Implementation-Title'] ?? manifest['Bundle-SymbolicName']?.split(';')[0]?.trim() ?? fromFile.name;
    const version = manifest['Implementation-Version'] ?? manifest['Bundle-Version'] ?? fromFile.version;
    if (version) {
      const sym = manifest['Bundle-SymbolicName']?.split(';')[0]?.trim();
      const group = manifest['Implementation-Vendor-Id'] ?? (sym && sym.includes('.') ? sym.slice(0, sym.lastIndexOf('.')) : undefined);
      const artifact = sym && name === sym && group ? sym.slice(group.length + 1) : name;
      const pkg: FoundPackage = {
        type: 'java-archive',
        name: artifact,
        version,
        purl: mavenPurl(group, artifact, version),
        licenses,
        location,
        key: `maven:${group ?? ''}:${artifact}@${version}`,
        layer,
        hashes: hashes(data),
      };
      if (group) pkg.group = group;
      found.push(pkg);
    }
  }
  out.packages.push(...found);
  if (depth === 0) {
    for (const n of names.filter((x) => ARCHIVE.test(x))) {
      try {
        readArchive(files[n]!, `${location}!/${n}`, layer, depth + 1, out);
      } catch (e) {
        out.warnings.push(`${location}!/${n}: not a readable archive: ${(e as Error).message}`);
      }
    }
  }
}

export const javaCataloger: Cataloger = {
  name: 'java',
  scope: 'file',
  wants(entry) {
    return ARCHIVE.test(entry.path) ? { kind: 'buffer', maxBytes: 64 * MB } : undefined;
  },
  parse(files) {
    const out: CatalogResult = { packages: [], warnings: [] };
    for (const f of files) {
      if (!f.data) continue;
      readArchive(f.data, f.path, f.layer, 0, out);
    }
    return out;
  },
};
