/**
 * DSSE and cosign attestations: PAE, envelope parsing, attest → verify round trips for every key type,
 * the .att layer exactly as cosign writes it, keyless attestations with an intoto Rekor entry, and failures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import {
  ANNOTATION_BUNDLE,
  ANNOTATION_CERTIFICATE,
  ANNOTATION_PREDICATE_TYPE,
  ANNOTATION_SIGNATURE,
  COSIGN_SIGN_PREDICATE_V1,
  DSSE_ENVELOPE_MEDIA_TYPE,
  attestImage,
  signImageBundle,
  verifyImageBundle,
  verifyCosignAttestation,
  type AttestationLayerInput,
} from '../../../src/supply/signature/cosign.js';
import { pae, parseEnvelope, signEnvelope, verifyEnvelope } from '../../../src/supply/signature/dsse.js';
import { fromPrivateKeyObject, signBytes } from '../../../src/supply/signature/keys.js';
import { keyDsseBundle, keyMessageBundle } from '../../../src/supply/signature/sigstore.js';
import { STATEMENT_V1 } from '../../../src/supply/signature/intoto.js';
import { SLSA_PROVENANCE_V1, COSIGN_VULN_V1 } from '../../../src/supply/signature/predicates.js';
import { loadTrustedRoot } from '../../../src/supply/signature/trustroot.js';
import { SignatureError, type FailureReason, type Outcome } from '../../../src/supply/signature/errors.js';
import { intotoEntry, issueLeaf, makeSigstore, signingKey, SIGNING_KEY_KINDS } from './pki.js';
import { COSIGN, read, readJson } from './paths.js';

const DIGEST = `sha256:${createHash('sha256').update('manifest').digest('hex')}`;
const SUBJECT = 'registry.example.com/team/app';

function fails<T>(r: Outcome<T>, reason: FailureReason): void {
  assert.equal(r.ok, false, 'expected a failure');
  if (!r.ok) assert.equal(r.reason, reason, r.message);
}

test('PAE matches the DSSE specification example', () => {
  // DSSE protocol.md: PAE("http://example.com/HelloWorld", "hello world").
  assert.equal(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString(), 'DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  // Lengths are byte lengths, not character counts.
  assert.equal(pae('t', Buffer.from('é')).toString(), 'DSSEv1 1 t 2 é');
});

test('DSSE envelopes: parse errors, signatures by keyid-less and multiple signers', () => {
  const bad = (v: unknown) => () => parseEnvelope(JSON.stringify(v));
  assert.throws(bad({ payload: 'e30=', signatures: [{ sig: 'AA==' }] }), /payloadType/);
  assert.throws(bad({ payloadType: 't', signatures: [{ sig: 'AA==' }] }), /payload/);
  assert.throws(bad({ payloadType: 't', payload: 'e30=', signatures: [] }), /signatures/);
  assert.throws(bad({ payloadType: 't', payload: 'e30=', signatures: [{}] }), /sig/);
  assert.throws(() => parseEnvelope('nope'), (e: unknown) => e instanceof SignatureError && e.reason === 'invalid-payload');

  const a = fromPrivateKeyObject(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  const b = fromPrivateKeyObject(generateKeyPairSync('ed25519').privateKey);
  const env = signEnvelope(a, 'application/example', Buffer.from('{"x":1}'));
  assert.deepEqual(verifyEnvelope(env, a.publicKey).payload, Buffer.from('{"x":1}'));
  assert.throws(() => verifyEnvelope(env, b.publicKey), (e: unknown) => e instanceof SignatureError && e.reason === 'wrong-key');
  // A second signer's signature is found whatever its position.
  const both = { ...env, signatures: [...env.signatures, ...signEnvelope(b, 'application/example', Buffer.from('{"x":1}')).signatures] };
  assert.equal(verifyEnvelope(both, b.publicKey).signatureIndex, 1);
  // The signature covers the type too: changing it breaks the envelope.
  assert.throws(() => verifyEnvelope({ ...env, payloadType: 'application/other' }, a.publicKey), /no DSSE signature/);
});

for (const kind of SIGNING_KEY_KINDS) {
  test(`attest → verify round trip with ${kind}, in cosign's .att layer format`, () => {
    const key = signingKey(kind);
    const predicate = {
      buildDefinition: {
        buildType: 'https://example.com/build/v1',
        externalParameters: { source: { uri: 'git+https://github.com/example/app', digest: { gitCommit: 'abc123' } } },
        resolvedDependencies: [],
      },
      runDetails: { builder: { id: 'https://example.com/builder' } },
    };
    const att = attestImage(key, { subjectName: SUBJECT, digest: DIGEST, predicateType: SLSA_PROVENANCE_V1, predicate });
    assert.equal(att.layer.mediaType, DSSE_ENVELOPE_MEDIA_TYPE);
    assert.deepEqual(att.layer.annotations, { [ANNOTATION_PREDICATE_TYPE]: SLSA_PROVENANCE_V1, [ANNOTATION_SIGNATURE]: '' });
    assert.equal(att.layer.digest, `sha256:${createHash('sha256').update(att.envelopeBytes).digest('hex')}`);
    const env = JSON.parse(att.envelopeBytes.toString());
    assert.deepEqual(Object.keys(env), ['payloadType', 'payload', 'signatures']);
    assert.deepEqual(Object.keys(env.signatures[0]), ['keyid', 'sig']);
    const st = JSON.parse(Buffer.from(env.payload, 'base64').toString());
    assert.equal(st._type, STATEMENT_V1);
    assert.deepEqual(st.subject, [{ name: SUBJECT, digest: { sha256: DIGEST.slice(7) } }]);

    const layer: AttestationLayerInput = { envelope: att.envelopeBytes, annotations: att.layer.annotations, layerDigest: att.layer.digest };
    const r = verifyCosignAttestation(layer, { imageDigest: DIGEST, publicKey: key.publicKey, predicateType: SLSA_PROVENANCE_V1 });
    assert.ok(r.ok, r.ok ? '' : r.message);
    if (!r.ok) return;
    assert.equal(r.value.predicateType, SLSA_PROVENANCE_V1);
    assert.equal(r.value.keyFingerprint, key.publicKey.fingerprint);
    assert.deepEqual(r.value.summary.kind === 'slsa-provenance' && [r.value.summary.builderId, r.value.summary.sourceUri, r.value.summary.sourceRevision], [
      'https://example.com/builder',
      'git+https://github.com/example/app',
      'abc123',
    ]);
  });
}

test('attestation failures: predicate type, subject digest, wrong key, tampered envelope, payload type', () => {
  const key = fromPrivateKeyObject(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  const att = attestImage(key, { subjectName: SUBJECT, digest: DIGEST, predicateType: COSIGN_VULN_V1, predicate: { scanner: { uri: 'x' } } });
  const layer: AttestationLayerInput = { envelope: att.envelopeBytes, annotations: att.layer.annotations, layerDigest: att.layer.digest };
  const opts = { imageDigest: DIGEST, publicKey: key.publicKey };
  assert.ok(verifyCosignAttestation(layer, opts).ok);
  fails(verifyCosignAttestation(layer, { ...opts, predicateType: SLSA_PROVENANCE_V1 }), 'predicate-type-mismatch');
  fails(verifyCosignAttestation(layer, { ...opts, imageDigest: `sha256:${'2'.repeat(64)}` }), 'digest-mismatch');
  fails(verifyCosignAttestation(layer, { ...opts, publicKey: fromPrivateKeyObject(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey).publicKey }), 'wrong-key');

  const env = JSON.parse(att.envelopeBytes.toString());
  const st = JSON.parse(Buffer.from(env.payload, 'base64').toString());
  st.predicate.scanner.uri = 'https://evil.example.com';
  env.payload = Buffer.from(JSON.stringify(st)).toString('base64');
  const tampered = Buffer.from(JSON.stringify(env));
  fails(verifyCosignAttestation({ ...layer, envelope: tampered }, opts), 'tampered-payload'); // against the manifest's layer digest
  fails(verifyCosignAttestation({ envelope: tampered, annotations: layer.annotations }, opts), 'wrong-key'); // no descriptor to compare

  const other = signEnvelope(key, 'text/plain', Buffer.from('hi'));
  fails(verifyCosignAttestation({ envelope: Buffer.from(JSON.stringify(other)), annotations: {} }, opts), 'invalid-payload');
  fails(verifyCosignAttestation(layer, { ...opts, requireTlog: true }), 'missing-set');
});

test('keyless attestation: intoto Rekor entry, certificate identity, SET', async () => {
  const env = await makeSigstore();
  const T0 = Date.parse('2026-04-01T08:00:00Z');
  const identity = 'https://github.com/example/app/.github/workflows/build.yml@refs/heads/main';
  const issuer = 'https://token.actions.githubusercontent.com';
  const leaf = await issueLeaf(env.ca, { uri: identity, issuer, notBefore: new Date(T0), notAfter: new Date(T0 + 600_000) });
  const signer = fromPrivateKeyObject(leaf.privateKey);
  const att = attestImage(signer, { subjectName: SUBJECT, digest: DIGEST, predicateType: COSIGN_VULN_V1, predicate: readJson(COSIGN, 'test/testdata/attestations/vuln-predicate.json') });
  const rekor = intotoEntry(env.log, {
    payload: Buffer.from(att.envelope.payload, 'base64'),
    sigB64: att.envelope.signatures[0].sig,
    verifierPem: leaf.certPem,
    integratedTime: Math.floor(T0 / 1000) + 30,
    logIndex: 99,
  });
  const annotations = { ...att.layer.annotations, [ANNOTATION_CERTIFICATE]: leaf.certPem, [ANNOTATION_BUNDLE]: JSON.stringify(rekor) };
  const layer: AttestationLayerInput = { envelope: att.envelopeBytes, annotations };
  const opts = { imageDigest: DIGEST, trustedRoot: loadTrustedRoot(env.rootJson), identity: { subject: identity, issuer }, ctlogThreshold: 0, predicateType: COSIGN_VULN_V1 };
  const r = verifyCosignAttestation(layer, opts);
  assert.ok(r.ok, r.ok ? '' : r.message);
  if (!r.ok) return;
  assert.equal(r.value.certificate?.subject, identity);
  assert.equal(r.value.tlog[0].logIndex, 99);
  assert.equal(r.value.summary.kind, 'vuln-scan');
  if (r.value.summary.kind === 'vuln-scan') assert.equal(r.value.summary.scannerUri, 'fakescanner.example.com/cosign-testing');

  fails(verifyCosignAttestation(layer, { ...opts, identity: { subject: identity.replace('main', 'evil'), issuer } }), 'identity-mismatch');
  // The log entry is for this envelope's signature: another signature over the same statement does not match it.
  const resigned = signEnvelope(fromPrivateKeyObject(leaf.privateKey), att.envelope.payloadType, Buffer.from(att.envelope.payload, 'base64'));
  assert.notEqual(resigned.signatures[0].sig, att.envelope.signatures[0].sig, 'ECDSA signatures are randomized');
  fails(verifyCosignAttestation({ envelope: Buffer.from(JSON.stringify(resigned)), annotations }, opts), 'tlog-mismatch');
  const noSet: Record<string, string> = { ...annotations };
  delete noSet[ANNOTATION_BUNDLE];
  fails(verifyCosignAttestation({ envelope: att.envelopeBytes, annotations: noSet }, opts), 'missing-set');
});

test('cosign v3 image bundles (referrers): sign → verify, and an attestation never passes for a signature', () => {
  const key = fromPrivateKeyObject(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  const { bundle, manifestAnnotations } = signImageBundle(key, DIGEST);
  assert.deepEqual(manifestAnnotations, { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': COSIGN_SIGN_PREDICATE_V1 });
  const r = verifyImageBundle(JSON.stringify(bundle), { imageDigest: DIGEST, publicKey: key.publicKey });
  assert.ok(r.ok, r.ok ? '' : r.message);
  if (r.ok) assert.deepEqual(r.value.statement.subject, [{ digest: { sha256: DIGEST.slice(7) } }]);
  fails(verifyImageBundle(JSON.stringify(bundle), { imageDigest: `sha256:${'4'.repeat(64)}`, publicKey: key.publicKey }), 'digest-mismatch');
  fails(verifyImageBundle(JSON.stringify(bundle), { imageDigest: DIGEST, publicKey: fromPrivateKeyObject(generateKeyPairSync('ed25519').privateKey).publicKey }), 'wrong-key');

  const att = attestImage(key, { subjectName: SUBJECT, digest: DIGEST, predicateType: SLSA_PROVENANCE_V1, predicate: {} });
  const attBundle = JSON.stringify(keyDsseBundle(key.publicKey, att.envelope));
  fails(verifyImageBundle(attBundle, { imageDigest: DIGEST, publicKey: key.publicKey }), 'predicate-type-mismatch');
  assert.ok(verifyImageBundle(attBundle, { imageDigest: DIGEST, publicKey: key.publicKey, predicateType: SLSA_PROVENANCE_V1 }).ok);

  const msg = keyMessageBundle(key.publicKey, Buffer.from('blob'), signBytes(key, Buffer.from('blob')));
  fails(verifyImageBundle(JSON.stringify(msg), { imageDigest: DIGEST, publicKey: key.publicKey }), 'invalid-payload');
});

test("cosign's real OCI attestation bundle through the image-bundle verifier", () => {
  const bundle = read(COSIGN, 'pkg/cosign/testdata/oci-attestation.sigstore.json');
  const opts = {
    imageDigest: 'sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4',
    trustedRoot: loadTrustedRoot(read(COSIGN, 'pkg/cosign/testdata/trusted_root_pgi.json')),
    identity: { subject: 'cody@soyland.com', issuer: 'https://github.com/login/oauth' },
  };
  const r = verifyImageBundle(bundle, { ...opts, predicateType: 'https://cosign.sigstore.dev/attestation/v1' });
  assert.ok(r.ok, r.ok ? '' : r.message);
  if (r.ok) {
    assert.equal(r.value.certificate?.subject, 'cody@soyland.com');
    assert.ok(r.value.tlog[0].logIndex > 0 && r.value.tlog[0].integratedTime instanceof Date);
  }
  fails(verifyImageBundle(bundle, opts), 'predicate-type-mismatch'); // an attestation is not a signature
});
