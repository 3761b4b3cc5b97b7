/**
 * Package URLs (purl): `pkg:type/namespace/name@version?qualifiers#subpath`, as the purl specification
 * (github.com/package-url/purl-spec, PURL-SPECIFICATION.rst) defines them. Parsing never throws on
 * merely unusual input; it returns undefined for something that is not a purl at all.
 */

export interface Purl {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
  qualifiers: Record<string, string>;
  subpath?: string;
}

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** Percent-encode as the spec asks: everything but unreserved characters; ':' is kept readable. */
function encodeSegment(s: string): string {
  return encodeURIComponent(s).replace(/%3A/gi, ':');
}

export function parsePurl(text: string): Purl | undefined {
  let s = text.trim();
  if (!/^pkg:/i.test(s)) return undefined;
  s = s.slice(4).replace(/^\/+/, '');
  let subpath: string | undefined;
  const hash = s.indexOf('#');
  if (hash >= 0) {
    subpath = s
      .slice(hash + 1)
      .split('/')
      .filter((x) => x !== '' && x !== '.' && x !== '..')
      .map(decode)
      .join('/');
    s = s.slice(0, hash);
  }
  const qualifiers: Record<string, string> = {};
  const q = s.indexOf('?');
  if (q >= 0) {
    for (const pair of s.slice(q + 1).split('&')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const value = decode(pair.slice(eq + 1));
      if (value !== '') qualifiers[pair.slice(0, eq).toLowerCase()] = value;
    }
    s = s.slice(0, q);
  }
  const slash = s.indexOf('/');
  if (slash <= 0) return undefined;
  const type = s.slice(0, slash).toLowerCase();
  let rest = s.slice(slash + 1).replace(/\/+$/, '');
  let version: string | undefined;
  const at = rest.lastIndexOf('@');
  // '@' that starts a segment is an npm scope written unencoded, not a version separator.
  if (at > 0 && rest[at - 1] !== '/') {
    version = decode(rest.slice(at + 1));
    rest = rest.slice(0, at);
  }
  const segments = rest.split('/').filter((x) => x !== '');
  if (segments.length === 0) return undefined;
  let name = decode(segments.pop()!);
  let namespace = segments.length > 0 ? segments.map(decode).join('/') : undefined;
  // Type-specific normalisation the spec prescribes.
  if (['bitbucket', 'github', 'pypi', 'composer', 'deb', 'apk'].includes(type)) {
    name = name.toLowerCase();
    if (namespace) namespace = namespace.toLowerCase();
  }
  if (type === 'pypi') name = name.replace(/_/g, '-');
  const purl: Purl = { type, name, qualifiers };
  if (namespace) purl.namespace = namespace;
  if (version) purl.version = version;
  if (subpath) purl.subpath = subpath;
  return purl;
}

export function formatPurl(p: Purl): string {
  let out = `pkg:${p.type.toLowerCase()}/`;
  if (p.namespace) out += p.namespace.split('/').map(encodeSegment).join('/') + '/';
  out += encodeSegment(p.name);
  if (p.version) out += '@' + encodeSegment(p.version);
  const keys = Object.keys(p.qualifiers)
    .filter((k) => p.qualifiers[k] !== '')
    .sort();
  if (keys.length > 0) out += '?' + keys.map((k) => `${k.toLowerCase()}=${encodeSegment(p.qualifiers[k]!)}`).join('&');
  if (p.subpath) out += '#' + p.subpath.split('/').map(encodeSegment).join('/');
  return out;
}

/** The purl without version, qualifiers and subpath: what identifies "the same package" across versions. */
export function purlKey(text: string): string | undefined {
  const p = parsePurl(text);
  if (!p) return undefined;
  return formatPurl({ type: p.type, namespace: p.namespace, name: p.name, qualifiers: {} });
}
