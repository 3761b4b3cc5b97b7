/**
 * The one failure vocabulary of signature and attestation verification. Every verifier in this folder
 * returns an {@link Outcome}: either what was proven, or exactly one {@link FailureReason} with a message
 * meant for the person reading `kubecomply verify` output (and for policy code that branches on the reason).
 */

export type FailureReason =
  | 'invalid-key' // the key material could not be read or is of an unsupported type
  | 'unsupported-key' // readable, but a format we deliberately do not implement (cosign's encrypted keys)
  | 'invalid-payload' // the simple-signing payload / statement / envelope is malformed
  | 'invalid-signature-encoding' // the signature is not valid base64 / not present
  | 'wrong-key' // the signature does not verify with the supplied key
  | 'tampered-payload' // a signature over different bytes: the payload changed after signing
  | 'digest-mismatch' // the signed digest is not the digest of the image/artifact being verified
  | 'certificate-expired' // signing time (Rekor integratedTime / TSA) outside the certificate's validity
  | 'untrusted-chain' // the certificate does not chain to a CA in the trusted root
  | 'identity-mismatch' // certificate SAN differs from the required identity
  | 'issuer-mismatch' // Fulcio OIDC issuer extension differs from the required issuer
  | 'missing-set' // keyless (or tlog-required) verification without Rekor evidence
  | 'invalid-set' // the Rekor SignedEntryTimestamp or inclusion proof does not verify
  | 'tlog-mismatch' // the Rekor entry describes another signature/artifact than the one presented
  | 'invalid-timestamp' // RFC 3161 timestamp errors, or too few trustworthy timestamps
  | 'invalid-trusted-root' // the trusted root file is malformed
  | 'invalid-bundle' // the Sigstore bundle is malformed or of an unknown version
  | 'predicate-type-mismatch'; // an attestation of another predicate type than the one required

export class SignatureError extends Error {
  readonly reason: FailureReason;
  constructor(reason: FailureReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SignatureError';
    this.reason = reason;
  }
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; reason: FailureReason; message: string };

/** Runs a verification that throws {@link SignatureError} and turns it into an {@link Outcome}. */
export function toOutcome<T>(run: () => T): Outcome<T> {
  try {
    return { ok: true, value: run() };
  } catch (e) {
    if (e instanceof SignatureError) return { ok: false, reason: e.reason, message: e.message };
    throw e; // a programming error, not a verification verdict: let it surface
  }
}

/** Standard base64 only (what cosign and Sigstore write); Buffer.from would silently skip bad characters. */
export function decodeBase64Strict(s: string, what: string): Buffer {
  const t = s.trim();
  if (t.length === 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 !== 0) {
    throw new SignatureError('invalid-signature-encoding', `${what} is not valid base64`);
  }
  return Buffer.from(t, 'base64');
}

/** JSON given as text or bytes parsed (a SignatureError of `reason` naming `what` when it is not JSON); anything else is taken as parsed already. */
export function parseJsonInput(input: unknown, reason: FailureReason, what: string): unknown {
  if (typeof input !== 'string' && !Buffer.isBuffer(input)) return input;
  try {
    return JSON.parse(input.toString());
  } catch (e) {
    throw new SignatureError(reason, `${what} is not JSON: ${(e as Error).message}`, { cause: e });
  }
}
