/**
 * Real Sigstore bundles from sigstore-js, sigstore-python, sigstore-go, cosign and slsa-verifier, verified
 * offline against the trusted root of the instance that issued them, with identity policy; and key-based
 * bundles, including the v0.3 bundles we write.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { keyDsseBundle, keyMessageBundle, verifyBundle, type BundleVerifyOptions } from '../../../src/supply/signature/sigstore.js';
import { loadTrustedRoot } from '../../../src/supply/signature/trustroot.js';
import { fromPrivateKeyObject, loadPublicKey, signBytes } from '../../../src/supply/signature/keys.js';
import { signingKey, SIGNING_KEY_KINDS } from './pki.js';
import { attestImage } from '../../../src/supply/signature/cosign.js';
import { summarizeStatement } from '../../../src/supply/signature/predicates.js';
import type { FailureReason, Outcome } from '../../../src/supply/signature/errors.js';
import { COSIGN, SIGSTORE_GO, SIGSTORE_JS, SIGSTORE_PY, SLSA_VERIFIER, productionRootJson, read } from './paths.js';

const production = loadTrustedRoot(productionRootJson());
const staging = loadTrustedRoot(
  read(SIGSTORE_PY, 'staging-tuf/targets/ed6a9cf4e7c2e3297a4b5974fce0d17132f03c63512029d7aa3a402b43acab49.trusted_root.json'),
);
const GITHUB_OAUTH = 'https://github.com/login/oauth';
const GHA = 'https://token.actions.githubusercontent.com';

function ok<T>(r: Outcome<T>, what: string): T {
  assert.ok(r.ok, `${what}: ${r.ok ? '' : `${r.reason}: ${r.message}`}`);
  return (r as { ok: true; value: T }).value;
}
function fails<T>(r: Outcome<T>, reason: FailureReason, what: string): void {
  assert.equal(r.ok, false, `${what} verified`);
  if (!r.ok) assert.equal(r.reason, reason, `${what}: ${r.message}`);
}

test('sigstore-js bundles v0.1–v0.3 (DSSE and in-toto, with and without proofs, full chain) verify', () => {
  const files = [
    'bundleV01-dsse-no-proof', 'bundleV01-dsse-with-proof', 'bundleV01-full-cert-chain', 'bundleV01-intoto-no-proof',
    'bundleV01-intoto-with-proof', 'bundleV02-dsse', 'bundleV02-intoto', 'bundleV03-dsse', 'bundleV03-intoto',
  ];
  for (const f of files) {
    const v = ok(verifyBundle(read(SIGSTORE_JS, `${f}.sigstore`), { trustedRoot: production, identity: { subject: 'brian@dehamer.com', issuer: GITHUB_OAUTH } }), f);
    assert.equal(v.mode, 'certificate');
    assert.equal(v.content, 'dsseEnvelope');
    assert.equal(v.certificate?.subject, 'brian@dehamer.com');
    assert.ok(v.tlog.length === 1 && v.tlog[0].logIndex > 0, f);
    assert.equal(v.tlog[0].inclusionProof, f.includes('with-proof') || f.startsWith('bundleV02') || f.startsWith('bundleV03'), `${f} proof`);
    if (f.includes('intoto')) assert.ok(v.statement, `${f} in-toto statement`);
    fails(verifyBundle(read(SIGSTORE_JS, `${f}.sigstore`), { trustedRoot: production, identity: { subject: 'mallory@example.com', issuer: GITHUB_OAUTH } }), 'identity-mismatch', f);
    fails(verifyBundle(read(SIGSTORE_JS, `${f}.sigstore`), { trustedRoot: production, identity: { subject: 'brian@dehamer.com', issuer: GHA } }), 'issuer-mismatch', f);
    // Another instance's root does not trust public-good certificates.
    fails(verifyBundle(read(SIGSTORE_JS, `${f}.sigstore`), { trustedRoot: staging, identity: { subject: 'brian@dehamer.com', issuer: GITHUB_OAUTH } }), 'untrusted-chain', f);
  }
});

test('sigstore-python staging bundles verify with their artifacts; its negative bundles fail', () => {
  const opts = (artifact: string, subject: string): BundleVerifyOptions => ({
    trustedRoot: staging,
    artifact: read(SIGSTORE_PY, artifact),
    identity: { subject, issuer: GITHUB_OAUTH },
  });
  for (const [bundle, artifact, subject] of [
    ['bundle.txt.sigstore', 'bundle.txt', 'a@tny.town'],
    ['bundle_v3.txt.sigstore', 'bundle_v3.txt', 'william@yossarian.net'],
    ['bundle_v3_alt.txt.sigstore', 'bundle_v3_alt.txt', 'william@yossarian.net'],
    ['staging-rekor-v2.txt.sigstore.json', 'staging-rekor-v2.txt', 'jku@goto.fi'],
  ]) {
    const v = ok(verifyBundle(read(SIGSTORE_PY, bundle), opts(artifact, subject)), bundle);
    assert.equal(v.content, 'messageSignature');
    const digest = `sha256:${createHash('sha256').update(read(SIGSTORE_PY, artifact)).digest('hex')}`;
    ok(verifyBundle(read(SIGSTORE_PY, bundle), { ...opts(artifact, subject), artifactDigest: digest }), `${bundle} by digest`);
    fails(verifyBundle(read(SIGSTORE_PY, bundle), { ...opts(artifact, subject), artifactDigest: `sha256:${'3'.repeat(64)}` }), 'digest-mismatch', `${bundle} other digest`);
    fails(verifyBundle(read(SIGSTORE_PY, bundle), { ...opts(artifact, subject), artifact: Buffer.from('other bytes') }), 'digest-mismatch', `${bundle} with another artifact`);
  }
  fails(verifyBundle(read(SIGSTORE_PY, 'bundle_invalid_version.txt.sigstore'), opts('bundle_invalid_version.txt', 'x')), 'invalid-bundle', 'invalid version');
  fails(verifyBundle(read(SIGSTORE_PY, 'bundle_no_cert_v1.txt.sigstore'), opts('bundle_no_cert_v1.txt', 'x')), 'invalid-bundle', 'no cert');
  fails(verifyBundle(read(SIGSTORE_PY, 'bundle_no_log_entry.txt.sigstore'), opts('bundle_no_log_entry.txt', 'x')), 'missing-set', 'no log entry');
  fails(verifyBundle(read(SIGSTORE_PY, 'bundle_v3_no_signed_time.txt.sigstore.json'), opts('bundle_v3_no_signed_time.txt', 'x')), 'missing-set', 'no signed time');
  // CVE-2022-36056: the log entry is for another signature than the bundle's.
  const cve = verifyBundle(read(SIGSTORE_PY, 'bundle_cve_2022_36056.txt.sigstore'), opts('bundle_cve_2022_36056.txt', 'william@yossarian.net'));
  fails(cve, 'tlog-mismatch', 'CVE-2022-36056');
});

test('sigstore-go examples: npm provenance (v0.1, full chain) and a key-signed publish attestation', () => {
  const prov = ok(
    verifyBundle(read(SIGSTORE_GO, 'bundle-provenance.json'), {
      trustedRoot: production,
      identity: { subjectRegExp: '^https://github\\.com/sigstore/sigstore-js/', issuer: GHA },
      artifactDigest: 'sha512:76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751',
    }),
    'bundle-provenance',
  );
  const summary = summarizeStatement(prov.statement!);
  assert.equal(summary.kind, 'slsa-provenance');
  if (summary.kind === 'slsa-provenance') assert.match(summary.sourceUri ?? '', /github\.com\/sigstore\/sigstore-js/);

  const key = loadPublicKey(read(SIGSTORE_GO, 'publish_key.pub'));
  const pub = ok(verifyBundle(read(SIGSTORE_GO, 'bundle-publish.json'), { publicKey: key, trustedRoot: production }), 'bundle-publish');
  assert.equal(pub.mode, 'key');
  assert.equal(pub.keyFingerprint, key.fingerprint);
  assert.equal(pub.tlog.length, 1);
  assert.equal(pub.statement?.predicateType, 'https://github.com/npm/attestation/tree/main/specs/publish/v0.1');
  // Without a trusted root the key still verifies the envelope; the log entry is then not reported.
  assert.deepEqual(ok(verifyBundle(read(SIGSTORE_GO, 'bundle-publish.json'), { publicKey: key }), 'publish offline').tlog, []);
  const other = fromPrivateKeyObject(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey).publicKey;
  fails(verifyBundle(read(SIGSTORE_GO, 'bundle-publish.json'), { publicKey: other }), 'wrong-key', 'publish with another key');
  fails(verifyBundle(read(SIGSTORE_GO, 'bundle-publish.json'), {}), 'wrong-key', 'publish without a key');
});

test("cosign's OCI attestation bundle verifies against public good and cosign's own trusted root", () => {
  const bundle = read(COSIGN, 'pkg/cosign/testdata/oci-attestation.sigstore.json');
  const digest = 'sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4';
  const identity = { subject: 'cody@soyland.com', issuer: GITHUB_OAUTH };
  for (const root of [production, loadTrustedRoot(read(COSIGN, 'pkg/cosign/testdata/trusted_root_pgi.json'))]) {
    const v = ok(verifyBundle(bundle, { trustedRoot: root, identity, artifactDigest: digest }), 'oci-attestation');
    assert.equal(v.statement?.predicateType, 'https://cosign.sigstore.dev/attestation/v1');
    assert.equal(v.statement?.subject[0].name, '127.0.0.1:60943/repo');
  }
  fails(verifyBundle(bundle, { trustedRoot: production, identity, artifactDigest: `sha256:${'0'.repeat(64)}` }), 'digest-mismatch', 'other image');
});

function slsaVerifierBundles(): string[] {
  const out = execFileSync('grep', ['-rl', '--include=*.intoto.jsonl', 'dsseEnvelope', SLSA_VERIFIER]).toString().trim().split('\n');
  return out.sort();
}

test('slsa-verifier GitHub Actions provenance bundles verify with the builder identity', () => {
  const files = slsaVerifierBundles();
  assert.ok(files.length >= 12, `${files.length} bundle files`);
  for (const f of files) {
    const line = readFileSync(f, 'utf8').split('\n').find((l) => l.trim() !== '') as string;
    const name = path.relative(SLSA_VERIFIER, f);
    const v = ok(verifyBundle(line, { trustedRoot: production, identity: { subjectRegExp: '^https://github\\.com/', issuer: GHA } }), name);
    const s = summarizeStatement(v.statement!);
    assert.equal(s.kind, 'slsa-provenance', name);
    if (s.kind === 'slsa-provenance') {
      assert.ok(s.builderId?.startsWith('https://github.com/'), `${name} builder ${s.builderId}`);
      assert.ok(s.sourceUri, `${name} source`);
    }
  }
  // The "wrong signer" fixture is validly signed — by a workflow that is not the BCR publisher.
  const wrong = readFileSync(path.join(SLSA_VERIFIER, 'cli/slsa-verifier/testdata/bcr/MODULE-wrong-signer.bazel.intoto.jsonl'), 'utf8');
  fails(
    verifyBundle(wrong.trim(), { trustedRoot: production, identity: { subjectRegExp: '^https://github\\.com/bazel-contrib/publish-to-bcr/', issuer: GHA } }),
    'identity-mismatch',
    'wrong signer',
  );
});

for (const kind of SIGNING_KEY_KINDS) {
  test(`v0.3 key bundles we write verify (${kind}); another key does not`, () => {
    const key = signingKey(kind);
    const artifact = Buffer.from(`release artifact ${kind}`);
    const msg = keyMessageBundle(key.publicKey, artifact, signBytes(key, artifact));
    const v = ok(verifyBundle(JSON.stringify(msg), { publicKey: key.publicKey, artifact }), `message ${kind}`);
    assert.equal(v.keyFingerprint, key.publicKey.fingerprint);
    fails(verifyBundle(JSON.stringify(msg), { publicKey: key.publicKey, artifact: Buffer.from('tampered') }), 'digest-mismatch', 'tampered artifact');
    const stranger = fromPrivateKeyObject(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey).publicKey;
    fails(verifyBundle(JSON.stringify(msg), { publicKey: stranger, artifact }), 'wrong-key', 'other key');

    const digest = `sha256:${createHash('sha256').update(artifact).digest('hex')}`;
    const att = attestImage(key, { subjectName: 'registry.example.com/app', digest, predicateType: 'https://slsa.dev/provenance/v1', predicate: {} });
    const dsse = keyDsseBundle(key.publicKey, att.envelope);
    const d = ok(verifyBundle(JSON.stringify(dsse), { publicKey: key.publicKey, artifactDigest: digest }), `dsse ${kind}`);
    assert.equal(d.statement?.predicateType, 'https://slsa.dev/provenance/v1');
    fails(verifyBundle(JSON.stringify(dsse), { publicKey: key.publicKey, artifactDigest: `sha256:${'1'.repeat(64)}` }), 'digest-mismatch', 'dsse other digest');
  });
}
