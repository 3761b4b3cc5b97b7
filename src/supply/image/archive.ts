/**
 * Container image archives on disk, without a container engine:
 *
 * - `docker save` tars: manifest.json ([{Config, RepoTags, Layers}]), config JSON, layers as
 *   `<id>/layer.tar` (legacy) or `blobs/sha256/<hex>` (Docker ≥ 25, which also writes an OCI layout —
 *   index.json — beside manifest.json; we read it for the manifest digest and annotations);
 * - OCI image layouts (image-spec image-layout.md): a directory, or a tar of one, with `oci-layout`,
 *   `index.json` → image manifest, possibly through nested indexes; one platform is chosen.
 *
 * Tars are never read whole: their members are indexed by reading tar headers with positional reads
 * (ustar prefix, GNU 'L'/'K' long names, pax 'x' headers), and each layer is streamed from its offset
 * through gunzip/zstd into tar-stream's extract, hashing as it goes so the blob digest and the diff_id
 * are verified without a second pass.
 */
import { createHash, type Hash as CryptoHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import tar from 'tar-stream';

export class ImageArchiveError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'ImageArchiveError';
  }
}

// ───────────────────────────── tar index ─────────────────────────────

export interface TarMember {
  name: string;
  /** Tar typeflag: '0' file, '1' hard link, '2' symlink, '5' directory … */
  type: string;
  /** Byte offset of the member's data in the tar file. */
  offset: number;
  size: number;
  linkname?: string;
}

function cstr(b: Buffer, start: number, len: number): string {
  const end = b.indexOf(0, start);
  return b.toString('utf8', start, end < 0 || end > start + len ? start + len : end);
}

function octal(b: Buffer, start: number, len: number): number {
  if (b[start]! & 0x80) {
    // GNU base-256: big-endian, high bit of the first byte set.
    let v = b[start]! & 0x7f;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + b[i]!;
    return v;
  }
  const s = b.toString('latin1', start, start + len).replace(/\0.*$/s, '').trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) return NaN;
  return parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  const stored = octal(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return stored === sum;
}

function parsePax(b: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < b.length) {
    const sp = b.indexOf(0x20, pos);
    if (sp < 0) break;
    const len = parseInt(b.toString('latin1', pos, sp), 10);
    if (!(len > 0) || pos + len > b.length) break;
    const rec = b.toString('utf8', sp + 1, pos + len - 1); // drop trailing '\n'
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    pos += len;
  }
  return out;
}

export function normaliseMemberName(name: string): string {
  const out: string[] = [];
  for (const seg of name.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out.join('/');
}

/**
 * Index of a tar file's members by normalised name, built from headers alone (positional reads of 512
 * bytes; data is skipped). Throws when the file is not a tar (bad header checksum) or is truncated.
 */
export async function indexTar(file: string, opts: { maxEntries?: number } = {}): Promise<Map<string, TarMember>> {
  const fh = await fsp.open(file, 'r');
  try {
    const { size: fileSize } = await fh.stat();
    const members = new Map<string, TarMember>();
    const h = Buffer.alloc(512);
    let pos = 0;
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax: Record<string, string> | undefined;
    let count = 0;
    const readAt = async (buf: Buffer, at: number) => {
      const { bytesRead } = await fh.read(buf, 0, buf.length, at);
      return bytesRead;
    };
    for (;;) {
      if (pos + 512 > fileSize) {
        if (pos >= fileSize && count > 0) break; // no end-of-archive blocks: tolerated
        throw new ImageArchiveError(file, `truncated tar: header at offset ${pos} runs past the end of the file (${fileSize} bytes)`);
      }
      await readAt(h, pos);
      if (h.every((x) => x === 0)) break; // end-of-archive marker
      if (!checksumOk(h)) {
        throw new ImageArchiveError(file, count === 0 ? 'not a tar archive (first header has a bad checksum)' : `corrupt tar header at offset ${pos} (bad checksum)`);
      }
      count++;
      if (opts.maxEntries !== undefined && count > opts.maxEntries) break;
      const type = String.fromCharCode(h[156]!) === '\0' ? '0' : String.fromCharCode(h[156]!);
      let size = octal(h, 124, 12);
      if (!Number.isFinite(size)) throw new ImageArchiveError(file, `corrupt tar header at offset ${pos} (size field)`);
      const dataAt = pos + 512;
      if (pax?.size !== undefined && type !== 'x' && type !== 'g') size = parseInt(pax.size, 10);
      if (dataAt + size > fileSize) {
        throw new ImageArchiveError(file, `truncated tar: member at offset ${pos} claims ${size} bytes but the file ends at ${fileSize}`);
      }
      const next = dataAt + Math.ceil(size / 512) * 512;
      if (type === 'L' || type === 'K' || type === 'x' || type === 'g') {
        if (size > 1024 * 1024) throw new ImageArchiveError(file, `tar extended header at offset ${pos} is implausibly large (${size} bytes)`);
        const data = Buffer.alloc(size);
        await readAt(data, dataAt);
        if (type === 'L') longName = cstr(data, 0, size);
        else if (type === 'K') longLink = cstr(data, 0, size);
        else if (type === 'x') pax = { ...pax, ...parsePax(data) };
        pos = next;
        continue;
      }
      let name = cstr(h, 0, 100);
      const magic = h.toString('latin1', 257, 263);
      if (magic === 'ustar\0') {
        const prefix = cstr(h, 345, 155);
        if (prefix) name = `${prefix}/${name}`;
      }
      if (longName !== undefined) name = longName;
      if (pax?.path !== undefined) name = pax.path;
      let linkname: string | undefined = cstr(h, 157, 100) || undefined;
      if (longLink !== undefined) linkname = longLink;
      if (pax?.linkpath !== undefined) linkname = pax.linkpath;
      longName = longLink = pax = undefined;
      const norm = normaliseMemberName(name);
      if (norm !== '') {
        const m: TarMember = { name: norm, type, offset: dataAt, size };
        if (linkname) m.linkname = linkname;
        members.set(norm, m);
      }
      pos = next;
    }
    return members;
  } finally {
    await fh.close();
  }
}

// ───────────────────────────── stores ─────────────────────────────

/** Read access to the files of a layout, whether a directory or a tar. */
interface Store {
  readonly file: string;
  has(p: string): Promise<boolean>;
  size(p: string): Promise<number>;
  read(p: string, max: number): Promise<Buffer>;
  peek(p: string, n: number): Promise<Buffer>;
  stream(p: string): Readable;
}

const READ_CHUNK = 1024 * 1024;

class DirStore implements Store {
  constructor(readonly file: string) {}
  private abs(p: string): string {
    return path.join(this.file, normaliseMemberName(p));
  }
  async has(p: string): Promise<boolean> {
    try {
      return (await fsp.stat(this.abs(p))).isFile();
    } catch {
      return false;
    }
  }
  async size(p: string): Promise<number> {
    return (await fsp.stat(this.abs(p))).size;
  }
  async read(p: string, max: number): Promise<Buffer> {
    const n = await this.size(p);
    if (n > max) throw new ImageArchiveError(this.file, `${p} is ${n} bytes, more than the ${max} expected of it`);
    return fsp.readFile(this.abs(p));
  }
  async peek(p: string, n: number): Promise<Buffer> {
    const fh = await fsp.open(this.abs(p), 'r');
    try {
      const b = Buffer.alloc(n);
      const { bytesRead } = await fh.read(b, 0, n, 0);
      return b.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }
  stream(p: string): Readable {
    return createReadStream(this.abs(p), { highWaterMark: READ_CHUNK });
  }
}

class TarStore implements Store {
  constructor(
    readonly file: string,
    private readonly members: Map<string, TarMember>,
  ) {}
  /** Follows hard links and symlinks (docker save links duplicate layers) to a regular member. */
  private member(p: string): TarMember | undefined {
    let name = normaliseMemberName(p);
    for (let hops = 0; hops < 16; hops++) {
      const m = this.members.get(name);
      if (!m) return undefined;
      if (m.type === '1' && m.linkname) name = normaliseMemberName(m.linkname);
      else if (m.type === '2' && m.linkname) name = normaliseMemberName(path.posix.join(path.posix.dirname(name), m.linkname));
      else return m.type === '0' || m.type === '7' ? m : undefined;
    }
    return undefined;
  }
  private must(p: string): TarMember {
    const m = this.member(p);
    if (!m) throw new ImageArchiveError(this.file, `missing ${p} in the archive`);
    return m;
  }
  async has(p: string): Promise<boolean> {
    return this.member(p) !== undefined;
  }
  async size(p: string): Promise<number> {
    return this.must(p).size;
  }
  async read(p: string, max: number): Promise<Buffer> {
    const m = this.must(p);
    if (m.size > max) throw new ImageArchiveError(this.file, `${p} is ${m.size} bytes, more than the ${max} expected of it`);
    return this.readRange(m.offset, m.size);
  }
  async peek(p: string, n: number): Promise<Buffer> {
    const m = this.must(p);
    return this.readRange(m.offset, Math.min(n, m.size));
  }
  private async readRange(offset: number, size: number): Promise<Buffer> {
    const fh = await fsp.open(this.file, 'r');
    try {
      const b = Buffer.alloc(size);
      const { bytesRead } = await fh.read(b, 0, size, offset);
      if (bytesRead < size) throw new ImageArchiveError(this.file, `short read at offset ${offset}`);
      return b;
    } finally {
      await fh.close();
    }
  }
  stream(p: string): Readable {
    const m = this.must(p);
    if (m.size === 0) return Readable.from([]);
    return createReadStream(this.file, { start: m.offset, end: m.offset + m.size - 1, highWaterMark: READ_CHUNK });
  }
}

// ───────────────────────────── image model ─────────────────────────────

export interface Platform {
  os?: string;
  architecture?: string;
  variant?: string;
}

export interface ImageLayer {
  /** 0-based position in the manifest. */
  index: number;
  /** Path of the layer blob inside the layout. */
  path: string;
  mediaType?: string;
  /** Digest of the blob as stored (compressed), when the manifest gives it. */
  digest?: string;
  /** Digest of the uncompressed tar (config rootfs.diff_ids), when the config gives it. */
  diffId?: string;
  size?: number;
}

export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  config?: { Labels?: Record<string, string> | null; Env?: string[] | null } | null;
  rootfs?: { type?: string; diff_ids?: string[] };
}

export type ArchiveFormat = 'docker-archive' | 'oci-layout' | 'oci-archive';

export interface LayerEntry {
  header: tar.Header;
  /** The entry's bytes (a streamx Readable, used through the node:stream surface: on/resume/async iteration). */
  body: Readable;
}

export interface ImageSource {
  file: string;
  format: ArchiveFormat;
  /** docker save RepoTags ("repo:tag"). */
  repoTags: string[];
  /** Fully qualified name from annotations (io.containerd.image.name) when present. */
  imageName?: string;
  /** org.opencontainers.image.ref.name annotation (a tag, or a whole reference). */
  refName?: string;
  manifestDigest?: string;
  manifestMediaType?: string;
  configDigest: string;
  config: ImageConfig;
  platform: Platform;
  layers: ImageLayer[];
  annotations: Record<string, string>;
  /**
   * Streams one layer's tar entries to `onEntry` (which must consume or drain `body`), verifying digests
   * at the end (see OpenOptions.verifyDiffIds). Resolves with the layer's diff_id ("sha256:…").
   */
  streamLayer(layer: ImageLayer, onEntry: (entry: LayerEntry) => Promise<void>): Promise<string>;
}

export interface OpenOptions {
  /** "os/arch[/variant]"; default linux/amd64 when the layout holds several platforms. */
  platform?: string;
  /** Pick the image with this RepoTag / ref name when the archive holds several. */
  name?: string;
  /**
   * Also hash every decompressed layer to check the config's diff_ids when the manifest already gives
   * (and we verify) the compressed blob's digest. Default false: diff_ids are verified only for layers
   * without a blob digest (docker save's legacy layer.tar), where they are the only digest there is.
   */
  verifyDiffIds?: boolean;
}

const MAX_JSON = 16 * 1024 * 1024;

const MT = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
};

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

interface Manifest {
  mediaType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
  annotations?: Record<string, string>;
}

function blobPath(digest: string): string {
  const m = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/.exec(digest);
  if (!m) throw new Error(`not a digest: ${digest}`);
  return `blobs/${m[1]}/${m[2]}`;
}

function hashAlgOf(digest: string): string {
  const alg = digest.slice(0, digest.indexOf(':'));
  if (alg === 'sha256' || alg === 'sha512') return alg;
  throw new Error(`unsupported digest algorithm in ${digest}`);
}

function digestOf(data: Buffer, alg = 'sha256'): string {
  return `${alg}:${createHash(alg).update(data).digest('hex')}`;
}

export function parsePlatform(s: string): Platform {
  const [os, architecture, variant] = s.split('/');
  if (!os || !architecture) throw new Error(`platform "${s}" is not of the form os/arch[/variant]`);
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function formatPlatform(p: Platform): string {
  return [p.os ?? '?', p.architecture ?? '?', ...(p.variant ? [p.variant] : [])].join('/');
}

function platformMatches(have: Platform, want: Platform): boolean {
  if (have.os !== want.os || have.architecture !== want.architecture) return false;
  if (!want.variant) return true;
  const v = have.variant ?? (have.architecture === 'arm64' ? 'v8' : undefined);
  return v === want.variant;
}

async function readJson<T>(store: Store, p: string, what: string, expectDigest?: string): Promise<{ value: T; bytes: Buffer; digest: string }> {
  if (!(await store.has(p))) {
    throw new ImageArchiveError(store.file, `missing ${what}: ${p}${expectDigest ? ` (${expectDigest})` : ''} is not in the archive`);
  }
  const bytes = await store.read(p, MAX_JSON);
  const digest = digestOf(bytes, expectDigest ? hashAlgOf(expectDigest) : 'sha256');
  if (expectDigest && digest !== expectDigest) {
    throw new ImageArchiveError(store.file, `digest mismatch for ${what} ${p}: expected ${expectDigest}, content hashes to ${digest}`);
  }
  try {
    return { value: JSON.parse(bytes.toString('utf8')) as T, bytes, digest };
  } catch (e) {
    throw new ImageArchiveError(store.file, `${p} (${what}) is not valid JSON: ${(e as Error).message}`);
  }
}

const isIndexType = (mt: string | undefined) => mt === MT.ociIndex || mt === MT.dockerList;

interface Candidate {
  desc: Descriptor;
  annotations: Record<string, string>;
  platform?: Platform;
}

/** Every image manifest reachable from index.json (nested indexes followed, attestations skipped). */
async function ociCandidates(store: Store): Promise<Candidate[]> {
  const root = await readJson<Manifest>(store, 'index.json', 'OCI index');
  if (!Array.isArray(root.value.manifests)) throw new ImageArchiveError(store.file, 'index.json has no "manifests" array');
  const out: Candidate[] = [];
  const walk = async (index: Manifest, inherited: Record<string, string>, depth: number) => {
    for (const desc of index.manifests ?? []) {
      if (!desc || typeof desc.digest !== 'string') continue;
      const annotations = { ...inherited, ...(desc.annotations ?? {}) };
      if (isIndexType(desc.mediaType)) {
        if (depth >= 4) continue;
        const sub = await readJson<Manifest>(store, blobPath(desc.digest), 'nested image index', desc.digest);
        await walk(sub.value, annotations, depth + 1);
        continue;
      }
      if (annotations['vnd.docker.reference.type'] === 'attestation-manifest') continue;
      if (desc.platform?.os === 'unknown') continue;
      out.push({ desc, annotations, ...(desc.platform ? { platform: desc.platform } : {}) });
    }
  };
  await walk(root.value, {}, 0);
  return out;
}

function refMatches(c: Candidate, name: string): boolean {
  const names = [c.annotations['io.containerd.image.name'], c.annotations['org.opencontainers.image.ref.name']].filter(Boolean) as string[];
  return names.some((n) => n === name || n.endsWith('/' + name) || n === `docker.io/library/${name}` || n === `docker.io/${name}`);
}

interface Resolved {
  manifestDigest: string;
  manifestMediaType?: string;
  manifest: Manifest;
  annotations: Record<string, string>;
  config: ImageConfig;
  configDigest: string;
}

async function loadManifest(store: Store, c: Candidate): Promise<Resolved> {
  const m = await readJson<Manifest>(store, blobPath(c.desc.digest), 'image manifest', c.desc.digest);
  if (!m.value.config?.digest || !Array.isArray(m.value.layers)) {
    throw new ImageArchiveError(store.file, `image manifest ${c.desc.digest} has no config or layers`);
  }
  const cfg = await readJson<ImageConfig>(store, blobPath(m.value.config.digest), 'image config', m.value.config.digest);
  const r: Resolved = {
    manifestDigest: c.desc.digest,
    manifest: m.value,
    annotations: { ...(m.value.annotations ?? {}), ...c.annotations },
    config: cfg.value,
    configDigest: m.value.config.digest,
  };
  const mt = c.desc.mediaType ?? m.value.mediaType;
  if (mt) r.manifestMediaType = mt;
  return r;
}

async function chooseOci(store: Store, opts: OpenOptions): Promise<Resolved> {
  let cands = await ociCandidates(store);
  if (cands.length === 0) throw new ImageArchiveError(store.file, 'index.json lists no image manifests');
  if (opts.name) {
    const named = cands.filter((c) => refMatches(c, opts.name!));
    if (named.length > 0) cands = named;
  }
  const want = parsePlatform(opts.platform ?? 'linux/amd64');
  const loaded = new Map<Candidate, Resolved>();
  const platformOf = async (c: Candidate): Promise<Platform> => {
    if (c.platform) return c.platform;
    const r = await loadManifest(store, c);
    loaded.set(c, r);
    return { os: r.config.os, architecture: r.config.architecture, ...(r.config.variant ? { variant: r.config.variant } : {}) };
  };
  const platforms: Platform[] = [];
  for (const c of cands) platforms.push(await platformOf(c));
  let idx = platforms.findIndex((p) => platformMatches(p, want));
  if (idx < 0 && !opts.platform && cands.length === 1) idx = 0;
  if (idx < 0) {
    throw new ImageArchiveError(
      store.file,
      `no image for platform ${formatPlatform(want)}; the archive has ${[...new Set(platforms.map(formatPlatform))].join(', ')}`,
    );
  }
  const c = cands[idx]!;
  return loaded.get(c) ?? (await loadManifest(store, c));
}

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
  LayerSources?: Record<string, Descriptor>;
}

const HEX_IN_PATH = /(?:^|\/)(?:blobs\/sha256\/)?([a-f0-9]{64})(?:\.json|\/layer\.tar)?$/;

async function openDocker(store: Store, opts: OpenOptions): Promise<Omit<ImageSource, 'streamLayer' | 'file' | 'format'>> {
  const man = await readJson<DockerManifestEntry[]>(store, 'manifest.json', 'docker save manifest');
  if (!Array.isArray(man.value) || man.value.length === 0 || man.value.some((e) => !e || typeof e.Config !== 'string' || !Array.isArray(e.Layers))) {
    throw new ImageArchiveError(store.file, 'manifest.json is not an array of {Config, RepoTags, Layers} entries');
  }
  let entries = man.value;
  if (opts.name) {
    const named = entries.filter((e) => (e.RepoTags ?? []).some((t) => t === opts.name || t.split(':')[0] === opts.name));
    if (named.length > 0) entries = named;
  }
  const configs: { entry: DockerManifestEntry; config: ImageConfig; digest: string }[] = [];
  for (const entry of entries) {
    const hex = HEX_IN_PATH.exec(entry.Config)?.[1];
    const cfg = await readJson<ImageConfig>(store, entry.Config, 'image config', hex ? `sha256:${hex}` : undefined);
    configs.push({ entry, config: cfg.value, digest: cfg.digest });
  }
  let chosen = configs[0]!;
  if (configs.length > 1) {
    const want = parsePlatform(opts.platform ?? 'linux/amd64');
    const m = configs.find((c) => platformMatches({ os: c.config.os, architecture: c.config.architecture, variant: c.config.variant }, want));
    if (m) chosen = m;
  }
  const { entry, config } = chosen;
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length > 0 && diffIds.length !== entry.Layers.length) {
    throw new ImageArchiveError(store.file, `config ${entry.Config} lists ${diffIds.length} diff_ids but manifest.json lists ${entry.Layers.length} layers`);
  }
  const layers: ImageLayer[] = entry.Layers.map((p, i) => {
    const l: ImageLayer = { index: i, path: p };
    const diffId = diffIds[i];
    if (diffId) l.diffId = diffId;
    const m = /^blobs\/(sha256|sha512)\/([a-f0-9]+)$/.exec(normaliseMemberName(p));
    if (m) l.digest = `${m[1]}:${m[2]}`;
    const src = diffId ? entry.LayerSources?.[diffId] : undefined;
    if (src?.mediaType) l.mediaType = src.mediaType;
    return l;
  });
  const out: Omit<ImageSource, 'streamLayer' | 'file' | 'format'> = {
    repoTags: entry.RepoTags ?? [],
    configDigest: chosen.digest,
    config,
    platform: { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) },
    layers,
    annotations: {},
  };
  // Docker ≥ 25 also writes an OCI layout: find the manifest whose config is ours, for its digest.
  if (await store.has('index.json')) {
    try {
      for (const c of await ociCandidates(store)) {
        const r = await loadManifest(store, c).catch(() => undefined);
        if (!r || r.configDigest !== chosen.digest) continue;
        out.manifestDigest = r.manifestDigest;
        if (r.manifestMediaType) out.manifestMediaType = r.manifestMediaType;
        out.annotations = r.annotations;
        r.manifest.layers!.forEach((d, i) => {
          const l = layers[i];
          if (!l) return;
          if (d.mediaType) l.mediaType = d.mediaType;
          if (!l.digest && normaliseMemberName(l.path) === blobPath(d.digest)) l.digest = d.digest;
          if (typeof d.size === 'number') l.size = d.size;
        });
        break;
      }
    } catch {
      // index.json is an extra here; manifest.json already told us everything we need.
    }
  }
  if (out.annotations['io.containerd.image.name']) out.imageName = out.annotations['io.containerd.image.name'];
  if (out.annotations['org.opencontainers.image.ref.name']) out.refName = out.annotations['org.opencontainers.image.ref.name'];
  return out;
}

async function openOci(store: Store, opts: OpenOptions): Promise<Omit<ImageSource, 'streamLayer' | 'file' | 'format'>> {
  const layoutOk = await store.has('oci-layout');
  if (layoutOk) {
    const l = await readJson<{ imageLayoutVersion?: string }>(store, 'oci-layout', 'oci-layout file');
    if (typeof l.value?.imageLayoutVersion !== 'string') throw new ImageArchiveError(store.file, 'oci-layout has no imageLayoutVersion');
  }
  const r = await chooseOci(store, opts);
  const diffIds = r.config.rootfs?.diff_ids ?? [];
  const layers: ImageLayer[] = r.manifest.layers!.map((d, i) => {
    const l: ImageLayer = { index: i, path: blobPath(d.digest), digest: d.digest };
    if (d.mediaType) l.mediaType = d.mediaType;
    if (typeof d.size === 'number') l.size = d.size;
    if (diffIds[i]) l.diffId = diffIds[i];
    return l;
  });
  if (diffIds.length > 0 && diffIds.length !== layers.length) {
    throw new ImageArchiveError(store.file, `config ${r.configDigest} lists ${diffIds.length} diff_ids but manifest ${r.manifestDigest} lists ${layers.length} layers`);
  }
  const out: Omit<ImageSource, 'streamLayer' | 'file' | 'format'> = {
    repoTags: [],
    manifestDigest: r.manifestDigest,
    configDigest: r.configDigest,
    config: r.config,
    platform: { os: r.config.os, architecture: r.config.architecture, ...(r.config.variant ? { variant: r.config.variant } : {}) },
    layers,
    annotations: r.annotations,
  };
  if (r.manifestMediaType) out.manifestMediaType = r.manifestMediaType;
  if (r.annotations['io.containerd.image.name']) out.imageName = r.annotations['io.containerd.image.name'];
  if (r.annotations['org.opencontainers.image.ref.name']) out.refName = r.annotations['org.opencontainers.image.ref.name'];
  return out;
}

// ───────────────────────────── layer streaming ─────────────────────────────

class HashTap extends Transform {
  constructor(private readonly hashes: CryptoHash[]) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    for (const h of this.hashes) h.update(chunk);
    cb(null, chunk);
  }
}

type Compression = 'gzip' | 'zstd' | 'none';

function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/** zlib.createZstdDecompress exists from Node 22.15 / 23.8. */
function zstdDecompressor(): Transform | undefined {
  const f = (zlib as unknown as { createZstdDecompress?: () => Transform }).createZstdDecompress;
  return f ? f() : undefined;
}

function describeLayer(layer: ImageLayer, count: number): string {
  return `layer ${layer.index + 1}/${count} (${layer.path}${layer.digest && !layer.path.includes(layer.digest.split(':')[1]!) ? `, ${layer.digest}` : ''})`;
}

async function streamLayerFrom(
  store: Store,
  layers: ImageLayer[],
  layer: ImageLayer,
  onEntry: (e: LayerEntry) => Promise<void>,
  verifyDiffIds: boolean,
): Promise<string> {
  const what = describeLayer(layer, layers.length);
  if (!(await store.has(layer.path))) {
    throw new ImageArchiveError(store.file, `missing layer blob: ${what} is not in the archive`);
  }
  const size = await store.size(layer.path);
  if (layer.size !== undefined && size !== layer.size) {
    throw new ImageArchiveError(store.file, `${what}: the manifest says ${layer.size} bytes but the blob has ${size} (truncated or replaced)`);
  }
  const compression = detectCompression(await store.peek(layer.path, 4));
  // The blob digest is verified whenever the manifest gives one. The diff_id is verified (hashing the
  // uncompressed stream, the costlier half) when there is no blob digest to rely on — docker save's
  // legacy layer.tar — or when asked; it is computed when the config does not give it.
  const blobAlg = layer.digest ? hashAlgOf(layer.digest) : undefined;
  const diffAlg = layer.diffId ? hashAlgOf(layer.diffId) : 'sha256';
  const blobHash = blobAlg ? createHash(blobAlg) : undefined;
  const wantDiff = !layer.diffId || !blobHash || verifyDiffIds;
  const sameBytes = compression === 'none' && blobHash !== undefined && blobAlg === diffAlg;
  const diffHash = wantDiff ? (sameBytes ? blobHash : createHash(diffAlg)) : undefined;
  const stages: (NodeJS.ReadableStream | NodeJS.WritableStream | NodeJS.ReadWriteStream)[] = [store.stream(layer.path)];
  let stage = 'read';
  const taps = (hs: (CryptoHash | undefined)[]) => {
    const list = [...new Set(hs.filter((h): h is CryptoHash => h !== undefined))];
    if (list.length > 0) stages.push(new HashTap(list));
  };
  if (compression === 'none') {
    taps([blobHash, diffHash]);
  } else {
    taps([blobHash]);
    let dec: Transform | undefined;
    if (compression === 'gzip') dec = zlib.createGunzip({ chunkSize: 256 * 1024 });
    else {
      dec = zstdDecompressor();
      if (!dec) {
        throw new ImageArchiveError(
          store.file,
          `${what} is zstd-compressed (${layer.mediaType ?? 'application/vnd.oci.image.layer.v1.tar+zstd'}) and this Node.js (${process.version}) has no zstd decompressor (zlib.createZstdDecompress needs Node ≥ 22.15); decompress the layer or use a newer Node`,
        );
      }
    }
    dec.on('error', () => (stage = compression));
    stages.push(dec);
    taps([diffHash]);
  }
  const extract = tar.extract();
  let handlerError: Error | undefined;
  extract.on('entry', (header, body, next) => {
    onEntry({ header, body: body as unknown as Readable }).then(
      () => next(),
      (e: Error) => {
        handlerError = e;
        next(e);
      },
    );
  });
  extract.on('error', () => {
    if (stage === 'read') stage = 'tar';
  });
  try {
    await pipeline([...stages, extract] as unknown as [NodeJS.ReadableStream, NodeJS.WritableStream]);
  } catch (e) {
    if (handlerError) throw handlerError;
    if (e instanceof ImageArchiveError) throw e;
    const msg = (e as Error).message;
    if (stage === 'gzip' || stage === 'zstd') {
      throw new ImageArchiveError(store.file, `${what}: truncated or corrupt ${stage} data (${msg})`);
    }
    if (stage === 'tar' || /Unexpected end of data|Invalid tar header|Header exceeds/i.test(msg)) {
      throw new ImageArchiveError(store.file, `${what}: not a valid or complete tar stream (${msg})`);
    }
    throw new ImageArchiveError(store.file, `${what}: ${msg}`);
  }
  let blobHex: string | undefined;
  if (blobHash && layer.digest) {
    blobHex = blobHash.digest('hex');
    const got = `${blobAlg}:${blobHex}`;
    if (got !== layer.digest) throw new ImageArchiveError(store.file, `digest mismatch for ${what}: expected ${layer.digest}, the blob hashes to ${got}`);
  }
  if (!diffHash) return layer.diffId!;
  const diffId = `${diffAlg}:${diffHash === blobHash ? blobHex : diffHash.digest('hex')}`;
  if (layer.diffId && diffId !== layer.diffId) {
    throw new ImageArchiveError(store.file, `diff_id mismatch for ${what}: the config says ${layer.diffId}, the uncompressed layer hashes to ${diffId}`);
  }
  return diffId;
}

// ───────────────────────────── entry points ─────────────────────────────

async function storeFor(file: string): Promise<{ store: Store; isDir: boolean }> {
  let st;
  try {
    st = await fsp.stat(file);
  } catch {
    throw new ImageArchiveError(file, 'no such file or directory');
  }
  if (st.isDirectory()) return { store: new DirStore(file), isDir: true };
  const head = Buffer.alloc(4);
  const fh = await fsp.open(file, 'r');
  try {
    await fh.read(head, 0, 4, 0);
  } finally {
    await fh.close();
  }
  const c = detectCompression(head);
  if (c !== 'none') {
    throw new ImageArchiveError(file, `not an image archive: the file is ${c}-compressed; decompress it first (e.g. gunzip) — docker save and OCI layout tars are read uncompressed`);
  }
  let members: Map<string, TarMember>;
  try {
    members = await indexTar(file);
  } catch (e) {
    if (e instanceof ImageArchiveError && /not a tar archive/.test(e.message)) {
      throw new ImageArchiveError(file, 'not an image archive: expected a docker save tar, an OCI image layout tar, or an OCI layout directory');
    }
    throw e;
  }
  return { store: new TarStore(file, members), isDir: false };
}

/** Opens a docker-save tar, an OCI layout tar, or an OCI layout directory. */
export async function openImageArchive(file: string, opts: OpenOptions = {}): Promise<ImageSource> {
  const { store, isDir } = await storeFor(file);
  let format: ArchiveFormat;
  let base: Omit<ImageSource, 'streamLayer' | 'file' | 'format'>;
  if (await store.has('manifest.json')) {
    format = 'docker-archive';
    base = await openDocker(store, opts);
  } else if ((await store.has('index.json')) || (await store.has('oci-layout'))) {
    format = isDir ? 'oci-layout' : 'oci-archive';
    base = await openOci(store, opts);
  } else {
    throw new ImageArchiveError(
      file,
      `not an image archive: missing manifest: expected manifest.json (docker save) or oci-layout and index.json (OCI image layout) at the top level`,
    );
  }
  const layers = base.layers;
  const verify = opts.verifyDiffIds ?? false;
  return { ...base, file, format, streamLayer: (layer, onEntry) => streamLayerFrom(store, layers, layer, onEntry, verify) };
}

/** Cheap check for CLI auto-detection: a directory or uncompressed tar with a docker-save or OCI layout at its top. */
export async function isImageArchive(file: string): Promise<boolean> {
  try {
    const st = await fsp.stat(file);
    if (st.isDirectory()) {
      const has = async (n: string) => fsp.stat(path.join(file, n)).then((s) => s.isFile(), () => false);
      return (await has('manifest.json')) || ((await has('oci-layout')) && (await has('index.json')));
    }
    if (!st.isFile() || st.size < 1024) return false;
    const members = await indexTar(file, { maxEntries: 20000 });
    return members.has('manifest.json') || (members.has('oci-layout') && members.has('index.json'));
  } catch {
    return false;
  }
}
