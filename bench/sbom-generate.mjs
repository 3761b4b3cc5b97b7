// SBOM generation from a ~200 MB docker save archive (Docker ≥ 25 layout, gzip'd layers) vs the floor:
// the cheapest way to read the same bytes — stream the archive once through tar-stream, every layer
// through gunzip and tar-stream extract, discarding everything. Each run is its own child process;
// medians of 3, interleaved. Prints one JSON line. Needs `npm run build` (imports ../dist).
// Generation verifies every layer's blob digest (sha256 of the compressed bytes); the floor hashes nothing.
//
//   node bench/sbom-generate.mjs            build the archive once (cached in .bench/), time, print
//   BENCH_SBOM_RUNS=5 node bench/sbom-generate.mjs
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { zipSync } from 'fflate';
import tar from 'tar-stream';

const here = path.dirname(fileURLToPath(import.meta.url));
const benchDir = path.join(here, '..', '.bench');
const ARCHIVE = path.join(benchDir, 'sbom-image-200mb-v1.tar');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ───────────────────────────── children ─────────────────────────────

async function childGenerate(file) {
  const { generateImageSbom } = await import('../dist/supply/image/generate.js');
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const { sbom, warnings } = await generateImageSbom(file);
  const wall = (performance.now() - t0) / 1000;
  return { wall_s: wall, cpu_s: cpuSince(c0), rss_mb: process.resourceUsage().maxRSS / 1024, components: sbom.components.length, warnings: warnings.length };
}

/** User + system CPU seconds of the whole process (zlib's threadpool work included). */
function cpuSince(c0) {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

async function childFloor(file) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const outer = tar.extract();
  outer.on('entry', (_header, body, next) => {
    discardEntry(body).then(() => next(), next);
  });
  await pipeline(createReadStream(file, { highWaterMark: 1024 * 1024 }), outer);
  const wall = (performance.now() - t0) / 1000;
  return { wall_s: wall, cpu_s: cpuSince(c0), rss_mb: process.resourceUsage().maxRSS / 1024 };
}

/** Drains one outer member; a gzip'd member (a layer) goes through gunzip and an inner tar extract. */
async function discardEntry(body) {
  const it = body[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const head = first.value;
  if (!(head[0] === 0x1f && head[1] === 0x8b)) {
    for (;;) if ((await it.next()).done) return;
  }
  const inner = tar.extract();
  inner.on('entry', (_h, s, n) => {
    s.on('end', () => n());
    s.resume();
  });
  async function* chunks() {
    yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  await pipeline(chunks, zlib.createGunzip({ chunkSize: 256 * 1024 }), inner);
}

// ───────────────────────────── the archive ─────────────────────────────

function prng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

function randomBytes(n, rnd) {
  const b = Buffer.allocUnsafe(n);
  let s = Math.floor(rnd() * 2 ** 32) >>> 0 || 7;
  for (let i = 0; i + 4 <= n; i += 4) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    b.writeUInt32LE(s, i);
  }
  return b;
}

const WORDS = (
  'const let var function return if else for while import export from require module exports this new class extends ' +
  'value key data result error options config request response callback promise async await null undefined true false ' +
  'string number object array length push map filter reduce forEach keys assign prototype call apply bind typeof instanceof ' +
  'the a of to and in is that for it with as was on be by at or from license copyright software permission notice'
).split(' ');

function text(n, rnd) {
  const parts = [];
  let len = 0;
  while (len < n) {
    let line = '  '.repeat(Math.floor(rnd() * 4));
    const w = 3 + Math.floor(rnd() * 9);
    for (let i = 0; i < w; i++) line += WORDS[Math.floor(rnd() * WORDS.length)] + (rnd() < 0.15 ? '(' + Math.floor(rnd() * 1000) + '); ' : ' ');
    line += '\n';
    parts.push(line);
    len += line.length;
  }
  return Buffer.from(parts.join('').slice(0, n));
}

function elf(size, rnd, buildinfo) {
  const b = randomBytes(size, rnd);
  b.fill(0, 0, 0x200);
  b.write('\x7fELF', 0, 'latin1');
  b[4] = 2;
  b[5] = 1;
  b[6] = 1;
  b.writeUInt16LE(2, 16);
  b.writeUInt16LE(62, 18);
  b.writeBigUInt64LE(64n, 32);
  b.writeUInt16LE(56, 54);
  b.writeUInt16LE(2, 56);
  const dataOff = Math.floor((size * 0.6) / 4096) * 4096;
  const ph = (i, flags, off, sz) => {
    const at = 64 + i * 56;
    b.writeUInt32LE(1, at);
    b.writeUInt32LE(flags, at + 4);
    b.writeBigUInt64LE(BigInt(off), at + 8);
    b.writeBigUInt64LE(BigInt(0x400000 + off), at + 16);
    b.writeBigUInt64LE(BigInt(sz), at + 32);
  };
  ph(0, 5, 0, dataOff);
  ph(1, 6, dataOff, size - dataOff);
  if (buildinfo) buildinfo.copy(b, dataOff);
  return b;
}

function uvarint(n) {
  const out = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

function goBuildInfo(main, deps) {
  const head = Buffer.alloc(32);
  head.write('\xff Go buildinf:', 0, 'latin1');
  head[14] = 8;
  head[15] = 2;
  const lines = [`path\t${main}/cmd/server`, `mod\t${main}\tv1.4.2\th1:${createHash('sha256').update(main).digest('base64')}`];
  for (const [p, v] of deps) lines.push(`dep\t${p}\t${v}\th1:${createHash('sha256').update(p + v).digest('base64')}`);
  lines.push('build\t-compiler=gc', 'build\tCGO_ENABLED=0', 'build\tGOARCH=amd64', 'build\tGOOS=linux');
  const mod = Buffer.concat([Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex'), Buffer.from(lines.join('\n') + '\n'), Buffer.from('f932433186182072008242104116d8f2', 'hex')]);
  const v = 'go1.21.6';
  return Buffer.concat([head, uvarint(v.length), Buffer.from(v), uvarint(mod.length), mod]);
}

function dpkgStanza(name, version, source, rnd) {
  const arch = rnd() < 0.2 ? 'all' : 'amd64';
  return [
    `Package: ${name}`,
    'Status: install ok installed',
    `Priority: ${rnd() < 0.3 ? 'required' : 'optional'}`,
    'Section: libs',
    `Installed-Size: ${Math.floor(rnd() * 20000)}`,
    'Maintainer: Debian Developers <debian-devel@lists.debian.org>',
    `Architecture: ${arch}`,
    'Multi-Arch: same',
    ...(source ? [`Source: ${source}`] : []),
    `Version: ${version}`,
    `Depends: libc6 (>= 2.34), zlib1g (>= 1:1.2.0)`,
    `Description: ${name} runtime library`,
    ` This package provides the shared library of ${name}. It is used by many`,
    ' programs on a Debian system.',
    '',
  ].join('\n');
}

function dpkgStatus(n, bump) {
  const rnd = prng(42);
  const out = [];
  for (let i = 0; i < n; i++) {
    const name = `lib${WORDS[i % WORDS.length]}${i}`;
    const minor = bump && i % 15 === 0 ? 2 : 1;
    out.push(dpkgStanza(name, `${1 + (i % 7)}.${i % 13}.${minor}-${1 + (i % 3)}+deb12u${minor}`, i % 2 ? `src${WORDS[i % WORDS.length]}${i >> 1}` : undefined, rnd));
  }
  return out.join('\n');
}

const COPYRIGHT = (license) =>
  `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: x\n\nFiles: *\nCopyright: 2001-2023 Authors\nLicense: ${license}\n\nLicense: ${license}\n On Debian systems the full text is in /usr/share/common-licenses.\n`;

async function writeLayer(file, fill) {
  const pack = tar.pack();
  const rawHash = createHash('sha256');
  const blobHash = createHash('sha256');
  const tap = (h) =>
    new Transform({
      transform(c, _e, cb) {
        h.update(c);
        cb(null, c);
      },
    });
  const done = pipeline(pack, tap(rawHash), zlib.createGzip(), tap(blobHash), createWriteStream(file));
  const add = (name, data, mode = 0o644) =>
    new Promise((resolve, reject) => pack.entry({ name, mode, size: data.length, mtime: new Date(1700000000000) }, data, (e) => (e ? reject(e) : resolve())));
  await fill(add);
  pack.finalize();
  await done;
  return { file, diffId: `sha256:${rawHash.digest('hex')}`, digest: `sha256:${blobHash.digest('hex')}`, size: statSync(file).size };
}

function tarHeader(name, size) {
  const h = Buffer.alloc(512);
  h.write(name, 0, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  h.write('14524470400\0', 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write('0', 156, 'latin1');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

async function buildArchive(target) {
  const work = target + '.build';
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const layers = [];
  const L = (i) => path.join(work, `layer${i}.tar.gz`);
  // 1: Debian base — dpkg status (300 packages), copyright files, shared libraries, docs.
  layers.push(
    await writeLayer(L(1), async (add) => {
      const rnd = prng(1);
      await add('etc/os-release', Buffer.from('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n'));
      await add('var/lib/dpkg/status', Buffer.from(dpkgStatus(300, false)));
      const lic = ['GPL-2+', 'LGPL-2.1+', 'Expat', 'BSD-3-clause', 'Zlib', 'Apache-2.0'];
      for (let i = 0; i < 300; i++) await add(`usr/share/doc/lib${WORDS[i % WORDS.length]}${i}/copyright`, Buffer.from(COPYRIGHT(lic[i % lic.length])));
      for (let i = 0; i < 120; i++) await add(`usr/lib/x86_64-linux-gnu/lib${WORDS[i % WORDS.length]}${i}.so.1`, elf(250_000 + Math.floor(rnd() * 200_000), rnd), 0o755);
      for (let i = 0; i < 300; i++) await add(`usr/share/doc/lib${WORDS[i % WORDS.length]}${i}/changelog`, text(60_000, rnd));
      for (let i = 0; i < 400; i++) await add(`usr/bin/tool${i}`, elf(40_000 + Math.floor(rnd() * 40_000), rnd), 0o755);
    }),
  );
  // 2: the Node.js application — 2,000 node_modules packages with their sources.
  layers.push(
    await writeLayer(L(2), async (add) => {
      const rnd = prng(2);
      for (let i = 0; i < 2000; i++) {
        const scoped = i % 5 === 0;
        const name = scoped ? `@scope${i % 40}/pkg-${i}` : `pkg-${WORDS[i % WORDS.length]}-${i}`;
        const dir = i % 3 === 0 && i > 0 ? `app/node_modules/pkg-${WORDS[(i - 1) % WORDS.length]}-${i - 1}/node_modules/${name}` : `app/node_modules/${name}`;
        const pj = { name, version: `${1 + (i % 9)}.${i % 20}.${i % 7}`, description: `The ${name} package`, license: i % 4 ? 'MIT' : 'ISC', main: 'index.js', dependencies: { debug: '^4.3.4' } };
        await add(`${dir}/package.json`, Buffer.from(JSON.stringify(pj, null, 2)));
        await add(`${dir}/index.js`, text(6_000 + Math.floor(rnd() * 20_000), rnd));
        if (i % 4 === 0) await add(`${dir}/lib/util.js`, text(10_000, rnd));
      }
      await add('app/package.json', Buffer.from(JSON.stringify({ name: 'shop-web', version: '2.4.1', private: true })));
    }),
  );
  // 3: Python — 200 dist-infos with modules.
  layers.push(
    await writeLayer(L(3), async (add) => {
      const rnd = prng(3);
      for (let i = 0; i < 200; i++) {
        const name = `py_${WORDS[i % WORDS.length]}_${i}`;
        const v = `${1 + (i % 5)}.${i % 30}.0`;
        const sp = 'usr/local/lib/python3.11/site-packages';
        const md = `Metadata-Version: 2.1\nName: ${name}\nVersion: ${v}\nSummary: The ${name} library\nLicense: ${i % 2 ? 'MIT' : 'Apache 2.0'}\nClassifier: License :: OSI Approved :: MIT License\nRequires-Python: >=3.8\n\n${text(3000, rnd)}`;
        await add(`${sp}/${name}-${v}.dist-info/METADATA`, Buffer.from(md));
        await add(`${sp}/${name}-${v}.dist-info/RECORD`, text(2000, rnd));
        for (let k = 0; k < 4; k++) await add(`${sp}/${name}/mod${k}.py`, text(15_000, rnd));
      }
    }),
  );
  // 4: Java — 30 jars (stored class bytes) and a fat jar with nested jars.
  layers.push(
    await writeLayer(L(4), async (add) => {
      const rnd = prng(4);
      const nested = {};
      for (let i = 0; i < 30; i++) {
        const jar = zipSync(
          {
            'META-INF/MANIFEST.MF': Buffer.from(`Manifest-Version: 1.0\r\nImplementation-Title: lib${i}\r\nImplementation-Version: 1.${i}.0\r\n\r\n`),
            [`META-INF/maven/org.example.g${i}/lib${i}/pom.properties`]: Buffer.from(`groupId=org.example.g${i}\nartifactId=lib${i}\nversion=1.${i}.0\n`),
            'org/example/Classes.bin': randomBytes(1_500_000 + Math.floor(rnd() * 1_000_000), rnd),
          },
          { level: 0 },
        );
        if (i < 10) nested[`BOOT-INF/lib/lib${i}-1.${i}.0.jar`] = jar;
        await add(`opt/java/lib/lib${i}-1.${i}.0.jar`, Buffer.from(jar));
      }
      const fat = zipSync({ 'META-INF/MANIFEST.MF': Buffer.from('Manifest-Version: 1.0\r\n\r\n'), 'META-INF/maven/com.example/app/pom.properties': Buffer.from('groupId=com.example\nartifactId=app\nversion=3.0.0\n'), ...nested }, { level: 0 });
      await add('opt/app/app.jar', Buffer.from(fat));
    }),
  );
  // 5: Go binaries.
  layers.push(
    await writeLayer(L(5), async (add) => {
      const rnd = prng(5);
      for (let i = 0; i < 4; i++) {
        const deps = Array.from({ length: 80 }, (_, k) => [`github.com/org${k % 17}/mod${k}`, `v0.${k}.${i}`]);
        await add(`usr/local/bin/server${i}`, elf(14_000_000 + i * 2_000_000, rnd, goBuildInfo(`github.com/example/server${i}`, deps)), 0o755);
      }
    }),
  );
  // 6: upgrades (every 15th package), and whiteouts.
  layers.push(
    await writeLayer(L(6), async (add) => {
      await add('var/lib/dpkg/status', Buffer.from(dpkgStatus(300, true)));
      for (let i = 0; i < 50; i++) await add(`usr/share/doc/lib${WORDS[i % WORDS.length]}${i}/.wh.changelog`, Buffer.alloc(0));
      await add(`app/node_modules/.wh.pkg-${WORDS[1]}-1`, Buffer.alloc(0));
    }),
  );
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } }),
  );
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
    }),
  );
  const manifestDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
  const hex = (d) => d.slice(7);
  const small = [
    [`blobs/sha256/${hex(configDigest)}`, config],
    [`blobs/sha256/${hex(manifestDigest)}`, manifest],
    [
      'index.json',
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: manifest.length, annotations: { 'io.containerd.image.name': 'docker.io/example/shop:2.4.1', 'org.opencontainers.image.ref.name': '2.4.1' } }],
        }),
      ),
    ],
    ['manifest.json', Buffer.from(JSON.stringify([{ Config: `blobs/sha256/${hex(configDigest)}`, RepoTags: ['example/shop:2.4.1'], Layers: layers.map((l) => `blobs/sha256/${hex(l.digest)}`) }]))],
    ['oci-layout', Buffer.from('{"imageLayoutVersion": "1.0.0"}')],
  ];
  const out = createWriteStream(target + '.tmp');
  const write = (b) => new Promise((resolve) => (out.write(b) ? resolve() : out.once('drain', resolve)));
  const padTo = (n) => (n % 512 ? Buffer.alloc(512 - (n % 512)) : Buffer.alloc(0));
  for (const l of layers) {
    await write(tarHeader(`blobs/sha256/${hex(l.digest)}`, l.size));
    for await (const c of createReadStream(l.file)) await write(c);
    await write(padTo(l.size));
  }
  for (const [name, data] of small) {
    await write(tarHeader(name, data.length));
    await write(data);
    await write(padTo(data.length));
  }
  await write(Buffer.alloc(1024));
  await new Promise((resolve) => out.end(resolve));
  renameSync(target + '.tmp', target);
  rmSync(work, { recursive: true, force: true });
}

// ───────────────────────────── main ─────────────────────────────

const [mode, file] = process.argv.slice(2);
if (mode === '--child-generate') {
  process.stdout.write(JSON.stringify(await childGenerate(file)) + '\n');
} else if (mode === '--child-floor') {
  process.stdout.write(JSON.stringify(await childFloor(file)) + '\n');
} else {
  mkdirSync(benchDir, { recursive: true });
  if (!existsSync(path.join(here, '..', 'dist', 'supply', 'image', 'generate.js'))) {
    console.error('dist/ is missing: run `npm run build` first');
    process.exit(2);
  }
  if (!existsSync(ARCHIVE)) await buildArchive(ARCHIVE);
  const bytes = statSync(ARCHIVE).size;
  const runs = Number(process.env.BENCH_SBOM_RUNS ?? 3);
  const child = (m) => JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), m, ARCHIVE], { encoding: 'utf8', maxBuffer: 1 << 20 }));
  const gens = [];
  const floors = [];
  for (let i = 0; i < runs; i++) {
    // Interleaved, so that noise on a shared machine hits both alike.
    floors.push(child('--child-floor'));
    gens.push(child('--child-generate'));
  }
  const wall = median(gens.map((g) => g.wall_s));
  const floor = median(floors.map((f) => f.wall_s));
  const mb = bytes / (1024 * 1024);
  process.stdout.write(
    JSON.stringify({
      bench: 'sbom-generate',
      case: 'docker-save-200mb',
      mb: +mb.toFixed(1),
      wall_s: +wall.toFixed(3),
      mb_per_s: +(mb / wall).toFixed(1),
      rss_mb: Math.round(Math.max(...gens.map((g) => g.rss_mb))),
      floor_wall_s: +floor.toFixed(3),
      floor_rss_mb: Math.round(Math.max(...floors.map((f) => f.rss_mb))),
      ratio_vs_floor: +(wall / floor).toFixed(2),
      // CPU seconds (all threads): steadier than wall time on a shared machine.
      cpu_s: +median(gens.map((g) => g.cpu_s)).toFixed(3),
      floor_cpu_s: +median(floors.map((f) => f.cpu_s)).toFixed(3),
      components: gens[gens.length - 1].components,
      warnings: gens[gens.length - 1].warnings,
    }) + '\n',
  );
}
