/**
 * Container image references, parsed the way the container runtimes read them: the grammar of
 * github.com/distribution/reference (used by containerd, the kubelet and Docker) including the
 * "familiar name" normalisation of `ParseNormalizedNamed`:
 *
 *   reference       := name [ ":" tag ] [ "@" digest ]
 *   name            := [ domain "/" ] path-component { "/" path-component }
 *   domain          := host [ ":" port ]        host: DNS-like name, IPv4, or [IPv6]
 *   path-component  := [a-z0-9]+ { separator [a-z0-9]+ }      separator: "." | "_" | "__" | "-"+
 *   tag             := [\w][\w.-]{0,127}
 *   digest          := algorithm ":" hex        (sha256: 64, sha384: 96, sha512: 128 lowercase hex)
 *
 * The first component is a registry host only when it contains "." or ":", is "localhost", or has
 * upper-case letters (repository paths are lower-case); otherwise the image is on Docker Hub
 * (`docker.io`), and single-component Docker Hub names live under `library/`. `index.docker.io` is
 * folded into `docker.io`. Nothing here throws.
 */

export interface ImageReference {
  /** The registry host, with port if any (`docker.io` for Docker Hub). */
  domain: string;
  /** The repository path inside the registry, e.g. `library/nginx`. */
  path: string;
  /** `domain/path`: the fully qualified repository name. */
  name: string;
  /** The tag, when one is written. */
  tag?: string;
  /** The digest (`sha256:…`), when one is written. */
  digest?: string;
  /** True when the registry was not written and Docker Hub was assumed. */
  implicitDomain: boolean;
}

export type ParsedImage = { ok: true; ref: ImageReference } | { ok: false; error: string };

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
/** distribution/reference RepositoryNameTotalLengthMax. */
const MAX_PATH_LENGTH = 255;

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_RE = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const PATH_RE = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG_RE = /^\w[\w.-]{0,127}$/;
const DIGEST_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const IDENTIFIER_RE = /^[a-f0-9]{64}$/;
/** Digest algorithms the runtimes implement, with the length of their lowercase hex encoding. */
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };
const LOWER_HEX_RE = /^[a-f0-9]+$/;

function fail(error: string): ParsedImage {
  return { ok: false, error };
}

/** Splits off the registry host like distribution/reference `splitDockerDomain`. */
function splitDockerDomain(s: string): { domain: string; remainder: string; implicit: boolean } {
  const slash = s.indexOf('/');
  if (slash < 0) return { domain: DEFAULT_DOMAIN, remainder: OFFICIAL_REPO_PREFIX + s, implicit: true };
  const first = s.slice(0, slash);
  let domain: string;
  let remainder: string;
  let implicit = false;
  if (first === 'localhost') {
    domain = first;
    remainder = s.slice(slash + 1);
  } else if (first === LEGACY_DEFAULT_DOMAIN) {
    domain = DEFAULT_DOMAIN;
    remainder = s.slice(slash + 1);
  } else if (first.includes('.') || first.includes(':') || first.toLowerCase() !== first) {
    domain = first;
    remainder = s.slice(slash + 1);
  } else {
    domain = DEFAULT_DOMAIN;
    remainder = s;
    implicit = true;
  }
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { domain, remainder, implicit };
}

function validateDigest(d: string): string | undefined {
  if (!DIGEST_RE.test(d)) return `invalid digest ${JSON.stringify(d)}`;
  const colon = d.indexOf(':');
  const algorithm = d.slice(0, colon);
  const hex = d.slice(colon + 1);
  const len = DIGEST_HEX_LENGTH[algorithm];
  if (len === undefined) return `unsupported digest algorithm ${JSON.stringify(algorithm)}`;
  if (hex.length !== len || !LOWER_HEX_RE.test(hex)) return `invalid ${algorithm} digest (expected ${len} lowercase hexadecimal characters)`;
  return undefined;
}

function parseUncached(s: string): ParsedImage {
  if (s === '') return fail('empty image reference');
  if (IDENTIFIER_RE.test(s)) return fail('a 64-character hexadecimal image ID is not a repository name');
  const { domain, remainder, implicit } = splitDockerDomain(s);
  // name[:tag][@digest]: neither the path nor the tag may contain "@" or ":".
  let rest = remainder;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const path = rest;
  if (path === '') return fail('missing repository name');
  if (path.toLowerCase() !== path) return fail('repository name must be lowercase');
  if (!PATH_RE.test(path)) return fail(`invalid repository name ${JSON.stringify(path)}`);
  if (path.length > MAX_PATH_LENGTH) return fail(`repository name longer than ${MAX_PATH_LENGTH} characters`);
  if (!DOMAIN_RE.test(domain)) return fail(`invalid registry host ${JSON.stringify(domain)}`);
  if (tag !== undefined && !TAG_RE.test(tag)) return fail(`invalid tag ${JSON.stringify(tag)}`);
  if (digest !== undefined) {
    const err = validateDigest(digest);
    if (err) return fail(err);
  }
  const ref: ImageReference = { domain, path, name: `${domain}/${path}`, implicitDomain: implicit };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return { ok: true, ref };
}

// The same few images appear in thousands of pod specs: parse each once.
const cache = new Map<string, ParsedImage>();
const CACHE_MAX = 10_000;

/** Parses an image reference as the runtimes do. Results are shared: do not modify them. */
export function parseImageReference(s: string): ParsedImage {
  let r = cache.get(s);
  if (r === undefined) {
    r = parseUncached(s);
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(s, r);
  }
  return r;
}

/**
 * The tag the kubelet reads from an image when it defaults imagePullPolicy (`parsers.ParseImageName`):
 * the written tag, or `latest` when neither a tag nor a digest is written.
 */
export function effectiveTag(ref: ImageReference): string | undefined {
  if (ref.tag !== undefined) return ref.tag;
  return ref.digest === undefined ? 'latest' : undefined;
}

/** imagePullPolicy as the API server defaults it: Always for `latest` (or no tag and no digest), else IfNotPresent. */
export function defaultPullPolicy(parsed: ParsedImage): 'Always' | 'IfNotPresent' {
  return parsed.ok && effectiveTag(parsed.ref) === 'latest' ? 'Always' : 'IfNotPresent';
}

export interface RegistryPattern {
  /** The entry as configured. */
  entry: string;
  /** Lower-case host[:port], `index.docker.io` folded into `docker.io`. */
  host: string;
  /** Repository path prefix ('' for the whole registry). */
  pathPrefix: string;
}

/**
 * Reads an allowed-registry entry: a host (`registry.example.com`, `localhost:5000`) or a host and
 * path prefix (`ghcr.io/acme`). A URL scheme and trailing slashes are tolerated.
 */
export function parseRegistryPattern(entry: string): RegistryPattern | undefined {
  let e = entry.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  while (e.endsWith('/')) e = e.slice(0, -1);
  if (e === '') return undefined;
  const slash = e.indexOf('/');
  let host = (slash < 0 ? e : e.slice(0, slash)).toLowerCase();
  const pathPrefix = slash < 0 ? '' : e.slice(slash + 1).replace(/\/{2,}/g, '/');
  if (host === LEGACY_DEFAULT_DOMAIN) host = DEFAULT_DOMAIN;
  if (host === '') return undefined;
  return { entry, host, pathPrefix };
}

/** True when the image's registry is the pattern's host and its repository lies under the pattern's path (on `/` boundaries). */
export function registryMatches(ref: ImageReference, p: RegistryPattern): boolean {
  if (ref.domain.toLowerCase() !== p.host) return false;
  if (p.pathPrefix === '') return true;
  return ref.path === p.pathPrefix || ref.path.startsWith(p.pathPrefix + '/');
}
