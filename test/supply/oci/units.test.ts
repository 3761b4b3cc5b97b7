import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import {
  DigestMismatch,
  RegistryError,
  VerifyingStream,
  apiHost,
  digestOf,
  normalizeRegistryKey,
  parseChallenges,
  parseDigest,
  parsePlatform,
  parseReference,
  platformMatches,
  selectManifest,
} from '../../../src/supply/oci/index.js';
import { retryAfterMs } from '../../../src/supply/oci/transport.js';

describe('WWW-Authenticate challenges', () => {
  it('reads Bearer parameters, quoted and bare, with escapes and several challenges', () => {
    assert.deepEqual(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"'), [
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' } },
    ]);
    assert.deepEqual(parseChallenges(['Basic realm="a \\"quoted\\" realm"', 'Bearer realm=https://t/x, error=insufficient_scope']), [
      { scheme: 'basic', params: { realm: 'a "quoted" realm' } },
      { scheme: 'bearer', params: { realm: 'https://t/x', error: 'insufficient_scope' } },
    ]);
    assert.deepEqual(parseChallenges(undefined), []);
  });
});

describe('Retry-After', () => {
  it('reads delta-seconds and HTTP dates', () => {
    assert.equal(retryAfterMs('3'), 3000);
    assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10_000);
    assert.equal(retryAfterMs('soon'), undefined);
    assert.equal(retryAfterMs(undefined), undefined);
  });
});

describe('references and hosts', () => {
  it('defaults to Docker Hub (library/) and uses its API host', () => {
    const r = parseReference('nginx:1.25');
    assert.equal(r.domain, 'docker.io');
    assert.equal(r.path, 'library/nginx');
    assert.equal(apiHost(r.domain), 'registry-1.docker.io');
    assert.equal(apiHost('ghcr.io'), 'ghcr.io');
    const pinned = parseReference(`127.0.0.1:5000/a/b:v1@${digestOf('x')}`);
    assert.deepEqual([pinned.domain, pinned.path, pinned.tag, pinned.digest], ['127.0.0.1:5000', 'a/b', 'v1', digestOf('x')]);
    assert.throws(() => parseReference('UPPER/Case'), (e: unknown) => e instanceof RegistryError && e.kind === 'usage' && /repository name must be lowercase/.test(e.message));
  });

  it('normalises Docker config keys', () => {
    assert.equal(normalizeRegistryKey('https://index.docker.io/v1/'), 'docker.io');
    assert.equal(normalizeRegistryKey('registry-1.docker.io'), 'docker.io');
    assert.equal(normalizeRegistryKey('http://Registry.Example.com:5000/v2/'), 'registry.example.com:5000');
  });
});

describe('platforms', () => {
  it('matches ARM variants the way containerd normalises them', () => {
    assert.ok(platformMatches({ os: 'linux', architecture: 'arm64', variant: 'v8' }, parsePlatform('linux/arm64')));
    assert.ok(platformMatches({ os: 'linux', architecture: 'arm64' }, parsePlatform('linux/arm64/v8')));
    assert.ok(!platformMatches({ os: 'linux', architecture: 'arm', variant: 'v6' }, parsePlatform('linux/arm')));
    assert.ok(platformMatches({ os: 'linux', architecture: 'amd64', variant: 'v3' }, parsePlatform('linux/amd64')));
    assert.ok(!platformMatches({ os: 'linux', architecture: 'amd64' }, parsePlatform('linux/amd64/v3')));
    assert.ok(!platformMatches(undefined, parsePlatform('linux/amd64')));
    assert.throws(() => parsePlatform('linux'), /expected os\/architecture/);
  });

  it('skips attestation entries (unknown/unknown) when selecting', () => {
    const d = (n: string, os: string, architecture: string) => ({ mediaType: 'm', digest: digestOf(n), size: 1, platform: { os, architecture } });
    const index = { schemaVersion: 2 as const, manifests: [d('att', 'unknown', 'unknown'), d('amd', 'linux', 'amd64')] };
    assert.equal(selectManifest(index, parsePlatform('linux/amd64'))?.digest, digestOf('amd'));
  });
});

describe('digests', () => {
  it('parses only supported, well-formed digests', () => {
    assert.deepEqual(parseDigest(digestOf('a')), { algorithm: 'sha256', hex: digestOf('a').slice(7) });
    assert.ok(parseDigest(digestOf('a', 'sha512')));
    assert.equal(parseDigest('sha256:ABC'), undefined);
    assert.equal(parseDigest('md5:' + 'a'.repeat(32)), undefined);
  });

  it('verifies a stream at its end and refuses content beyond the expected size', async () => {
    const data = Buffer.from('hello world');
    await pipeline(Readable.from([data.subarray(0, 5), data.subarray(5)]), new VerifyingStream(digestOf(data), data.length), async function* (src) {
      for await (const _ of src) void _;
    });
    await assert.rejects(
      pipeline(Readable.from([data]), new VerifyingStream(digestOf('other')), async function* (src) {
        for await (const _ of src) void _;
      }),
      (e: unknown) => e instanceof DigestMismatch && /does not match/.test(e.message),
    );
    await assert.rejects(
      pipeline(Readable.from([data]), new VerifyingStream(digestOf(data), 4), async function* (src) {
        for await (const _ of src) void _;
      }),
      (e: unknown) => e instanceof DigestMismatch && /too long/.test(e.message),
    );
  });
});
