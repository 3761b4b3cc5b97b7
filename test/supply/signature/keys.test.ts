/**
 * Key loading: real cosign/Sigstore public keys, every private key encoding we accept, and the refusals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync, verify } from 'node:crypto';
import path from 'node:path';
import { describePublicKey, loadPrivateKey, loadPublicKey, publicKeyPem, signBytes, verifyBytes } from '../../../src/supply/signature/keys.js';
import { certificateIdentity } from '../../../src/supply/signature/identity.js';
import { SignatureError } from '../../../src/supply/signature/errors.js';
import { COSIGN, CONFORMANCE, SIGSTORE, SIGSTORE_GO, SIGSTORE_PY, read } from './paths.js';

test('real cosign and Sigstore public keys load with their algorithm', () => {
  const cases: [string, string][] = [
    [path.join(COSIGN, '.github/workflows/cosign-test.pub'), 'ecdsa-p256'],
    [path.join(COSIGN, 'pkg/cosign/testdata/google'), 'rsa'],
    [path.join(COSIGN, 'pkg/cosign/testdata/rsa'), 'rsa'],
    [path.join(SIGSTORE, 'sigstore+policy-controller/examples/keys/cosign.pub'), 'ecdsa-p256'],
    [path.join(SIGSTORE_GO, 'publish_key.pub'), 'ecdsa-p256'],
    [path.join(CONFORMANCE, 'managed-key-happy-path/key.pub'), 'ecdsa-p256'],
  ];
  for (const [file, alg] of cases) {
    const k = loadPublicKey(read(file));
    assert.equal(k.algorithm, alg, file);
    assert.match(k.fingerprint, /^sha256:[0-9a-f]{64}$/);
  }
  // The bundle hint of the conformance managed key is base64(SHA-256(SPKI DER)): the same definition.
  assert.equal(loadPublicKey(read(CONFORMANCE, 'managed-key-happy-path/key.pub')).hint, 'TLMsSDfG3ajPsWge+z/vX5T/zluXnmvbkTkwLIV68Tk=');
});

test('public keys in SPKI and PKCS#1, and private keys in PKCS#8, SEC1 and PKCS#1, for every algorithm', () => {
  const pairs = [
    ['ecdsa-p256', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
    ['ecdsa-p384', generateKeyPairSync('ec', { namedCurve: 'P-384' })],
    ['rsa', generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['ed25519', generateKeyPairSync('ed25519')],
  ] as const;
  for (const [alg, { publicKey, privateKey }] of pairs) {
    const pub = loadPublicKey(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    assert.equal(pub.algorithm, alg);
    const encodings = [privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()];
    if (alg.startsWith('ecdsa')) encodings.push(privateKey.export({ type: 'sec1', format: 'pem' }).toString());
    if (alg === 'rsa') {
      encodings.push(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
      const pkcs1Pub = publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
      assert.match(pkcs1Pub, /BEGIN RSA PUBLIC KEY/);
      assert.equal(loadPublicKey(pkcs1Pub).fingerprint, pub.fingerprint);
    }
    for (const pem of encodings) {
      const priv = loadPrivateKey(pem);
      assert.equal(priv.algorithm, alg);
      assert.equal(priv.publicKey.fingerprint, pub.fingerprint, 'the derived public key is the pair');
      const data = Buffer.from(`payload for ${alg}`);
      const sig = signBytes(priv, data);
      assert.ok(verifyBytes(pub, data, sig));
      assert.ok(!verifyBytes(pub, Buffer.from(`payload for ${alg}!`), sig));
    }
    assert.equal(loadPublicKey(publicKeyPem(pub)).fingerprint, pub.fingerprint);
  }
});

test('a password-protected PKCS#8 key loads with its passphrase', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'hunter2' }).toString();
  assert.equal(loadPrivateKey(pem, 'hunter2').algorithm, 'ecdsa-p256');
  assert.throws(() => loadPrivateKey(pem, 'wrong'), (e: unknown) => e instanceof SignatureError && e.reason === 'invalid-key');
});

test('cosign encrypted keys are refused as unsupported; other PEM blocks as invalid keys', () => {
  const enc = '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\neyJrZGYiOnt9fQ==\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n';
  assert.throws(() => loadPrivateKey(enc), (e: unknown) => e instanceof SignatureError && e.reason === 'unsupported-key');
  const certish = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
  assert.throws(() => loadPublicKey(certish), (e: unknown) => e instanceof SignatureError && e.reason === 'invalid-key');
  assert.throws(() => loadPublicKey('not a key'), (e: unknown) => e instanceof SignatureError && e.reason === 'invalid-key');
  assert.throws(() => loadPrivateKey(read(COSIGN, '.github/workflows/cosign-test.pub')), (e: unknown) => e instanceof SignatureError && e.reason === 'invalid-key');
  // A corrupt key body (sigstore-conformance managed-key-wrong-key) is an invalid key, not a crash.
  assert.throws(() => loadPublicKey(read(CONFORMANCE, 'managed-key-wrong-key_fail/key.pub')), (e: unknown) => e instanceof SignatureError && e.reason === 'invalid-key');
});

test('a structurally broken signature is a failed verification, not an exception', () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pub = loadPublicKey(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  assert.equal(verifyBytes(pub, Buffer.from('x'), Buffer.from('not DER')), false);
});

test('detached sign-blob signatures (.sig base64 DER over SHA-256, .crt Fulcio leaf) verify with the certificate key', () => {
  // sigstore-python's test assets; bad.txt's signature is for other bytes.
  for (const [name, valid] of [['a.txt', true], ['b.txt', true], ['c.txt', true], ['offline-rekor.txt', true], ['bad.txt', false]] as const) {
    const cert = new X509Certificate(read(SIGSTORE_PY, `${name}.crt`));
    const key = describePublicKey(cert.publicKey);
    const sig = Buffer.from(read(SIGSTORE_PY, `${name}.sig`).toString().trim(), 'base64');
    assert.equal(verifyBytes(key, read(SIGSTORE_PY, name), sig), valid, name);
    const id = certificateIdentity(cert.raw);
    assert.ok(id.subject && id.issuer, `${name}: identity ${id.subject} / ${id.issuer}`);
  }
  // a.txt is signed with a P-384 key — over SHA-256, the way cosign hashes for every ECDSA curve.
  const a = new X509Certificate(read(SIGSTORE_PY, 'a.txt.crt')).publicKey;
  assert.equal(describePublicKey(a).algorithm, 'ecdsa-p384');
  assert.ok(verify('sha256', read(SIGSTORE_PY, 'a.txt'), a, Buffer.from(read(SIGSTORE_PY, 'a.txt.sig').toString().trim(), 'base64')));
});
