/**
 * RegistryClient: the OCI distribution API (https://github.com/opencontainers/distribution-spec) for
 * `kubecomply verify`, `sign`, `attest` and the admission webhook. Everything a caller gets back is
 * verified against its digest; everything that fails says which registry, what was asked, and what
 * came back. Give calls a `signal` to bound them as a whole (the webhook's time budget); each HTTP
 * attempt is additionally bounded by `timeoutMs`.
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { parseImageReference, type ImageReference } from '../../core/image-reference.js';
import { TokenCache, mergeScopes, parseChallenges } from './auth.js';
import { dockerCredentials, normalizeRegistryKey, type Credential, type DockerConfigOptions } from './credentials.js';
import { DigestMismatch, VerifyingStream, digestOf, parseDigest } from './digest.js';
import { RegistryError, describeHttpFailure, kindForStatus, parseErrorBody, type RegistryErrorKind } from './errors.js';
import {
  MANIFEST_ACCEPT,
  MediaType,
  isImageManifestMediaType,
  isIndexMediaType,
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
  type Platform,
} from './media-types.js';
import { DEFAULT_PLATFORM, formatPlatform, selectManifest } from './platform.js';
import { Transport, TransportFailure, type HttpRequest, type HttpResponse } from './transport.js';

export interface RegistryClientOptions {
  /**
   * Credentials by registry host (`127.0.0.1:5000`, `docker.io`), or a function returning them.
   * They take precedence over the Docker config.
   */
  credentials?: Record<string, Credential> | ((registry: string) => Credential | undefined | Promise<Credential | undefined>);
  /** Where to read Docker credentials from; `false` to ignore the Docker config entirely. */
  dockerConfig?: DockerConfigOptions | false;
  /** Extra trusted CA certificates (PEM text), added to the system roots. */
  ca?: string | Buffer;
  /** A PEM file of extra trusted CA certificates (read once, at construction). */
  caFile?: string;
  /**
   * Registries (host or host:port) that may be spoken to over plain HTTP. Loopback hosts always may.
   * HTTPS is tried first; HTTP is used only when the server does not speak TLS at all — a TLS
   * certificate failure is never downgraded.
   */
  insecureRegistries?: string[];
  /** Bound on each HTTP attempt (default 30 s). */
  timeoutMs?: number;
  /** Retries of network errors, 429 and 5xx (default 3). */
  retries?: number;
  /** First retry delay in ms, doubled each retry (default 200). */
  backoffMs?: number;
  /** Longest single retry delay in ms, Retry-After included (default 10 s). */
  maxBackoffMs?: number;
  userAgent?: string;
}

export interface CallOptions {
  /**
   * Aborts the call, including retries, backoff and token fetches — e.g. `AbortSignal.timeout(ms)`
   * for a time budget over the whole call (each attempt is also bounded by `timeoutMs`).
   */
  signal?: AbortSignal;
}

/** A manifest or index as fetched: the exact bytes, and what they are. */
export interface FetchedManifest {
  registry: string;
  /** Repository path, e.g. `library/nginx`. */
  repository: string;
  /** The digest of `bytes` (verified against the registry's header and the reference). */
  digest: string;
  mediaType: string;
  size: number;
  bytes: Buffer;
  /** The parsed JSON. */
  json: ImageManifest | ImageIndex;
}

export interface ResolvedImage {
  /** The index or manifest list the reference named, when it named one. */
  index?: FetchedManifest;
  /** The image manifest (for the platform, when the reference named an index). */
  manifest: FetchedManifest & { json: ImageManifest };
  /** The digest the reference resolves to (the index's when there is one: that is what gets signed). */
  digest: string;
  platform?: Platform;
}

export interface ReferrersResult {
  manifests: Descriptor[];
  /** `api`: the registry's referrers API answered; `tag-schema`: the `sha256-<hex>` fallback tag was read. */
  source: 'api' | 'tag-schema';
}

/** A repository or image argument: a reference string (`host/repo[:tag][@digest]`) or a parsed one. */
export type RefLike = string | ImageReference;

/** Manifests larger than this are refused (containerd uses the same bound). */
export const MAX_MANIFEST_BYTES = 4 << 20;
const USER_AGENT = 'kubecomply';
/** How long credentials read from the caller, the Docker config or a helper are reused. */
const CREDENTIAL_TTL_MS = 5 * 60_000;

/** The tag cosign stores a signature (`sig`), attestation (`att`) or SBOM (`sbom`) under for an image digest. */
export function cosignTag(digest: string, kind: 'sig' | 'att' | 'sbom'): string {
  return `${referrersTag(digest)}.${kind}`;
}

/** The OCI 1.1 referrers tag schema: `<alg>-<hex>`, an index of the manifests whose subject is `digest`. */
export function referrersTag(digest: string): string {
  const p = parseDigest(digest);
  if (!p) throw new Error(`invalid digest ${JSON.stringify(digest)}`);
  return `${p.algorithm}-${p.hex}`;
}

/** Parses a reference, throwing a usage RegistryError when it is not one. */
export function parseReference(ref: RefLike): ImageReference {
  if (typeof ref !== 'string') return ref;
  const p = parseImageReference(ref);
  if (!p.ok) throw new RegistryError({ kind: 'usage', registry: '-', operation: `parse reference ${JSON.stringify(ref)}` }, p.error);
  return p.ref;
}

/** The host the registry API lives on (Docker Hub's API is not on docker.io). */
export function apiHost(domain: string): string {
  return domain === 'docker.io' ? 'registry-1.docker.io' : domain;
}

function isLoopback(host: string): boolean {
  const h = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function mediaTypeOf(res: HttpResponse, json: unknown): string {
  const header = String(res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const field = (json as { mediaType?: unknown })?.mediaType;
  // Some registries and proxies answer application/json or octet-stream: the manifest's own field decides then.
  if (header && header !== 'application/json' && header !== 'application/octet-stream' && header !== 'text/plain') return header;
  if (typeof field === 'string') return field;
  if (Array.isArray((json as { manifests?: unknown })?.manifests)) return MediaType.OciIndex;
  return MediaType.OciManifest;
}

type Scheme = 'https' | 'http';
type AuthState = { scheme: 'bearer'; realm: string; service?: string } | { scheme: 'basic' } | { scheme: 'none' };

interface CallSpec {
  registry: string;
  operation: string;
  method: HttpRequest['method'];
  /** Path and query under the registry origin (`/v2/...`), or an absolute URL (upload locations). */
  path: string;
  scopes: string[];
  headers?: Record<string, string>;
  body?: Buffer;
  stream?: boolean;
  maxBody?: number;
  /** Statuses that are an answer; anything else becomes a RegistryError. */
  expect: number[];
  signal?: AbortSignal;
}

export class RegistryClient {
  private readonly transport: Transport;
  private readonly tokens: TokenCache;
  private readonly schemes = new Map<string, Promise<Scheme>>();
  private readonly authStates = new Map<string, AuthState>();
  private readonly credentialCache = new Map<string, { value: Promise<Credential | undefined>; at: number }>();
  private readonly insecure: Set<string>;

  constructor(private readonly options: RegistryClientOptions = {}) {
    let ca = options.ca;
    if (options.caFile) {
      const fromFile = readFileSync(options.caFile, 'utf8');
      ca = ca ? `${ca.toString()}\n${fromFile}` : fromFile;
    }
    this.transport = new Transport({
      ...(ca ? { ca } : {}),
      timeoutMs: options.timeoutMs ?? 30_000,
      retries: options.retries ?? 3,
      backoffMs: options.backoffMs ?? 200,
      maxBackoffMs: options.maxBackoffMs ?? 10_000,
      userAgent: options.userAgent ?? USER_AGENT,
    });
    this.tokens = new TokenCache(this.transport, options.userAgent ?? USER_AGENT);
    this.insecure = new Set((options.insecureRegistries ?? []).map((r) => normalizeRegistryKey(r)));
  }

  /** Releases kept-alive connections. */
  close(): void {
    this.transport.close();
  }

  // ───────────────────────────── manifests ─────────────────────────────

  /**
   * GETs the manifest or index a reference names (by digest when it has one, else by tag), verifies
   * its digest against the bytes, the `Docker-Content-Digest` header and the reference's digest.
   */
  async getManifest(ref: RefLike, opts: CallOptions & { accept?: string[] } = {}): Promise<FetchedManifest> {
    const r = parseReference(ref);
    const target = r.digest ?? r.tag ?? 'latest';
    return this.fetchManifest(r, target, opts.accept ?? MANIFEST_ACCEPT, opts.signal);
  }

  /**
   * The manifest digest a reference names: its own digest, else what its tag (default `latest`) points
   * at now. A tag that does not exist is a `not-found` RegistryError.
   */
  async resolveDigest(ref: RefLike, opts: CallOptions = {}): Promise<string> {
    const r = parseReference(ref);
    if (r.digest) return r.digest;
    const tag = r.tag ?? 'latest';
    const h = await this.headManifest(`${r.name}:${tag}`, opts);
    if (!h) throw new RegistryError({ kind: 'not-found', registry: apiHost(r.domain), operation: `resolve ${r.name}:${tag}` }, `no manifest tagged ${tag}`);
    return h.digest;
  }

  /**
   * HEADs a manifest: its digest, media type and size, or undefined when it does not exist. Falls back
   * to a GET when the registry does not send `Docker-Content-Digest`.
   */
  async headManifest(ref: RefLike, opts: CallOptions = {}): Promise<{ digest: string; mediaType: string; size: number } | undefined> {
    const r = parseReference(ref);
    const target = r.digest ?? r.tag ?? 'latest';
    const registry = apiHost(r.domain);
    const res = await this.call({
      registry,
      operation: `HEAD manifest ${r.path}${target.includes(':') ? '@' : ':'}${target}`,
      method: 'HEAD',
      path: `/v2/${r.path}/manifests/${target}`,
      scopes: [`repository:${r.path}:pull`],
      headers: { Accept: MANIFEST_ACCEPT.join(', ') },
      expect: [200, 404],
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (res.status === 404) return undefined;
    const digest = res.headers['docker-content-digest'];
    if (typeof digest !== 'string' || !parseDigest(digest)) {
      const m = await this.fetchManifest(r, target, MANIFEST_ACCEPT, opts.signal);
      return { digest: m.digest, mediaType: m.mediaType, size: m.size };
    }
    if (r.digest && digest !== r.digest) {
      throw new RegistryError(
        { kind: 'digest', registry, operation: `HEAD manifest ${r.path}@${r.digest}` },
        `the registry reports digest ${digest} for a manifest requested by digest ${r.digest}`,
      );
    }
    const mediaType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
    return { digest, mediaType, size: Number(res.headers['content-length'] ?? 0) };
  }

  /**
   * Resolves a reference to an image manifest: an index or manifest list is resolved to the entry for
   * `platform` (default linux/amd64), following nested indexes.
   */
  async resolveImage(ref: RefLike, opts: CallOptions & { platform?: Platform } = {}): Promise<ResolvedImage> {
    const r = parseReference(ref);
    const want = opts.platform ?? DEFAULT_PLATFORM;
    const top = await this.getManifest(r, opts);
    let current = top;
    for (let depth = 0; depth < 4; depth++) {
      if (isImageManifestMediaType(current.mediaType) || !isIndexMediaType(current.mediaType)) {
        if (!Array.isArray((current.json as ImageManifest).layers) || !(current.json as ImageManifest).config) {
          throw new RegistryError(
            { kind: 'invalid', registry: current.registry, operation: `resolve ${r.name}` },
            `${current.digest} has media type ${current.mediaType} and is neither an image manifest nor an index`,
          );
        }
        const result: ResolvedImage = { manifest: current as FetchedManifest & { json: ImageManifest }, digest: top.digest };
        if (current !== top) {
          result.index = top;
          result.platform = want;
        }
        return result;
      }
      const entry = selectManifest(current.json as ImageIndex, want);
      if (!entry) {
        const offered = (current.json as ImageIndex).manifests
          .map((d) => (d.platform ? formatPlatform(d.platform) : '(no platform)'))
          .join(', ');
        throw new RegistryError(
          { kind: 'usage', registry: current.registry, operation: `resolve ${r.name} for ${formatPlatform(want)}` },
          `index ${current.digest} has no manifest for ${formatPlatform(want)} (it has: ${offered || 'nothing'})`,
        );
      }
      current = await this.fetchManifest(r, entry.digest, MANIFEST_ACCEPT, opts.signal, entry.size);
    }
    throw new RegistryError({ kind: 'invalid', registry: apiHost(r.domain), operation: `resolve ${r.name}` }, 'indexes nested more than 4 deep');
  }

  /** PUTs a manifest or index under a tag or digest (the reference's digest wins); returns its digest. */
  async pushManifest(ref: RefLike, bytes: Buffer, mediaType: string, opts: CallOptions = {}): Promise<{ digest: string; subject?: string }> {
    const r = parseReference(ref);
    const target = r.digest ?? r.tag;
    if (!target) throw new RegistryError({ kind: 'usage', registry: apiHost(r.domain), operation: `PUT manifest ${r.name}` }, 'a tag or digest is required');
    const registry = apiHost(r.domain);
    const operation = `PUT manifest ${r.path}${target.includes(':') ? '@' : ':'}${target}`;
    const p = r.digest ? parseDigest(r.digest) : undefined;
    const digest = digestOf(bytes, p?.algorithm ?? 'sha256');
    if (r.digest && digest !== r.digest) {
      throw new RegistryError({ kind: 'digest', registry, operation }, `the manifest's digest is ${digest}, not the ${r.digest} it is pushed as`);
    }
    const res = await this.call({
      registry,
      operation,
      method: 'PUT',
      path: `/v2/${r.path}/manifests/${target}`,
      scopes: [`repository:${r.path}:pull,push`],
      headers: { 'Content-Type': mediaType },
      body: bytes,
      expect: [201, 200],
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const header = res.headers['docker-content-digest'];
    if (typeof header === 'string' && header && parseDigest(header) && header !== digestOf(bytes, parseDigest(header)!.algorithm)) {
      throw new RegistryError({ kind: 'digest', registry, operation }, `the registry stored the manifest as ${header}, but its bytes digest to ${digest}`);
    }
    const subject = res.headers['oci-subject'];
    return typeof subject === 'string' ? { digest, subject } : { digest };
  }

  // ───────────────────────────── blobs ─────────────────────────────

  /**
   * Streams a blob. The stream errors with a `digest` RegistryError at its end when the content does
   * not match `digest` (or `size`, when given) — consume it to the end before trusting what you read.
   */
  async fetchBlob(repo: RefLike, digest: string, opts: CallOptions & { size?: number } = {}): Promise<Readable> {
    const r = parseReference(repo);
    const registry = apiHost(r.domain);
    const operation = `GET blob ${r.path}@${digest}`;
    if (!parseDigest(digest)) throw new RegistryError({ kind: 'usage', registry, operation }, `invalid digest ${JSON.stringify(digest)}`);
    const res = await this.call({
      registry,
      operation,
      method: 'GET',
      path: `/v2/${r.path}/blobs/${digest}`,
      scopes: [`repository:${r.path}:pull`],
      stream: true,
      expect: [200],
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const body = res.stream!;
    const announced = Number(res.headers['content-length']);
    const size = opts.size ?? (Number.isFinite(announced) && announced >= 0 ? announced : undefined);
    const verifier = new VerifyingStream(digest, size);
    const wrap = (e: unknown): Error => {
      if (e instanceof RegistryError) return e;
      if (e instanceof DigestMismatch) return new RegistryError({ kind: 'digest', registry, operation, cause: e }, e.message);
      if (e instanceof TransportFailure) return this.transportError(e, registry, operation);
      const msg = (e as Error)?.message ?? String(e);
      return new RegistryError({ kind: 'network', registry, operation, cause: e }, `connection lost while reading the blob (${msg}) after ${verifier.size} bytes`);
    };
    // Backpressure: a full `out` pauses the verifier, whose full buffer pauses the socket through pipe().
    const out = new Readable({ read: () => verifier.resume() });
    verifier.on('data', (c: Buffer) => {
      if (!out.push(c)) verifier.pause();
    });
    verifier.on('end', () => out.push(null));
    verifier.on('error', (e) => out.destroy(wrap(e)));
    body.on('error', (e) => out.destroy(wrap(e)));
    // A connection that closes before Content-Length bytes arrived is "aborted", not always an error.
    body.on('aborted', () => out.destroy(wrap(new Error('the registry closed the connection early'))));
    out.on('close', () => {
      if (!body.complete) body.destroy();
    });
    body.pipe(verifier);
    return out;
  }

  /** Reads a whole blob into memory, verified (refusing more than `maxBytes`, default 64 MiB). */
  async readBlob(repo: RefLike, digest: string, opts: CallOptions & { size?: number; maxBytes?: number } = {}): Promise<Buffer> {
    const max = opts.maxBytes ?? 64 << 20;
    if (opts.size !== undefined && opts.size > max) {
      const r = parseReference(repo);
      throw new RegistryError({ kind: 'usage', registry: apiHost(r.domain), operation: `GET blob ${r.path}@${digest}` }, `blob is ${opts.size} bytes, more than the ${max} allowed`);
    }
    const stream = await this.fetchBlob(repo, digest, opts);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const c of stream as AsyncIterable<Buffer>) {
      total += c.length;
      if (total > max) {
        stream.destroy();
        const r = parseReference(repo);
        throw new RegistryError({ kind: 'usage', registry: apiHost(r.domain), operation: `GET blob ${r.path}@${digest}` }, `blob exceeds ${max} bytes`);
      }
      chunks.push(c);
    }
    return Buffer.concat(chunks);
  }

  /** True when the repository has the blob. */
  async blobExists(repo: RefLike, digest: string, opts: CallOptions = {}): Promise<boolean> {
    const r = parseReference(repo);
    const res = await this.call({
      registry: apiHost(r.domain),
      operation: `HEAD blob ${r.path}@${digest}`,
      method: 'HEAD',
      path: `/v2/${r.path}/blobs/${digest}`,
      scopes: [`repository:${r.path}:pull`],
      expect: [200, 404],
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return res.status === 200;
  }

  /**
   * Uploads a blob unless the repository already has it: a cross-repository mount from `mountFrom`
   * (a repository path on the same registry) when given, else a monolithic upload (POST, then PUT
   * with `?digest=`).
   */
  async pushBlob(repo: RefLike, data: Buffer, opts: CallOptions & { mountFrom?: string } = {}): Promise<{ digest: string; size: number; status: 'exists' | 'mounted' | 'uploaded' }> {
    const r = parseReference(repo);
    const registry = apiHost(r.domain);
    const digest = digestOf(data);
    const operation = `push blob ${r.path}@${digest}`;
    const signal = opts.signal ? { signal: opts.signal } : {};
    if (await this.blobExists(r, digest, opts)) return { digest, size: data.length, status: 'exists' };
    const push = `repository:${r.path}:pull,push`;
    let location: string | undefined;
    if (opts.mountFrom) {
      const from = opts.mountFrom;
      const res = await this.call({
        registry,
        operation: `mount blob ${digest} from ${from} into ${r.path}`,
        method: 'POST',
        path: `/v2/${r.path}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
        scopes: [push, `repository:${from}:pull`],
        expect: [201, 202],
        ...signal,
      });
      if (res.status === 201) return { digest, size: data.length, status: 'mounted' };
      location = typeof res.headers.location === 'string' ? res.headers.location : undefined;
    }
    if (!location) {
      const res = await this.call({
        registry,
        operation: `POST blob upload ${r.path}`,
        method: 'POST',
        path: `/v2/${r.path}/blobs/uploads/`,
        scopes: [push],
        expect: [202],
        ...signal,
      });
      location = typeof res.headers.location === 'string' ? res.headers.location : undefined;
    }
    if (!location) throw new RegistryError({ kind: 'invalid', registry, operation }, 'the registry started an upload without a Location header');
    const base = await this.origin(registry, opts.signal);
    const url = new URL(location, base);
    url.searchParams.set('digest', digest);
    const res = await this.call({
      registry,
      operation: `PUT blob ${r.path}@${digest}`,
      method: 'PUT',
      path: url.toString(),
      scopes: [push],
      headers: { 'Content-Type': 'application/octet-stream' },
      body: data,
      expect: [201],
      ...signal,
    });
    const header = res.headers['docker-content-digest'];
    if (typeof header === 'string' && header && header !== digest) {
      throw new RegistryError({ kind: 'digest', registry, operation }, `the registry stored the blob as ${header}, expected ${digest}`);
    }
    return { digest, size: data.length, status: 'uploaded' };
  }

  // ───────────────────────────── tags and referrers ─────────────────────────────

  /** All tags of a repository, following `Link: <…>; rel="next"` pagination (`pageSize` per page when given). */
  async listTags(repo: RefLike, opts: CallOptions & { pageSize?: number } = {}): Promise<string[]> {
    const r = parseReference(repo);
    const registry = apiHost(r.domain);
    const tags: string[] = [];
    let next: string | undefined = `/v2/${r.path}/tags/list${opts.pageSize ? `?n=${opts.pageSize}` : ''}`;
    const seen = new Set<string>();
    while (next) {
      if (seen.has(next)) throw new RegistryError({ kind: 'invalid', registry, operation: `GET tags ${r.path}` }, `pagination loops back to ${next}`);
      seen.add(next);
      const res = await this.call({
        registry,
        operation: `GET tags ${r.path}`,
        method: 'GET',
        path: next,
        scopes: [`repository:${r.path}:pull`],
        expect: [200],
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      let j: { tags?: unknown };
      try {
        j = JSON.parse(res.body.toString('utf8')) as { tags?: unknown };
      } catch {
        throw new RegistryError({ kind: 'invalid', registry, operation: `GET tags ${r.path}` }, 'the tag list is not JSON');
      }
      if (Array.isArray(j.tags)) for (const t of j.tags) if (typeof t === 'string') tags.push(t);
      next = nextLink(res.headers.link);
    }
    return tags;
  }

  /**
   * The manifests whose `subject` is `digest`: the OCI 1.1 referrers API, or — when the registry
   * answers 404 there (it predates the API) — the index under the `sha256-<hex>` tag. `artifactType`
   * filters (client-side when the registry did not apply it).
   */
  async listReferrers(repo: RefLike, digest: string, opts: CallOptions & { artifactType?: string } = {}): Promise<ReferrersResult> {
    const r = parseReference(repo);
    const registry = apiHost(r.domain);
    const operation = `GET referrers ${r.path}@${digest}`;
    if (!parseDigest(digest)) throw new RegistryError({ kind: 'usage', registry, operation }, `invalid digest ${JSON.stringify(digest)}`);
    const filter = (ds: Descriptor[]) => (opts.artifactType ? ds.filter((d) => d.artifactType === opts.artifactType) : ds);
    const res = await this.call({
      registry,
      operation,
      method: 'GET',
      path: `/v2/${r.path}/referrers/${digest}${opts.artifactType ? `?artifactType=${encodeURIComponent(opts.artifactType)}` : ''}`,
      scopes: [`repository:${r.path}:pull`],
      headers: { Accept: MediaType.OciIndex },
      expect: [200, 404],
      maxBody: MAX_MANIFEST_BYTES,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (res.status === 200) {
      const manifests: Descriptor[] = [];
      let next: string | undefined = nextLink(res.headers.link);
      let body = res.body;
      for (let page = 0; ; page++) {
        manifests.push(...readIndexManifests(body, registry, operation));
        if (!next || page > 1000) break;
        const more = await this.call({ registry, operation, method: 'GET', path: next, scopes: [`repository:${r.path}:pull`], headers: { Accept: MediaType.OciIndex }, expect: [200], ...(opts.signal ? { signal: opts.signal } : {}) });
        body = more.body;
        next = nextLink(more.headers.link);
      }
      return { manifests: filter(manifests), source: 'api' };
    }
    const index = await this.tagSchemaIndex(r, digest, opts.signal);
    return { manifests: filter(index?.manifests ?? []), source: 'tag-schema' };
  }

  /**
   * Pushes a manifest that has a `subject` (a signature, attestation or SBOM as an OCI 1.1 referrer),
   * by digest. When the registry does not confirm it indexes referrers (no `OCI-Subject` header), the
   * `sha256-<hex>` fallback tag's index is updated too, as the distribution spec prescribes. That
   * read-modify-write is not atomic: concurrent pushers to one subject can lose an entry.
   */
  async pushReferrer(repo: RefLike, bytes: Buffer, mediaType: string, opts: CallOptions = {}): Promise<{ digest: string; fallbackTag?: string }> {
    const r = parseReference(repo);
    const registry = apiHost(r.domain);
    let m: ImageManifest | ImageIndex;
    try {
      m = JSON.parse(bytes.toString('utf8')) as ImageManifest | ImageIndex;
    } catch {
      throw new RegistryError({ kind: 'usage', registry, operation: `push referrer to ${r.path}` }, 'the manifest is not JSON');
    }
    const subject = m.subject;
    if (!subject?.digest || !parseDigest(subject.digest)) {
      throw new RegistryError({ kind: 'usage', registry, operation: `push referrer to ${r.path}` }, 'the manifest has no valid subject descriptor');
    }
    const digest = digestOf(bytes);
    const pushed = await this.pushManifest(retarget(r, { digest }), bytes, mediaType, opts);
    if (pushed.subject) return { digest };
    const tag = referrersTag(subject.digest);
    const existing = await this.tagSchemaIndex(r, subject.digest, opts.signal);
    // Already listed: nothing to rewrite (pushing a referrer twice is idempotent).
    if (existing?.manifests.some((d) => d.digest === digest)) return { digest, fallbackTag: tag };
    const manifests = [...(existing?.manifests ?? [])];
    const entry: Descriptor = { mediaType, digest, size: bytes.length };
    const artifactType = m.artifactType ?? ('config' in m && m.config ? m.config.mediaType : undefined);
    if (artifactType) entry.artifactType = artifactType;
    if (m.annotations) entry.annotations = m.annotations;
    manifests.push(entry);
    const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests };
    await this.pushManifest(retarget(r, { tag }), Buffer.from(JSON.stringify(index)), MediaType.OciIndex, opts);
    return { digest, fallbackTag: tag };
  }

  private async tagSchemaIndex(r: ImageReference, digest: string, signal?: AbortSignal): Promise<ImageIndex | undefined> {
    const tag = referrersTag(digest);
    try {
      const m = await this.fetchManifest(r, tag, [MediaType.OciIndex], signal);
      if (!isIndexMediaType(m.mediaType)) {
        throw new RegistryError({ kind: 'invalid', registry: m.registry, operation: `GET manifest ${r.path}:${tag}` }, `the referrers tag holds ${m.mediaType}, not an image index`);
      }
      return m.json as ImageIndex;
    } catch (e) {
      if (e instanceof RegistryError && e.kind === 'not-found') return undefined;
      throw e;
    }
  }

  // ───────────────────────────── plumbing ─────────────────────────────

  private async fetchManifest(r: ImageReference, target: string, accept: string[], signal?: AbortSignal, expectedSize?: number): Promise<FetchedManifest> {
    const registry = apiHost(r.domain);
    const byDigest = target.includes(':');
    const operation = `GET manifest ${r.path}${byDigest ? '@' : ':'}${target}`;
    const res = await this.call({
      registry,
      operation,
      method: 'GET',
      path: `/v2/${r.path}/manifests/${target}`,
      scopes: [`repository:${r.path}:pull`],
      headers: { Accept: accept.join(', ') },
      expect: [200],
      maxBody: MAX_MANIFEST_BYTES,
      ...(signal ? { signal } : {}),
    });
    const bytes = res.body;
    const expected = byDigest ? target : r.digest;
    const algorithm = expected ? parseDigest(expected)?.algorithm ?? 'sha256' : 'sha256';
    const digest = digestOf(bytes, algorithm);
    if (expected && digest !== expected) {
      throw new RegistryError({ kind: 'digest', registry, operation }, `the manifest's bytes digest to ${digest}, not the requested ${expected}`);
    }
    if (expectedSize !== undefined && bytes.length !== expectedSize) {
      throw new RegistryError({ kind: 'digest', registry, operation }, `the manifest is ${bytes.length} bytes, but its descriptor says ${expectedSize}`);
    }
    const header = res.headers['docker-content-digest'];
    if (typeof header === 'string' && header) {
      const hp = parseDigest(header);
      const actual = hp ? digestOf(bytes, hp.algorithm) : undefined;
      if (actual !== header) {
        throw new RegistryError({ kind: 'digest', registry, operation }, `Docker-Content-Digest says ${header}, but the manifest's bytes digest to ${actual ?? digest}`);
      }
    }
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new RegistryError({ kind: 'invalid', registry, operation }, 'the manifest is not JSON');
    }
    if (!json || typeof json !== 'object' || (json as { schemaVersion?: unknown }).schemaVersion !== 2) {
      throw new RegistryError({ kind: 'invalid', registry, operation }, 'not a schemaVersion 2 manifest or index (schema 1 manifests are not supported)');
    }
    const mediaType = mediaTypeOf(res, json);
    if (isIndexMediaType(mediaType) && !Array.isArray((json as ImageIndex).manifests)) {
      throw new RegistryError({ kind: 'invalid', registry, operation }, `a ${mediaType} without a manifests list`);
    }
    return { registry, repository: r.path, digest, mediaType, size: bytes.length, bytes, json: json as ImageManifest | ImageIndex };
  }

  /** Which scheme a registry speaks: HTTPS, or HTTP where that is allowed and the server has no TLS. */
  private scheme(registry: string, signal?: AbortSignal): Promise<Scheme> {
    let p = this.schemes.get(registry);
    if (!p) {
      const plainAllowed = isLoopback(registry) || this.insecure.has(normalizeRegistryKey(registry)) || this.insecure.has(normalizeRegistryKey(registry.replace(/:\d+$/, '')));
      if (!plainAllowed) return Promise.resolve('https');
      p = (async (): Promise<Scheme> => {
        try {
          // Any HTTP answer (401 included) proves the server speaks TLS.
          await this.transport.exchange({ method: 'GET', url: new URL(`https://${registry}/v2/`), ...(signal ? { signal } : {}) });
          return 'https';
        } catch (e) {
          if (e instanceof TransportFailure && e.reason === 'tls-protocol') return 'http';
          throw e;
        }
      })();
      this.schemes.set(registry, p);
      // A failed probe is not remembered: the registry may be up next time.
      p.catch(() => this.schemes.delete(registry));
    }
    return p;
  }

  private async origin(registry: string, signal?: AbortSignal): Promise<string> {
    return `${await this.scheme(registry, signal)}://${registry}`;
  }

  private credential(registry: string): Promise<Credential | undefined> {
    const cached = this.credentialCache.get(registry);
    // Re-read now and then: a long-running webhook must see rotated credentials (helpers often hand out short-lived ones).
    if (cached && Date.now() - cached.at < CREDENTIAL_TTL_MS) return cached.value;
    const p = (async () => {
      const c = this.options.credentials;
      // Explicit credentials are looked up under the reference's domain too (docker.io, not registry-1.docker.io).
      const keys = [registry, normalizeRegistryKey(registry)];
      if (typeof c === 'function') {
        for (const k of keys) {
          const v = await c(k);
          if (v) return v;
        }
      } else if (c) {
        for (const [k, v] of Object.entries(c)) if (keys.includes(normalizeRegistryKey(k)) || keys.includes(k)) return v;
      }
      if (this.options.dockerConfig === false) return undefined;
      return dockerCredentials(registry, this.options.dockerConfig ?? {});
    })();
    this.credentialCache.set(registry, { value: p, at: Date.now() });
    p.catch(() => this.credentialCache.delete(registry));
    return p;
  }

  private transportError(f: TransportFailure, registry: string, operation: string): RegistryError {
    const kind: RegistryErrorKind = f.reason === 'timeout' ? 'timeout' : f.reason === 'aborted' ? 'aborted' : 'network';
    const suffix = f.attempts > 1 ? ` (after ${f.attempts} attempts)` : '';
    return new RegistryError({ kind, registry, operation, attempts: f.attempts, cause: f }, `${f.message}${suffix}`);
  }

  private authHeader(registry: string, scopes: string[], cred: Credential | undefined): string | undefined {
    const state = this.authStates.get(registry);
    if (!state || state.scheme === 'none') return undefined;
    if (state.scheme === 'basic') {
      return cred?.username !== undefined && cred.password !== undefined ? `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}` : undefined;
    }
    const t = this.tokens.cached(registry, scopes);
    return t ? `Bearer ${t}` : undefined;
  }

  /** One API call: scheme, auth (answering one challenge), retries (in the transport), status check. */
  private async call(spec: CallSpec): Promise<HttpResponse> {
    const { registry, operation } = spec;
    let res: HttpResponse;
    let cred: Credential | undefined;
    try {
      cred = await this.credential(registry);
    } catch (e) {
      throw new RegistryError({ kind: 'usage', registry, operation, cause: e }, `cannot get credentials: ${(e as Error).message}`);
    }
    const send = async (authorization: string | undefined): Promise<HttpResponse> => {
      const url = /^https?:\/\//.test(spec.path) ? new URL(spec.path) : new URL(spec.path, await this.origin(registry, spec.signal));
      const headers: Record<string, string> = { ...(spec.headers ?? {}) };
      if (authorization) headers.Authorization = authorization;
      const req: HttpRequest = { method: spec.method, url, headers };
      if (spec.body) req.body = spec.body;
      if (spec.signal) req.signal = spec.signal;
      return this.transport.exchange(req, { ...(spec.stream ? { stream: true } : {}), ...(spec.maxBody ? { maxBody: spec.maxBody } : {}) });
    };
    try {
      const preemptive = this.authHeader(registry, spec.scopes, cred);
      res = await send(preemptive);
      if (res.status === 401) {
        const authorization = await this.answerChallenge(spec, res, cred, preemptive);
        if (authorization !== undefined) res = await send(authorization);
      }
    } catch (e) {
      if (e instanceof TransportFailure) throw this.transportError(e, registry, operation);
      throw e;
    }
    if (!spec.expect.includes(res.status)) {
      res.stream?.resume();
      const errors = parseErrorBody(res.body);
      let detail = describeHttpFailure(res.status, res.statusText, errors, res.body);
      if (res.status === 401 || res.status === 403) {
        if (!cred) detail += ` (no credentials for ${registry}: pass them to the client or run docker login)`;
        else if (cred.username) detail += ` (credentials for user ${JSON.stringify(cred.username)} were rejected or lack access)`;
      }
      if (res.attempts > 1) detail += ` (after ${res.attempts} attempts)`;
      throw new RegistryError({ kind: kindForStatus(res.status), registry, operation, status: res.status, errors, attempts: res.attempts }, detail);
    }
    return res;
  }

  /** Reads a 401's challenge and returns the Authorization to retry with, or undefined when there is nothing to try. */
  private async answerChallenge(spec: CallSpec, res: HttpResponse, cred: Credential | undefined, sent: string | undefined): Promise<string | undefined> {
    const challenges = parseChallenges(res.headers['www-authenticate']);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    if (bearer?.params.realm) {
      const state: AuthState = { scheme: 'bearer', realm: bearer.params.realm };
      if (bearer.params.service) state.service = bearer.params.service;
      this.authStates.set(spec.registry, state);
      // The challenge's scope is what this request needs; ours adds e.g. the source of a mount.
      const scopes = mergeScopes([...spec.scopes, ...(bearer.params.scope ? bearer.params.scope.split(' ') : [])]);
      this.tokens.forget(spec.registry, spec.scopes);
      const token = await this.tokens.fetch(
        { registry: spec.registry, realm: state.realm, ...(state.service ? { service: state.service } : {}), scopes, ...(cred ? { credential: cred } : {}), ...(spec.signal ? { signal: spec.signal } : {}) },
        spec.scopes,
      );
      return `Bearer ${token}`;
    }
    if (basic) {
      this.authStates.set(spec.registry, { scheme: 'basic' });
      if (cred?.username !== undefined && cred.password !== undefined) {
        const header = `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
        // Sending the same credentials again would only be refused again.
        return sent === header ? undefined : header;
      }
    }
    return undefined;
  }
}

/** The same repository, naming another manifest. */
function retarget(r: ImageReference, target: { digest: string } | { tag: string }): ImageReference {
  return { domain: r.domain, path: r.path, name: r.name, implicitDomain: r.implicitDomain, ...target };
}

function nextLink(link: string | string[] | undefined): string | undefined {
  const values = Array.isArray(link) ? link : link ? [link] : [];
  for (const v of values) {
    for (const part of v.split(/,(?=\s*<)/)) {
      const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
      if (m && /\brel="?next"?/i.test(m[2]!)) return m[1]!;
    }
  }
  return undefined;
}

function readIndexManifests(body: Buffer, registry: string, operation: string): Descriptor[] {
  let j: unknown;
  try {
    j = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RegistryError({ kind: 'invalid', registry, operation }, 'the referrers answer is not JSON');
  }
  const ms = (j as { manifests?: unknown })?.manifests;
  if (!Array.isArray(ms)) throw new RegistryError({ kind: 'invalid', registry, operation }, 'the referrers answer is not an image index');
  return ms as Descriptor[];
}
