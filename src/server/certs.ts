/**
 * Certificates for the admission webhook: a CA and serving certificates issued by it, generated in
 * process (WebCrypto, ECDSA P-256 by default) with @peculiar/x509, PEM in and out. Used by
 * `kubecomply install` (a CA whose bundle goes into the webhook configuration, and the webhook's
 * serving certificate), by `kubecomply serve --self-signed`, and by the tests.
 *
 * Keys are PKCS#8 PEM ("BEGIN PRIVATE KEY"), certificates X.509 v3 PEM. A serving certificate carries
 * the names in subjectAltName (the API server, like every Go client, ignores the common name), the
 * serverAuth extended key usage, and key identifiers that chain it to its CA.
 */
import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type * as X509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;
type EcKeyGenParams = webcrypto.EcKeyGenParams;
type RsaHashedKeyGenParams = webcrypto.RsaHashedKeyGenParams;

type X509Lib = typeof X509;
let lib: Promise<X509Lib> | undefined;

/** @peculiar/x509 (and the reflect polyfill it needs) load on first use, so other commands do not pay for them. */
function x509(): Promise<X509Lib> {
  lib ??= (async () => {
    await import('reflect-metadata');
    const m = (await import('@peculiar/x509')) as X509Lib & { default?: X509Lib };
    const x = typeof m.X509CertificateGenerator === 'function' ? m : (m.default as X509Lib);
    x.cryptoProvider.set(webcrypto as unknown as Parameters<X509Lib['cryptoProvider']['set']>[0]);
    return x;
  })();
  return lib;
}

export interface CertificatePem {
  /** The certificate, PEM. For a serving certificate, only the leaf (the CA is distributed separately). */
  certPem: string;
  /** Its private key, PKCS#8 PEM. */
  keyPem: string;
}

export type KeyAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'rsa-2048' | 'rsa-3072';

export interface CaOptions {
  /** Subject common name (default "kubecomply-ca"). */
  commonName?: string;
  /** Subject organization, if any. */
  organization?: string;
  /** Validity in days from now (default 3650). */
  days?: number;
  /** Key algorithm (default ecdsa-p256: small and fast). */
  keyAlgorithm?: KeyAlgorithm;
}

export interface ServingCertOptions {
  /** DNS names for subjectAltName, e.g. serviceDnsNames('kubecomply-webhook', 'kubecomply'). */
  dnsNames?: string[];
  /** IP addresses (v4 or v6) for subjectAltName. */
  ipAddresses?: string[];
  /** Validity in days from now (default 365); never beyond the CA's own expiry. */
  days?: number;
  /** Subject common name (default: the first DNS name or IP address). */
  commonName?: string;
  keyAlgorithm?: KeyAlgorithm;
}

const DAY_MS = 86_400_000;
/** Certificates are valid from a little before now, so that a node whose clock lags accepts them. */
const BACKDATE_MS = 5 * 60_000;

interface AlgorithmSpec {
  generate: EcKeyGenParams | RsaHashedKeyGenParams;
  sign: Algorithm | EcdsaParams;
}

function algorithmSpec(a: KeyAlgorithm): AlgorithmSpec {
  switch (a) {
    case 'ecdsa-p256':
      return { generate: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams };
    case 'ecdsa-p384':
      return { generate: { name: 'ECDSA', namedCurve: 'P-384' }, sign: { name: 'ECDSA', hash: 'SHA-384' } as EcdsaParams };
    case 'rsa-2048':
    case 'rsa-3072':
      return {
        generate: { name: 'RSASSA-PKCS1-v1_5', modulusLength: a === 'rsa-2048' ? 2048 : 3072, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
        sign: { name: 'RSASSA-PKCS1-v1_5' },
      };
    default:
      throw new RangeError(`unknown key algorithm "${String(a)}"`);
  }
}

function checkDays(days: number, what: string): number {
  if (!Number.isFinite(days) || days <= 0 || days > 36_500) throw new RangeError(`${what}: days must be a number from 1 to 36500, got ${days}`);
  return days;
}

/** A positive, non-zero 128-bit serial number in hex (RFC 5280 §4.1.2.2: at most 20 octets). */
function serialNumber(): string {
  const b = randomBytes(16);
  b[0] = (b[0] & 0x7f) | 0x01;
  return b.toString('hex');
}

/** An RDN value for a distinguished name string: RFC 4514 escaping. */
function rdn(value: string): string {
  return value.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`).replace(/^[ #]/, (c) => `\\${c}`).replace(/ $/, '\\ ');
}

function subjectName(commonName: string, organization?: string): string {
  return `CN=${rdn(commonName)}${organization ? `, O=${rdn(organization)}` : ''}`;
}

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;
}

async function generateKeys(alg: KeyAlgorithm): Promise<{ keys: CryptoKeyPair; spec: AlgorithmSpec }> {
  const spec = algorithmSpec(alg);
  const keys = (await webcrypto.subtle.generateKey(spec.generate, true, ['sign', 'verify'])) as CryptoKeyPair;
  return { keys, spec };
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  return toPem(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** A lower-case DNS name (RFC 1123 labels; a leading "*." wildcard label allowed). */
const DNS_NAME = /^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

function checkNames(dnsNames: string[], ipAddresses: string[]): void {
  if (dnsNames.length + ipAddresses.length === 0) throw new RangeError('a serving certificate needs at least one DNS name or IP address');
  for (const n of dnsNames) {
    if (typeof n !== 'string' || n.length > 253 || !DNS_NAME.test(n)) throw new RangeError(`invalid DNS name "${String(n)}" (lower-case RFC 1123 name expected)`);
  }
  for (const ip of ipAddresses) if (typeof ip !== 'string' || isIP(ip) === 0) throw new RangeError(`invalid IP address "${String(ip)}"`);
}

/** Generates a self-signed CA certificate and key (basicConstraints CA, path length 0: it issues only leaves). */
export async function generateCa(opts: CaOptions = {}): Promise<CertificatePem> {
  const x = await x509();
  const days = checkDays(opts.days ?? 3650, 'CA');
  const { keys, spec } = await generateKeys(opts.keyAlgorithm ?? 'ecdsa-p256');
  const now = Date.now();
  const cert = await x.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: subjectName(opts.commonName ?? 'kubecomply-ca', opts.organization),
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + days * DAY_MS),
    keys,
    signingAlgorithm: spec.sign,
    extensions: [
      new x.BasicConstraintsExtension(true, 0, true),
      new x.KeyUsagesExtension(x.KeyUsageFlags.keyCertSign | x.KeyUsageFlags.cRLSign | x.KeyUsageFlags.digitalSignature, true),
      await x.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKeyPem(keys.privateKey) };
}

/** Imports a CA private key (PKCS#8, or the PKCS#1/SEC1 forms `openssl` writes) for signing. */
async function importSigningKey(keyPem: string): Promise<{ key: CryptoKey; sign: Algorithm | EcdsaParams }> {
  let k;
  try {
    k = createPrivateKey(keyPem);
  } catch (e) {
    throw new RangeError(`the CA key is not a readable private key: ${e instanceof Error ? e.message : String(e)}`);
  }
  const der = k.export({ type: 'pkcs8', format: 'der' });
  const type = k.asymmetricKeyType;
  if (type === 'ec') {
    const curve = k.asymmetricKeyDetails?.namedCurve;
    const named = curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : curve === 'secp521r1' ? 'P-521' : undefined;
    if (!named) throw new RangeError(`unsupported CA key curve "${String(curve)}"`);
    const key = await webcrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: named }, false, ['sign']);
    return { key, sign: { name: 'ECDSA', hash: named === 'P-256' ? 'SHA-256' : named === 'P-384' ? 'SHA-384' : 'SHA-512' } as EcdsaParams };
  }
  if (type === 'rsa') {
    const key = await webcrypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
    return { key, sign: { name: 'RSASSA-PKCS1-v1_5' } };
  }
  throw new RangeError(`unsupported CA key type "${String(type)}" (ECDSA or RSA expected)`);
}

/**
 * Issues a serving certificate (serverAuth) for the given names, signed by `ca`. Its validity ends no
 * later than the CA's, so that a client never sees a leaf outlive its issuer.
 */
export async function issueServingCert(ca: CertificatePem, opts: ServingCertOptions): Promise<CertificatePem> {
  const x = await x509();
  const dnsNames = [...new Set((opts.dnsNames ?? []).map((n) => (typeof n === 'string' ? n.toLowerCase() : n)))];
  const ipAddresses = [...new Set(opts.ipAddresses ?? [])];
  checkNames(dnsNames, ipAddresses);
  const days = checkDays(opts.days ?? 365, 'serving certificate');
  let caCert: X509.X509Certificate;
  try {
    caCert = new x.X509Certificate(ca.certPem);
  } catch (e) {
    throw new RangeError(`the CA certificate is not a readable PEM certificate: ${e instanceof Error ? e.message : String(e)}`);
  }
  const signing = await importSigningKey(ca.keyPem);
  // The CA key must be the CA certificate's key.
  if (!new X509Certificate(ca.certPem).checkPrivateKey(createPrivateKey(ca.keyPem))) throw new RangeError('the CA key does not belong to the CA certificate');

  const { keys } = await generateKeys(opts.keyAlgorithm ?? 'ecdsa-p256');
  const now = Date.now();
  const notAfter = Math.min(now + days * DAY_MS, caCert.notAfter.getTime());
  const usages = keys.privateKey.algorithm.name === 'ECDSA' ? x.KeyUsageFlags.digitalSignature : x.KeyUsageFlags.digitalSignature | x.KeyUsageFlags.keyEncipherment;
  const cert = await x.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: subjectName(opts.commonName ?? dnsNames[0] ?? ipAddresses[0]),
    issuer: caCert.subject,
    notBefore: new Date(Math.max(now - BACKDATE_MS, caCert.notBefore.getTime())),
    notAfter: new Date(notAfter),
    publicKey: keys.publicKey,
    signingKey: signing.key,
    signingAlgorithm: signing.sign,
    extensions: [
      new x.BasicConstraintsExtension(false, undefined, true),
      new x.KeyUsagesExtension(usages, true),
      new x.ExtendedKeyUsageExtension([x.ExtendedKeyUsage.serverAuth], false),
      new x.SubjectAlternativeNameExtension([...dnsNames.map((value) => ({ type: 'dns' as const, value })), ...ipAddresses.map((value) => ({ type: 'ip' as const, value }))], false),
      await x.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x.AuthorityKeyIdentifierExtension.create(caCert, false),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKeyPem(keys.privateKey) };
}

/**
 * The DNS names of a Service inside the cluster. The API server calls a webhook Service at
 * `<service>.<namespace>.svc`; the shorter and longer forms are there for clients that use them.
 */
export function serviceDnsNames(service: string, namespace: string, clusterDomain = 'cluster.local'): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.${clusterDomain}`];
}

export interface CertificateInfo {
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  dnsNames: string[];
  ipAddresses: string[];
  /** SHA-256 fingerprint, colon-separated hex, as openssl prints it. */
  fingerprint256: string;
  isCa: boolean;
}

/** What a PEM certificate (the first of a bundle) says, read with node:crypto. */
export function certificateInfo(pem: string | Buffer): CertificateInfo {
  const c = new X509Certificate(pem);
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  // "DNS:a, DNS:b, IP Address:127.0.0.1"
  for (const part of (c.subjectAltName ?? '').split(/,\s*/)) {
    if (part.startsWith('DNS:')) dnsNames.push(part.slice(4));
    else if (part.startsWith('IP Address:')) ipAddresses.push(part.slice(11));
  }
  return {
    subject: c.subject,
    issuer: c.issuer,
    serialNumber: c.serialNumber,
    notBefore: new Date(c.validFrom),
    notAfter: new Date(c.validTo),
    dnsNames,
    ipAddresses,
    fingerprint256: c.fingerprint256,
    isCa: c.ca,
  };
}
