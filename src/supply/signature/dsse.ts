/**
 * DSSE envelopes (github.com/secure-systems-lab/dsse): the signature is over the pre-authentication
 * encoding PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, never over the JSON.
 */
import { createHash } from 'node:crypto';
import { parseJsonInput, SignatureError } from './errors.js';
import { signBytes, verifyBytes, type PrivateKeyInfo, type PublicKeyInfo } from './keys.js';

export const DSSE_ENVELOPE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface DsseSignature {
  keyid?: string;
  sig: string; // base64
}

export interface DsseEnvelope {
  payloadType: string;
  payload: string; // base64
  signatures: DsseSignature[];
}

export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/** DSSE allows standard or URL-safe base64, padded or not. */
function decodeDsseBase64(s: string, what: string): Buffer {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(s)) throw new SignatureError('invalid-payload', `${what} is not base64`);
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

export function parseEnvelope(input: string | Buffer | unknown): DsseEnvelope {
  const json = parseJsonInput(input, 'invalid-payload', 'DSSE envelope');
  const env = json as Partial<DsseEnvelope> | null;
  if (typeof env !== 'object' || env === null) throw new SignatureError('invalid-payload', 'DSSE envelope is not an object');
  if (typeof env.payloadType !== 'string' || env.payloadType === '') throw new SignatureError('invalid-payload', 'DSSE envelope has no payloadType');
  if (typeof env.payload !== 'string') throw new SignatureError('invalid-payload', 'DSSE envelope has no payload');
  if (!Array.isArray(env.signatures) || env.signatures.length === 0) throw new SignatureError('invalid-payload', 'DSSE envelope has no signatures');
  for (const s of env.signatures) {
    if (typeof s !== 'object' || s === null || typeof s.sig !== 'string') throw new SignatureError('invalid-payload', 'DSSE signature without sig');
    if (s.keyid !== undefined && typeof s.keyid !== 'string') throw new SignatureError('invalid-payload', 'DSSE keyid is not a string');
  }
  return { payloadType: env.payloadType, payload: env.payload, signatures: env.signatures.map((s) => ({ ...s })) };
}

export function envelopePayload(env: DsseEnvelope): Buffer {
  return decodeDsseBase64(env.payload, 'DSSE payload');
}

/** sha256 hex of the PAE: what a Rekor v2 hashedrekord entry over a DSSE envelope records. */
export function paeDigest(env: DsseEnvelope): Buffer {
  return createHash('sha256').update(pae(env.payloadType, envelopePayload(env))).digest();
}

export interface VerifiedEnvelope {
  payloadType: string;
  payload: Buffer;
  /** Index of the signature that verified, and its keyid if the envelope named one. */
  signatureIndex: number;
  keyid: string | undefined;
}

/**
 * Verifies that at least one signature of the envelope is by `key`. Signatures whose keyid names another key
 * are still tried: keyids are unauthenticated hints, so they can only narrow, never widen, what is accepted.
 */
export function verifyEnvelope(env: DsseEnvelope, key: PublicKeyInfo): VerifiedEnvelope {
  const payload = envelopePayload(env);
  const message = pae(env.payloadType, payload);
  for (const [i, s] of env.signatures.entries()) {
    let sig: Buffer;
    try {
      sig = decodeDsseBase64(s.sig, 'DSSE signature');
    } catch {
      continue;
    }
    if (sig.length > 0 && verifyBytes(key, message, sig)) return { payloadType: env.payloadType, payload, signatureIndex: i, keyid: s.keyid };
  }
  throw new SignatureError('wrong-key', `no DSSE signature verifies with key ${key.fingerprint}`);
}

/** Signs a payload into a one-signature envelope; keyid is left empty as cosign does for local keys. */
export function signEnvelope(key: PrivateKeyInfo, payloadType: string, payload: Buffer, keyid = ''): DsseEnvelope {
  const sig = signBytes(key, pae(payloadType, payload));
  return { payloadType, payload: payload.toString('base64'), signatures: [{ keyid, sig: sig.toString('base64') }] };
}
