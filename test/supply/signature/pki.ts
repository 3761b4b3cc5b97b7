/**
 * A miniature Sigstore for tests: a Fulcio-like CA issuing short-lived leaf certificates with the Fulcio
 * identity extensions, a Rekor-like log key signing SETs, and the trusted root JSON naming both. Nothing
 * here is used by the code under test except through the formats it produces.
 */
import { createHash, createPublicKey, generateKeyPairSync, sign, webcrypto, type KeyObject } from 'node:crypto';
import type * as X509 from '@peculiar/x509';
import { json as sigstoreJson } from '@sigstore/core';
import { fromPrivateKeyObject, type PrivateKeyInfo } from '../../../src/supply/signature/keys.js';
import {
  ANNOTATION_BUNDLE,
  ANNOTATION_CERTIFICATE,
  ANNOTATION_CHAIN,
  ANNOTATION_SIGNATURE,
  buildSimpleSigningPayload,
  type RekorBundleAnnotation,
  type SignatureLayerInput,
} from '../../../src/supply/signature/cosign.js';

type X509Lib = typeof X509;
let lib: X509Lib | undefined;
async function x509(): Promise<X509Lib> {
  if (lib) return lib;
  await import('reflect-metadata');
  const m = (await import('@peculiar/x509')) as X509Lib & { default?: X509Lib };
  const x = typeof m.X509CertificateGenerator === 'function' ? m : (m.default as X509Lib);
  x.cryptoProvider.set(webcrypto as unknown as Parameters<X509Lib['cryptoProvider']['set']>[0]);
  lib = x;
  return x;
}

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface TestCa {
  certDer: Buffer;
  cert: X509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
}

export interface TestLog {
  key: KeyObject; // private
  spkiDer: Buffer;
  logIdHex: string;
}

export interface TestSigstore {
  ca: TestCa;
  log: TestLog;
  rootJson: Record<string, unknown>;
}

export async function makeCa(name = 'test-fulcio', notBefore = new Date('2020-01-01T00:00:00Z'), notAfter = new Date('2040-01-01T00:00:00Z')): Promise<TestCa> {
  const x = await x509();
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name}, O=kubecomply-test`,
    notBefore,
    notAfter,
    keys: keys as never,
    signingAlgorithm: SIGN,
    extensions: [
      new x.BasicConstraintsExtension(true, 1, true),
      new x.KeyUsagesExtension(x.KeyUsageFlags.keyCertSign | x.KeyUsageFlags.cRLSign, true),
      await x.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    ],
  });
  return { cert, certDer: Buffer.from(cert.rawData), keys };
}

export function makeLog(): TestLog {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spkiDer = publicKey.export({ type: 'spki', format: 'der' });
  return { key: privateKey, spkiDer, logIdHex: createHash('sha256').update(spkiDer).digest('hex') };
}

export function trustedRootJson(ca: TestCa, log: TestLog): Record<string, unknown> {
  return {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: 'https://rekor.test',
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: log.spkiDer.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '2020-01-01T00:00:00Z' } },
        logId: { keyId: Buffer.from(log.logIdHex, 'hex').toString('base64') },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'kubecomply-test', commonName: 'test-fulcio' },
        uri: 'https://fulcio.test',
        certChain: { certificates: [{ rawBytes: ca.certDer.toString('base64') }] },
        validFor: { start: '2020-01-01T00:00:00Z' },
      },
    ],
    ctlogs: [],
    timestampAuthorities: [],
  };
}

export async function makeSigstore(): Promise<TestSigstore> {
  const ca = await makeCa();
  const log = makeLog();
  return { ca, log, rootJson: trustedRootJson(ca, log) };
}

function derUtf8String(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  if (b.length >= 128) throw new Error('test helper handles short strings only');
  return Buffer.concat([Buffer.from([0x0c, b.length]), b]);
}

export interface LeafOptions {
  uri?: string;
  email?: string;
  issuer: string;
  /** Which Fulcio issuer extensions to write: the legacy raw one (.1.1), the DER one (.1.8), or both. */
  issuerExtensions?: 'v1' | 'v2' | 'both';
  notBefore: Date;
  notAfter: Date;
}

export interface Leaf {
  certDer: Buffer;
  certPem: string;
  privateKey: KeyObject;
}

/** Issues a Fulcio-style leaf for a fresh P-256 key. */
export async function issueLeaf(ca: TestCa, o: LeafOptions): Promise<Leaf> {
  const x = await x509();
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pub = await webcrypto.subtle.importKey('spki', publicKey.export({ type: 'spki', format: 'der' }), EC, true, ['verify']);
  const which = o.issuerExtensions ?? 'both';
  const ext: X509.Extension[] = [
    new x.KeyUsagesExtension(x.KeyUsageFlags.digitalSignature, true),
    new x.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.3'], false),
    new x.SubjectAlternativeNameExtension(o.uri ? [{ type: 'url', value: o.uri }] : [{ type: 'email', value: o.email as string }], true),
    await x.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey as never),
    await x.SubjectKeyIdentifierExtension.create(pub as never),
  ];
  if (which !== 'v2') ext.push(new x.Extension('1.3.6.1.4.1.57264.1.1', false, Buffer.from(o.issuer, 'utf8')));
  if (which !== 'v1') ext.push(new x.Extension('1.3.6.1.4.1.57264.1.8', false, derUtf8String(o.issuer)));
  const cert = await x.X509CertificateGenerator.create({
    serialNumber: createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 16),
    subject: '',
    issuer: ca.cert.subject,
    notBefore: o.notBefore,
    notAfter: o.notAfter,
    publicKey: pub as never,
    signingKey: ca.keys.privateKey as never,
    signingAlgorithm: SIGN,
    extensions: ext,
  });
  return { certDer: Buffer.from(cert.rawData), certPem: cert.toString('pem'), privateKey };
}

/** A hashedrekord 0.0.1 entry for a signature over `artifact`, with its SET, as cosign's bundle annotation. */
export function hashedRekordEntry(
  log: TestLog,
  e: { artifactSha256Hex: string; signatureB64: string; verifierPem: string; integratedTime: number; logIndex: number },
): RekorBundleAnnotation {
  const body = {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: e.artifactSha256Hex } },
      signature: { content: e.signatureB64, publicKey: { content: Buffer.from(e.verifierPem).toString('base64') } },
    },
  };
  return setEntry(log, body, e.integratedTime, e.logIndex);
}

/** An intoto 0.0.2 entry for a DSSE envelope (what cosign attest uploads), with its SET. */
export function intotoEntry(
  log: TestLog,
  e: { payload: Buffer; sigB64: string; verifierPem: string; integratedTime: number; logIndex: number },
): RekorBundleAnnotation {
  const body = {
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: {
          payloadType: 'application/vnd.in-toto+json',
          // Rekor stores the signature base64 once more.
          signatures: [{ sig: Buffer.from(e.sigB64).toString('base64'), publicKey: Buffer.from(e.verifierPem).toString('base64') }],
        },
        hash: { algorithm: 'sha256', value: '00' },
        payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(e.payload).digest('hex') },
      },
    },
  };
  return setEntry(log, body, e.integratedTime, e.logIndex);
}

function setEntry(log: TestLog, body: unknown, integratedTime: number, logIndex: number): RekorBundleAnnotation {
  const bodyB64 = Buffer.from(JSON.stringify(body)).toString('base64');
  const payload = { body: bodyB64, integratedTime, logIndex, logID: log.logIdHex };
  const set = sign('sha256', Buffer.from(sigstoreJson.canonicalize(payload), 'utf8'), log.key);
  return { SignedEntryTimestamp: set.toString('base64'), Payload: payload };
}

export function pemOfKey(k: KeyObject): string {
  return createPublicKey(k).export({ type: 'spki', format: 'pem' }).toString();
}

export const KEYLESS_IDENTITY = 'https://github.com/example/app/.github/workflows/release.yml@refs/tags/v1.0.0';
export const KEYLESS_ISSUER = 'https://token.actions.githubusercontent.com';
/** When the keyless builder's certificates become valid (they last 10 minutes unless told otherwise). */
export const KEYLESS_T0 = Date.parse('2026-03-01T12:00:00Z');

export interface KeylessOptions {
  /** The image the signature is for. */
  dockerReference: string;
  digest: string;
  /** The Sigstore whose CA issues the leaf and whose log signs the SET (default: a fresh one). */
  env?: TestSigstore;
  /** The CA that issues the leaf (default env.ca): another CA makes an untrusted chain. */
  ca?: TestCa;
  /** SAN: a URI identity (default KEYLESS_IDENTITY), or an email. */
  identity?: string;
  email?: string;
  issuer?: string;
  issuerExtensions?: 'v1' | 'v2' | 'both';
  notAfter?: Date;
  /** Seconds since the epoch the log entry claims (default a minute after KEYLESS_T0). */
  integratedTime?: number;
  logIndex?: number;
}

export interface Keyless {
  env: TestSigstore;
  leaf: Leaf;
  /** The cosign signature layer: simple-signing payload, signature, certificate, chain and Rekor bundle annotations. */
  layer: SignatureLayerInput;
}

/** A keyless cosign signature layer, as `cosign sign` with Fulcio and Rekor writes it. */
export async function keylessSignature(o: KeylessOptions): Promise<Keyless> {
  const env = o.env ?? (await makeSigstore());
  const leaf = await issueLeaf(o.ca ?? env.ca, {
    ...(o.email ? { email: o.email } : { uri: o.identity ?? KEYLESS_IDENTITY }),
    issuer: o.issuer ?? KEYLESS_ISSUER,
    ...(o.issuerExtensions ? { issuerExtensions: o.issuerExtensions } : {}),
    notBefore: new Date(KEYLESS_T0),
    notAfter: o.notAfter ?? new Date(KEYLESS_T0 + 10 * 60_000),
  });
  const payload = buildSimpleSigningPayload(o.dockerReference, o.digest);
  const signature = sign('sha256', payload, leaf.privateKey).toString('base64');
  const rekor = hashedRekordEntry(env.log, {
    artifactSha256Hex: createHash('sha256').update(payload).digest('hex'),
    signatureB64: signature,
    verifierPem: leaf.certPem,
    integratedTime: o.integratedTime ?? Math.floor(KEYLESS_T0 / 1000) + 60,
    logIndex: o.logIndex ?? 4242,
  });
  const layer: SignatureLayerInput = {
    payload,
    annotations: {
      [ANNOTATION_SIGNATURE]: signature,
      [ANNOTATION_CERTIFICATE]: leaf.certPem,
      [ANNOTATION_CHAIN]: '',
      [ANNOTATION_BUNDLE]: JSON.stringify(rekor),
    },
  };
  return { env, leaf, layer };
}

/** The key types cosign signs with. */
export const SIGNING_KEY_KINDS = ['p256', 'p384', 'rsa', 'ed25519'] as const;

/** A fresh signing key of one of those types. */
export function signingKey(kind: (typeof SIGNING_KEY_KINDS)[number]): PrivateKeyInfo {
  const pair =
    kind === 'p256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : kind === 'p384'
        ? generateKeyPairSync('ec', { namedCurve: 'P-384' })
        : kind === 'rsa'
          ? generateKeyPairSync('rsa', { modulusLength: 2048 })
          : generateKeyPairSync('ed25519');
  return fromPrivateKeyObject(pair.privateKey);
}
