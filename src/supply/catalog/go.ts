/**
 * Go binaries' embedded build info (Go 1.18+; debug/buildinfo). The linker writes a 16-byte-aligned
 * blob: "\xff Go buildinf:" (14 bytes), pointer size (1 byte), flags (1 byte: bit 0 big-endian, bit 1
 * "inline strings"), 16 bytes of padding, then two uvarint-length-prefixed strings — the Go version and
 * the module info, which is framed by two 16-byte sentinels and reads like `go version -m`:
 *
 *   path	example.com/cmd/app
 *   mod	example.com/app	v1.2.3	h1:…
 *   dep	golang.org/x/net	v0.17.0	h1:…
 *   =>	golang.org/x/net	v0.18.0	h1:…        (replaces the line above)
 *   build	GOOS=linux
 *
 * Binaries from Go < 1.18 store two pointers instead of inline strings; reading those needs the
 * executable's segment table and random access, which a streamed layer does not give us: such binaries
 * are reported as a warning, not as packages.
 *
 * While a layer streams, `GoBuildInfoCollector` looks at executables: ELF, Mach-O or PE magic first, then
 * (ELF) skips to the first writable PT_LOAD segment, where the linker puts .go.buildinfo, and scans for
 * the aligned magic with a small carry-over between chunks. It keeps only the blob (≤ 1 MB), never the
 * binary.
 */
import { formatPurl } from '../purl.js';
import type { Property } from '../sbom/model.js';
import type { CatalogFile, Cataloger, CatalogResult, FoundPackage, StreamCollector } from './types.js';

export const BUILDINFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_SIZE = 32;
const BLOB_MAX = 1024 * 1024;
const HEAD_MAX = 64 * 1024;
const EMPTY = Buffer.alloc(0);
/** The module-info framing sentinels (cmd/go/internal/modload: infoStart, infoEnd). */
export const MODINFO_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
export const MODINFO_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');

export type ExecutableFormat = 'elf' | 'macho' | 'pe';

export function executableFormat(head: Buffer): ExecutableFormat | undefined {
  if (head.length < 4) return undefined;
  if (head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46) return 'elf';
  if (head[0] === 0x4d && head[1] === 0x5a) return 'pe';
  const be = head.readUInt32BE(0);
  if (be === 0xfeedface || be === 0xfeedfacf || be === 0xcefaedfe || be === 0xcffaedfe) return 'macho';
  if (be === 0xcafebabe && head.length >= 8 && head.readUInt32BE(4) < 0x20) return 'macho'; // fat binary, not a Java class
  return undefined;
}

/** File offset of the first writable, non-executable PT_LOAD segment of an ELF file, when the header says. */
export function elfDataOffset(head: Buffer): number | undefined {
  if (head.length < 52) return undefined;
  const is64 = head[4] === 2;
  const le = head[5] !== 2;
  const u16 = (o: number) => (le ? head.readUInt16LE(o) : head.readUInt16BE(o));
  const u32 = (o: number) => (le ? head.readUInt32LE(o) : head.readUInt32BE(o));
  const u64 = (o: number) => Number(le ? head.readBigUInt64LE(o) : head.readBigUInt64BE(o));
  if (is64 && head.length < 64) return undefined;
  const phoff = is64 ? u64(0x20) : u32(0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  if (phnum === 0 || phentsize < (is64 ? 56 : 32) || phoff + phnum * phentsize > head.length) return undefined;
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    const type = u32(at);
    const flags = is64 ? u32(at + 4) : u32(at + 24);
    const offset = is64 ? u64(at + 8) : u32(at + 4);
    if (type === 1 && (flags & 3) === 2) return offset;
  }
  return undefined;
}

type HeaderKind = 'inline' | 'pointer' | 'invalid';

function headerKind(buf: Buffer, i: number): HeaderKind {
  const ptr = buf[i + 14];
  const flags = buf[i + 15]!;
  if ((ptr !== 4 && ptr !== 8) || (flags & ~3) !== 0) return 'invalid';
  if (flags & 2) {
    for (let k = i + 16; k < i + 32; k++) if (buf[k] !== 0) return 'invalid';
    return 'inline';
  }
  return 'pointer';
}

function uvarint(buf: Buffer, pos: number): [number, number] | undefined {
  let x = 0;
  let s = 1;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= buf.length) return undefined;
    const b = buf[pos + i]!;
    x += (b & 0x7f) * s;
    if (b < 0x80) return [x, i + 1];
    s *= 128;
  }
  return undefined;
}

/** The two inline strings after a header at `i`, or undefined when the buffer does not hold them yet. */
function inlineStrings(buf: Buffer, i: number): { version: string; mod: Buffer; end: number } | undefined {
  let pos = i + HEADER_SIZE;
  const v = uvarint(buf, pos);
  if (!v || pos + v[1] + v[0] > buf.length) return undefined;
  const version = buf.toString('utf8', pos + v[1], pos + v[1] + v[0]);
  pos += v[1] + v[0];
  const m = uvarint(buf, pos);
  if (!m || pos + m[1] + m[0] > buf.length) return undefined;
  return { version, mod: buf.subarray(pos + m[1], pos + m[1] + m[0]), end: pos + m[1] + m[0] };
}

export interface GoModule {
  path: string;
  version?: string;
  sum?: string;
  replacedBy?: { path: string; version?: string; sum?: string };
}

export interface GoBuildInfo {
  goVersion: string;
  /** Package path of the main package ("path" line). */
  path?: string;
  main?: GoModule;
  deps: GoModule[];
  settings: { key: string; value: string }[];
}

/** debug.ParseBuildInfo's text format. */
export function parseModinfo(goVersion: string, mod: string): GoBuildInfo {
  const info: GoBuildInfo = { goVersion, deps: [], settings: [] };
  let last: GoModule | undefined;
  for (const line of mod.split('\n')) {
    const f = line.split('\t');
    const mk = (): GoModule => {
      const m: GoModule = { path: f[1] ?? '' };
      if (f[2]) m.version = f[2];
      if (f[3]) m.sum = f[3];
      return m;
    };
    switch (f[0]) {
      case 'path':
        info.path = f[1];
        break;
      case 'mod':
        info.main = last = mk();
        break;
      case 'dep':
        last = mk();
        info.deps.push(last);
        break;
      case '=>':
        if (last) {
          const r = mk();
          last.replacedBy = r.version || r.sum ? r : { path: r.path };
        }
        break;
      case 'build': {
        const kv = f.slice(1).join('\t');
        const eq = kv.indexOf('=');
        if (eq > 0) info.settings.push({ key: kv.slice(0, eq), value: kv.slice(eq + 1) });
        break;
      }
    }
  }
  return info;
}

export type BuildInfoResult = { kind: 'none' } | { kind: 'pointer-format' } | { kind: 'truncated' } | { kind: 'ok'; info: GoBuildInfo };

/** Finds and decodes build info in `data` (a whole binary, or the blob the collector kept). */
export function readBuildInfo(data: Buffer): BuildInfoResult {
  let from = 0;
  for (;;) {
    const i = data.indexOf(BUILDINFO_MAGIC, from);
    if (i < 0 || data.length - i < HEADER_SIZE) return { kind: 'none' };
    from = i + 1;
    if (i % 16 !== 0) continue;
    const kind = headerKind(data, i);
    if (kind === 'invalid') continue;
    if (kind === 'pointer') return { kind: 'pointer-format' };
    const s = inlineStrings(data, i);
    if (!s) return { kind: 'truncated' };
    if (!/^(go|devel)/.test(s.version)) continue;
    let mod = '';
    if (s.mod.length >= 33 && s.mod[s.mod.length - 17] === 0x0a) mod = s.mod.toString('utf8', 16, s.mod.length - 16);
    return { kind: 'ok', info: parseModinfo(s.version, mod) };
  }
}

/** Streams a possible executable and keeps only the build info blob. */
export class GoBuildInfoCollector implements StreamCollector {
  private state: 'head' | 'scan' | 'collect' | 'done' = 'head';
  private head: Buffer[] = [];
  private headLen = 0;
  private pos = 0; // file offset of the next byte written
  private scanFrom = 0;
  private carry: Buffer = EMPTY;
  private collected: Buffer[] = [];
  private result: Buffer | undefined;

  write(chunk: Buffer): boolean {
    if (this.state === 'done') return true;
    if (this.state === 'head') {
      this.head.push(chunk);
      this.headLen += chunk.length;
      this.pos += chunk.length;
      if (this.headLen < HEAD_MAX) return false;
      return this.startScan();
    }
    const off = this.pos;
    this.pos += chunk.length;
    if (this.state === 'collect') return this.collect(chunk);
    return this.scan(chunk, off);
  }

  end(): Buffer | undefined {
    if (this.state === 'head') this.startScan();
    if (this.state === 'collect') this.result = Buffer.concat(this.collected);
    this.state = 'done';
    return this.result;
  }

  private startScan(): boolean {
    const head = this.head.length === 1 ? this.head[0]! : Buffer.concat(this.head);
    this.head = [];
    const format = executableFormat(head);
    if (!format) {
      this.state = 'done';
      return true;
    }
    if (format === 'elf') this.scanFrom = elfDataOffset(head) ?? 0;
    this.state = 'scan';
    return this.scan(head, 0);
  }

  private collect(chunk: Buffer): boolean {
    this.collected.push(chunk);
    const buf = Buffer.concat(this.collected);
    this.collected = [buf];
    const s = inlineStrings(buf, 0);
    if (s || buf.length >= BLOB_MAX) {
      this.result = Buffer.from(buf.subarray(0, Math.min(s ? s.end : buf.length, BLOB_MAX)));
      this.state = 'done';
      return true;
    }
    return false;
  }

  private scan(chunk: Buffer, chunkOff: number): boolean {
    if (this.carry.length > 0) {
      const carry = this.carry;
      this.carry = EMPTY;
      if (chunk.length <= 4096) return this.scanBuf(Buffer.concat([carry, chunk]), chunkOff - carry.length, Infinity);
      // A magic straddling the boundary starts in the carry: look there with just enough of the chunk.
      const joint = Buffer.concat([carry, chunk.subarray(0, 2 * HEADER_SIZE)]);
      if (this.scanBuf(joint, chunkOff - carry.length, carry.length, chunk.subarray(2 * HEADER_SIZE))) return true;
      if (this.state !== 'scan') return false;
    }
    return this.scanBuf(chunk, chunkOff, Infinity);
  }

  /**
   * Looks for an aligned, valid header in `buf` (at file offset `bufOff`) starting before index `limit`;
   * `rest` is what follows `buf` in the same chunk. Without copying `buf` unless something is found.
   */
  private scanBuf(buf: Buffer, bufOff: number, limit: number, rest?: Buffer): boolean {
    let from = Math.max(0, this.scanFrom - bufOff);
    for (;;) {
      const i = from < buf.length ? buf.indexOf(BUILDINFO_MAGIC, from) : -1;
      if (i < 0 || i >= limit) break;
      from = i + 1;
      if ((bufOff + i) % 16 !== 0) continue;
      if (buf.length - i < HEADER_SIZE) {
        this.carry = Buffer.from(buf.subarray(i));
        return false;
      }
      const kind = headerKind(buf, i);
      if (kind === 'invalid') continue;
      if (kind === 'pointer') {
        this.result = Buffer.from(buf.subarray(i, i + HEADER_SIZE));
        this.state = 'done';
        return true;
      }
      this.state = 'collect';
      this.collected = [];
      return this.collect(rest ? Buffer.concat([buf.subarray(i), rest]) : Buffer.from(buf.subarray(i)));
    }
    if (limit === Infinity) {
      const keep = Math.max(from, buf.length - (BUILDINFO_MAGIC.length - 1));
      this.carry = keep < buf.length ? Buffer.from(buf.subarray(keep)) : EMPTY;
    }
    return false;
  }
}

function goPurl(path: string, version: string | undefined): string {
  const segs = path.split('/');
  const name = segs.pop()!;
  const p = { type: 'golang', name, qualifiers: {}, ...(segs.length > 0 ? { namespace: segs.join('/') } : {}) };
  return formatPurl(version ? { ...p, version } : p);
}

/** "go1.21.5" → "1.21.5"; "go1.22.0 X:boringcrypto" → "1.22.0"; devel builds → undefined. */
export function stdlibVersion(goVersion: string): string | undefined {
  const m = /^go(\d+(?:\.\d+)*(?:(?:rc|beta)\d+)?)/.exec(goVersion.trim());
  return m ? m[1] : undefined;
}

function modulePackage(m: GoModule, f: CatalogFile, extra: Partial<FoundPackage>): FoundPackage {
  const eff = m.replacedBy?.version ? { path: m.replacedBy.path, version: m.replacedBy.version, sum: m.replacedBy.sum } : m;
  const version = eff.version && eff.version !== '(devel)' ? eff.version : undefined;
  const props: Property[] = [];
  if (eff.sum) props.push({ name: 'kubecomply:go:h1', value: eff.sum });
  if (m.replacedBy) props.push({ name: 'kubecomply:go:replaces', value: `${m.path}${m.version ? '@' + m.version : ''}` });
  if (m.replacedBy && !m.replacedBy.version) props.push({ name: 'kubecomply:go:replaced-by', value: m.replacedBy.path });
  const p: FoundPackage = {
    type: 'go-module',
    name: eff.path,
    purl: goPurl(eff.path, version),
    licenses: [],
    location: f.path,
    key: `go:${eff.path}@${version ?? ''}`,
    layer: f.layer,
    properties: props,
    ...extra,
  };
  if (version) p.version = version;
  return p;
}

function parseGo(files: CatalogFile[]): CatalogResult {
  const packages: FoundPackage[] = [];
  const warnings: string[] = [];
  for (const f of files) {
    if (!f.data) continue;
    const r = readBuildInfo(f.data);
    if (r.kind === 'none') continue;
    if (r.kind === 'pointer-format') {
      warnings.push(`${f.path}: Go binary with pre-Go 1.18 (pointer) build info; its modules are not read`);
      continue;
    }
    if (r.kind === 'truncated') {
      warnings.push(`${f.path}: Go build info is truncated`);
      continue;
    }
    const info = r.info;
    const deps: FoundPackage[] = info.deps.map((d) => modulePackage(d, f, {}));
    const stdVer = stdlibVersion(info.goVersion);
    if (stdVer) {
      deps.push({
        type: 'go-module',
        name: 'stdlib',
        version: stdVer,
        purl: formatPurl({ type: 'golang', name: 'stdlib', version: stdVer, qualifiers: {} }),
        licenses: [{ id: 'BSD-3-Clause' }],
        location: f.path,
        key: `go:stdlib@${stdVer}`,
        layer: f.layer,
        properties: [{ name: 'kubecomply:go:toolchain', value: info.goVersion }],
      });
    }
    if (info.main?.path) {
      const settings: Property[] = [{ name: 'kubecomply:go:toolchain', value: info.goVersion }];
      if (info.path) settings.push({ name: 'kubecomply:go:main-package', value: info.path });
      for (const s of info.settings) {
        if (['GOOS', 'GOARCH', 'CGO_ENABLED', 'vcs', 'vcs.revision', 'vcs.time', 'vcs.modified', '-buildmode'].includes(s.key)) {
          settings.push({ name: `kubecomply:go:build:${s.key}`, value: s.value });
        }
      }
      const main = modulePackage(info.main, f, { componentType: 'application', dependsOn: deps.map((d) => d.purl) });
      main.properties = [...(main.properties ?? []), ...settings];
      packages.push(main);
    }
    packages.push(...deps);
  }
  return { packages, warnings };
}

export const goCataloger: Cataloger = {
  name: 'go',
  scope: 'file',
  wants(entry) {
    // Executables only (any x bit), and not tiny ones (scripts, stubs).
    if ((entry.mode & 0o111) === 0 || entry.size < 1024) return undefined;
    return { kind: 'stream', collector: () => new GoBuildInfoCollector() };
  },
  parse: parseGo,
};
