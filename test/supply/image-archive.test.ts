import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync, truncateSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { indexTar, isImageArchive, openImageArchive, type ImageSource } from '../../src/supply/image/archive.js';
import * as img from '../helpers/image.js';

const dir = img.tempDirectory();
after(() => img.cleanup(dir));
let n = 0;
const tmp = (name: string) => path.join(dir, `${++n}-${name}`);

async function entriesOf(src: ImageSource, i: number): Promise<{ names: string[]; diffId: string; content: Map<string, string> }> {
  const names: string[] = [];
  const content = new Map<string, string>();
  const diffId = await src.streamLayer(src.layers[i]!, async ({ header, body }) => {
    names.push(header.name);
    const chunks: Buffer[] = [];
    for await (const c of body as AsyncIterable<Buffer>) chunks.push(c);
    if (header.type === 'file') content.set(header.name, Buffer.concat(chunks).toString());
  });
  return { names, diffId, content };
}

const baseLayer = () =>
  img.makeLayer([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/os-release', data: img.DEBIAN_OS_RELEASE },
    { name: 'var/lib/dpkg/status', data: img.dpkgStatus(img.DPKG_BASE_FILES, img.DPKG_LIBC6) },
  ]);

describe('tar index (positional header reads)', () => {
  const long = 'a'.repeat(60) + '/' + 'b'.repeat(70) + '/' + 'c'.repeat(40) + '/layer.tar';
  for (const style of ['ustar', 'gnu', 'pax'] as const) {
    it(`finds members whose names are long (${style})`, async () => {
      const file = tmp(`${style}.tar`);
      writeFileSync(
        file,
        img.rawTar(
          [
            { name: 'short.txt', data: Buffer.from('hello') },
            { name: long, data: Buffer.alloc(1500, 7) },
            { name: 'dir/', data: Buffer.alloc(0), type: '5' },
            { name: 'dir/link', data: Buffer.alloc(0), type: '2', linkname: '../short.txt' },
          ],
          style,
        ),
      );
      const idx = await indexTar(file);
      assert.deepEqual([...idx.keys()], ['short.txt', long, 'dir', 'dir/link']);
      const m = idx.get(long)!;
      assert.equal(m.size, 1500);
      const bytes = readFileSync(file).subarray(m.offset, m.offset + m.size);
      assert.ok(bytes.every((b) => b === 7));
      assert.equal(idx.get('dir/link')!.linkname, '../short.txt');
    });
  }

  it('rejects a file that is not a tar and a truncated tar', async () => {
    const junk = tmp('junk.bin');
    writeFileSync(junk, Buffer.alloc(4096, 0x41));
    await assert.rejects(indexTar(junk), /not a tar archive/);
    const t = tmp('trunc.tar');
    writeFileSync(t, img.rawTar([{ name: 'big', data: Buffer.alloc(10000, 1) }]).subarray(0, 3000));
    await assert.rejects(indexTar(t), /truncated tar: member at offset 0 claims 10000 bytes/);
  });
});

describe('docker save archives', () => {
  it('legacy layout (<id>/layer.tar, uncompressed and gzip layers), verifying diff_ids', async () => {
    const l1 = await img.makeLayer([{ name: 'etc/os-release', data: img.DEBIAN_OS_RELEASE }], 'none');
    const l2 = await img.makeLayer([{ name: 'app/hello.txt', data: 'hi' }], 'gzip');
    const file = tmp('legacy.tar');
    const { configDigest } = img.writeDockerSave(file, { layers: [l1, l2], repoTags: ['example/app:1.2.3'], memberPrefix: 'x'.repeat(120) + '/', longNames: 'gnu' });
    const src = await openImageArchive(file);
    assert.equal(src.format, 'docker-archive');
    assert.deepEqual(src.repoTags, ['example/app:1.2.3']);
    assert.equal(src.configDigest, configDigest);
    assert.equal(src.manifestDigest, undefined);
    assert.deepEqual(src.platform, { os: 'linux', architecture: 'amd64' });
    assert.deepEqual(src.layers.map((l) => l.diffId), [l1.diffId, l2.diffId]);
    const a = await entriesOf(src, 0);
    assert.deepEqual(a.names, ['etc/os-release']);
    assert.equal(a.diffId, l1.diffId);
    const b = await entriesOf(src, 1);
    assert.equal(b.content.get('app/hello.txt'), 'hi');
    assert.equal(b.diffId, l2.diffId);
  });

  it('Docker ≥ 25 layout (blobs/sha256 + index.json): manifest digest, annotations, blob digests', async () => {
    const l1 = await baseLayer();
    const file = tmp('docker25.tar');
    const { manifestDigest } = img.writeDockerSave(file, { layers: [l1], repoTags: ['debian:bookworm'], style: 'oci' });
    const src = await openImageArchive(file);
    assert.equal(src.format, 'docker-archive');
    assert.equal(src.manifestDigest, manifestDigest);
    assert.equal(src.imageName, 'docker.io/library/debian:bookworm');
    assert.equal(src.layers[0]!.digest, l1.digest);
    assert.equal(src.layers[0]!.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
    assert.equal((await entriesOf(src, 0)).diffId, l1.diffId);
  });

  it('a diff_id mismatch is an error naming the layer and both digests', async () => {
    const l1 = await img.makeLayer([{ name: 'a', data: 'a' }], 'none');
    const wrong = img.sha256('something else');
    const file = tmp('mismatch.tar');
    img.writeDockerSave(file, { layers: [l1], diffIds: [wrong] });
    const src = await openImageArchive(file);
    await assert.rejects(entriesOf(src, 0), (e: Error) => {
      assert.match(e.message, /diff_id mismatch for layer 1\/1/);
      assert.ok(e.message.includes(wrong) && e.message.includes(l1.diffId));
      assert.ok(e.message.startsWith(file));
      return true;
    });
  });

  it('a missing layer blob is an error', async () => {
    const l1 = await baseLayer();
    const l2 = await img.makeLayer([{ name: 'b', data: 'b' }]);
    const file = tmp('missing.tar');
    img.writeDockerSave(file, { layers: [l1, l2], omitLayer: 1 });
    const src = await openImageArchive(file);
    await assert.rejects(entriesOf(src, 1), /missing layer blob: layer 2\/2 \(.*\/layer\.tar\) is not in the archive/);
  });

  it('a truncated gzip layer is an error naming the layer', async () => {
    const big = await img.makeLayer([{ name: 'big.bin', data: Buffer.from(Array.from({ length: 200000 }, (_, i) => (i * 7919) % 251)) }]);
    const cut: img.Layer = { ...big, blob: big.blob.subarray(0, Math.floor(big.blob.length / 2)) };
    const file = tmp('truncated.tar');
    img.writeDockerSave(file, { layers: [cut], diffIds: [big.diffId] });
    const src = await openImageArchive(file);
    await assert.rejects(entriesOf(src, 0), /layer 1\/1 .*: truncated or corrupt gzip data \(unexpected end of file\)/);
  });

  it('missing manifest / not an image archive / compressed archive are clear errors', async () => {
    const plain = tmp('plain.tar');
    writeFileSync(plain, img.rawTar([{ name: 'hello.txt', data: Buffer.from('hello') }]));
    await assert.rejects(openImageArchive(plain), /missing manifest: expected manifest\.json \(docker save\) or oci-layout and index\.json/);
    const junk = tmp('junk.bin');
    writeFileSync(junk, Buffer.alloc(2048, 0x20));
    await assert.rejects(openImageArchive(junk), /not an image archive: expected a docker save tar/);
    const gz = tmp('image.tar.gz');
    writeFileSync(gz, zlib.gzipSync(readFileSync(plain)));
    await assert.rejects(openImageArchive(gz), /gzip-compressed; decompress it first/);
    await assert.rejects(openImageArchive(tmp('nope.tar')), /no such file or directory/);
    const badJson = tmp('badjson.tar');
    writeFileSync(badJson, img.rawTar([{ name: 'manifest.json', data: Buffer.from('[{"Config": ') }]));
    await assert.rejects(openImageArchive(badJson), /manifest\.json \(docker save manifest\) is not valid JSON/);
  });
});

describe('OCI image layouts', () => {
  it('directory with one image; blob digests verified while streaming', async () => {
    const l1 = await baseLayer();
    const d = tmp('oci-dir');
    mkdirSync(d);
    const [md] = img.writeOciLayout(d, { images: [{ layers: [l1] }], refName: 'bookworm' });
    const src = await openImageArchive(d);
    assert.equal(src.format, 'oci-layout');
    assert.equal(src.manifestDigest, md);
    assert.equal(src.refName, 'bookworm');
    assert.equal((await entriesOf(src, 0)).diffId, l1.diffId);
  });

  it('tar of a layout (GNU long names)', async () => {
    const l1 = await baseLayer();
    const d = tmp('oci-src');
    mkdirSync(d);
    const [md] = img.writeOciLayout(d, { images: [{ layers: [l1] }] });
    const file = tmp('oci.tar');
    img.tarDirectory(d, file, 'gnu');
    const src = await openImageArchive(file);
    assert.equal(src.format, 'oci-archive');
    assert.equal(src.manifestDigest, md);
    const e = await entriesOf(src, 0);
    assert.deepEqual(e.names, ['etc/', 'etc/os-release', 'var/lib/dpkg/status']);
  });

  it('multi-platform nested index: picks linux/amd64 by default, another platform on request, skips attestations', async () => {
    const amd = await img.makeLayer([{ name: 'arch', data: 'amd64' }]);
    const arm = await img.makeLayer([{ name: 'arch', data: 'arm64' }]);
    const d = tmp('multi');
    mkdirSync(d);
    const [mdArm, mdAmd] = img.writeOciLayout(d, {
      images: [
        { layers: [arm], platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        { layers: [amd], platform: { os: 'linux', architecture: 'amd64' } },
      ],
      index: 'nested',
      attestation: true,
    });
    const def = await openImageArchive(d);
    assert.equal(def.manifestDigest, mdAmd);
    assert.equal((await entriesOf(def, 0)).content.get('arch'), 'amd64');
    const a = await openImageArchive(d, { platform: 'linux/arm64' });
    assert.equal(a.manifestDigest, mdArm);
    assert.deepEqual(a.platform, { os: 'linux', architecture: 'arm64', variant: 'v8' });
    assert.equal((await entriesOf(a, 0)).content.get('arch'), 'arm64');
    await assert.rejects(openImageArchive(d, { platform: 'linux/s390x' }), /no image for platform linux\/s390x; the archive has linux\/arm64\/v8, linux\/amd64/);
  });

  it('a blob digest mismatch (a corrupted layer) is an error', async () => {
    const l1 = await img.makeLayer([{ name: 'etc/os-release', data: img.DEBIAN_OS_RELEASE }], 'none');
    const d = tmp('corrupt');
    mkdirSync(d);
    img.writeOciLayout(d, { images: [{ layers: [l1] }] });
    const blob = path.join(d, 'blobs', 'sha256', img.hex(l1.digest));
    const bytes = readFileSync(blob);
    bytes[600] = bytes[600]! ^ 0xff; // inside the file's data, so the tar still parses
    writeFileSync(blob, bytes);
    const src = await openImageArchive(d);
    await assert.rejects(entriesOf(src, 0), new RegExp(`digest mismatch for layer 1/1 .*: expected ${l1.digest}, the blob hashes to sha256:`));
  });

  it('diff_ids of layers with a verified blob digest are checked only when asked (verifyDiffIds)', async () => {
    const l1 = await baseLayer();
    const wrong = img.sha256('not this layer');
    const d = tmp('diffid');
    mkdirSync(d);
    img.writeOciLayout(d, { images: [{ layers: [l1], diffIds: [wrong] }] });
    const lax = await openImageArchive(d);
    assert.equal((await entriesOf(lax, 0)).diffId, wrong, 'the config is taken at its word');
    const strict = await openImageArchive(d, { verifyDiffIds: true });
    await assert.rejects(entriesOf(strict, 0), new RegExp(`diff_id mismatch for layer 1/1 .*: the config says ${wrong}, the uncompressed layer hashes to ${l1.diffId}`));
  });

  it('a layer blob shorter than its descriptor size is caught before streaming', async () => {
    const l1 = await baseLayer();
    const d = tmp('short');
    mkdirSync(d);
    img.writeOciLayout(d, { images: [{ layers: [l1] }] });
    const blob = path.join(d, 'blobs', 'sha256', img.hex(l1.digest));
    truncateSync(blob, statSync(blob).size - 10);
    const src = await openImageArchive(d);
    await assert.rejects(entriesOf(src, 0), /the manifest says \d+ bytes but the blob has \d+ \(truncated or replaced\)/);
  });

  it('a missing manifest blob is an error naming the digest', async () => {
    const l1 = await baseLayer();
    const d = tmp('nomanifest');
    mkdirSync(d);
    const [md] = img.writeOciLayout(d, { images: [{ layers: [l1] }] });
    const { rmSync } = await import('node:fs');
    rmSync(path.join(d, 'blobs', 'sha256', img.hex(md!)));
    await assert.rejects(openImageArchive(d), new RegExp(`missing image manifest: blobs/sha256/${img.hex(md!)} \\(${md}\\) is not in the archive`));
  });

  it('zstd layers: decompressed when this Node has zstd, else a clear error naming the layer and media type', async () => {
    const raw = await img.layerTar([{ name: 'etc/os-release', data: img.ALPINE_OS_RELEASE }]);
    const z = zlib as unknown as { zstdCompressSync?: (b: Buffer) => Buffer; createZstdDecompress?: unknown };
    // Without a compressor, a zstd frame header is enough to exercise the detection.
    const blob = z.zstdCompressSync ? z.zstdCompressSync(raw) : Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(64)]);
    const layer: img.Layer = { blob, digest: img.sha256(blob), diffId: img.sha256(raw), mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd' };
    const d = tmp('zstd');
    mkdirSync(d);
    img.writeOciLayout(d, { images: [{ layers: [layer] }] });
    const src = await openImageArchive(d);
    if (z.createZstdDecompress && z.zstdCompressSync) {
      assert.equal((await entriesOf(src, 0)).diffId, layer.diffId);
    } else {
      await assert.rejects(entriesOf(src, 0), /layer 1\/1 .* is zstd-compressed \(application\/vnd\.oci\.image\.layer\.v1\.tar\+zstd\) and this Node\.js .* has no zstd decompressor/);
    }
  });
});

describe('isImageArchive', () => {
  it('recognises docker save tars, OCI layout tars and directories; nothing else', async () => {
    const l1 = await baseLayer();
    const ds = tmp('ds.tar');
    img.writeDockerSave(ds, { layers: [l1] });
    const d = tmp('layout');
    mkdirSync(d);
    img.writeOciLayout(d, { images: [{ layers: [l1] }] });
    const ot = tmp('layout.tar');
    img.tarDirectory(d, ot);
    const plain = tmp('plain.tar');
    writeFileSync(plain, img.rawTar([{ name: 'a.txt', data: Buffer.from('a') }]));
    const yaml = tmp('deploy.yaml');
    writeFileSync(yaml, 'apiVersion: v1\nkind: Pod\n'.repeat(100));
    assert.equal(await isImageArchive(ds), true);
    assert.equal(await isImageArchive(d), true);
    assert.equal(await isImageArchive(ot), true);
    assert.equal(await isImageArchive(plain), false);
    assert.equal(await isImageArchive(yaml), false);
    assert.equal(await isImageArchive(dir), false);
    assert.equal(await isImageArchive(tmp('missing')), false);
  });
});
