/**
 * cosign's OCI formats, as cosign writes them to the `sha256-<hex>.sig` and `.att` tags:
 *  - a signature is a layer of mediaType application/vnd.dev.cosign.simplesigning.v1+json whose blob is the
 *    simple-signing payload and whose annotations carry the base64 signature, the Fulcio certificate and
 *    chain (keyless) and the Rekor bundle (SignedEntryTimestamp + the entry's body, time, index, log id);
 *  - an attestation is a layer of mediaType application/vnd.dsse.envelope.v1+json whose blob is the DSSE
 *    envelope of an in-toto statement, annotated with its predicateType (and an empty signature annotation).
 * Keyless evidence is verified by turning the layer into the equivalent Sigstore v0.1 bundle and running the
 * bundle verifier, so Fulcio/Rekor checks exist once.
 */
import { createHash } from 'node:crypto';
import { SignatureError, decodeBase64Strict, toOutcome, type Outcome } from './errors.js';
import { DSSE_ENVELOPE_MEDIA_TYPE, IN_TOTO_PAYLOAD_TYPE, parseEnvelope, signEnvelope, verifyEnvelope, type DsseEnvelope } from './dsse.js';
import type { IdentityPolicy } from './identity.js';
import { buildStatement, parseStatement, statementHasDigest, type Statement } from './intoto.js';
import { signBytes, verifyBytes, type PrivateKeyInfo, type PublicKeyInfo } from './keys.js';
import { summarizeStatement, type PredicateSummary } from './predicates.js';
import { keyDsseBundle, parseBundle, verifyBundleOrThrow, type BundleVerifyOptions, type KeyBundleJson, type VerifiedSigner } from './sigstore.js';
import type { TrustedRootInfo } from './trustroot.js';

export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';
export const ANNOTATION_SIGNATURE = 'dev.cosignproject.cosign/signature';
export const ANNOTATION_CERTIFICATE = 'dev.sigstore.cosign/certificate';
export const ANNOTATION_CHAIN = 'dev.sigstore.cosign/chain';
export const ANNOTATION_BUNDLE = 'dev.sigstore.cosign/bundle';
export const ANNOTATION_PREDICATE_TYPE = 'predicateType';
/** cosign v3 (new bundle format): image signatures are DSSE bundles attached as OCI referrers. */
export const COSIGN_SIGN_PREDICATE_V1 = 'https://sigstore.dev/cosign/sign/v1';
export const REFERRER_ANNOTATION_BUNDLE_CONTENT = 'dev.sigstore.bundle.content';
export const REFERRER_ANNOTATION_BUNDLE_PREDICATE_TYPE = 'dev.sigstore.bundle.predicateType';
export { DSSE_ENVELOPE_MEDIA_TYPE };

export interface SimpleSigningPayload {
  critical: {
    identity: { 'docker-reference': string };
    image: { 'docker-manifest-digest': string };
    type: string;
  };
  optional: Record<string, unknown> | null;
}

export interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations: Record<string, string>;
}

/** The `dev.sigstore.cosign/bundle` annotation. */
export interface RekorBundleAnnotation {
  SignedEntryTimestamp: string;
  Payload: { body: string; integratedTime: number; logIndex: number; logID: string };
}

const DIGEST_RE = /^sha(256|384|512):[0-9a-f]+$/;

function sha256Digest(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

/** Go's encoding/json escapes <, >, & and U+2028/9; cosign's payload bytes do too, so ours match. */
function goJson(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function parseSimpleSigningPayload(bytes: Buffer): SimpleSigningPayload {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new SignatureError('invalid-payload', `simple-signing payload is not JSON: ${(e as Error).message}`);
  }
  const p = json as Partial<SimpleSigningPayload> | null;
  const c = p?.critical;
  if (typeof c !== 'object' || c === null) throw new SignatureError('invalid-payload', 'simple-signing payload has no critical section');
  if (c.type !== COSIGN_SIGNATURE_TYPE) {
    throw new SignatureError('invalid-payload', `critical.type is ${JSON.stringify(c.type)}, expected "${COSIGN_SIGNATURE_TYPE}"`);
  }
  const ref = c.identity?.['docker-reference'];
  if (typeof ref !== 'string') throw new SignatureError('invalid-payload', 'critical.identity.docker-reference is missing');
  const digest = c.image?.['docker-manifest-digest'];
  if (typeof digest !== 'string' || !DIGEST_RE.test(digest)) {
    throw new SignatureError('invalid-payload', `critical.image.docker-manifest-digest ${JSON.stringify(digest)} is not a digest`);
  }
  const optional = p?.optional ?? null;
  if (optional !== null && (typeof optional !== 'object' || Array.isArray(optional))) {
    throw new SignatureError('invalid-payload', 'optional must be an object or null');
  }
  return { critical: { identity: { 'docker-reference': ref }, image: { 'docker-manifest-digest': digest }, type: c.type }, optional };
}

/** The payload bytes cosign signs: field order and escaping as Go marshals cosign's payload struct. */
export function buildSimpleSigningPayload(dockerReference: string, digest: string, optional?: Record<string, unknown>): Buffer {
  if (!DIGEST_RE.test(digest)) throw new TypeError(`${digest} is not an image digest`);
  const p: SimpleSigningPayload = {
    critical: { identity: { 'docker-reference': dockerReference }, image: { 'docker-manifest-digest': digest }, type: COSIGN_SIGNATURE_TYPE },
    optional: optional && Object.keys(optional).length > 0 ? optional : null,
  };
  return Buffer.from(goJson(p), 'utf8');
}

export function parseRekorBundleAnnotation(text: string): RekorBundleAnnotation {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw new SignatureError('invalid-set', `${ANNOTATION_BUNDLE} is not JSON`);
  }
  const b = j as Partial<RekorBundleAnnotation> | null;
  const p = b?.Payload;
  if (
    typeof b?.SignedEntryTimestamp !== 'string' ||
    typeof p !== 'object' || p === null ||
    typeof p.body !== 'string' || typeof p.integratedTime !== 'number' || typeof p.logIndex !== 'number' ||
    typeof p.logID !== 'string' || !/^[0-9a-f]+$/i.test(p.logID)
  ) {
    throw new SignatureError('invalid-set', `${ANNOTATION_BUNDLE} lacks SignedEntryTimestamp or Payload.{body,integratedTime,logIndex,logID}`);
  }
  return b as RekorBundleAnnotation;
}

/** PEM certificates to DER, in order. */
function pemCertificates(pem: string): Buffer[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) => Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
}

interface Evidence {
  certificate: Buffer | undefined;
  rekor: RekorBundleAnnotation | undefined;
}

/**
 * The chain annotation is read by no one on purpose: intermediates and roots come from the trusted root, and
 * a chain the signer ships cannot add trust (bundles get the same rule in sigstore.ts).
 */
function evidenceOf(annotations: Record<string, string>): Evidence {
  const certPem = annotations[ANNOTATION_CERTIFICATE];
  const certs = certPem ? pemCertificates(certPem) : [];
  if (certPem && certs.length === 0) throw new SignatureError('untrusted-chain', `${ANNOTATION_CERTIFICATE} holds no PEM certificate`);
  const rekorText = annotations[ANNOTATION_BUNDLE];
  return { certificate: certs[0], rekor: rekorText ? parseRekorBundleAnnotation(rekorText) : undefined };
}

/** The Sigstore v0.1 bundle equivalent to a cosign layer's annotations (what sigstore-go does for .sig). */
function layerToBundle(
  ev: Evidence,
  key: PublicKeyInfo | undefined,
  content: { messageSignature: { digest: Buffer; signature: Buffer } } | { dsseEnvelope: DsseEnvelope },
): unknown {
  const rekor = ev.rekor as RekorBundleAnnotation;
  let body: { kind?: unknown; apiVersion?: unknown };
  try {
    body = JSON.parse(Buffer.from(rekor.Payload.body, 'base64').toString('utf8'));
  } catch {
    throw new SignatureError('invalid-set', 'Rekor entry body is not base64 JSON');
  }
  const verificationMaterial: Record<string, unknown> = {
    tlogEntries: [
      {
        logIndex: String(rekor.Payload.logIndex),
        logId: { keyId: Buffer.from(rekor.Payload.logID, 'hex').toString('base64') },
        kindVersion: { kind: String(body.kind), version: String(body.apiVersion) },
        integratedTime: String(rekor.Payload.integratedTime),
        inclusionPromise: { signedEntryTimestamp: rekor.SignedEntryTimestamp },
        canonicalizedBody: rekor.Payload.body,
      },
    ],
    timestampVerificationData: { rfc3161Timestamps: [] },
  };
  if (key) verificationMaterial.publicKey = { hint: key.hint };
  else verificationMaterial.x509CertificateChain = { certificates: [{ rawBytes: (ev.certificate as Buffer).toString('base64') }] };
  const bundle: Record<string, unknown> = { mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1', verificationMaterial };
  if ('messageSignature' in content) {
    bundle.messageSignature = {
      messageDigest: { algorithm: 'SHA2_256', digest: content.messageSignature.digest.toString('base64') },
      signature: content.messageSignature.signature.toString('base64'),
    };
  } else {
    bundle.dsseEnvelope = content.dsseEnvelope;
  }
  return bundle;
}

/** The Rekor entry's recorded artifact hash, for hashedrekord entries; a mismatch means the payload changed. */
function rekorArtifactHash(rekor: RekorBundleAnnotation): string | undefined {
  try {
    const body = JSON.parse(Buffer.from(rekor.Payload.body, 'base64').toString('utf8')) as { kind?: string; spec?: { data?: { hash?: { algorithm?: string; value?: string } } } };
    const h = body.kind === 'hashedrekord' ? body.spec?.data?.hash : undefined;
    return h?.algorithm && h.value ? `${h.algorithm}:${h.value}` : undefined;
  } catch {
    return undefined;
  }
}

export interface CosignVerifyOptions {
  /** The digest of the image being verified (`sha256:<hex>`): the signed digest must equal it. */
  imageDigest: string;
  /** Key mode. Without it, keyless: the certificate annotation, a trusted root and an identity are required. */
  publicKey?: PublicKeyInfo;
  trustedRoot?: TrustedRootInfo;
  identity?: IdentityPolicy;
  /** Key mode: refuse signatures without Rekor evidence (cosign's default; --insecure-ignore-tlog turns it off). */
  requireTlog?: boolean;
  /** Certificates from private Fulcio deployments may carry no SCT; public-good ones always do. Default 1. */
  ctlogThreshold?: number;
}

export interface SignatureLayerInput {
  /** The layer blob: the simple-signing payload bytes exactly as stored. */
  payload: Buffer;
  annotations: Record<string, string>;
  /** The layer descriptor's digest from the signature manifest, when known: binds the blob to the manifest. */
  layerDigest?: string;
}

export interface VerifiedCosignSignature extends VerifiedSigner {
  dockerReference: string;
  digest: string;
  payload: SimpleSigningPayload;
}

function checkLayerDigest(blob: Buffer, layerDigest: string | undefined): void {
  if (layerDigest !== undefined && sha256Digest(blob) !== layerDigest) {
    throw new SignatureError('tampered-payload', `layer blob digest ${sha256Digest(blob)} differs from the manifest's ${layerDigest}`);
  }
}

function modeChecks(opts: CosignVerifyOptions, ev: Evidence): 'key' | 'certificate' {
  if (opts.publicKey) return 'key';
  if (!ev.certificate) throw new SignatureError('untrusted-chain', `keyless verification needs the ${ANNOTATION_CERTIFICATE} annotation`);
  if (!opts.trustedRoot) throw new TypeError('keyless verification needs a trusted root');
  if (!opts.identity) throw new TypeError('keyless verification needs an identity policy');
  if (!ev.rekor) throw new SignatureError('missing-set', `keyless signature has no Rekor bundle (${ANNOTATION_BUNDLE})`);
  return 'certificate';
}

/**
 * A signature failing with an authenticated certificate key means the signed bytes changed; with a supplied
 * key it may equally be the wrong key, which is the more useful first guess for an operator.
 */
function refine(e: unknown, mode: 'key' | 'certificate'): never {
  if (e instanceof SignatureError && e.reason === 'wrong-key' && mode === 'certificate') {
    throw new SignatureError('tampered-payload', `signature does not verify with the certificate's key: ${e.message}`, { cause: e });
  }
  throw e;
}

/** How a cosign layer, turned into a bundle, is verified: SCTs for certificates, one tlog entry, one timestamp. */
function bundleOptions(opts: CosignVerifyOptions, mode: 'key' | 'certificate'): BundleVerifyOptions {
  return {
    trustedRoot: opts.trustedRoot,
    publicKey: opts.publicKey,
    identity: opts.identity,
    ctlogThreshold: mode === 'certificate' ? (opts.ctlogThreshold ?? 1) : 0,
    tlogThreshold: 1,
    timestampThreshold: 1,
  };
}

export function verifyCosignSignatureOrThrow(layer: SignatureLayerInput, opts: CosignVerifyOptions): VerifiedCosignSignature {
  checkLayerDigest(layer.payload, layer.layerDigest);
  const sigText = layer.annotations[ANNOTATION_SIGNATURE];
  if (sigText === undefined) throw new SignatureError('invalid-signature-encoding', `layer has no ${ANNOTATION_SIGNATURE} annotation`);
  const signature = decodeBase64Strict(sigText, ANNOTATION_SIGNATURE);
  const ev = evidenceOf(layer.annotations);
  const mode = modeChecks(opts, ev);
  const payloadDigest = createHash('sha256').update(layer.payload).digest();

  let signer: VerifiedSigner;
  if (ev.rekor && (mode === 'certificate' || opts.trustedRoot)) {
    const recorded = rekorArtifactHash(ev.rekor);
    if (recorded !== undefined && recorded !== `sha256:${payloadDigest.toString('hex')}`) {
      throw new SignatureError('tampered-payload', `Rekor recorded payload hash ${recorded}, the payload hashes to sha256:${payloadDigest.toString('hex')}`);
    }
    const bundle = parseBundle(layerToBundle(ev, opts.publicKey, { messageSignature: { digest: payloadDigest, signature } }));
    try {
      signer = verifyBundleOrThrow(bundle, { artifact: layer.payload, ...bundleOptions(opts, mode) });
    } catch (e) {
      refine(e, mode);
    }
  } else {
    const key = opts.publicKey as PublicKeyInfo;
    if (opts.requireTlog) throw new SignatureError('missing-set', `signature has no Rekor bundle (${ANNOTATION_BUNDLE}) and the tlog is required`);
    if (!verifyBytes(key, layer.payload, signature)) {
      throw new SignatureError('wrong-key', `signature does not verify with key ${key.fingerprint} (wrong key, or the payload changed)`);
    }
    signer = { mode: 'key', keyFingerprint: key.fingerprint, certificate: undefined, tlog: [] };
  }

  const payload = parseSimpleSigningPayload(layer.payload);
  const digest = payload.critical.image['docker-manifest-digest'];
  if (digest !== opts.imageDigest) {
    throw new SignatureError('digest-mismatch', `signature is for ${digest}, the image is ${opts.imageDigest}`);
  }
  return {
    mode: signer.mode,
    keyFingerprint: signer.keyFingerprint,
    certificate: signer.certificate,
    tlog: signer.tlog,
    dockerReference: payload.critical.identity['docker-reference'],
    digest,
    payload,
  };
}

export function verifyCosignSignature(layer: SignatureLayerInput, opts: CosignVerifyOptions): Outcome<VerifiedCosignSignature> {
  return toOutcome(() => verifyCosignSignatureOrThrow(layer, opts));
}

export interface AttestationLayerInput {
  /** The layer blob: the DSSE envelope JSON. */
  envelope: Buffer;
  annotations: Record<string, string>;
  layerDigest?: string;
}

export interface AttestationVerifyOptions extends CosignVerifyOptions {
  /** When set, the statement's predicateType must equal it. */
  predicateType?: string;
}

export interface VerifiedAttestation extends VerifiedSigner {
  statement: Statement;
  predicateType: string;
  summary: PredicateSummary;
}

export function verifyCosignAttestationOrThrow(layer: AttestationLayerInput, opts: AttestationVerifyOptions): VerifiedAttestation {
  checkLayerDigest(layer.envelope, layer.layerDigest);
  const env = parseEnvelope(layer.envelope);
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new SignatureError('invalid-payload', `DSSE payloadType ${env.payloadType}, expected ${IN_TOTO_PAYLOAD_TYPE}`);
  }
  const ev = evidenceOf(layer.annotations);
  const mode = modeChecks(opts, ev);
  let signer: VerifiedSigner;
  let payload: Buffer;
  if (ev.rekor && (mode === 'certificate' || opts.trustedRoot)) {
    const bundle = parseBundle(layerToBundle(ev, opts.publicKey, { dsseEnvelope: env }));
    try {
      const v = verifyBundleOrThrow(bundle, bundleOptions(opts, mode));
      signer = v;
      payload = v.payload as Buffer;
    } catch (e) {
      refine(e, mode);
    }
  } else {
    const key = opts.publicKey as PublicKeyInfo;
    if (opts.requireTlog) throw new SignatureError('missing-set', `attestation has no Rekor bundle (${ANNOTATION_BUNDLE}) and the tlog is required`);
    payload = verifyEnvelope(env, key).payload;
    signer = { mode: 'key', keyFingerprint: key.fingerprint, certificate: undefined, tlog: [] };
  }
  const statement = parseStatement(payload);
  if (!statementHasDigest(statement, opts.imageDigest)) {
    throw new SignatureError('digest-mismatch', `no attestation subject has digest ${opts.imageDigest}`);
  }
  if (opts.predicateType !== undefined && statement.predicateType !== opts.predicateType) {
    throw new SignatureError('predicate-type-mismatch', `attestation predicateType ${statement.predicateType}, required ${opts.predicateType}`);
  }
  return { ...signer, statement, predicateType: statement.predicateType, summary: summarizeStatement(statement) };
}

export function verifyCosignAttestation(layer: AttestationLayerInput, opts: AttestationVerifyOptions): Outcome<VerifiedAttestation> {
  return toOutcome(() => verifyCosignAttestationOrThrow(layer, opts));
}

// ---- signing -------------------------------------------------------------------------------------------

export interface SignedImage {
  payload: Buffer;
  /** base64, as in the annotation. */
  signature: string;
  layer: OciDescriptor;
}

/** `cosign sign --key` without a transparency log upload: payload, signature, and the layer descriptor. */
export function signImage(key: PrivateKeyInfo, image: { dockerReference: string; digest: string; optional?: Record<string, unknown> }): SignedImage {
  const payload = buildSimpleSigningPayload(image.dockerReference, image.digest, image.optional);
  const signature = signBytes(key, payload).toString('base64');
  return {
    payload,
    signature,
    layer: { mediaType: SIMPLE_SIGNING_MEDIA_TYPE, digest: sha256Digest(payload), size: payload.length, annotations: { [ANNOTATION_SIGNATURE]: signature } },
  };
}

export interface AttestedImage {
  statement: Statement;
  envelope: DsseEnvelope;
  /** The layer blob (envelope JSON). */
  envelopeBytes: Buffer;
  layer: OciDescriptor;
}

/** `cosign attest --key --type <predicateType>`: an in-toto v1 statement in a signed DSSE envelope layer. */
export function attestImage(
  key: PrivateKeyInfo,
  image: { subjectName: string; digest: string; predicateType: string; predicate: unknown },
): AttestedImage {
  const statement = buildStatement(image.subjectName, image.digest, image.predicateType, image.predicate);
  const envelope = signEnvelope(key, IN_TOTO_PAYLOAD_TYPE, Buffer.from(goJson(statement), 'utf8'));
  const envelopeBytes = Buffer.from(goJson(envelope), 'utf8');
  return {
    statement,
    envelope,
    envelopeBytes,
    layer: {
      mediaType: DSSE_ENVELOPE_MEDIA_TYPE,
      digest: sha256Digest(envelopeBytes),
      size: envelopeBytes.length,
      // cosign's static.NewAttestation stores an empty signature annotation: the signature is in the envelope.
      annotations: { [ANNOTATION_PREDICATE_TYPE]: image.predicateType, [ANNOTATION_SIGNATURE]: '' },
    },
  };
}


// ---- cosign v3: Sigstore bundles as OCI referrers ---------------------------------------------------------

/**
 * Verifies a Sigstore bundle attached to an image as a referrer: the bundle's in-toto subject must be the
 * image digest. With `predicateType` omitted, a cosign v3 signature (https://sigstore.dev/cosign/sign/v1)
 * is required — an attestation must not pass for a signature; pass another type to verify an attestation.
 */
export function verifyImageBundleOrThrow(bundleJson: string | Buffer | unknown, opts: AttestationVerifyOptions): VerifiedAttestation {
  const bundle = parseBundle(bundleJson);
  if (bundle.content.$case !== 'dsseEnvelope') {
    throw new SignatureError('invalid-payload', 'an image bundle must carry a DSSE in-toto statement naming the image digest');
  }
  const v = verifyBundleOrThrow(bundle, {
    artifactDigest: opts.imageDigest,
    trustedRoot: opts.trustedRoot,
    publicKey: opts.publicKey,
    identity: opts.identity,
    ctlogThreshold: opts.ctlogThreshold,
    ...(opts.requireTlog ? { tlogThreshold: 1 } : {}),
  });
  const statement = v.statement as Statement; // artifactDigest made the statement mandatory
  const wanted = opts.predicateType ?? COSIGN_SIGN_PREDICATE_V1;
  if (statement.predicateType !== wanted) {
    throw new SignatureError('predicate-type-mismatch', `bundle predicateType ${statement.predicateType}, required ${wanted}`);
  }
  return {
    mode: v.mode,
    keyFingerprint: v.keyFingerprint,
    certificate: v.certificate,
    tlog: v.tlog,
    statement,
    predicateType: statement.predicateType,
    summary: summarizeStatement(statement),
  };
}

export function verifyImageBundle(bundleJson: string | Buffer | unknown, opts: AttestationVerifyOptions): Outcome<VerifiedAttestation> {
  return toOutcome(() => verifyImageBundleOrThrow(bundleJson, opts));
}

/**
 * A key-signed cosign v3 image signature bundle (v0.3, no Rekor evidence: offline signing), and the
 * annotations cosign puts on the referrer manifest that carries it.
 */
export function signImageBundle(key: PrivateKeyInfo, digest: string): { bundle: KeyBundleJson; manifestAnnotations: Record<string, string> } {
  const statement = buildStatement(undefined, digest, COSIGN_SIGN_PREDICATE_V1, {});
  const envelope = signEnvelope(key, IN_TOTO_PAYLOAD_TYPE, Buffer.from(goJson(statement), 'utf8'));
  return {
    bundle: keyDsseBundle(key.publicKey, envelope),
    manifestAnnotations: {
      [REFERRER_ANNOTATION_BUNDLE_CONTENT]: 'dsse-envelope',
      [REFERRER_ANNOTATION_BUNDLE_PREDICATE_TYPE]: COSIGN_SIGN_PREDICATE_V1,
    },
  };
}
