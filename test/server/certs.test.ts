/**
 * src/server/certs.ts: a CA and serving certificates that TLS clients (Node, and openssl as a second
 * opinion) accept for exactly the names they carry.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { certificateInfo, generateCa, issueServingCert, serviceDnsNames } from '../../src/server/certs.js';
import { realDecider, request, startServer } from './helpers.js';
import { tempDir } from '../helpers/tmp.js';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

describe('certificates', () => {
  test('a CA: self-signed, CA:TRUE, ECDSA P-256 by default, PKCS#8 key', async () => {
    const ca = await generateCa({ commonName: 'test-ca', organization: 'kubecomply, "test"', days: 10 });
    const x = new X509Certificate(ca.certPem);
    assert.equal(x.ca, true);
    assert.ok(x.checkIssued(x));
    assert.ok(x.verify(x.publicKey));
    assert.match(x.subject, /CN=test-ca/);
    assert.equal(x.publicKey.asymmetricKeyType, 'ec');
    assert.equal(x.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.match(ca.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.ok(x.checkPrivateKey(createPrivateKey(ca.keyPem)));
    const days = (Date.parse(x.validTo) - Date.now()) / 86_400_000;
    assert.ok(days > 9.9 && days <= 10.01, String(days));
    assert.ok(Date.parse(x.validFrom) < Date.now(), 'backdated a little for clock skew');
  });

  test('a serving certificate: issued by the CA, serverAuth, the names given, not a CA, within the CA validity', async () => {
    const ca = await generateCa({ days: 30 });
    const names = serviceDnsNames('kubecomply-webhook', 'kubecomply');
    assert.deepEqual(names, ['kubecomply-webhook', 'kubecomply-webhook.kubecomply', 'kubecomply-webhook.kubecomply.svc', 'kubecomply-webhook.kubecomply.svc.cluster.local']);
    const leaf = await issueServingCert(ca, { dnsNames: names, ipAddresses: ['127.0.0.1', '::1'], days: 365 });
    const x = new X509Certificate(leaf.certPem);
    const c = new X509Certificate(ca.certPem);
    assert.equal(x.ca, false);
    assert.ok(x.checkIssued(c));
    assert.ok(x.verify(c.publicKey));
    assert.ok(x.checkPrivateKey(createPrivateKey(leaf.keyPem)));
    assert.deepEqual(x.keyUsage, [SERVER_AUTH]);
    assert.equal(x.checkHost('kubecomply-webhook.kubecomply.svc'), 'kubecomply-webhook.kubecomply.svc');
    assert.equal(x.checkHost('other.kubecomply.svc'), undefined);
    assert.equal(x.checkIP('127.0.0.1'), '127.0.0.1');
    assert.ok(Date.parse(x.validTo) <= Date.parse(c.validTo), 'never outlives its CA');
    const info = certificateInfo(leaf.certPem);
    assert.deepEqual(info.dnsNames, names);
    assert.equal(info.ipAddresses.length, 2);
    assert.equal(info.isCa, false);
    assert.equal(info.fingerprint256, x.fingerprint256);
    assert.notEqual(certificateInfo(ca.certPem).serialNumber, info.serialNumber);
  });

  test('openssl verifies the chain and the names', async () => {
    // .ci/run installs openssl when the machine lacks it.
    assert.equal(spawnSync('openssl', ['version']).status, 0, 'openssl must be installed (see .ci/run)');
    const dir = tempDir();
    const ca = await generateCa();
    const leaf = await issueServingCert(ca, { dnsNames: ['webhook.ns.svc'], ipAddresses: ['10.0.0.1'] });
    writeFileSync(path.join(dir, 'ca.pem'), ca.certPem);
    writeFileSync(path.join(dir, 'leaf.pem'), leaf.certPem);
    const ok = spawnSync('openssl', ['verify', '-CAfile', path.join(dir, 'ca.pem'), '-purpose', 'sslserver', '-verify_hostname', 'webhook.ns.svc', path.join(dir, 'leaf.pem')], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    const wrong = spawnSync('openssl', ['verify', '-CAfile', path.join(dir, 'ca.pem'), '-verify_hostname', 'evil.example', path.join(dir, 'leaf.pem')], { encoding: 'utf8' });
    assert.notEqual(wrong.status, 0);
  });

  test('RSA keys, and CA keys openssl wrote (PKCS#1, SEC1), can sign', async () => {
    const rsaCa = await generateCa({ keyAlgorithm: 'rsa-2048' });
    const leaf = await issueServingCert(rsaCa, { dnsNames: ['localhost'], keyAlgorithm: 'rsa-2048' });
    assert.ok(new X509Certificate(leaf.certPem).verify(new X509Certificate(rsaCa.certPem).publicKey));
    const ec = await generateCa();
    const sec1 = createPrivateKey(ec.keyPem).export({ type: 'sec1', format: 'pem' }) as string;
    const leaf2 = await issueServingCert({ certPem: ec.certPem, keyPem: sec1 }, { dnsNames: ['localhost'] });
    assert.ok(new X509Certificate(leaf2.certPem).checkIssued(new X509Certificate(ec.certPem)));
  });

  test('bad input is refused with a reason', async () => {
    const ca = await generateCa();
    const other = await generateCa();
    await assert.rejects(issueServingCert(ca, {}), /at least one DNS name or IP address/);
    await assert.rejects(issueServingCert(ca, { dnsNames: ['Not A Name!'] }), /invalid DNS name/);
    await assert.rejects(issueServingCert(ca, { ipAddresses: ['999.1.1.1'] }), /invalid IP address/);
    await assert.rejects(issueServingCert(ca, { dnsNames: ['a'], days: 0 }), /days must be/);
    await assert.rejects(issueServingCert({ certPem: ca.certPem, keyPem: other.keyPem }, { dnsNames: ['a'] }), /does not belong to the CA certificate/);
    await assert.rejects(issueServingCert({ certPem: 'nope', keyPem: ca.keyPem }, { dnsNames: ['a'] }), /not a readable PEM certificate/);
    await assert.rejects(issueServingCert({ certPem: ca.certPem, keyPem: 'nope' }, { dnsNames: ['a'] }), /not a readable private key/);
    await assert.rejects(generateCa({ days: -1 }), /days must be/);
  });

  test('a TLS client that trusts only the CA connects by a name the certificate carries, and only by one', async () => {
    const ca = await generateCa();
    const leaf = await issueServingCert(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const s = await startServer({ decider: realDecider(), tls: { cert: leaf.certPem, key: leaf.keyPem } });
    try {
      assert.equal((await request(s.port, ca.certPem, { method: 'GET', path: '/healthz' })).status, 200);
      const { default: https } = await import('node:https');
      const wrongName = new Promise((resolve, reject) => {
        const r = https.get({ host: '127.0.0.1', port: s.port, servername: 'evil.example', ca: ca.certPem, path: '/healthz', agent: false }, resolve);
        r.on('error', reject);
      });
      await assert.rejects(wrongName, /altnames|Hostname\/IP does not match/i);
    } finally {
      await s.server.close();
    }
  });
});
