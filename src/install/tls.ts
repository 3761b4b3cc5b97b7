/**
 * The webhook's certificate material: generated (a fresh CA whose key is discarded once it has signed
 * the serving certificate, so nobody can ever issue another certificate the webhook's clients trust),
 * or brought by the user (cert-manager, a company PKI) and checked before it is shipped.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { generateCa, issueServingCert } from '../server/certs.js';
import type { TlsMaterial } from './manifests.js';
import { serviceDnsNames } from './manifests.js';
import { InstallError, type InstallOptions } from './options.js';

type TlsOptions = Pick<InstallOptions, 'name' | 'namespace' | 'clusterDomain' | 'certDays'>;

/** A new CA and a serving certificate for the webhook Service, both valid for `certDays`. */
export async function generateTls(o: TlsOptions): Promise<TlsMaterial> {
  const ca = await generateCa({ commonName: `${o.name}-webhook-ca`, organization: 'kubecomply', days: o.certDays });
  const leaf = await issueServingCert(ca, { dnsNames: serviceDnsNames(o), days: o.certDays });
  return { caPem: ca.certPem, certPem: leaf.certPem, keyPem: leaf.keyPem };
}

/** The PEM certificates of a bundle, in order. */
export function pemCertificates(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map((c) => `${c}\n`) ?? [];
}

function read(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new InstallError(`cannot read ${what} ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Checks user-supplied material: the key is the certificate's, a CA of the bundle issued and signed
 * the certificate, the certificate names the Service, and it is valid now.
 */
export function checkTls(m: TlsMaterial, o: TlsOptions, now = new Date()): void {
  const certs = pemCertificates(m.certPem);
  if (certs.length === 0) throw new InstallError('--tls-cert holds no PEM certificate');
  const cas = pemCertificates(m.caPem);
  if (cas.length === 0) throw new InstallError('--ca-cert holds no PEM certificate');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certs[0]);
  } catch (e) {
    throw new InstallError(`--tls-cert is not a readable certificate: ${e instanceof Error ? e.message : String(e)}`);
  }
  let key;
  try {
    key = createPrivateKey(m.keyPem);
  } catch (e) {
    throw new InstallError(`--tls-key is not a readable private key: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!leaf.checkPrivateKey(key)) throw new InstallError('--tls-key is not the key of --tls-cert');
  // The issuer is a CA of the bundle, or an intermediate the certificate file carries after the leaf
  // that a CA of the bundle issued.
  const issued = (child: X509Certificate, parent: X509Certificate): boolean => child.checkIssued(parent) && child.verify(parent.publicKey);
  const roots = cas.map((c) => new X509Certificate(c));
  const intermediates = certs.slice(1).map((c) => new X509Certificate(c));
  const chained = roots.some((r) => issued(leaf, r)) || intermediates.some((i) => issued(leaf, i) && roots.some((r) => issued(i, r)));
  if (!chained) {
    throw new InstallError('--tls-cert was not issued by a certificate of --ca-cert (directly or through an intermediate in --tls-cert)', 'the API server verifies the webhook against that CA bundle');
  }
  const name = serviceDnsNames(o)[0];
  if (leaf.checkHost(name) === undefined) throw new InstallError(`--tls-cert does not name ${name} in its subjectAltName`, 'the API server calls the webhook by that name');
  if (new Date(leaf.validTo) <= now) throw new InstallError(`--tls-cert expired on ${leaf.validTo}`);
  if (new Date(leaf.validFrom) > now) throw new InstallError(`--tls-cert is not valid before ${leaf.validFrom}`);
}

/** Reads and checks --tls-cert, --tls-key and --ca-cert. */
export function readTls(files: { cert: string; key: string; ca: string }, o: TlsOptions): TlsMaterial {
  const m = { certPem: read(files.cert, '--tls-cert'), keyPem: read(files.key, '--tls-key'), caPem: read(files.ca, '--ca-cert') };
  checkTls(m, o);
  return m;
}
