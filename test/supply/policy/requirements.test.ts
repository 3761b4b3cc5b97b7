/**
 * Every ImagePolicy requirement judged by the ImageVerifier against a real registry (Debian's docker-registry on
 * loopback), with images, signatures and attestations the test makes itself: any-of / all-of keys, an attested SBOM
 * and a maximum severity judged against a vulnerability index built from OSV records, approved base images (from
 * the manifest annotation and from SLSA provenance), a pinned digest, what an unreachable registry does, an invalid
 * policy, and an image no policy governs.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RegistryClient } from '../../../src/supply/oci/client.js';
import { attestAndPush, signAndPush } from '../../../src/supply/publish.js';
import { VulnDb } from '../../../src/supply/vuln/db.js';
import { pushTestImage, startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { tempDir } from '../../helpers/tmp.js';
import { assertAllowed, assertDenied, failureText, keyPair, policiesFrom, validPolicies, verifier } from './helpers.js';

const dir = tempDir('kubecomply-policy-req-');

/** A CycloneDX 1.5 SBOM naming one npm package. */
const cyclonedx = (name: string, version: string) => ({
  bomFormat: 'CycloneDX',
  specVersion: '1.5',
  version: 1,
  serialNumber: 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79',
  metadata: { timestamp: '2026-03-01T12:00:00Z', component: { type: 'container', name: 'team/app', version: '1.0' } },
  components: [{ type: 'library', 'bom-ref': `pkg:npm/${name}@${version}`, name, version, purl: `pkg:npm/${name}@${version}` }],
});

/** An OSV record: `name` below 4.17.21 is affected, with a GHSA severity label. */
const osv = (id: string, name: string, severity: 'MODERATE' | 'CRITICAL') => ({
  schema_version: '1.6.0',
  id,
  modified: '2026-01-01T00:00:00Z',
  published: '2026-01-01T00:00:00Z',
  summary: `prototype pollution in ${name}`,
  affected: [{ package: { ecosystem: 'npm', name }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }] }],
  database_specific: { severity },
});

function vulnDb(file: string, record: unknown): VulnDb {
  const json = path.join(dir, `${path.basename(file)}.osv.json`);
  writeFileSync(json, JSON.stringify(record));
  const db = VulnDb.open(path.join(dir, file));
  const r = db.importOsv([json]);
  assert.equal(r.records, 1, 'the OSV record is indexed');
  return db;
}

/** SLSA provenance v1 whose resolvedDependencies name the source and the given images. */
const provenanceV1 = (deps: string[]) => ({
  buildDefinition: {
    buildType: 'https://actions.github.io/buildtypes/workflow/v1',
    externalParameters: { workflow: { ref: 'refs/heads/main', repository: 'https://github.com/acme/app', path: '.github/workflows/release.yml' } },
    resolvedDependencies: [{ uri: 'git+https://github.com/acme/app@refs/heads/main', digest: { gitCommit: 'a'.repeat(40) } }, ...deps.map((uri) => ({ uri, digest: { sha256: 'b'.repeat(64) } }))],
  },
  runDetails: { builder: { id: 'https://github.com/actions/runner/github-hosted' } },
});

/** SLSA provenance v0.2 whose materials name the given images. */
const provenanceV02 = (materials: string[]) => ({
  builder: { id: 'https://github.com/actions/runner' },
  buildType: 'https://github.com/Attestations/GitHubActionsWorkflow@v1',
  invocation: { configSource: { uri: 'git+https://github.com/acme/app@refs/heads/main', digest: { sha1: 'c'.repeat(40) }, entryPoint: 'release' } },
  materials: [{ uri: 'git+https://github.com/acme/app@refs/heads/main', digest: { sha1: 'c'.repeat(40) } }, ...materials.map((uri) => ({ uri, digest: { sha256: 'd'.repeat(64) } }))],
});

describe('ImagePolicy requirements against a real registry', () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  const alice = keyPair(dir, 'alice');
  const bob = keyPair(dir, 'bob');
  const carol = keyPair(dir, 'carol');
  const dbs: VulnDb[] = [];

  before(async () => {
    reg = await startRegistry();
    client = new RegistryClient({ dockerConfig: false, retries: 0 });
  });
  after(async () => {
    for (const d of dbs) d.close();
    client.close();
    await reg.stop();
  });

  const head = (name: string, spec: string) => `apiVersion: kubecomply.io/v1alpha1
kind: ImagePolicy
metadata:
  name: ${name}
spec:
${spec
  .trim()
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}
`;

  describe('signatures: anyOf and allOf with two keys', () => {
    const policy = (mode: 'anyOf' | 'allOf') =>
      head(
        `two-keys-${mode}`,
        `images: ["${reg.host}/keys/**"]
signatures:
  ${mode}:
    - name: alice
      key: alice.pub
    - name: bob
      key: bob.pub`,
      );

    test('signed by one of the two: anyOf passes, allOf fails naming the missing signer', async () => {
      const image = `${reg.host}/keys/one:1.0`;
      await pushTestImage(client, image);
      await signAndPush(client, image, alice.key);
      const anyOf = await verifier(await validPolicies(dir, 'any.yaml', policy('anyOf')), { client }).verify(image);
      assertAllowed(anyOf, 'anyOf');
      assert.deepEqual(anyOf.signatures.map((s) => s.authority), ['alice']);
      const allOf = await verifier(await validPolicies(dir, 'all.yaml', policy('allOf')), { client }).verify(image);
      assertDenied(allOf, 'signatures', /^missing signatures from bob: bob: wrong-key: signature does not verify with key sha256:[0-9a-f]{64}/, 'allOf');
      assert.deepEqual(allOf.signatures.map((s) => s.authority), ['alice'], 'what did verify is still reported');
    });

    test('signed by both: allOf passes with both signatures reported; signed by neither: both fail', async () => {
      const image = `${reg.host}/keys/both:1.0`;
      await pushTestImage(client, image);
      await signAndPush(client, image, alice.key);
      const r = await signAndPush(client, image, bob.key);
      assert.equal(r.layers, 2);
      const allOf = await verifier(await validPolicies(dir, 'all2.yaml', policy('allOf')), { client }).verify(image);
      assertAllowed(allOf, 'allOf');
      assert.deepEqual(allOf.signatures.map((s) => s.authority).sort(), ['alice', 'bob']);

      const stranger = `${reg.host}/keys/carol:1.0`;
      await pushTestImage(client, stranger);
      await signAndPush(client, stranger, carol.key);
      const any = await verifier(await validPolicies(dir, 'any2.yaml', policy('anyOf')), { client }).verify(stranger);
      assertDenied(any, 'signatures', /^no signature from any of alice, bob: alice: wrong-key: .*; bob: wrong-key: /, 'anyOf, neither');
      const unsigned = `${reg.host}/keys/unsigned:1.0`;
      await pushTestImage(client, unsigned);
      const none = await verifier(await validPolicies(dir, 'all3.yaml', policy('allOf')), { client }).verify(unsigned);
      assertDenied(none, 'signatures', /^missing signatures from alice, bob: alice: no cosign signature \(sha256-[0-9a-f]{64}\.sig\) and no Sigstore bundle referrer; bob: no cosign signature/, 'unsigned');
    });

    test('signing twice with a deterministic signature does not duplicate the layer', async () => {
      const { generateKeyPairSync } = await import('node:crypto');
      const { fromPrivateKeyObject } = await import('../../../src/supply/signature/index.js');
      const ed = fromPrivateKeyObject(generateKeyPairSync('ed25519').privateKey);
      const image = `${reg.host}/keys/ed:1.0`;
      await pushTestImage(client, image);
      const first = await signAndPush(client, image, ed);
      const again = await signAndPush(client, image, ed);
      assert.equal(again.layers, 1);
      assert.equal(again.manifestDigest, first.manifestDigest);
      // A different signer still appends.
      assert.equal((await signAndPush(client, image, alice.key)).layers, 2);
    });
  });

  describe('requireSbom and maxSeverity', () => {
    const policy = (name: string, extra: string) =>
      head(
        name,
        `images: ["${reg.host}/sbom/**"]
signatures:
  anyOf:
    - name: alice
      key: alice.pub
${extra}`,
      );
    let image: string;

    before(async () => {
      image = `${reg.host}/sbom/app:1.0`;
      await pushTestImage(client, image);
      await signAndPush(client, image, alice.key);
      await attestAndPush(client, image, alice.key, { predicateType: 'https://cyclonedx.org/bom', predicate: cyclonedx('lodash', '4.17.20') });
    });

    test('maxSeverity high passes when the vulnerability is medium', async () => {
      const db = vulnDb('medium.db', osv('GHSA-p6mc-m468-83gw', 'lodash', 'MODERATE'));
      dbs.push(db);
      const v = await verifier(await validPolicies(dir, 'high.yaml', policy('sev-high', 'requireSbom: true\nmaxSeverity: high')), { client, vulnDb: () => db }).verify(image);
      assertAllowed(v, 'medium under high');
      assert.ok(v.attestations.some((a) => a.predicateType === 'https://cyclonedx.org/bom' && a.authority === 'alice'));
      // The same vulnerability against a stricter bound fails, naming it.
      const low = await verifier(await validPolicies(dir, 'low.yaml', policy('sev-low', 'maxSeverity: low')), { client, vulnDb: () => db }).verify(image);
      assertDenied(low, 'maxSeverity', /^GHSA-p6mc-m468-83gw \(medium\) in lodash@4\.17\.20 exceeds low$/, 'medium over low');
    });

    test('maxSeverity high fails naming the advisory when it is critical', async () => {
      const db = vulnDb('critical.db', osv('GHSA-jf85-cpcp-j695', 'lodash', 'CRITICAL'));
      dbs.push(db);
      const v = await verifier(await validPolicies(dir, 'crit.yaml', policy('sev-crit', 'maxSeverity: high')), { client, vulnDb: () => db }).verify(image);
      assertDenied(v, 'maxSeverity', /^GHSA-jf85-cpcp-j695 \(critical\) in lodash@4\.17\.20 exceeds high$/, 'critical');
    });

    test('a fixed version passes even against the critical advisory', async () => {
      const fixed = `${reg.host}/sbom/fixed:1.0`;
      await pushTestImage(client, fixed);
      await signAndPush(client, fixed, alice.key);
      await attestAndPush(client, fixed, alice.key, { predicateType: 'https://cyclonedx.org/bom', predicate: cyclonedx('lodash', '4.17.21') });
      const db = vulnDb('critical2.db', osv('GHSA-jf85-cpcp-j695', 'lodash', 'CRITICAL'));
      dbs.push(db);
      assertAllowed(await verifier(await validPolicies(dir, 'crit2.yaml', policy('sev-crit2', 'maxSeverity: high')), { client, vulnDb: () => db }).verify(fixed), 'fixed');
    });

    test('no SBOM attestation: requireSbom fails, and maxSeverity has nothing to judge', async () => {
      const bare = `${reg.host}/sbom/bare:1.0`;
      await pushTestImage(client, bare);
      await signAndPush(client, bare, alice.key);
      const db = vulnDb('medium2.db', osv('GHSA-p6mc-m468-83gw', 'lodash', 'MODERATE'));
      dbs.push(db);
      const v = await verifier(await validPolicies(dir, 'req.yaml', policy('sbom-req', 'requireSbom: true\nmaxSeverity: high')), { client, vulnDb: () => db }).verify(bare);
      assertDenied(v, 'requireSbom', /^no verified SBOM attestation \(SPDX or CycloneDX\)$/, 'no sbom');
      assertDenied(v, 'maxSeverity', /^no verified SBOM attestation to judge vulnerabilities from$/, 'no sbom to judge');
    });

    test('an SBOM attested by a key the policy does not trust does not count', async () => {
      const other = `${reg.host}/sbom/other:1.0`;
      await pushTestImage(client, other);
      await signAndPush(client, other, alice.key);
      await attestAndPush(client, other, carol.key, { predicateType: 'https://cyclonedx.org/bom', predicate: cyclonedx('lodash', '4.17.20') });
      const v = await verifier(await validPolicies(dir, 'req2.yaml', policy('sbom-req2', 'requireSbom: true')), { client }).verify(other);
      assertDenied(v, 'requireSbom', /^no verified SBOM attestation \(SPDX or CycloneDX\): 1 SBOM attestation\(s\) present, none signed by alice$/, 'untrusted sbom');
    });

    test('no vulnerability index: maxSeverity fails saying so', async () => {
      const v = await verifier(await validPolicies(dir, 'nodb.yaml', policy('no-db', 'maxSeverity: high')), { client, vulnDb: () => undefined }).verify(image);
      assertDenied(v, 'maxSeverity', /^no vulnerability index \(run `kubecomply vuln db import`\)$/, 'no index');
      const none = await verifier(await validPolicies(dir, 'nodb2.yaml', policy('no-db2', 'maxSeverity: high')), { client }).verify(image);
      assertDenied(none, 'maxSeverity', /no vulnerability index/, 'no vulnDb option');
    });
  });

  describe('approvedBaseImages', () => {
    const policy = (name: string, signed: boolean) =>
      head(
        name,
        `images: ["${reg.host}/base/**"]
approvedBaseImages: ["${reg.host}/approved/**", "docker.io/library/debian"]
${signed ? 'signatures:\n  anyOf:\n    - name: alice\n      key: alice.pub' : ''}`,
      );

    test('from the manifest annotation: approved passes, unapproved fails naming it', async () => {
      const ok = `${reg.host}/base/ok:1.0`;
      await pushTestImage(client, ok, { annotations: { 'org.opencontainers.image.base.name': `${reg.host}/approved/debian:12`, 'org.opencontainers.image.base.digest': `sha256:${'e'.repeat(64)}` } });
      const hub = `${reg.host}/base/hub:1.0`;
      await pushTestImage(client, hub, { annotations: { 'org.opencontainers.image.base.name': 'debian:bookworm' } });
      const bad = `${reg.host}/base/bad:1.0`;
      await pushTestImage(client, bad, { annotations: { 'org.opencontainers.image.base.name': `${reg.host}/random/alpine:3.19` } });
      const v = verifier(await validPolicies(dir, 'base.yaml', policy('base-annotation', false)), { client });
      assertAllowed(await v.verify(ok), 'approved annotation');
      assertAllowed(await v.verify(hub), 'docker hub short name');
      assertDenied(await v.verify(bad), 'approvedBaseImages', new RegExp(`^base image ${reg.host}/random/alpine \\(annotation org\\.opencontainers\\.image\\.base\\.name\\) is not approved \\(approved: ${reg.host}/approved/\\*\\*, docker\\.io/library/debian\\)$`), 'unapproved annotation');
    });

    test('from SLSA provenance (v1 resolvedDependencies, v0.2 materials): approved passes, unapproved fails', async () => {
      const v = verifier(await validPolicies(dir, 'base-prov.yaml', policy('base-provenance', true)), { client });
      const cases: [string, string, unknown, boolean][] = [
        ['v1-purl', 'https://slsa.dev/provenance/v1', provenanceV1([`pkg:docker/approved/debian@12?repository_url=${reg.host}`]), true],
        ['v1-oci-purl', 'https://slsa.dev/provenance/v1', provenanceV1([`pkg:oci/debian@sha256%3A${'f'.repeat(64)}?repository_url=${reg.host}/approved/debian`]), true],
        ['v02-docker', 'https://slsa.dev/provenance/v0.2', provenanceV02([`docker://${reg.host}/approved/alpine:3.19`]), true],
        ['v1-bad', 'https://slsa.dev/provenance/v1', provenanceV1([`${reg.host}/random/busybox@sha256:${'a'.repeat(64)}`]), false],
      ];
      for (const [name, type, predicate, approved] of cases) {
        const image = `${reg.host}/base/${name}:1.0`;
        await pushTestImage(client, image);
        await signAndPush(client, image, alice.key);
        await attestAndPush(client, image, alice.key, { predicateType: type, predicate });
        const verdict = await v.verify(image);
        if (approved) assertAllowed(verdict, name);
        else assertDenied(verdict, 'approvedBaseImages', new RegExp(`^base image ${reg.host}/random/busybox \\(provenance material of alice\\) is not approved`), name);
      }
    });

    test('provenance signed by an untrusted key is not evidence; nothing to go on fails as undeterminable', async () => {
      const v = verifier(await validPolicies(dir, 'base-prov2.yaml', policy('base-undeterminable', true)), { client });
      const untrusted = `${reg.host}/base/untrusted:1.0`;
      await pushTestImage(client, untrusted);
      await signAndPush(client, untrusted, alice.key);
      await attestAndPush(client, untrusted, carol.key, { predicateType: 'https://slsa.dev/provenance/v1', predicate: provenanceV1([`pkg:docker/approved/debian@12?repository_url=${reg.host}`]) });
      const msg = /^cannot tell the base image: no org\.opencontainers\.image\.base\.name annotation on the manifest and no verified provenance material naming an image$/;
      assertDenied(await v.verify(untrusted), 'approvedBaseImages', msg, 'untrusted provenance');
      // Provenance that names only the source repository.
      const gitOnly = `${reg.host}/base/git-only:1.0`;
      await pushTestImage(client, gitOnly);
      await signAndPush(client, gitOnly, alice.key);
      await attestAndPush(client, gitOnly, alice.key, { predicateType: 'https://slsa.dev/provenance/v1', predicate: provenanceV1([]) });
      assertDenied(await v.verify(gitOnly), 'approvedBaseImages', msg, 'git material only');
    });
  });

  describe('pinned digests, unreachable registries, invalid and absent policies', () => {
    test('requirePinnedDigest: a tag fails with the fix in the message, the digest passes', async () => {
      const image = `${reg.host}/pinned/app:1.0`;
      const { digest } = await pushTestImage(client, image);
      await signAndPush(client, image, alice.key);
      const v = verifier(await validPolicies(dir, 'pinned.yaml', head('pinned', `images: ["${reg.host}/pinned/**"]\nrequirePinnedDigest: true\nsignatures:\n  anyOf:\n    - name: alice\n      key: alice.pub`)), { client });
      const byTag = await v.verify(image);
      assertDenied(byTag, 'requirePinnedDigest', new RegExp(`^${image.replace(/[.]/g, '\\.')} is not pinned by digest \\(use ${reg.host}/pinned/app@sha256:…\\)$`), 'tag');
      assert.equal(byTag.failures.length, 1, 'the signature itself verified');
      assert.equal(byTag.digest, digest);
      assertAllowed(await v.verify(`${reg.host}/pinned/app@${digest}`), 'digest');
      // tag@digest is pinned too.
      assertAllowed(await v.verify(`${image}@${digest}`), 'tag@digest');
    });

    test('onRegistryError: deny fails closed with the reason; allow lets the image through with a warning', async () => {
      const closed = '127.0.0.1:1';
      const spec = (mode: string) => `images: ["${closed}/**"]\n${mode ? `onRegistryError: ${mode}\n` : ''}signatures:\n  anyOf:\n    - name: alice\n      key: alice.pub`;
      const [deny] = await validPolicies(dir, 'deny.yaml', head('fail-closed', spec('')));
      const [allow] = await validPolicies(dir, 'allow.yaml', head('fail-open', spec('allow')));
      assert.equal(deny!.onRegistryError, 'deny', 'deny is the default');
      for (const image of [`${closed}/team/app:1.0`, `${closed}/team/app@sha256:${'1'.repeat(64)}`]) {
        const d = await verifier([deny!], { client }).verify(image);
        assertDenied(d, 'registry', /^cannot verify: registry 127\.0\.0\.1:1: .*connection refused.*\(onRegistryError: deny\)$/, `deny ${image}`);
        assert.deepEqual(d.warnings, []);
        const a = await verifier([allow!], { client }).verify(image);
        assertAllowed(a, `allow ${image}`);
        assert.equal(a.warnings.length, 1);
        assert.match(a.warnings[0]!, /^fail-open: registry unreachable, allowed by onRegistryError: allow \(registry 127\.0\.0\.1:1: .*connection refused/);
        // Both policies govern: the deny one decides.
        const both = await verifier([deny!, allow!], { client }).verify(image);
        assertDenied(both, 'registry', /onRegistryError: deny/, `both ${image}`);
        assert.equal(both.warnings.length, 1);
      }
    });

    test('a stopped registry is registry trouble, and its verdict is not cached', async () => {
      const other = await startRegistry();
      const c = new RegistryClient({ dockerConfig: false, retries: 0 });
      try {
        const image = `${other.host}/team/app:1.0`;
        await pushTestImage(c, image);
        await signAndPush(c, image, alice.key);
        const v = verifier(await validPolicies(dir, 'stopped.yaml', head('stopped', `images: ["${other.host}/**"]\nsignatures:\n  anyOf:\n    - name: alice\n      key: alice.pub`)), { client: c });
        await other.stop();
        assertDenied(await v.verify(image), 'registry', new RegExp(`^cannot verify: registry ${other.host.replace(/[.]/g, '\\.')}: `), 'stopped');
        assertDenied(await v.verify(image), 'registry', /cannot verify/, 'still stopped, tried again');
        assert.equal(v.verifications, 0, 'the tag never resolved, so nothing was verified');
      } finally {
        c.close();
        await other.stop();
      }
    });

    test('an invalid policy denies the images it names; an image no policy governs is allowed', async () => {
      const r = await policiesFrom(
        dir,
        'mixed.yaml',
        `${head('broken', `images: ["${reg.host}/broken/**"]\nmaxSeverity: severe\nsignatures:\n  anyOf:\n    - key: alice.pub`)}---\n${head('fine', `images: ["${reg.host}/fine/**"]\nsignatures:\n  anyOf:\n    - name: alice\n      key: alice.pub`)}`,
      );
      assert.deepEqual(r.policies.map((p) => p.name), ['fine']);
      assert.deepEqual(r.invalid.map((p) => p.name), ['broken']);
      assert.match(r.errors.join('\n'), /ImagePolicy "broken": spec\.maxSeverity: expected one of none, low, medium, high, critical/);
      const v = verifier(r.policies, { client, invalid: r.invalid });
      const broken = `${reg.host}/broken/app:1.0`;
      await pushTestImage(client, broken);
      await signAndPush(client, broken, alice.key);
      const denied = await v.verify(broken);
      assertDenied(denied, 'policy', /^ImagePolicy "broken" could not be read \(see its errors\); images it names are denied$/, 'invalid policy');
      assert.deepEqual(denied.policies, ['broken']);
      const free = `${reg.host}/ungoverned/app:1.0`;
      await pushTestImage(client, free);
      const ungoverned = await v.verify(free);
      assertAllowed(ungoverned, 'ungoverned');
      assert.deepEqual(ungoverned.policies, []);
      assert.equal(v.verifications, 0, 'neither needed a registry verification');
      const fine = `${reg.host}/fine/app:1.0`;
      await pushTestImage(client, fine);
      const unsigned = await v.verify(fine);
      assertDenied(unsigned, 'signatures', /no cosign signature/, `governed by the valid policy: ${failureText(unsigned)}`);
    });

    test('two authorities of one name make the policy invalid (allOf counts them by name)', async () => {
      const r = await policiesFrom(dir, 'dup.yaml', head('dup', `images: ["${reg.host}/dup/**"]\nsignatures:\n  allOf:\n    - name: release\n      key: alice.pub\n    - name: release\n      key: bob.pub`));
      assert.equal(r.policies.length, 0);
      assert.match(r.errors.join('\n'), /ImagePolicy "dup": spec\.signatures\.allOf\[1\]\.name: duplicate authority name "release"/);
    });

    test('an image reference that does not parse is denied', async () => {
      const v = await verifier([], { client }).verify('Not A Reference!');
      assertDenied(v, 'reference', /^not a valid image reference: /, 'bad reference');
    });
  });
});
