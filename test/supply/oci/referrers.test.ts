import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { describe, it } from 'node:test';
import { MediaType, RegistryClient, cosignTag, digestOf, referrersTag, type ImageIndex } from '../../../src/supply/oci/index.js';
import { pushTestImage, startRegistry } from '../../helpers/registry.js';

const EMPTY_CONFIG = Buffer.from('{}');
const SIG_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const SBOM_TYPE = 'application/spdx+json';

/** An OCI 1.1 artifact manifest with a subject, its one layer pushed first. */
async function pushArtifact(client: RegistryClient, repo: string, subject: { digest: string; size: number; mediaType: string }, artifactType: string, content: string) {
  await client.pushBlob(repo, EMPTY_CONFIG);
  const layer = Buffer.from(content);
  await client.pushBlob(repo, layer);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      artifactType,
      config: { mediaType: MediaType.OciEmpty, digest: digestOf(EMPTY_CONFIG), size: EMPTY_CONFIG.length },
      layers: [{ mediaType: artifactType, digest: digestOf(layer), size: layer.length }],
      subject,
      annotations: { 'org.opencontainers.image.created': '2024-02-13T00:00:00Z' },
    }),
  );
  return { manifest, ...(await client.pushReferrer(repo, manifest, MediaType.OciManifest)) };
}

describe('referrers against distribution 2.8 (no referrers API: the tag schema)', async () => {
  const reg = await startRegistry();
  const client = new RegistryClient({ dockerConfig: false });
  const repo = `${reg.host}/ref/app`;
  const img = await pushTestImage(client, `${repo}:v1`);
  const subject = { mediaType: img.mediaType, digest: img.digest, size: img.manifest.length };

  it('finds nothing before anything refers to the image', async () => {
    assert.deepEqual(await client.listReferrers(repo, img.digest), { manifests: [], source: 'tag-schema' });
  });

  it('pushes referrers under the sha256-<hex> tag index and lists them, filtered by artifactType', async () => {
    const sig = await pushArtifact(client, repo, subject, SIG_TYPE, 'signature bundle');
    assert.equal(sig.fallbackTag, referrersTag(img.digest));
    assert.equal(sig.fallbackTag, `sha256-${img.digest.slice('sha256:'.length)}`);
    const sbom = await pushArtifact(client, repo, subject, SBOM_TYPE, '{"spdxVersion":"SPDX-2.3"}');
    // Pushing the same referrer again does not duplicate its entry.
    await client.pushReferrer(repo, sig.manifest, MediaType.OciManifest);

    const all = await client.listReferrers(repo, img.digest);
    assert.equal(all.source, 'tag-schema');
    assert.deepEqual(
      all.manifests.map((d) => [d.digest, d.artifactType, d.size, d.mediaType]),
      [
        [sig.digest, SIG_TYPE, sig.manifest.length, MediaType.OciManifest],
        [sbom.digest, SBOM_TYPE, sbom.manifest.length, MediaType.OciManifest],
      ],
    );
    assert.equal(all.manifests[0]!.annotations?.['org.opencontainers.image.created'], '2024-02-13T00:00:00Z');
    const sboms = await client.listReferrers(repo, img.digest, { artifactType: SBOM_TYPE });
    assert.deepEqual(sboms.manifests.map((d) => d.digest), [sbom.digest]);

    // What is in the registry is a real OCI index under that tag, and each referrer resolves by digest.
    const index = await client.getManifest(`${repo}:${referrersTag(img.digest)}`);
    assert.equal(index.mediaType, MediaType.OciIndex);
    assert.equal((index.json as ImageIndex).manifests.length, 2);
    const fetched = await client.getManifest(`${repo}@${sbom.digest}`);
    assert.equal((fetched.json as { subject?: { digest: string } }).subject?.digest, img.digest);
  });

  it('names cosign tags after the image digest', async () => {
    const hex = img.digest.slice('sha256:'.length);
    assert.equal(cosignTag(img.digest, 'sig'), `sha256-${hex}.sig`);
    assert.equal(cosignTag(img.digest, 'att'), `sha256-${hex}.att`);
    assert.equal(cosignTag(img.digest, 'sbom'), `sha256-${hex}.sbom`);
    assert.throws(() => cosignTag('sha256:1234', 'sig'), /invalid digest/);
    // A cosign-style signature manifest pushed under that tag is found by it.
    const sig = await pushTestImage(client, `${repo}:${cosignTag(img.digest, 'sig')}`);
    assert.equal((await client.headManifest(`${repo}:${cosignTag(img.digest, 'sig')}`))?.digest, sig.digest);
    assert.ok((await client.listTags(repo)).includes(cosignTag(img.digest, 'sig')));
  });
});

describe('referrers API answer', () => {
  // distribution 2.8 has no referrers API, so this one case is served by a tiny local HTTP server
  // speaking OCI distribution 1.1's GET /v2/<name>/referrers/<digest>.
  it('uses the API when it answers, and filters client-side when the registry did not', async () => {
    const subject = digestOf('subject');
    const descriptors = [
      { mediaType: MediaType.OciManifest, digest: digestOf('a'), size: 10, artifactType: SIG_TYPE },
      { mediaType: MediaType.OciManifest, digest: digestOf('b'), size: 11, artifactType: SBOM_TYPE },
    ];
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      if (req.url?.startsWith(`/v2/api/app/referrers/${subject}`)) {
        res.writeHead(200, { 'Content-Type': MediaType.OciIndex });
        res.end(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: descriptors }));
      } else {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end('{"errors":[{"code":"NOT_FOUND","message":"not here"}]}');
      }
    });
    const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)));
    try {
      const client = new RegistryClient({ dockerConfig: false });
      const all = await client.listReferrers(`127.0.0.1:${port}/api/app`, subject);
      assert.deepEqual(all, { manifests: descriptors, source: 'api' });
      const sboms = await client.listReferrers(`127.0.0.1:${port}/api/app`, subject, { artifactType: SBOM_TYPE });
      assert.deepEqual(sboms.manifests, [descriptors[1]]);
      assert.ok(seen.includes(`/v2/api/app/referrers/${subject}?artifactType=${encodeURIComponent(SBOM_TYPE)}`));
      assert.ok(!seen.some((u) => u.includes('/manifests/sha256-')), 'no tag-schema fallback when the API answers');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
