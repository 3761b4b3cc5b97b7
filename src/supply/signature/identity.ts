/**
 * Certificate identity policy for keyless verification: the SAN (email or URI) and the OIDC issuer Fulcio
 * recorded, each matched exactly or by regular expression — cosign's --certificate-identity[-regexp] and
 * --certificate-oidc-issuer[-regexp]. Like cosign (Go regexp.MatchString) the expressions are unanchored:
 * write `^…$` to pin a whole value.
 */
import { X509Certificate } from '@sigstore/core';
import { SignatureError } from './errors.js';

/** Fulcio's OIDC issuer extensions: .1.1 holds the raw string (legacy), .1.8 a DER UTF8String. */
export const OID_FULCIO_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
export const OID_FULCIO_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';

export interface IdentityPolicy {
  subject?: string;
  subjectRegExp?: string | RegExp;
  issuer?: string;
  issuerRegExp?: string | RegExp;
}

export interface CertificateIdentity {
  /** The first URI or email SAN (what Fulcio puts there), undefined when the certificate has neither. */
  subject: string | undefined;
  issuer: string | undefined;
  notBefore: Date;
  notAfter: Date;
  serialNumber: string;
}

/** Decodes a DER UTF8String (tag 0x0c) with a short or long length. */
function derUtf8(bytes: Uint8Array): string | undefined {
  if (bytes.length < 2 || bytes[0] !== 0x0c) return undefined;
  let len = bytes[1];
  let off = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | bytes[2 + i];
    off = 2 + n;
  }
  return Buffer.from(bytes.subarray(off, off + len)).toString('utf8');
}

export function certificateIdentity(der: Uint8Array): CertificateIdentity {
  let cert: X509Certificate;
  try {
    cert = X509Certificate.parse(Buffer.from(der));
  } catch (e) {
    throw new SignatureError('untrusted-chain', `unreadable certificate: ${(e as Error).message}`, { cause: e });
  }
  const subject = cert.subjectAltName;
  let issuer: string | undefined;
  const v2 = cert.extension(OID_FULCIO_ISSUER_V2);
  // `value` is the content of the extension's OCTET STRING: for .1.8 a DER UTF8String, for .1.1 raw text.
  if (v2) issuer = derUtf8(v2.value);
  if (issuer === undefined) {
    const v1 = cert.extension(OID_FULCIO_ISSUER_V1);
    if (v1) issuer = v1.value.toString('utf8');
  }
  return {
    subject,
    issuer,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    serialNumber: cert.serialNumber.toString('hex'),
  };
}

function matches(value: string | undefined, exact: string | undefined, re: string | RegExp | undefined): boolean {
  if (value === undefined) return false;
  if (exact !== undefined && value !== exact) return false;
  if (re !== undefined && !new RegExp(re).test(value)) return false;
  return true;
}

/** Throws identity-mismatch / issuer-mismatch; a policy must constrain both, as cosign requires. */
export function checkIdentity(id: CertificateIdentity, policy: IdentityPolicy): void {
  if (policy.subject === undefined && policy.subjectRegExp === undefined) {
    throw new TypeError('identity policy needs subject or subjectRegExp');
  }
  if (policy.issuer === undefined && policy.issuerRegExp === undefined) {
    throw new TypeError('identity policy needs issuer or issuerRegExp');
  }
  if (!matches(id.subject, policy.subject, policy.subjectRegExp)) {
    const want = policy.subject ?? `/${String(policy.subjectRegExp)}/`;
    throw new SignatureError('identity-mismatch', `certificate identity ${id.subject ?? '(none)'} does not match ${want}`);
  }
  if (!matches(id.issuer, policy.issuer, policy.issuerRegExp)) {
    const want = policy.issuer ?? `/${String(policy.issuerRegExp)}/`;
    throw new SignatureError('issuer-mismatch', `certificate OIDC issuer ${id.issuer ?? '(none)'} does not match ${want}`);
  }
}
