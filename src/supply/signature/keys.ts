/**
 * Key material for cosign-style signing and verification: PEM public keys (ECDSA P-256/P-384/P-521, RSA in
 * SPKI or PKCS#1, Ed25519) and private keys (PKCS#8, SEC1 `EC PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`).
 *
 * Hashing follows cosign: it loads every ECDSA and RSA key with SHA-256 (`LoadSignerVerifier(key, crypto.SHA256)`),
 * so the signature is over SHA-256(payload) whatever the curve; RSA is PKCS#1 v1.5; Ed25519 signs the message
 * itself. Newer Sigstore clients pick SHA-384 for P-384, so verification of a P-384 signature also accepts it.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { SignatureError } from './errors.js';

export type KeyAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'rsa' | 'ed25519';

export interface PublicKeyInfo {
  key: KeyObject;
  algorithm: KeyAlgorithm;
  /** `sha256:<hex>` of the DER SubjectPublicKeyInfo: stable, and what result output names the key by. */
  fingerprint: string;
  /** base64 SHA-256 of the SPKI DER: the `publicKey.hint` Sigstore bundles use for keys. */
  hint: string;
}

export interface PrivateKeyInfo {
  key: KeyObject;
  algorithm: KeyAlgorithm;
  publicKey: PublicKeyInfo;
}

function algorithmOf(key: KeyObject): KeyAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'ed25519') return 'ed25519';
  if (type === 'rsa') return 'rsa';
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1' || curve === 'P-256') return 'ecdsa-p256';
    if (curve === 'secp384r1' || curve === 'P-384') return 'ecdsa-p384';
    if (curve === 'secp521r1' || curve === 'P-521') return 'ecdsa-p521';
    throw new SignatureError('invalid-key', `unsupported EC curve ${curve ?? '(unknown)'}`);
  }
  throw new SignatureError('invalid-key', `unsupported key type ${type ?? '(unknown)'}`);
}

/** Describes an already-constructed public key (from a certificate, a trusted root, a generated pair). */
export function describePublicKey(key: KeyObject): PublicKeyInfo {
  if (key.type !== 'public') throw new SignatureError('invalid-key', 'expected a public key');
  const der = key.export({ type: 'spki', format: 'der' });
  const sum = createHash('sha256').update(der).digest();
  return { key, algorithm: algorithmOf(key), fingerprint: `sha256:${sum.toString('hex')}`, hint: sum.toString('base64') };
}

function pemLabels(pem: string): string[] {
  return [...pem.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)].map((m) => m[1]);
}

/** Loads a PEM public key: `PUBLIC KEY` (SPKI, any supported algorithm) or `RSA PUBLIC KEY` (PKCS#1). */
export function loadPublicKey(pem: string | Buffer): PublicKeyInfo {
  const text = typeof pem === 'string' ? pem : pem.toString('utf8');
  const labels = pemLabels(text);
  if (labels.length === 0) throw new SignatureError('invalid-key', 'no PEM block found');
  if (!labels.includes('PUBLIC KEY') && !labels.includes('RSA PUBLIC KEY')) {
    throw new SignatureError('invalid-key', `expected a PUBLIC KEY PEM block, found ${labels.join(', ')}`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey(text);
  } catch (e) {
    throw new SignatureError('invalid-key', `unreadable public key: ${(e as Error).message}`, { cause: e });
  }
  return describePublicKey(key);
}

/**
 * Loads a PEM private key for signing. cosign's own `ENCRYPTED SIGSTORE/COSIGN PRIVATE KEY` format (scrypt +
 * NaCl secretbox, i.e. XSalsa20-Poly1305) is refused with 'unsupported-key': node:crypto has no XSalsa20 and
 * hand-rolling a cipher is not worth the risk — convert it with `cosign import-key-pair`'s inverse or use PKCS#8.
 */
export function loadPrivateKey(pem: string | Buffer, passphrase?: string): PrivateKeyInfo {
  const text = typeof pem === 'string' ? pem : pem.toString('utf8');
  const labels = pemLabels(text);
  if (labels.some((l) => l === 'ENCRYPTED SIGSTORE PRIVATE KEY' || l === 'ENCRYPTED COSIGN PRIVATE KEY')) {
    throw new SignatureError(
      'unsupported-key',
      'cosign encrypted private keys (scrypt + nacl/secretbox) are not supported; export the key as PKCS#8 PEM',
    );
  }
  const accepted = ['PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PRIVATE KEY', 'ENCRYPTED PRIVATE KEY'];
  if (!labels.some((l) => accepted.includes(l))) {
    throw new SignatureError('invalid-key', `expected a private key PEM block, found ${labels.join(', ') || 'none'}`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(passphrase === undefined ? text : { key: text, passphrase });
  } catch (e) {
    throw new SignatureError('invalid-key', `unreadable private key: ${(e as Error).message}`, { cause: e });
  }
  return fromPrivateKeyObject(key);
}

export function fromPrivateKeyObject(key: KeyObject): PrivateKeyInfo {
  if (key.type !== 'private') throw new SignatureError('invalid-key', 'expected a private key');
  return { key, algorithm: algorithmOf(key), publicKey: describePublicKey(createPublicKey(key)) };
}

/** PEM (SPKI) of a public key, as `cosign generate-key-pair` writes cosign.pub. */
export function publicKeyPem(info: PublicKeyInfo): string {
  return info.key.export({ type: 'spki', format: 'pem' }).toString();
}

/** Signs bytes the way cosign does (see the module comment); ECDSA signatures are ASN.1 DER. */
export function signBytes(priv: PrivateKeyInfo, data: Buffer): Buffer {
  if (priv.algorithm === 'ed25519') return sign(null, data, priv.key);
  return sign('sha256', data, { key: priv.key, dsaEncoding: 'der' });
}

/** Verifies a signature made by {@link signBytes} (or by cosign / another Sigstore client). */
export function verifyBytes(pub: PublicKeyInfo, data: Buffer, signature: Buffer): boolean {
  try {
    if (pub.algorithm === 'ed25519') return verify(null, data, pub.key, signature);
    const hashes = pub.algorithm === 'ecdsa-p384' ? ['sha256', 'sha384'] : pub.algorithm === 'ecdsa-p521' ? ['sha256', 'sha512'] : ['sha256'];
    return hashes.some((h) => verify(h, data, { key: pub.key, dsaEncoding: 'der' }, signature));
  } catch {
    // OpenSSL throws on structurally invalid signatures (bad DER); that is a failed verification, not a crash.
    return false;
  }
}
