import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { MediaType, RegistryClient, digestOf, type ImageIndex, type ImageManifest } from '../../../src/supply/oci/index.js';
import { makeLayer } from '../../helpers/image.js';
import { pushTestImage, pushTestIndex, startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { rejectsWith } from './helpers.js';

let reg: TestRegistry;
let client: RegistryClient;

before(async () => {
  reg = await startRegistry();
  client = new RegistryClient({ dockerConfig: false, retries: 1, backoffMs: 10 });
});


describe('manifests and blobs against a real registry', () => {
  for (const format of ['oci', 'docker'] as const) {
    it(`pushes and pulls a ${format} image: manifest bytes, media type, digest, blobs`, async () => {
      const ref = `${reg.host}/pull/${format}:v1`;
      const img = await pushTestImage(client, ref, { format });
      const m = await client.getManifest(ref);
      assert.equal(m.digest, img.digest);
      assert.equal(m.digest, digestOf(img.manifest));
      assert.deepEqual(m.bytes, img.manifest);
      assert.equal(m.mediaType, format === 'oci' ? MediaType.OciManifest : MediaType.DockerManifest);
      assert.equal(m.repository, `pull/${format}`);
      const json = m.json as ImageManifest;
      assert.equal(json.layers[0]!.digest, img.layers[0]!.digest);

      const byDigest = await client.getManifest(`${reg.host}/pull/${format}@${img.digest}`);
      assert.deepEqual(byDigest.bytes, img.manifest);
      const head = await client.headManifest(ref);
      assert.deepEqual(head, { digest: img.digest, mediaType: m.mediaType, size: img.manifest.length });

      const layer = await client.readBlob(`${reg.host}/pull/${format}`, img.layers[0]!.digest);
      assert.deepEqual(layer, img.layers[0]!.blob);
      const config = await client.readBlob(`${reg.host}/pull/${format}`, img.config.digest, { size: img.config.bytes.length });
      assert.deepEqual(JSON.parse(config.toString()).architecture, 'amd64');
    });
  }

  it('streams a blob in chunks and verifies it at the end', async () => {
    const big = await makeLayer([{ name: 'big.bin', data: Buffer.alloc(3 << 20, 7) }], 'none');
    const repo = `${reg.host}/pull/stream`;
    const pushed = await client.pushBlob(repo, big.blob);
    assert.equal(pushed.status, 'uploaded');
    assert.equal(pushed.digest, big.digest);
    const stream = await client.fetchBlob(repo, big.digest);
    let chunks = 0;
    let bytes = 0;
    for await (const c of stream as AsyncIterable<Buffer>) {
      chunks++;
      bytes += c.length;
    }
    assert.ok(chunks > 1, 'a 3 MiB blob arrives in more than one chunk');
    assert.equal(bytes, big.blob.length);
  });

  it('reports a HEAD of a missing manifest as undefined and a GET as not-found with the registry error code', async () => {
    await pushTestImage(client, `${reg.host}/pull/missing:v1`);
    assert.equal(await client.headManifest(`${reg.host}/pull/missing:nope`), undefined);
    const e = await rejectsWith(client.getManifest(`${reg.host}/pull/missing:nope`), 'not-found', /GET manifest pull\/missing:nope: 404 Not Found — MANIFEST_UNKNOWN/);
    assert.equal(e.registry, reg.host);
    assert.equal(e.status, 404);
    assert.equal(e.errors[0]!.code, 'MANIFEST_UNKNOWN');
    assert.equal(await client.blobExists(`${reg.host}/pull/missing`, digestOf('nothing')), false);
  });

  it('does not upload a blob the repository has, and mounts one from another repository', async () => {
    const layer = await makeLayer([{ name: 'mount-me', data: 'shared layer' }]);
    assert.equal((await client.pushBlob(`${reg.host}/mount/source`, layer.blob)).status, 'uploaded');
    assert.equal((await client.pushBlob(`${reg.host}/mount/source`, layer.blob)).status, 'exists');
    assert.equal(await client.blobExists(`${reg.host}/mount/target`, layer.digest), false);
    const mounted = await client.pushBlob(`${reg.host}/mount/target`, layer.blob, { mountFrom: 'mount/source' });
    assert.equal(mounted.status, 'mounted');
    assert.deepEqual(await client.readBlob(`${reg.host}/mount/target`, layer.digest), layer.blob);
  });

  it('refuses to push a manifest under a digest it does not have', async () => {
    const img = await pushTestImage(client, `${reg.host}/pull/wrongdigest:v1`);
    const other = digestOf('something else');
    await rejectsWith(client.pushManifest(`${reg.host}/pull/wrongdigest@${other}`, img.manifest, img.mediaType), 'digest', new RegExp(`digest is ${img.digest}, not the ${other}`));
  });
});

describe('index resolution to a platform', () => {
  const platforms = [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
    { os: 'linux', architecture: 'arm', variant: 'v6' },
    { os: 'windows', architecture: 'amd64' },
  ];
  for (const format of ['oci', 'docker'] as const) {
    it(`resolves a ${format === 'oci' ? 'OCI index' : 'Docker manifest list'} to linux/amd64 by default and to other platforms on request`, async () => {
      const ref = `${reg.host}/multi/${format}:v1`;
      const idx = await pushTestIndex(client, ref, platforms, { format });
      const def = await client.resolveImage(ref);
      assert.equal(def.digest, idx.digest, 'the resolved digest is the index digest (what gets signed)');
      assert.equal(def.index?.mediaType, format === 'oci' ? MediaType.OciIndex : MediaType.DockerManifestList);
      assert.equal(def.manifest.digest, idx.images[0]!.digest);
      assert.deepEqual(def.platform, { os: 'linux', architecture: 'amd64' });
      // arm64 without a variant means v8.
      assert.equal((await client.resolveImage(ref, { platform: { os: 'linux', architecture: 'arm64' } })).manifest.digest, idx.images[1]!.digest);
      assert.equal((await client.resolveImage(ref, { platform: { os: 'linux', architecture: 'arm', variant: 'v6' } })).manifest.digest, idx.images[2]!.digest);
      assert.equal((await client.resolveImage(ref, { platform: { os: 'windows', architecture: 'amd64' } })).manifest.digest, idx.images[3]!.digest);
      // The child's config really is that platform's.
      const child = (await client.resolveImage(ref, { platform: { os: 'linux', architecture: 'arm64' } })).manifest;
      const cfg = JSON.parse((await client.readBlob(`${reg.host}/multi/${format}`, child.json.config.digest)).toString());
      assert.equal(cfg.architecture, 'arm64');
    });
  }

  it('says which platforms an index has when the wanted one is missing', async () => {
    const ref = `${reg.host}/multi/partial:v1`;
    await pushTestIndex(client, ref, platforms.slice(0, 2));
    await rejectsWith(
      client.resolveImage(ref, { platform: { os: 'linux', architecture: 's390x' } }),
      'usage',
      /has no manifest for linux\/s390x \(it has: linux\/amd64, linux\/arm64\/v8\)/,
    );
    // arm v7 is not arm v6.
    await rejectsWith(client.resolveImage(`${reg.host}/multi/oci:v1`, { platform: { os: 'linux', architecture: 'arm' } }), 'usage', /linux\/arm/);
  });

  it('resolves a plain image manifest to itself', async () => {
    const img = await pushTestImage(client, `${reg.host}/multi/single:v1`);
    const r = await client.resolveImage(`${reg.host}/multi/single:v1`);
    assert.equal(r.index, undefined);
    assert.equal(r.digest, img.digest);
    assert.equal(r.manifest.digest, img.digest);
    assert.equal((r.manifest.json as ImageManifest).config.digest, img.config.digest);
    assert.ok(!('manifests' in (r.manifest.json as unknown as ImageIndex)));
  });
});

describe('digest verification', () => {
  /** Changes one byte in a file (same length, so the registry's size bookkeeping still holds). */
  function tamper(file: string, at: number, replacement?: string): void {
    const b = readFileSync(file);
    const orig = String.fromCharCode(b[at]!);
    b[at] = (replacement ?? (orig === 'a' ? 'b' : 'a')).charCodeAt(0);
    writeFileSync(file, b);
  }

  it('detects a blob tampered with on the registry disk, streamed or buffered', async () => {
    const layer = await makeLayer([{ name: 'victim', data: 'original content '.repeat(100) }], 'none');
    const repo = `${reg.host}/tamper/blob`;
    await client.pushBlob(repo, layer.blob);
    tamper(reg.blobPath(layer.digest), 600);
    await rejectsWith(client.readBlob(repo, layer.digest), 'digest', new RegExp(`GET blob tamper/blob@${layer.digest}: content digest sha256:[0-9a-f]{64} does not match the expected ${layer.digest}`));
    const stream = await client.fetchBlob(repo, layer.digest);
    await rejectsWith(
      (async () => {
        for await (const _ of stream as AsyncIterable<Buffer>) void _;
      })(),
      'digest',
      /does not match/,
    );
  });

  it('detects a short blob (fewer bytes than the descriptor says)', async () => {
    const layer = await makeLayer([{ name: 'short', data: 'x' }]);
    const repo = `${reg.host}/tamper/short`;
    await client.pushBlob(repo, layer.blob);
    await rejectsWith(client.readBlob(repo, layer.digest, { size: layer.blob.length + 10 }), 'digest', new RegExp(`content is ${layer.blob.length} bytes, expected ${layer.blob.length + 10} \\(short read\\)`));
  });

  it('detects a manifest tampered with on disk: by digest against the reference, by tag against Docker-Content-Digest', async () => {
    const img = await pushTestImage(client, `${reg.host}/tamper/manifest:v1`);
    const text = img.manifest.toString();
    // Flip a hex character of the config digest inside the manifest: still valid JSON, same length.
    const at = text.indexOf(img.config.digest) + 'sha256:'.length;
    tamper(reg.blobPath(img.digest), at, text[at] === '0' ? '1' : '0');
    await rejectsWith(
      client.getManifest(`${reg.host}/tamper/manifest@${img.digest}`),
      'digest',
      new RegExp(`GET manifest tamper/manifest@${img.digest}: the manifest's bytes digest to sha256:[0-9a-f]{64}, not the requested ${img.digest}`),
    );
    await rejectsWith(client.getManifest(`${reg.host}/tamper/manifest:v1`), 'digest', new RegExp(`Docker-Content-Digest says ${img.digest}, but the manifest's bytes digest to sha256:`));
  });

  it('rejects a tag whose manifest is not the digest written in the reference', async () => {
    const a = await pushTestImage(client, `${reg.host}/tamper/pinned:a`);
    const b = await pushTestImage(client, `${reg.host}/tamper/pinned:b`);
    // repo:tag@digest fetches by digest, as the runtimes do: the pinned digest wins over the tag.
    const m = await client.getManifest(`${reg.host}/tamper/pinned:b@${a.digest}`);
    assert.equal(m.digest, a.digest);
    assert.notEqual(m.digest, b.digest);
    // A digest the repository does not have is not found, never silently replaced by the tag's manifest.
    const absent = digestOf('absent');
    await rejectsWith(client.getManifest(`${reg.host}/tamper/pinned:a@${absent}`), 'not-found', new RegExp(`GET manifest tamper/pinned@${absent}: 404`));
  });
});

describe('tags', () => {
  it('lists all tags across pages (Link header pagination)', async () => {
    const repo = `${reg.host}/tags/many`;
    const img = await pushTestImage(client, `${repo}:t0`);
    const want = ['t0'];
    for (let i = 1; i < 7; i++) {
      await client.pushManifest(`${repo}:t${i}`, img.manifest, img.mediaType);
      want.push(`t${i}`);
    }
    assert.deepEqual((await client.listTags(repo, { pageSize: 2 })).sort(), want);
    assert.deepEqual((await client.listTags(repo)).sort(), want);
  });

  it('reports an unknown repository as not-found', async () => {
    await rejectsWith(client.listTags(`${reg.host}/tags/nobody-here`), 'not-found', /GET tags tags\/nobody-here: 404 Not Found — NAME_UNKNOWN: repository name not known to registry/);
  });
});
