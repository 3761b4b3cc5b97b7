/**
 * cosign v3 signatures and attestations: Sigstore bundles attached to the image digest as OCI referrers (here on
 * distribution 2.8, which has no referrers API: the `sha256-<hex>` tag-schema index). The ImageVerifier lists the
 * referrers, fetches the bundle layers, and counts a verified bundle as a signature (or an attestation) from an
 * authority: key authorities by the bundle's key, keyless ones by its Fulcio certificate and Rekor entry.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RegistryClient } from '../../../src/supply/oci/client.js';
import { digestOf, MediaType } from '../../../src/supply/oci/index.js';
import { signAndPush } from '../../../src/supply/publish.js';
import {
  attestImage,
  BUNDLE_V03_MEDIA_TYPE,
  buildStatement,
  COSIGN_SIGN_PREDICATE_V1,
  fromPrivateKeyObject,
  IN_TOTO_PAYLOAD_TYPE,
  keyDsseBundle,
  REFERRER_ANNOTATION_BUNDLE_CONTENT,
  REFERRER_ANNOTATION_BUNDLE_PREDICATE_TYPE,
  signEnvelope,
  signImageBundle,
} from '../../../src/supply/signature/index.js';
import { pushTestImage, startRegistry, type TestImage, type TestRegistry } from '../../helpers/registry.js';
import { tempDir } from '../../helpers/tmp.js';
import { intotoEntry, issueLeaf, KEYLESS_IDENTITY, KEYLESS_ISSUER, KEYLESS_T0, makeCa, makeSigstore, type TestCa, type TestSigstore } from '../signature/pki.js';
import { assertAllowed, assertDenied, keyPair, validPolicies, verifier, type TestKey } from './helpers.js';

const dir = tempDir('kubecomply-policy-referrers-');
const EMPTY = Buffer.from('{}');

/** Pushes `bundle` as cosign v3 does: an OCI manifest with the bundle artifact type, one bundle layer, the image as subject. */
async function pushBundleReferrer(client: RegistryClient, repo: string, img: TestImage, bundle: unknown, predicateType: string): Promise<string> {
  const bytes = Buffer.from(JSON.stringify(bundle));
  await client.pushBlob(repo, EMPTY);
  await client.pushBlob(repo, bytes);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      artifactType: BUNDLE_V03_MEDIA_TYPE,
      config: { mediaType: MediaType.OciEmpty, digest: digestOf(EMPTY), size: EMPTY.length },
      layers: [{ mediaType: BUNDLE_V03_MEDIA_TYPE, digest: digestOf(bytes), size: bytes.length }],
      subject: { mediaType: img.mediaType, digest: img.digest, size: img.manifest.length },
      annotations: { [REFERRER_ANNOTATION_BUNDLE_CONTENT]: 'dsse-envelope', [REFERRER_ANNOTATION_BUNDLE_PREDICATE_TYPE]: predicateType, 'org.opencontainers.image.created': '2026-03-01T12:00:00Z' },
    }),
  );
  const r = await client.pushReferrer(repo, manifest, MediaType.OciManifest);
  assert.ok(r.fallbackTag, 'distribution 2.8 indexes referrers under the tag schema');
  return r.digest;
}

/** A keyless cosign v3 signature bundle: a DSSE statement naming the digest, signed by a Fulcio leaf, logged in Rekor. */
async function keylessBundle(env: TestSigstore, digest: string, o: { ca?: TestCa; identity?: string } = {}): Promise<unknown> {
  const leaf = await issueLeaf(o.ca ?? env.ca, { uri: o.identity ?? KEYLESS_IDENTITY, issuer: KEYLESS_ISSUER, notBefore: new Date(KEYLESS_T0), notAfter: new Date(KEYLESS_T0 + 600_000) });
  const payload = Buffer.from(JSON.stringify(buildStatement(undefined, digest, COSIGN_SIGN_PREDICATE_V1, {})));
  const envelope = signEnvelope(fromPrivateKeyObject(leaf.privateKey), IN_TOTO_PAYLOAD_TYPE, payload);
  const rekor = intotoEntry(env.log, { payload, sigB64: envelope.signatures[0]!.sig, verifierPem: leaf.certPem, integratedTime: Math.floor(KEYLESS_T0 / 1000) + 30, logIndex: 77 });
  const body = JSON.parse(Buffer.from(rekor.Payload.body, 'base64').toString()) as { kind: string; apiVersion: string };
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
    verificationMaterial: {
      x509CertificateChain: { certificates: [{ rawBytes: leaf.certDer.toString('base64') }] },
      tlogEntries: [
        {
          logIndex: String(rekor.Payload.logIndex),
          logId: { keyId: Buffer.from(rekor.Payload.logID, 'hex').toString('base64') },
          kindVersion: { kind: body.kind, version: body.apiVersion },
          integratedTime: String(rekor.Payload.integratedTime),
          inclusionPromise: { signedEntryTimestamp: rekor.SignedEntryTimestamp },
          canonicalizedBody: rekor.Payload.body,
        },
      ],
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
    dsseEnvelope: envelope,
  };
}

describe('Sigstore bundles attached as referrers', () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  let sigstore: TestSigstore;
  let alice: TestKey;
  let bob: TestKey;

  before(async () => {
    reg = await startRegistry();
    client = new RegistryClient({ dockerConfig: false, retries: 0 });
    sigstore = await makeSigstore();
    writeFileSync(path.join(dir, 'trusted_root.json'), JSON.stringify(sigstore.rootJson));
    alice = keyPair(dir, 'alice');
    bob = keyPair(dir, 'bob');
  });
  after(async () => {
    client.close();
    await reg.stop();
  });

  const policy = (name: string, extra = '') => `apiVersion: kubecomply.io/v1alpha1
kind: ImagePolicy
metadata:
  name: ${name}
spec:
  images: ["${reg.host}/v3/**"]
  signatures:
    anyOf:
      - name: alice
        key: alice.pub
      - name: release-workflow
        keyless:
          identity: ${KEYLESS_IDENTITY}
          issuer: ${KEYLESS_ISSUER}
          trustedRoot: trusted_root.json
${extra}`;

  test('a key-signed bundle referrer (and no .sig manifest) is a signature from the key authority', async () => {
    const repo = `${reg.host}/v3/key`;
    const img = await pushTestImage(client, `${repo}:1.0`);
    const before = await verifier(await validPolicies(dir, 'k0.yaml', policy('v3-key')), { client }).verify(`${repo}:1.0`);
    assertDenied(before, 'signatures', /alice: no cosign signature \(sha256-[0-9a-f]{64}\.sig\) and no Sigstore bundle referrer/, 'nothing yet');
    const { bundle } = signImageBundle(alice.key, img.digest);
    const at = await pushBundleReferrer(client, repo, img, bundle, COSIGN_SIGN_PREDICATE_V1);
    const v = await verifier(await validPolicies(dir, 'k1.yaml', policy('v3-key')), { client }).verify(`${repo}:1.0`);
    assertAllowed(v, 'bundle signature');
    assert.deepEqual(v.signatures.map((s) => [s.authority, s.mode, s.keyFingerprint]), [['alice', 'key', alice.key.publicKey.fingerprint]]);
    assert.ok(at.startsWith('sha256:'));
  });

  test('a bundle signed by another key fails, naming the key hint the bundle carries', async () => {
    const repo = `${reg.host}/v3/bob`;
    const img = await pushTestImage(client, `${repo}:1.0`);
    await pushBundleReferrer(client, repo, img, signImageBundle(bob.key, img.digest).bundle, COSIGN_SIGN_PREDICATE_V1);
    const v = await verifier(await validPolicies(dir, 'k2.yaml', policy('v3-bob')), { client }).verify(`${repo}:1.0`);
    const msg = assertDenied(v, 'signatures', /alice: wrong-key: /, 'other key');
    assert.ok(msg.includes(`the bundle names key hint ${bob.key.publicKey.hint}; alice is ${alice.key.publicKey.hint}`), msg);
    assert.match(msg, /\(bundle referrer sha256:[0-9a-f]{12}\)/);
  });

  test("a bundle for another image's digest, attached to this one, is a digest mismatch", async () => {
    const repo = `${reg.host}/v3/copied`;
    const img = await pushTestImage(client, `${repo}:1.0`);
    const other = await pushTestImage(client, `${repo}:2.0`, { files: [{ name: 'etc/other', data: 'other\n' }] });
    await pushBundleReferrer(client, repo, img, signImageBundle(alice.key, other.digest).bundle, COSIGN_SIGN_PREDICATE_V1);
    const v = await verifier(await validPolicies(dir, 'k3.yaml', policy('v3-copied')), { client }).verify(`${repo}:1.0`);
    assertDenied(v, 'signatures', new RegExp(`alice: digest-mismatch: no in-toto subject has digest ${img.digest}`), 'copied bundle');
  });

  test('a keyless bundle is a signature from the keyless authority; a foreign CA or another identity is not', async () => {
    const repo = `${reg.host}/v3/keyless`;
    const img = await pushTestImage(client, `${repo}:1.0`);
    await pushBundleReferrer(client, repo, img, await keylessBundle(sigstore, img.digest), COSIGN_SIGN_PREDICATE_V1);
    const v = await verifier(await validPolicies(dir, 'kl.yaml', policy('v3-keyless')), { client }).verify(`${repo}:1.0`);
    assertAllowed(v, 'keyless bundle');
    assert.deepEqual(v.signatures.map((s) => [s.authority, s.mode, s.identity, s.issuer, s.rekorLogIndex]), [['release-workflow', 'certificate', KEYLESS_IDENTITY, KEYLESS_ISSUER, 77]]);

    const foreign = `${reg.host}/v3/foreign`;
    const fimg = await pushTestImage(client, `${foreign}:1.0`);
    await pushBundleReferrer(client, foreign, fimg, await keylessBundle(sigstore, fimg.digest, { ca: await makeCa('stranger') }), COSIGN_SIGN_PREDICATE_V1);
    const fv = await verifier(await validPolicies(dir, 'kl2.yaml', policy('v3-foreign')), { client }).verify(`${foreign}:1.0`);
    const fmsg = assertDenied(fv, 'signatures', /release-workflow: untrusted-chain: Failed to verify certificate chain/, 'foreign CA');
    // The key authority is asked too, and says why the bundle is not its signature (rather than throwing).
    assert.match(fmsg, /alice: wrong-key: the bundle is signed with a Fulcio certificate \(keyless\), not with a key/);

    const who = `${reg.host}/v3/identity`;
    const wimg = await pushTestImage(client, `${who}:1.0`);
    await pushBundleReferrer(client, who, wimg, await keylessBundle(sigstore, wimg.digest, { identity: 'https://github.com/evil/app/.github/workflows/x.yml@refs/heads/main' }), COSIGN_SIGN_PREDICATE_V1);
    const wv = await verifier(await validPolicies(dir, 'kl3.yaml', policy('v3-identity')), { client }).verify(`${who}:1.0`);
    assertDenied(wv, 'signatures', /release-workflow: identity-mismatch: certificate identity https:\/\/github\.com\/evil\/app\/\S+ does not match https:\/\/github\.com\/example\//, 'other identity');
  });

  test('a malformed bundle is a failure of that bundle, and a good signature beside it still counts', async () => {
    const repo = `${reg.host}/v3/malformed`;
    const img = await pushTestImage(client, `${repo}:1.0`);
    await pushBundleReferrer(client, repo, img, { mediaType: BUNDLE_V03_MEDIA_TYPE, verificationMaterial: {}, dsseEnvelope: { payloadType: IN_TOTO_PAYLOAD_TYPE, payload: Buffer.from(JSON.stringify({ predicateType: COSIGN_SIGN_PREDICATE_V1 })).toString('base64'), signatures: [] } }, COSIGN_SIGN_PREDICATE_V1);
    const v = verifier(await validPolicies(dir, 'bad.yaml', policy('v3-malformed')), { client });
    const bad = await v.verify(`${repo}:1.0`);
    assertDenied(bad, 'signatures', /alice: invalid-bundle: .*\(bundle referrer sha256:[0-9a-f]{12}\)/, 'malformed bundle');
    await signAndPush(client, `${repo}:1.0`, alice.key);
    const good = await verifier(await validPolicies(dir, 'bad2.yaml', policy('v3-malformed2')), { client }).verify(`${repo}:1.0`);
    assertAllowed(good, 'a .sig signature beside the malformed bundle');
  });

  test('an attestation bundle referrer is an attestation, never a signature', async () => {
    const repo = `${reg.host}/v3/att`;
    const img = await pushTestImage(client, `${repo}:1.0`);
    const sbom = { bomFormat: 'CycloneDX', specVersion: '1.5', version: 1, components: [{ type: 'library', name: 'left-pad', version: '1.3.0', purl: 'pkg:npm/left-pad@1.3.0' }] };
    const att = attestImage(alice.key, { subjectName: repo, digest: img.digest, predicateType: 'https://cyclonedx.org/bom', predicate: sbom });
    await pushBundleReferrer(client, repo, img, keyDsseBundle(alice.key.publicKey, att.envelope), 'https://cyclonedx.org/bom');
    const v = verifier(await validPolicies(dir, 'att.yaml', policy('v3-att', '  requireSbom: true\n')), { client });
    const unsigned = await v.verify(`${repo}:1.0`);
    // The SBOM verifies as an attestation, but it is no signature of the image.
    assertDenied(unsigned, 'signatures', /no signature from any of alice, release-workflow/, 'attestation is not a signature');
    assert.equal(unsigned.failures.length, 1, 'requireSbom held');
    assert.deepEqual(unsigned.attestations.map((a) => [a.authority, a.predicateType]), [['alice', 'https://cyclonedx.org/bom']]);

    const signed = `${reg.host}/v3/att2`;
    const simg = await pushTestImage(client, `${signed}:1.0`);
    await signAndPush(client, `${signed}:1.0`, alice.key);
    await pushBundleReferrer(client, signed, simg, keyDsseBundle(alice.key.publicKey, attestImage(bob.key, { subjectName: signed, digest: simg.digest, predicateType: 'https://cyclonedx.org/bom', predicate: sbom }).envelope), 'https://cyclonedx.org/bom');
    const sv = await verifier(await validPolicies(dir, 'att2.yaml', policy('v3-att2', '  requireSbom: true\n')), { client }).verify(`${signed}:1.0`);
    assertDenied(sv, 'requireSbom', /no verified SBOM attestation \(SPDX or CycloneDX\): 1 SBOM attestation\(s\) present, none signed by alice, release-workflow/, 'SBOM bundle by the wrong key');
  });
});
