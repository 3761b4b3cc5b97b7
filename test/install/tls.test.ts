/**
 * The certificate material in the manifests: the caBundle verifies the serving certificate, the
 * names are the Service's, the key is the certificate's; and certificates brought with --tls-cert
 * are checked before they are shipped.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import { generateCa, issueServingCert } from '../../src/server/certs.js';
import { InstallError } from '../../src/install/index.js';
import { checkTls, pemCertificates } from '../../src/install/tls.js';
import { tempDir, writeTree } from '../helpers/tmp.js';
import { objectsOf, one, run, type Obj } from './helpers.js';

const DAY = 86_400_000;
const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');
const sans = (c: X509Certificate): string[] => (c.subjectAltName ?? '').split(', ').sort();

describe('generated certificates', async () => {
  const result = await run({ certDays: 30 });
  const objects = objectsOf(result);
  const secret = one(objects, 'Secret');
  const ca = new X509Certificate(b64(secret.data['ca.crt']));
  const leaf = new X509Certificate(b64(secret.data['tls.crt']));

  test('the CA in every caBundle issued and signed the serving certificate', () => {
    assert.ok(ca.ca, 'the bundle is a CA certificate');
    assert.ok(!leaf.ca, 'the serving certificate is not');
    assert.ok(leaf.checkIssued(ca));
    assert.ok(leaf.verify(ca.publicKey));
    for (const w of one(objects, 'ValidatingWebhookConfiguration').webhooks as Obj[]) {
      const bundle = new X509Certificate(b64(w.clientConfig.caBundle));
      assert.equal(bundle.fingerprint256, ca.fingerprint256, w.name);
      assert.ok(leaf.verify(bundle.publicKey));
    }
  });

  test('the serving certificate names <svc>.<ns>.svc and <svc>.<ns>.svc.cluster.local, for server authentication', () => {
    assert.deepEqual(sans(leaf), ['DNS:kubecomply.kubecomply.svc', 'DNS:kubecomply.kubecomply.svc.cluster.local']);
    assert.equal(leaf.checkHost('kubecomply.kubecomply.svc'), 'kubecomply.kubecomply.svc');
    assert.equal(leaf.checkHost('kubecomply.other.svc'), undefined);
    assert.ok(leaf.keyUsage?.includes('1.3.6.1.5.5.7.3.1'), 'extended key usage serverAuth');
  });

  test('tls.key is the key of tls.crt; validity is --cert-days', () => {
    assert.ok(leaf.checkPrivateKey(createPrivateKey(b64(secret.data['tls.key']))));
    const days = (new Date(leaf.validTo).getTime() - Date.now()) / DAY;
    assert.ok(days > 29 && days <= 30, `valid for ${days} days`);
    assert.ok(new Date(ca.validTo).getTime() - Date.now() <= 30 * DAY + 60_000, 'the CA (whose key is discarded) lives no longer than its certificate');
  });

  test('the names follow --name, --namespace and --cluster-domain', async () => {
    const r = await run({ name: 'kc', namespace: 'policy', clusterDomain: 'corp.internal' });
    assert.deepEqual(sans(new X509Certificate(r.tls.certPem)), ['DNS:kc.policy.svc', 'DNS:kc.policy.svc.corp.internal']);
  });

  test('every run makes a new CA', async () => {
    const again = await run({ certDays: 30 });
    assert.notEqual(new X509Certificate(again.tls.caPem).fingerprint256, ca.fingerprint256);
  });
});

describe('certificates brought with --tls-cert, --tls-key and --ca-cert', async () => {
  const o = { name: 'kubecomply', namespace: 'kubecomply', clusterDomain: 'cluster.local', certDays: 365 };
  const ca = await generateCa({ days: 30 });
  const good = await issueServingCert(ca, { dnsNames: ['kubecomply.kubecomply.svc'], days: 10 });
  const other = await generateCa({ days: 30 });
  const material = { caPem: ca.certPem, certPem: good.certPem, keyPem: good.keyPem };

  test('a matching set passes, and is shipped as given', async () => {
    checkTls(material, o);
    const dir = tempDir();
    writeTree(dir, { 'tls.crt': good.certPem, 'tls.key': good.keyPem, 'ca.crt': ca.certPem });
    const r = await run({}, { tlsFiles: { cert: `${dir}/tls.crt`, key: `${dir}/tls.key`, ca: `${dir}/ca.crt` } });
    const secret = one(objectsOf(r), 'Secret');
    assert.equal(b64(secret.data['tls.crt']), good.certPem);
    assert.equal(b64(secret.data['ca.crt']), ca.certPem);
  });

  test('a CA bundle with several CAs is accepted when one of them issued the certificate', () => {
    checkTls({ ...material, caPem: other.certPem + ca.certPem }, o);
    assert.equal(pemCertificates(other.certPem + ca.certPem).length, 2);
  });

  test('refused: another CA, another key, other names, an expired certificate', async () => {
    const wrongKey = await issueServingCert(ca, { dnsNames: ['kubecomply.kubecomply.svc'] });
    const wrongName = await issueServingCert(ca, { dnsNames: ['webhook.example.com'] });
    const cases: [typeof material, RegExp][] = [
      [{ ...material, caPem: other.certPem }, /not issued by a certificate of --ca-cert/],
      [{ ...material, keyPem: wrongKey.keyPem }, /--tls-key is not the key of --tls-cert/],
      [{ ...material, certPem: wrongName.certPem, keyPem: wrongName.keyPem }, /does not name kubecomply\.kubecomply\.svc/],
      [{ ...material, certPem: 'not a certificate' }, /--tls-cert holds no PEM certificate/],
      [{ ...material, keyPem: 'not a key' }, /--tls-key is not a readable private key/],
    ];
    for (const [m, re] of cases) assert.throws(() => checkTls(m, o), (e: unknown) => e instanceof InstallError && re.test(e.message), String(re));
    assert.throws(() => checkTls(material, o, new Date(Date.now() + 11 * DAY)), /expired/);
  });
});
