/**
 * SBOM of a container image archive: layers are applied in order (OCI image-spec layer changesets:
 * `.wh.<name>` whiteouts, `.wh..wh..opq` opaque directories, later files replacing earlier ones), only
 * the files catalogers ask for are kept (bounded), and the final filesystem decides what is reported.
 *
 * Layer attribution: a package from a package database (dpkg, apk, rpm) is attributed to the first layer
 * from which every later state of the database lists it with the same version — the layer that
 * installed or upgraded it; a single-file package (package.json, METADATA, jar, Go binary) to the layer
 * of the copy of the file that survives.
 *
 * Result: `{ sbom, warnings }`. Archive-level problems (not an image, missing blob, digest mismatch,
 * truncated data) throw ImageArchiveError; a cataloger failing on one file adds a warning and the rest
 * of the image is still reported.
 */
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { apkCataloger } from '../catalog/apk.js';
import { dpkgCataloger } from '../catalog/dpkg.js';
import { goCataloger } from '../catalog/go.js';
import { javaCataloger } from '../catalog/java.js';
import { npmCataloger } from '../catalog/npm.js';
import { osReleaseCataloger, osReleaseFrom } from '../catalog/osrelease.js';
import { pythonCataloger } from '../catalog/python.js';
import { rpmCataloger } from '../catalog/rpm.js';
import type { CatalogFile, Cataloger, EntryInfo, FoundPackage, OsRelease, Want } from '../catalog/types.js';
import { basename, dirname } from '../catalog/types.js';
import { formatPurl } from '../purl.js';
import type { Component, Dependency, License, Property, Sbom } from '../sbom/model.js';
import { formatPlatform, normaliseMemberName, openImageArchive, type ImageSource, type LayerEntry } from './archive.js';

export { isImageArchive, ImageArchiveError } from './archive.js';

export interface GenerateOptions {
  /** "os/arch[/variant]" for multi-platform OCI layouts; default linux/amd64. */
  platform?: string;
  /** Image name for the subject (and to pick one image from a multi-image archive). */
  name?: string;
  /** Hash decompressed layers to check diff_ids even when blob digests are verified (see OpenOptions). */
  verifyDiffIds?: boolean;
}

export interface ImageSbomResult {
  sbom: Sbom;
  /** Files a cataloger could not read, oversized files skipped, unsupported formats met. */
  warnings: string[];
}

/** Order matters only when two would want the same path: the first wins. */
export const defaultCatalogers: readonly Cataloger[] = [
  osReleaseCataloger,
  dpkgCataloger,
  apkCataloger,
  rpmCataloger,
  npmCataloger,
  pythonCataloger,
  javaCataloger,
  goCataloger,
];

interface Rec {
  path: string;
  layer: number;
  cat: Cataloger;
  data?: Buffer;
  file?: string;
  packages?: FoundPackage[];
}

/** The wanted files of the filesystem built so far, with a count of records under each directory. */
class Overlay {
  readonly recs = new Map<string, Rec>();
  private readonly dirs = new Map<string, number>();
  constructor(
    private readonly onChange: (cat: Cataloger) => void,
    private readonly onRemove: (r: Rec) => void,
  ) {}

  private static *ancestors(p: string): Generator<string> {
    let i = p.lastIndexOf('/');
    while (i > 0) {
      yield p.slice(0, i);
      i = p.lastIndexOf('/', i - 1);
    }
  }

  set(rec: Rec): void {
    const old = this.recs.get(rec.path);
    if (old) this.remove(old);
    this.recs.set(rec.path, rec);
    this.onChange(rec.cat);
    for (const a of Overlay.ancestors(rec.path)) this.dirs.set(a, (this.dirs.get(a) ?? 0) + 1);
  }

  remove(rec: Rec): void {
    if (this.recs.get(rec.path) !== rec) return;
    this.recs.delete(rec.path);
    this.onChange(rec.cat);
    for (const a of Overlay.ancestors(rec.path)) {
      const n = (this.dirs.get(a) ?? 1) - 1;
      if (n <= 0) this.dirs.delete(a);
      else this.dirs.set(a, n);
    }
    this.onRemove(rec);
  }

  /** Removes the record at `p` if it came from a layer below `below`. */
  removeAt(p: string, below: number): void {
    const r = this.recs.get(p);
    if (r && r.layer < below) this.remove(r);
  }

  /** Removes records strictly under directory `dir` from layers below `below`. */
  removeUnder(dir: string, below: number): void {
    if (this.recs.size === 0) return;
    if (dir !== '/' && !this.dirs.has(dir)) return;
    const prefix = dir === '/' ? '/' : dir + '/';
    for (const r of [...this.recs.values()]) if (r.path.startsWith(prefix) && r.layer < below) this.remove(r);
  }

  of(cat: Cataloger): Rec[] {
    const out: Rec[] = [];
    for (const r of this.recs.values()) if (r.cat === cat) out.push(r);
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}

function drain(body: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    body.on('end', resolve);
    body.on('error', reject);
    body.resume();
  });
}

const toFile = (r: Rec): CatalogFile => ({ path: r.path, layer: r.layer, ...(r.data ? { data: r.data } : {}), ...(r.file ? { file: r.file } : {}) });

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// ───────────────────────────── subject naming ─────────────────────────────

interface ImageName {
  /** Repository ("docker.io/library/alpine", "alpine", "ghcr.io/acme/app"). */
  repository: string;
  tag?: string;
}

export function parseImageRef(ref: string): ImageName {
  let r = ref.trim();
  const at = r.indexOf('@');
  if (at >= 0) r = r.slice(0, at);
  const colon = r.lastIndexOf(':');
  if (colon > r.lastIndexOf('/')) return { repository: r.slice(0, colon), tag: r.slice(colon + 1) };
  return { repository: r };
}

function subjectName(src: ImageSource, opts: GenerateOptions): ImageName {
  const refName = src.refName;
  const refIsTag = refName !== undefined && !refName.includes('/') && !refName.includes(':');
  for (const cand of [opts.name, src.repoTags[0], src.imageName, refIsTag ? undefined : refName]) {
    if (!cand) continue;
    const n = parseImageRef(cand);
    if (!n.tag && refIsTag) n.tag = refName;
    return n;
  }
  const base = basename(src.file).replace(/\.(tar|oci)$/i, '') || 'image';
  return refIsTag ? { repository: base, tag: refName } : { repository: base };
}

function subjectComponent(src: ImageSource, opts: GenerateOptions, diffIds: string[]): Component {
  const n = subjectName(src, opts);
  const props: Property[] = [
    { name: 'kubecomply:image:format', value: src.format },
    { name: 'kubecomply:image:config-digest', value: src.configDigest },
    { name: 'kubecomply:image:platform', value: formatPlatform(src.platform) },
  ];
  for (const t of src.repoTags) props.push({ name: 'kubecomply:image:repo-tag', value: t });
  for (const d of diffIds) props.push({ name: 'kubecomply:image:diff-id', value: d });
  const c: Component = {
    ref: '',
    type: 'container',
    name: n.repository,
    licenses: [],
    hashes: [],
    properties: props,
  };
  if (n.tag) c.version = n.tag;
  if (src.manifestDigest) {
    const [alg, hex] = src.manifestDigest.split(':') as [string, string];
    if (alg === 'sha256') c.hashes.push({ alg: 'SHA-256', content: hex });
    else if (alg === 'sha512') c.hashes.push({ alg: 'SHA-512', content: hex });
    const qualifiers: Record<string, string> = {};
    if (n.repository.includes('/')) qualifiers.repository_url = n.repository;
    if (n.tag) qualifiers.tag = n.tag;
    if (src.platform.architecture) qualifiers.arch = src.platform.architecture;
    const last = n.repository.split('/').pop()!.toLowerCase();
    c.purl = formatPurl({ type: 'oci', name: last, version: src.manifestDigest, qualifiers });
    c.ref = c.purl;
  } else {
    c.ref = `image:${src.configDigest}`;
  }
  return c;
}

function osComponent(osr: OsRelease): Component {
  const c: Component = {
    ref: `os:${osr.id}${osr.versionId ? '@' + osr.versionId : ''}`,
    type: 'operating-system',
    name: osr.id,
    licenses: [],
    hashes: [],
    properties: [],
  };
  if (osr.versionId) c.version = osr.versionId;
  if (osr.prettyName) c.description = osr.prettyName;
  if (osr.versionCodename) c.properties.push({ name: 'kubecomply:os:codename', value: osr.versionCodename });
  if (osr.idLike.length > 0) c.properties.push({ name: 'kubecomply:os:id-like', value: osr.idLike.join(' ') });
  return c;
}

// ───────────────────────────── package components ─────────────────────────────

function packageComponents(pkgs: FoundPackage[], diffIds: string[]): { components: Component[]; deps: Dependency[] } {
  const groups = new Map<string, FoundPackage[]>();
  for (const p of pkgs) {
    let g = groups.get(p.purl);
    if (!g) groups.set(p.purl, (g = []));
    g.push(p);
  }
  const components: Component[] = [];
  const dependsOn = new Map<string, Set<string>>();
  for (const purl of [...groups.keys()].sort(cmp)) {
    const g = groups.get(purl)!.sort((a, b) => a.layer - b.layer || cmp(a.location, b.location));
    const p = g[0]!;
    const props: Property[] = [
      { name: 'kubecomply:package:type', value: p.type },
      { name: 'kubecomply:image:layer', value: diffIds[p.layer] ?? String(p.layer) },
    ];
    for (const loc of [...new Set(g.map((x) => x.location))]) props.push({ name: 'kubecomply:location', value: loc });
    if (p.sourcePackage) props.push({ name: 'kubecomply:source-package', value: p.sourcePackage });
    const seenProp = new Set<string>();
    for (const x of p.properties ?? []) {
      const k = `${x.name}\0${x.value}`;
      if (!seenProp.has(k)) props.push(x), seenProp.add(k);
    }
    const licenses: License[] = [];
    const seenLic = new Set<string>();
    for (const x of g)
      for (const l of x.licenses) {
        const k = JSON.stringify(l);
        if (!seenLic.has(k)) licenses.push(l), seenLic.add(k);
      }
    const c: Component = {
      ref: purl,
      type: g.some((x) => x.componentType === 'application') ? 'application' : 'library',
      name: p.name,
      purl,
      licenses,
      hashes: p.hashes ?? [],
      properties: props,
    };
    if (p.version) c.version = p.version;
    if (p.group) c.group = p.group;
    if (p.supplier) c.supplier = p.supplier;
    if (p.description) c.description = p.description;
    components.push(c);
    for (const x of g) {
      if (!x.dependsOn?.length) continue;
      let s = dependsOn.get(purl);
      if (!s) dependsOn.set(purl, (s = new Set()));
      for (const d of x.dependsOn) if (groups.has(d) && d !== purl) s.add(d);
    }
  }
  const deps: Dependency[] = [...dependsOn.entries()]
    .sort((a, b) => cmp(a[0], b[0]))
    .map(([ref, s]) => ({ ref, dependsOn: [...s].sort(cmp) }));
  return { components, deps };
}

// ───────────────────────────── generation ─────────────────────────────

export async function generateImageSbom(file: string, opts: GenerateOptions = {}): Promise<ImageSbomResult> {
  const src = await openImageArchive(file, opts);
  const catalogers = defaultCatalogers;
  const warnings: string[] = [];
  let tmp: string | undefined;
  let seq = 0;
  const tmpFile = () => {
    tmp ??= mkdtempSync(path.join(os.tmpdir(), 'kubecomply-image-'));
    return path.join(tmp, `f${++seq}`);
  };
  let changed = new Set<Cataloger>();
  const overlay = new Overlay(
    (cat) => changed.add(cat),
    (r) => {
      if (!r.file) return;
      try {
        unlinkSync(r.file);
      } catch {
        // already gone
      }
    },
  );
  const firstSeen = new Map<Cataloger, Map<string, number>>();
  const diffIds: string[] = [];
  const layerLabel = (i: number) => `layer ${i + 1}${src.layers[i]?.diffId ? ` ${src.layers[i]!.diffId}` : ''}`;

  const pick = (info: EntryInfo): { cat: Cataloger; want: Want } | undefined => {
    for (const cat of catalogers) {
      const want = cat.wants(info);
      if (want) return { cat, want };
    }
    return undefined;
  };

  const collect = async (body: Readable, want: Want, p: string, layer: number, size: number): Promise<{ data?: Buffer; file?: string } | undefined> => {
    if (want.kind === 'stream') {
      const col = want.collector();
      let done = false;
      for await (const chunk of body as AsyncIterable<Buffer>) if (!done) done = col.write(chunk);
      const data = col.end();
      return data ? { data } : undefined;
    }
    // The tar header gives the size: too large is known before reading a byte.
    if (size > want.maxBytes && !(want.kind === 'buffer' && want.truncate)) {
      await drain(body);
      warnings.push(`${p} (${layerLabel(layer)}): skipped, larger than ${want.maxBytes} bytes`);
      return undefined;
    }
    if (want.kind === 'file') {
      const f = tmpFile();
      const ws = createWriteStream(f);
      for await (const chunk of body as AsyncIterable<Buffer>) if (!ws.write(chunk)) await once(ws, 'drain');
      ws.end();
      await once(ws, 'close');
      return { file: f };
    }
    // One allocation, filled in place (cut at maxBytes when the cataloger reads only a file's start).
    const buf = Buffer.allocUnsafe(Math.min(size, want.maxBytes));
    let n = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (n >= buf.length) continue;
      n += chunk.copy(buf, n, 0, Math.min(chunk.length, buf.length - n));
    }
    let data: Buffer = n === buf.length ? buf : buf.subarray(0, n);
    if (want.reduce) data = want.reduce(data);
    return { data };
  };

  try {
    for (const layer of src.layers) {
      const L = layer.index;
      changed = new Set();
      const onEntry = async ({ header: h, body }: LayerEntry): Promise<void> => {
        const norm = normaliseMemberName(h.name);
        if (norm === '') return drain(body);
        const p = '/' + norm;
        const base = basename(p);
        const dir = dirname(p);
        if (base.startsWith('.wh.')) {
          if (base === '.wh..wh..opq') overlay.removeUnder(dir, L);
          else {
            const target = (dir === '/' ? '' : dir) + '/' + base.slice(4);
            overlay.removeAt(target, L);
            overlay.removeUnder(target, L);
          }
          return drain(body);
        }
        const type = h.type ?? 'file';
        if (type !== 'directory') overlay.removeUnder(p, L); // a non-directory hides whatever was below it
        if (type === 'file' || type === 'contiguous-file') {
          const info: EntryInfo = { path: p, mode: h.mode ?? 0, size: h.size ?? 0 };
          const m = pick(info);
          if (!m) {
            overlay.removeAt(p, Infinity);
            return drain(body);
          }
          const got = await collect(body, m.want, p, L, info.size);
          if (!got) {
            overlay.removeAt(p, Infinity);
            return;
          }
          const rec: Rec = { path: p, layer: L, cat: m.cat, ...got };
          if (m.cat.scope === 'file') {
            try {
              const r = await m.cat.parse([toFile(rec)], {});
              rec.packages = r.packages;
              for (const w of r.warnings) warnings.push(`${m.cat.name}: ${w} (${layerLabel(L)})`);
            } catch (e) {
              rec.packages = [];
              warnings.push(`${m.cat.name}: ${p} (${layerLabel(L)}): ${(e as Error).message}`);
            }
            delete rec.data;
          }
          overlay.set(rec);
          return;
        }
        if (type === 'link') {
          const target = overlay.recs.get('/' + normaliseMemberName(h.linkname ?? ''));
          if (target && !target.file) {
            const rec: Rec = { ...target, path: p, layer: L };
            if (target.packages) rec.packages = target.packages.map((x) => ({ ...x, location: p, layer: L }));
            overlay.set(rec);
          } else overlay.removeAt(p, Infinity);
          return drain(body);
        }
        overlay.removeAt(p, Infinity);
        return drain(body);
      };
      diffIds[L] = await src.streamLayer(layer, onEntry);

      // Compare this layer's state of each package database with the previous one.
      const osNow = osReleaseFrom(overlay.of(osReleaseCataloger).map(toFile));
      for (const cat of changed) {
        if (cat.scope !== 'database' || cat === osReleaseCataloger) continue;
        let keys: Set<string>;
        try {
          const r = await cat.parse(overlay.of(cat).map(toFile), osNow ? { os: osNow } : {});
          keys = new Set(r.packages.map((x) => x.key));
        } catch {
          continue; // the final parse reports it, if the problem survives
        }
        let seen = firstSeen.get(cat);
        if (!seen) firstSeen.set(cat, (seen = new Map()));
        for (const k of [...seen.keys()]) if (!keys.has(k)) seen.delete(k);
        for (const k of keys) if (!seen.has(k)) seen.set(k, L);
      }
    }

    const osr = osReleaseFrom(overlay.of(osReleaseCataloger).map(toFile));
    const all: FoundPackage[] = [];
    for (const cat of catalogers) {
      if (cat === osReleaseCataloger) continue;
      const recs = overlay.of(cat);
      if (recs.length === 0) continue;
      let pkgs: FoundPackage[];
      if (cat.scope === 'database') {
        try {
          const r = await cat.parse(recs.map(toFile), osr ? { os: osr } : {});
          for (const w of r.warnings) warnings.push(`${cat.name}: ${w}`);
          const seen = firstSeen.get(cat);
          pkgs = r.packages.map((x) => ({ ...x, layer: seen?.get(x.key) ?? x.layer }));
        } catch (e) {
          warnings.push(`${cat.name}: ${recs.map((r) => r.path).join(', ')}: ${(e as Error).message}`);
          continue;
        }
      } else {
        pkgs = recs.flatMap((r) => r.packages ?? []);
      }
      all.push(...(cat.reconcile ? cat.reconcile(pkgs) : pkgs));
    }

    const subject = subjectComponent(src, opts, diffIds);
    const { components, deps } = packageComponents(all, diffIds);
    const osc = osr ? osComponent(osr) : undefined;
    const sbom: Sbom = {
      name: subject.version ? `${subject.name}:${subject.version}` : subject.name,
      created: new Date().toISOString(),
      tools: ['kubecomply'],
      authors: [],
      subject,
      components: osc ? [osc, ...components] : components,
      dependencies: [{ ref: subject.ref, dependsOn: [...(osc ? [osc.ref] : []), ...components.map((c) => c.ref)] }, ...deps],
      properties: [],
    };
    return { sbom, warnings };
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}
