/**
 * cosign simple signing: the payload and layer exactly as cosign writes them, sign → verify round trips for
 * every key type, and each failure reason — key mode and keyless (a test Fulcio CA and Rekor log key).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import {
  ANNOTATION_BUNDLE,
  ANNOTATION_SIGNATURE,
  SIMPLE_SIGNING_MEDIA_TYPE,
  buildSimpleSigningPayload,
  parseSimpleSigningPayload,
  signImage,
  verifyCosignSignature,
  type CosignVerifyOptions,
  type SignatureLayerInput,
} from '../../../src/supply/signature/cosign.js';
import { loadPublicKey, type PrivateKeyInfo } from '../../../src/supply/signature/keys.js';
import { loadTrustedRoot } from '../../../src/supply/signature/trustroot.js';
import type { FailureReason, Outcome } from '../../../src/supply/signature/errors.js';
import { hashedRekordEntry, KEYLESS_IDENTITY, KEYLESS_ISSUER, KEYLESS_T0, keylessSignature, makeCa, makeSigstore, signingKey, SIGNING_KEY_KINDS, trustedRootJson, type Leaf, type TestSigstore } from './pki.js';

const DIGEST = `sha256:${createHash('sha256').update('an image manifest').digest('hex')}`;
const OTHER_DIGEST = `sha256:${createHash('sha256').update('another manifest').digest('hex')}`;
const REF = 'registry.example.com/team/app';

function layerOf(signed: ReturnType<typeof signImage>): SignatureLayerInput {
  return { payload: signed.payload, annotations: { ...signed.layer.annotations }, layerDigest: signed.layer.digest };
}

function fails<T>(r: Outcome<T>, reason: FailureReason): string {
  assert.equal(r.ok, false, 'expected a failure');
  if (r.ok) return '';
  assert.equal(r.reason, reason, r.message);
  return r.message;
}

test('the simple-signing payload is byte-for-byte what cosign marshals', () => {
  const p = buildSimpleSigningPayload(REF, DIGEST);
  assert.equal(
    p.toString(),
    `{"critical":{"identity":{"docker-reference":"${REF}"},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"cosign container image signature"},"optional":null}`,
  );
  // Go's encoding/json escapes HTML characters; annotations go into `optional`.
  const withAnn = buildSimpleSigningPayload(REF, DIGEST, { note: 'a<b&c' });
  assert.match(withAnn.toString(), /"optional":\{"note":"a\\u003cb\\u0026c"\}\}$/);
  assert.deepEqual(parseSimpleSigningPayload(withAnn).optional, { note: 'a<b&c' });
});

test('simple-signing payload validation names what is wrong', () => {
  const bad = (o: unknown) => () => parseSimpleSigningPayload(Buffer.from(JSON.stringify(o)));
  const crit = { identity: { 'docker-reference': REF }, image: { 'docker-manifest-digest': DIGEST }, type: 'cosign container image signature' };
  assert.doesNotThrow(bad({ critical: crit, optional: null }));
  assert.throws(bad({ critical: { ...crit, type: 'atomic container signature' } }), /critical\.type/);
  assert.throws(bad({ critical: { ...crit, image: { 'docker-manifest-digest': 'latest' } } }), /docker-manifest-digest/);
  assert.throws(bad({ critical: { ...crit, identity: {} } }), /docker-reference/);
  assert.throws(bad({ optional: null }), /critical/);
  assert.throws(bad({ critical: crit, optional: [1] }), /optional/);
  assert.throws(() => parseSimpleSigningPayload(Buffer.from('{')), /not JSON/);
});

for (const kind of SIGNING_KEY_KINDS) {
  test(`sign → verify round trip with ${kind}`, () => {
    const key = signingKey(kind);
    const signed = signImage(key, { dockerReference: REF, digest: DIGEST });
    assert.equal(signed.layer.mediaType, SIMPLE_SIGNING_MEDIA_TYPE);
    assert.equal(signed.layer.size, signed.payload.length);
    assert.equal(signed.layer.digest, `sha256:${createHash('sha256').update(signed.payload).digest('hex')}`);
    assert.deepEqual(Object.keys(signed.layer.annotations), [ANNOTATION_SIGNATURE]);
    const r = verifyCosignSignature(layerOf(signed), { imageDigest: DIGEST, publicKey: key.publicKey });
    assert.ok(r.ok, r.ok ? '' : r.message);
    if (!r.ok) return;
    assert.equal(r.value.mode, 'key');
    assert.equal(r.value.keyFingerprint, key.publicKey.fingerprint);
    assert.equal(r.value.digest, DIGEST);
    assert.equal(r.value.dockerReference, REF);
    assert.deepEqual(r.value.tlog, []);
  });
}

test('a signature made by openssl-style tooling (SHA-256, DER ECDSA) over cosign payload bytes verifies', () => {
  // What `openssl dgst -sha256 -sign` produces, as in cosign's EXAMPLES.md "Sign With OpenSSL, Verify With Cosign".
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const payload = buildSimpleSigningPayload(REF, DIGEST);
  const sig = sign('sha256', payload, privateKey).toString('base64');
  const pub = loadPublicKey(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const r = verifyCosignSignature({ payload, annotations: { [ANNOTATION_SIGNATURE]: sig } }, { imageDigest: DIGEST, publicKey: pub });
  assert.ok(r.ok);
});

test('key mode failures: wrong key, tampered payload, digest mismatch, bad encoding, required tlog', () => {
  const key = signingKey('p256');
  const signed = signImage(key, { dockerReference: REF, digest: DIGEST });
  const opts: CosignVerifyOptions = { imageDigest: DIGEST, publicKey: key.publicKey };

  fails(verifyCosignSignature(layerOf(signed), { ...opts, publicKey: signingKey('p256').publicKey }), 'wrong-key');

  const tampered = Buffer.from(signed.payload.toString().replace(REF, 'registry.example.com/evil/app'));
  // The manifest's layer digest no longer matches the blob: the payload was changed.
  fails(verifyCosignSignature({ ...layerOf(signed), payload: tampered }, opts), 'tampered-payload');
  // Without the descriptor, a failing signature cannot tell a changed payload from a wrong key.
  fails(verifyCosignSignature({ payload: tampered, annotations: signed.layer.annotations }, opts), 'wrong-key');

  fails(verifyCosignSignature(layerOf(signed), { ...opts, imageDigest: OTHER_DIGEST }), 'digest-mismatch');

  fails(verifyCosignSignature({ ...layerOf(signed), annotations: { [ANNOTATION_SIGNATURE]: 'not base64!' } }, opts), 'invalid-signature-encoding');
  fails(verifyCosignSignature({ ...layerOf(signed), annotations: {} }, opts), 'invalid-signature-encoding');

  fails(verifyCosignSignature(layerOf(signed), { ...opts, requireTlog: true }), 'missing-set');

  // A correctly signed payload of another type is refused once the signature checks out.
  const other = Buffer.from(signed.payload.toString().replace('cosign container image signature', 'something else'));
  fails(verifyCosignSignature({ payload: other, annotations: { [ANNOTATION_SIGNATURE]: rawSign(key, other) } }, opts), 'invalid-payload');
});

function rawSign(key: PrivateKeyInfo, data: Buffer): string {
  return (key.algorithm === 'ed25519' ? sign(null, data, key.key) : sign('sha256', data, key.key)).toString('base64');
}

// ---- keyless ---------------------------------------------------------------------------------------------

const IDENTITY = KEYLESS_IDENTITY;
const ISSUER = KEYLESS_ISSUER;
const T0 = KEYLESS_T0;

interface Keyless {
  env: TestSigstore;
  leaf: Leaf;
  layer: SignatureLayerInput;
  opts: CosignVerifyOptions;
}

async function keyless(o: { notAfter?: Date; integratedTime?: number; email?: string; issuerExtensions?: 'v1' | 'v2' | 'both' } = {}): Promise<Keyless> {
  const { env, leaf, layer } = await keylessSignature({ dockerReference: REF, digest: DIGEST, ...o });
  const opts: CosignVerifyOptions = {
    imageDigest: DIGEST,
    trustedRoot: loadTrustedRoot(env.rootJson),
    identity: { subject: o.email ?? IDENTITY, issuer: ISSUER },
    ctlogThreshold: 0, // the test CA has no CT log
  };
  return { env, leaf, layer, opts };
}

test('keyless: certificate identity, issuer and Rekor evidence are verified and reported', async () => {
  const k = await keyless();
  const r = verifyCosignSignature(k.layer, k.opts);
  assert.ok(r.ok, r.ok ? '' : r.message);
  if (!r.ok) return;
  assert.equal(r.value.mode, 'certificate');
  assert.equal(r.value.certificate?.subject, IDENTITY);
  assert.equal(r.value.certificate?.issuer, ISSUER);
  assert.equal(r.value.tlog.length, 1);
  assert.equal(r.value.tlog[0].logIndex, 4242);
  assert.equal(r.value.tlog[0].logId, k.env.log.logIdHex);
  assert.equal(r.value.tlog[0].integratedTime?.getTime(), T0 + 60_000);
  assert.equal(r.value.tlog[0].inclusionPromise, true);
  // Regex identity (cosign's --certificate-identity-regexp) and issuer regex.
  const rr = verifyCosignSignature(k.layer, { ...k.opts, identity: { subjectRegExp: '^https://github\\.com/example/', issuerRegExp: /actions/ } });
  assert.ok(rr.ok);
});

test('keyless: the legacy (.1.1) and the current (.1.8) Fulcio issuer extensions are each read', async () => {
  for (const which of ['v1', 'v2'] as const) {
    const k = await keyless({ issuerExtensions: which, email: 'dev@example.com' });
    const r = verifyCosignSignature(k.layer, k.opts);
    assert.ok(r.ok, `${which}: ${r.ok ? '' : r.message}`);
    if (r.ok) assert.deepEqual([r.value.certificate?.subject, r.value.certificate?.issuer], ['dev@example.com', ISSUER]);
  }
});

test('keyless: identity and issuer mismatches', async () => {
  const k = await keyless();
  fails(verifyCosignSignature(k.layer, { ...k.opts, identity: { subject: `${IDENTITY}x`, issuer: ISSUER } }), 'identity-mismatch');
  fails(verifyCosignSignature(k.layer, { ...k.opts, identity: { subjectRegExp: '^https://github\\.com/other/', issuer: ISSUER } }), 'identity-mismatch');
  fails(verifyCosignSignature(k.layer, { ...k.opts, identity: { subject: IDENTITY, issuer: 'https://accounts.google.com' } }), 'issuer-mismatch');
  assert.throws(() => verifyCosignSignature(k.layer, { ...k.opts, identity: { subject: IDENTITY } }), /issuer/);
});

test('keyless: a signature logged after the certificate expired is refused', async () => {
  const k = await keyless({ integratedTime: Math.floor(T0 / 1000) + 3600 }); // cert valid for 10 minutes
  const msg = fails(verifyCosignSignature(k.layer, k.opts), 'certificate-expired');
  assert.match(msg, /outside the certificate's validity/);
});

test('keyless: a certificate from a CA outside the trusted root is an untrusted chain', async () => {
  const k = await keyless();
  const stranger = await makeCa('stranger');
  const root = loadTrustedRoot(trustedRootJson(stranger, k.env.log));
  fails(verifyCosignSignature(k.layer, { ...k.opts, trustedRoot: root }), 'untrusted-chain');
});

test('keyless: missing or invalid SET, tampered payload', async () => {
  const k = await keyless();
  const withoutBundle = { ...k.layer, annotations: { ...k.layer.annotations } };
  delete withoutBundle.annotations[ANNOTATION_BUNDLE];
  fails(verifyCosignSignature(withoutBundle, k.opts), 'missing-set');

  const rekor = JSON.parse(k.layer.annotations[ANNOTATION_BUNDLE]);
  rekor.Payload.integratedTime += 1; // the SET no longer covers what the bundle claims
  fails(verifyCosignSignature({ ...k.layer, annotations: { ...k.layer.annotations, [ANNOTATION_BUNDLE]: JSON.stringify(rekor) } }, k.opts), 'invalid-set');

  const forged = JSON.parse(k.layer.annotations[ANNOTATION_BUNDLE]);
  forged.SignedEntryTimestamp = sign('sha256', Buffer.from('x'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey).toString('base64');
  fails(verifyCosignSignature({ ...k.layer, annotations: { ...k.layer.annotations, [ANNOTATION_BUNDLE]: JSON.stringify(forged) } }, k.opts), 'invalid-set');

  fails(verifyCosignSignature({ ...k.layer, annotations: { ...k.layer.annotations, [ANNOTATION_BUNDLE]: '{"Payload":{}}' } }, k.opts), 'invalid-set');

  const tampered = Buffer.from(k.layer.payload.toString().replace(REF, 'registry.example.com/evil/app'));
  fails(verifyCosignSignature({ ...k.layer, payload: tampered }, k.opts), 'tampered-payload');

  fails(verifyCosignSignature(k.layer, { ...k.opts, imageDigest: OTHER_DIGEST }), 'digest-mismatch');
});

test('keyless: the public-good SCT requirement applies unless turned off', async () => {
  const k = await keyless();
  fails(verifyCosignSignature(k.layer, { ...k.opts, ctlogThreshold: undefined }), 'untrusted-chain');
});

test('key mode with a Rekor bundle: the SET is verified when a trusted root is supplied', async () => {
  const env = await makeSigstore();
  const key = signingKey('p256');
  const signed = signImage(key, { dockerReference: REF, digest: DIGEST });
  const rekor = hashedRekordEntry(env.log, {
    artifactSha256Hex: createHash('sha256').update(signed.payload).digest('hex'),
    signatureB64: signed.signature,
    verifierPem: key.publicKey.key.export({ type: 'spki', format: 'pem' }).toString(),
    integratedTime: Math.floor(T0 / 1000),
    logIndex: 7,
  });
  const layer = { ...layerOf(signed), annotations: { ...signed.layer.annotations, [ANNOTATION_BUNDLE]: JSON.stringify(rekor) } };
  const root = loadTrustedRoot(env.rootJson);
  const r = verifyCosignSignature(layer, { imageDigest: DIGEST, publicKey: key.publicKey, trustedRoot: root, requireTlog: true });
  assert.ok(r.ok, r.ok ? '' : r.message);
  if (r.ok) assert.deepEqual([r.value.mode, r.value.tlog[0]?.logIndex], ['key', 7]);
  fails(verifyCosignSignature(layer, { imageDigest: DIGEST, publicKey: signingKey('p256').publicKey, trustedRoot: root }), 'wrong-key');
  const otherLog = loadTrustedRoot(trustedRootJson(env.ca, (await makeSigstore()).log));
  fails(verifyCosignSignature(layer, { imageDigest: DIGEST, publicKey: key.publicKey, trustedRoot: otherLog }), 'invalid-set');
});
