/**
 * The ImageVerifier's cache, as the admission webhook relies on it: one verification per distinct digest however many
 * containers name the image, cached verdicts served with no registry traffic (counted through a forwarding proxy, and
 * with the registry stopped), concurrent requests sharing one verification, and a moved tag re-resolved once its TTL
 * has passed (time controlled through the `now` option).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RegistryClient } from '../../../src/supply/oci/client.js';
import { ImageVerifier } from '../../../src/supply/policy/evaluate.js';
import type { ImagePolicy } from '../../../src/supply/policy/image-policy.js';
import { signAndPush } from '../../../src/supply/publish.js';
import { pushTestImage, startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { tempDir } from '../../helpers/tmp.js';
import { assertAllowed, assertDenied, countingProxy, keyPair, validPolicies } from './helpers.js';

const dir = tempDir('kubecomply-policy-cache-');

describe('verdict cache', () => {
  let reg: TestRegistry;
  let proxy: Awaited<ReturnType<typeof countingProxy>>;
  /** Pushes and signs directly; the verifiers under test go through the proxy. */
  let direct: RegistryClient;
  let viaProxy: RegistryClient;
  let policies: ImagePolicy[];
  const alice = keyPair(dir, 'alice');
  const images: Record<string, string> = {};

  before(async () => {
    reg = await startRegistry();
    proxy = await countingProxy(reg);
    direct = new RegistryClient({ dockerConfig: false, retries: 0 });
    viaProxy = new RegistryClient({ dockerConfig: false, retries: 0 });
    for (const name of ['web', 'sidecar', 'init', 'agent']) {
      await pushTestImage(direct, `${reg.host}/pod/${name}:1.0`);
      await signAndPush(direct, `${reg.host}/pod/${name}:1.0`, alice.key);
      images[name] = `${proxy.host}/pod/${name}:1.0`;
    }
    policies = await validPolicies(
      dir,
      'policy.yaml',
      `apiVersion: kubecomply.io/v1alpha1
kind: ImagePolicy
metadata:
  name: pod-images
spec:
  images: ["${proxy.host}/pod/**"]
  signatures:
    anyOf:
      - name: alice
        key: alice.pub
`,
    );
  });
  after(async () => {
    direct.close();
    viaProxy.close();
    await proxy.close();
    await reg.stop();
  });

  test('a 10-container pod costs one verification per distinct digest; the second admission is all cache, no requests', async () => {
    const web = images.web!;
    const digest = (await direct.headManifest(`${reg.host}/pod/web:1.0`))!.digest;
    // Ten containers: web by tag four times and once by digest (same digest), the others repeated.
    const pod = [web, web, images.sidecar!, web, images.init!, images.sidecar!, `${proxy.host}/pod/web@${digest}`, images.agent!, web, images.init!];
    const v = new ImageVerifier({ policies, client: viaProxy });
    proxy.requests.length = 0;
    const first = await v.verifyAll(pod);
    assert.equal(v.verifications, 4, 'one per distinct digest (web by tag and by digest is one)');
    assert.equal(first.size, 5, 'one verdict per distinct reference');
    for (const [image, verdict] of first) {
      assertAllowed(verdict, image);
      assert.equal(verdict.image, image, 'the verdict names the reference as given');
    }
    assert.equal(first.get(`${proxy.host}/pod/web@${digest}`)!.digest, first.get(web)!.digest);
    assert.ok(proxy.requests.length > 0);
    const sigFetches = proxy.requests.filter((r) => r.startsWith('GET ') && r.includes(`/pod/web/manifests/sha256-${digest.slice(7)}.sig`));
    assert.equal(sigFetches.length, 1, `web's signature manifest fetched once: ${proxy.requests.join('\n')}`);

    proxy.requests.length = 0;
    const second = await v.verifyAll(pod);
    assert.equal(v.verifications, 4, 'no new verification');
    assert.deepEqual(proxy.requests, [], 'no registry traffic for cached verdicts (tags are within their TTL)');
    for (const [image, verdict] of second) {
      assertAllowed(verdict, image);
      assert.equal(verdict.cached, true, image);
    }
    assert.equal([...first.values()].some((x) => x.cached), false);
  });

  test('a cached verdict is served with the registry gone', async () => {
    const other = await startRegistry();
    const c = new RegistryClient({ dockerConfig: false, retries: 0 });
    try {
      const image = `${other.host}/pod/app:1.0`;
      await pushTestImage(c, image);
      await signAndPush(c, image, alice.key);
      const ps = await validPolicies(dir, 'gone.yaml', `apiVersion: kubecomply.io/v1alpha1\nkind: ImagePolicy\nmetadata:\n  name: gone\nspec:\n  images: ["${other.host}/**"]\n  signatures:\n    anyOf:\n      - name: alice\n        key: alice.pub\n`);
      let t = 1_000_000;
      const v = new ImageVerifier({ policies: ps, client: c, now: () => t });
      const first = await v.verify(image);
      assertAllowed(first, 'first');
      await other.stop();
      const second = await v.verify(image);
      assertAllowed(second, 'served from cache with the registry stopped');
      assert.equal(second.cached, true);
      assert.equal(second.digest, first.digest);
      assert.equal(v.verifications, 1);
      // Past the tag TTL the tag must be resolved again: now the registry's absence shows, and fails closed.
      t += 31_000;
      assertDenied(await v.verify(image), 'registry', /cannot verify: .*\(onRegistryError: deny\)/, 'tag TTL passed');
      // Pinned by digest, only the verdict TTL matters: still cached…
      assertAllowed(await v.verify(`${other.host}/pod/app@${first.digest}`), 'by digest within the verdict TTL');
      // …until it expires.
      t += 300_000;
      assertDenied(await v.verify(`${other.host}/pod/app@${first.digest}`), 'registry', /cannot verify/, 'verdict TTL passed');
    } finally {
      c.close();
      await other.stop();
    }
  });

  test('concurrent verify() of one image shares one verification and one tag resolution', async () => {
    const v = new ImageVerifier({ policies, client: viaProxy });
    proxy.requests.length = 0;
    const verdicts = await Promise.all(Array.from({ length: 8 }, () => v.verify(images.sidecar!)));
    assert.equal(v.verifications, 1);
    for (const x of verdicts) assertAllowed(x, 'concurrent');
    const heads = proxy.requests.filter((r) => r === 'HEAD /v2/pod/sidecar/manifests/1.0');
    assert.equal(heads.length, 1, `one tag resolution: ${proxy.requests.join('\n')}`);
  });

  test('a tag moved to a new digest is re-resolved after the tag TTL, and the new image is verified', async () => {
    let t = 5_000_000;
    const v = new ImageVerifier({ policies, client: viaProxy, now: () => t, tagTtlMs: 10_000 });
    const tag = `${reg.host}/pod/moving:1.0`;
    const image = `${proxy.host}/pod/moving:1.0`;
    const old = await pushTestImage(direct, tag, { files: [{ name: 'etc/version', data: 'old\n' }] });
    await signAndPush(direct, tag, alice.key);
    const a = await v.verify(image);
    assertAllowed(a, 'old');
    assert.equal(a.digest, old.digest);

    // The tag moves to a new, unsigned image.
    const moved = await pushTestImage(direct, tag, { files: [{ name: 'etc/version', data: 'new\n' }] });
    assert.notEqual(moved.digest, old.digest);
    t += 9_000;
    const b = await v.verify(image);
    assert.equal(b.digest, old.digest, 'within the tag TTL the cached digest is used');
    assert.equal(b.cached, true);

    t += 2_000;
    const c = await v.verify(image);
    assert.equal(c.digest, moved.digest, 'after the tag TTL the tag is resolved again');
    assertDenied(c, 'signatures', /no cosign signature/, 'the new image is unsigned');
    assert.equal(v.verifications, 2);

    // Signing the new image takes effect when the negative verdict expires (verdict TTL), not before.
    await signAndPush(direct, `${reg.host}/pod/moving@${moved.digest}`, alice.key);
    t += 1_000;
    assert.equal((await v.verify(image)).allowed, false, 'the cached denial stands within the verdict TTL');
    t += 300_000;
    const d = await v.verify(image);
    assertAllowed(d, 'signed, after the verdict TTL');
    assert.equal(d.digest, moved.digest);
    assert.equal(v.verifications, 3);
  });

  test('the cache is bounded: the oldest verdict goes first', async () => {
    const v = new ImageVerifier({ policies, client: viaProxy, maxCachedVerdicts: 2 });
    for (const name of ['web', 'sidecar', 'init']) await v.verify(images[name]!);
    assert.equal(v.verifications, 3);
    assert.equal((await v.verify(images.init!)).cached, true);
    assert.equal((await v.verify(images.sidecar!)).cached, true);
    assert.equal((await v.verify(images.web!)).cached, false, 'web was evicted');
    assert.equal(v.verifications, 4);
  });
});
