/**
 * Sigstore bundle verification (v0.1, v0.2, v0.3; message signature and DSSE) on @sigstore/verify, which
 * does the cryptography: Fulcio chain to the trusted root at the signing time, SCTs, Rekor SET and inclusion
 * proofs/checkpoints, RFC 3161 timestamps, the tlog body against the signature. This module adds what the
 * library leaves to callers: exact/regex identity policy, artifact and in-toto subject digests, key-only
 * bundles, Rekor v2 hashedrekord-over-DSSE entries, and one failure vocabulary.
 */
import { createHash, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { Verifier, VerificationError, toSignedEntity, type SignedEntity } from '@sigstore/verify';
import { parseJsonInput, SignatureError, toOutcome, type FailureReason, type Outcome } from './errors.js';
import { checkIdentity, certificateIdentity, type CertificateIdentity, type IdentityPolicy } from './identity.js';
import { describePublicKey, type PublicKeyInfo } from './keys.js';
import { paeDigest, type DsseEnvelope } from './dsse.js';
import { parseStatement, statementHasDigest, type Statement } from './intoto.js';
import { emptyTrustedRoot, trustMaterial, type TrustedRootInfo } from './trustroot.js';

/** protobuf-specs HashAlgorithm numbers → node:crypto names (SHA2_256 = 1, SHA2_384 = 2, SHA2_512 = 3). */
const HASH_NAMES: Record<number, string> = { 1: 'sha256', 2: 'sha384', 3: 'sha512' };

export interface TlogEvidence {
  logIndex: number;
  /** hex */
  logId: string;
  kind: string;
  /** From the entry (Rekor v1); Rekor v2 entries carry none and rely on TSA timestamps. */
  integratedTime: Date | undefined;
  inclusionProof: boolean;
  inclusionPromise: boolean;
}

export interface VerifiedSigner {
  /** 'key': verified with a supplied public key; 'certificate': keyless (Fulcio certificate). */
  mode: 'key' | 'certificate';
  keyFingerprint: string;
  certificate: CertificateIdentity | undefined;
  tlog: TlogEvidence[];
}

export interface VerifiedBundle extends VerifiedSigner {
  bundleMediaType: string;
  content: 'messageSignature' | 'dsseEnvelope';
  /** DSSE only. */
  payloadType: string | undefined;
  payload: Buffer | undefined;
  /** DSSE carrying an in-toto statement. */
  statement: Statement | undefined;
}

export interface BundleVerifyOptions {
  /** The signed bytes (message signatures), or the attested subject's bytes (DSSE: checked against subjects). */
  artifact?: Buffer;
  /** `sha256:<hex>` the in-toto subject must include (an image digest), when the artifact bytes are not at hand. */
  artifactDigest?: string;
  /** Required for certificates; for keys, the Rekor/TSA evidence is verified only when a root is supplied. */
  trustedRoot?: TrustedRootInfo;
  /** Key-based bundles: the key to verify with (`publicKey.hint` is an unauthenticated hint). */
  publicKey?: PublicKeyInfo;
  /** Required for certificate-based bundles. */
  identity?: IdentityPolicy;
  /** Defaults: 1 SCT for certificates; 1 tlog entry and 1 timestamp when a trusted root is used, else 0. */
  ctlogThreshold?: number;
  tlogThreshold?: number;
  timestampThreshold?: number;
}

/** Maps @sigstore/verify's error codes onto our vocabulary. */
export function classifyLibraryError(e: unknown): SignatureError {
  if (e instanceof SignatureError) return e;
  if (e instanceof VerificationError) {
    const msg = `${e.message}${e.cause instanceof Error ? `: ${e.cause.message}` : ''}`;
    const by: Record<string, FailureReason> = {
      CERTIFICATE_ERROR: 'untrusted-chain',
      PUBLIC_KEY_ERROR: 'wrong-key',
      SIGNATURE_ERROR: 'wrong-key',
      TIMESTAMP_ERROR: 'invalid-timestamp',
      TLOG_ERROR: 'invalid-set',
      TLOG_INCLUSION_PROOF_ERROR: 'invalid-set',
      TLOG_INCLUSION_PROMISE_ERROR: 'invalid-set',
      TLOG_MISSING_INCLUSION_ERROR: 'missing-set',
      TLOG_BODY_ERROR: 'tlog-mismatch',
    };
    let reason = by[e.code] ?? 'invalid-bundle';
    if (e.code === 'CERTIFICATE_ERROR' && /not valid or expired/.test(msg)) reason = 'certificate-expired';
    if (/^expected \d+ (tlog entries|timestamps), got 0$/.test(e.message)) reason = 'missing-set';
    return new SignatureError(reason, msg, { cause: e });
  }
  const name = (e as { name?: string } | null)?.name;
  if (name === 'ValidationError') return new SignatureError('invalid-bundle', `invalid bundle: ${(e as Error).message}`, { cause: e });
  return new SignatureError('invalid-bundle', `bundle verification failed: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}

export function parseBundle(input: string | Buffer | unknown): Bundle {
  const json = parseJsonInput(input, 'invalid-bundle', 'bundle');
  try {
    return bundleFromJSON(json);
  } catch (e) {
    throw classifyLibraryError(e);
  }
}

function tlogEvidence(bundle: Bundle): TlogEvidence[] {
  return bundle.verificationMaterial.tlogEntries.map((e) => ({
    logIndex: Number(e.logIndex),
    logId: Buffer.from(e.logId?.keyId ?? []).toString('hex'),
    kind: `${e.kindVersion?.kind}/${e.kindVersion?.version}`,
    integratedTime: e.integratedTime && e.integratedTime !== '0' ? new Date(Number(e.integratedTime) * 1000) : undefined,
    inclusionProof: e.inclusionProof !== undefined,
    inclusionPromise: e.inclusionPromise !== undefined,
  }));
}

/**
 * Rekor v2 logs a DSSE envelope as hashedrekord 0.0.2 over SHA-256(PAE) (rekor-v2 spec §6.1.4), while the
 * library compares hashedrekord digests against SHA-256(payload). When every entry is a hashedrekord, the
 * digest the entry must match is the PAE's; the signature comparison stays the library's.
 */
function adaptDsseHashedRekord(bundle: Bundle, entity: SignedEntity): SignedEntity {
  if (bundle.content.$case !== 'dsseEnvelope') return entity;
  const entries = bundle.verificationMaterial.tlogEntries;
  if (entries.length === 0 || !entries.every((e) => e.kindVersion?.kind === 'hashedrekord')) return entity;
  const env = bundle.content.dsseEnvelope;
  const digest = paeDigest({ payloadType: env.payloadType, payload: Buffer.from(env.payload).toString('base64'), signatures: [] } as DsseEnvelope);
  return withSignature(entity, { compareDigest: (d: Buffer) => d.equals(digest) });
}

type SignatureContent = SignedEntity['signature'];

/** The entity with some of its signature-content methods replaced; the rest delegate to the library's. */
function withSignature(entity: SignedEntity, override: Partial<Pick<SignatureContent, 'compareDigest' | 'verifySignature'>>): SignedEntity {
  const inner = entity.signature;
  return {
    ...entity,
    signature: {
      signature: inner.signature,
      compareSignature: (s: Buffer) => inner.compareSignature(s),
      compareDigest: override.compareDigest ?? ((d: Buffer) => inner.compareDigest(d)),
      verifySignature: override.verifySignature ?? ((k: KeyObject) => inner.verifySignature(k)),
    },
  };
}

/**
 * A bundle's chain beyond the leaf is never used to build the path (anchors and intermediates come from the
 * trusted root), but a bundle that ships certificates the root does not hold — its own root above all — is
 * asserting trust it has no standing to assert, and is refused (sigstore-conformance bundle-with-root-cert).
 * Copies of the trusted root's own certificates, which real v0.1 bundles carry, are accepted.
 */
function rejectForeignChain(certs: Uint8Array[], root: TrustedRootInfo): void {
  const trusted = new Set(
    root.root.certificateAuthorities.flatMap((ca) => ca.certChain?.certificates.map((c) => Buffer.from(c.rawBytes).toString('base64')) ?? []),
  );
  for (const [i, raw] of certs.entries()) {
    if (i === 0 || trusted.has(Buffer.from(raw).toString('base64'))) continue;
    let selfSigned = false;
    try {
      const cert = X509Certificate.parse(Buffer.from(raw));
      selfSigned = cert.issuer.equals(cert.subject) && cert.verify();
    } catch {
      selfSigned = false;
    }
    throw new SignatureError(
      'untrusted-chain',
      `the bundle's certificate chain includes ${selfSigned ? 'a root' : 'a'} certificate (position ${i}) that is not in the trusted root`,
    );
  }
}

/**
 * Early v0.1 bundles (e.g. CPython 3.12.5's) carry an inclusion proof without a checkpoint. An unsigned root
 * hash proves nothing, and v0.1's required evidence is the SET, so such a proof is set aside rather than
 * half-verified (the library would otherwise crash on the missing checkpoint).
 */
function dropUncheckpointedProofs(bundle: Bundle): Bundle {
  const entries = bundle.verificationMaterial.tlogEntries;
  if (!entries.some((e) => e.inclusionProof && !e.inclusionProof.checkpoint && e.inclusionPromise)) return bundle;
  return {
    ...bundle,
    verificationMaterial: {
      ...bundle.verificationMaterial,
      tlogEntries: entries.map((e) => (e.inclusionProof && !e.inclusionProof.checkpoint && e.inclusionPromise ? { ...e, inclusionProof: undefined } : e)),
    },
  } as Bundle;
}

/**
 * The library reports "not valid or expired at the specified date" for the leaf and for CAs alike. Which one
 * it was decides the message an operator needs: a leaf used outside its 10-minute window is an expired
 * certificate; a leaf within it means a CA of the chain was not trusted at that time.
 */
function refineCertificateError(e: SignatureError, der: Uint8Array | undefined, tlog: TlogEvidence[]): SignatureError {
  if (e.reason !== 'certificate-expired' || der === undefined) return e;
  let id: CertificateIdentity;
  try {
    id = certificateIdentity(der);
  } catch {
    return e;
  }
  const outside = tlog
    .map((t) => t.integratedTime)
    .find((t): t is Date => t !== undefined && (t < id.notBefore || t > id.notAfter));
  if (outside) {
    return new SignatureError(
      'certificate-expired',
      `signing time ${outside.toISOString()} is outside the certificate's validity ${id.notBefore.toISOString()} – ${id.notAfter.toISOString()}`,
      { cause: e },
    );
  }
  if (tlog.some((t) => t.integratedTime !== undefined)) {
    return new SignatureError('untrusted-chain', `the certificate's issuing CA is not trusted at the signing time: ${e.message}`, { cause: e });
  }
  return e; // only TSA times, which we do not re-parse: keep the library's verdict
}

/**
 * @sigstore/verify verifies message signatures with the digest's hash name, which OpenSSL refuses for
 * Ed25519 (pure EdDSA takes no digest). Ed25519 keys therefore verify the artifact directly.
 */
function adaptEd25519(bundle: Bundle, entity: SignedEntity, artifact: Buffer | undefined): SignedEntity {
  if (bundle.content.$case !== 'messageSignature' || artifact === undefined) return entity;
  const inner = entity.signature;
  return withSignature(entity, {
    verifySignature: (k: KeyObject) =>
      k.asymmetricKeyType === 'ed25519' ? cryptoVerify(null, artifact, k, inner.signature) : inner.verifySignature(k),
  });
}

function sha256Hex(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Verifies a parsed bundle; throws {@link SignatureError}. */
export function verifyBundleOrThrow(bundle: Bundle, opts: BundleVerifyOptions): VerifiedBundle {
  const vm = bundle.verificationMaterial;
  const isDsse = bundle.content.$case === 'dsseEnvelope';
  const keyMode = vm.content.$case === 'publicKey';
  if (!isDsse && opts.artifact === undefined) {
    throw new TypeError('a message-signature bundle needs the artifact bytes to verify');
  }
  let root = opts.trustedRoot;
  if (keyMode) {
    if (!opts.publicKey) throw new SignatureError('wrong-key', 'the bundle is signed with a key and no public key was supplied');
  } else {
    if (!root) throw new TypeError('a certificate-based bundle needs a trusted root');
    if (!opts.identity) throw new TypeError('a certificate-based bundle needs an identity policy');
  }
  if (bundle.content.$case === 'messageSignature' && opts.artifact !== undefined) {
    // The digest is an unauthenticated hint, but comparing it first turns "signature failed" into the
    // message that is actually true: these are not the bytes that were signed.
    const md = bundle.content.messageSignature.messageDigest;
    const alg = md ? HASH_NAMES[md.algorithm] : undefined;
    if (md && alg && !createHash(alg).update(opts.artifact).digest().equals(Buffer.from(md.digest))) {
      throw new SignatureError('digest-mismatch', `the artifact's ${alg} digest differs from the digest the bundle signs`);
    }
  }
  const useTlog = root !== undefined;
  root ??= emptyTrustedRoot();
  if (vm.content.$case === 'x509CertificateChain') rejectForeignChain(vm.content.x509CertificateChain.certificates.map((c) => c.rawBytes), root);
  if (bundle.mediaType === 'application/vnd.dev.sigstore.bundle+json;version=0.1') bundle = dropUncheckpointedProofs(bundle);
  const key = opts.publicKey;
  const material = trustMaterial(root, key ? () => ({ publicKey: key.key, validFor: () => true }) : undefined);
  const verifier = new Verifier(material, {
    ctlogThreshold: opts.ctlogThreshold ?? (keyMode ? 0 : 1),
    tlogThreshold: opts.tlogThreshold ?? (useTlog ? 1 : 0),
    timestampThreshold: opts.timestampThreshold ?? (useTlog ? 1 : 0),
  });
  let entity: SignedEntity;
  try {
    entity = adaptEd25519(bundle, adaptDsseHashedRekord(bundle, toSignedEntity(bundle, isDsse ? undefined : opts.artifact)), opts.artifact);
  } catch (e) {
    throw classifyLibraryError(e);
  }
  if (keyMode && !useTlog) {
    // Rekor and TSA evidence cannot be checked without a root to trust it by; it is set aside, not half-checked.
    entity = { ...entity, timestamps: [], tlogEntries: [] };
  }
  const der =
    vm.content.$case === 'certificate'
      ? vm.content.certificate.rawBytes
      : vm.content.$case === 'x509CertificateChain'
        ? vm.content.x509CertificateChain.certificates[0]?.rawBytes
        : undefined;
  let signerKey: KeyObject;
  try {
    signerKey = verifier.verify(entity).key;
  } catch (e) {
    throw refineCertificateError(classifyLibraryError(e), der, tlogEvidence(bundle));
  }

  let certificate: CertificateIdentity | undefined;
  if (!keyMode) {
    if (!der) throw new SignatureError('invalid-bundle', 'bundle has no certificate');
    certificate = certificateIdentity(der);
    checkIdentity(certificate, opts.identity as IdentityPolicy);
  }

  let payloadType: string | undefined;
  let payload: Buffer | undefined;
  let statement: Statement | undefined;
  if (bundle.content.$case === 'dsseEnvelope') {
    const env = bundle.content.dsseEnvelope;
    payloadType = env.payloadType;
    payload = Buffer.from(env.payload);
    if (payloadType === 'application/vnd.in-toto+json') statement = parseStatement(payload);
    const wanted = opts.artifactDigest ?? (opts.artifact ? `sha256:${sha256Hex(opts.artifact)}` : undefined);
    if (wanted !== undefined) {
      if (!statement) throw new SignatureError('digest-mismatch', `DSSE payload of type ${payloadType} names no subject to compare with ${wanted}`);
      if (!statementHasDigest(statement, wanted)) {
        throw new SignatureError('digest-mismatch', `no in-toto subject has digest ${wanted}`);
      }
    }
  } else if (opts.artifactDigest !== undefined) {
    const md = bundle.content.messageSignature.messageDigest;
    const alg = md ? HASH_NAMES[md.algorithm] : undefined;
    const have = md && alg ? `${alg}:${Buffer.from(md.digest).toString('hex')}` : undefined;
    if (have !== opts.artifactDigest) throw new SignatureError('digest-mismatch', `bundle signs ${have ?? '(no digest)'}, expected ${opts.artifactDigest}`);
  }

  return {
    mode: keyMode ? 'key' : 'certificate',
    keyFingerprint: describePublicKey(signerKey).fingerprint,
    certificate,
    tlog: useTlog ? tlogEvidence(bundle) : [],
    bundleMediaType: bundle.mediaType,
    content: bundle.content.$case,
    payloadType,
    payload,
    statement,
  };
}

/** Parses and verifies a Sigstore bundle (JSON text, bytes or parsed object). */
export function verifyBundle(input: string | Buffer | unknown, opts: BundleVerifyOptions): Outcome<VerifiedBundle> {
  return toOutcome(() => verifyBundleOrThrow(parseBundle(input), opts));
}

export const BUNDLE_V03_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** JSON form of a Sigstore bundle v0.3 for a key-based signature, without Rekor/TSA evidence (offline signing). */
export interface KeyBundleJson {
  mediaType: typeof BUNDLE_V03_MEDIA_TYPE;
  verificationMaterial: { publicKey: { hint: string }; tlogEntries: []; timestampVerificationData: { rfc3161Timestamps: [] } };
  messageSignature?: { messageDigest: { algorithm: 'SHA2_256'; digest: string }; signature: string };
  dsseEnvelope?: DsseEnvelope;
}

function keyMaterial(key: PublicKeyInfo): KeyBundleJson['verificationMaterial'] {
  return { publicKey: { hint: key.hint }, tlogEntries: [], timestampVerificationData: { rfc3161Timestamps: [] } };
}

/** A v0.3 bundle for a message signature made with {@link signBytes} over `artifact`. */
export function keyMessageBundle(key: PublicKeyInfo, artifact: Buffer, signature: Buffer): KeyBundleJson {
  return {
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: keyMaterial(key),
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(artifact).digest('base64') },
      signature: signature.toString('base64'),
    },
  };
}

/** A v0.3 bundle wrapping a signed DSSE envelope (e.g. from attestImage). */
export function keyDsseBundle(key: PublicKeyInfo, envelope: DsseEnvelope): KeyBundleJson {
  return { mediaType: BUNDLE_V03_MEDIA_TYPE, verificationMaterial: keyMaterial(key), dsseEnvelope: envelope };
}
