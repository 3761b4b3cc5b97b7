/**
 * `kubecomply serve` end to end: the built CLI in its own process, found by the address it prints,
 * answering reviews with the settings and exceptions it was given, reloading exception files, honouring
 * the ComplianceExceptions of a (fake, loopback) cluster with --cluster-exceptions, and draining on
 * SIGTERM with exit code 0.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { generateCa, issueServingCert } from '../../src/server/certs.js';
import { BIN, runCli } from '../helpers/cli.js';
import { tempDir, writeTree } from '../helpers/tmp.js';
import { activeSpec, FakeKubeApi } from './fake-kube.js';
import { podReview, postReview, request } from './helpers.js';
import { parsePrometheus, valueOf } from './prom.js';

interface Running {
  child: ChildProcess;
  port: number;
  stderr: () => string;
  exited: Promise<number | null>;
  waitFor: (re: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
}

const running: ChildProcess[] = [];
after(() => {
  for (const c of running) if (c.exitCode === null) c.kill('SIGKILL');
});

async function serve(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'serve', '--address', '127.0.0.1', '--port', '0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  running.push(child);
  let err = '';
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString('utf8');
    for (const w of [...waiters]) {
      const m = err.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = (re: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const m = err.match(re);
      if (m) return resolve(m);
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${re} in:\n${err}`)), timeoutMs);
      waiters.push({ re, resolve: (x) => (clearTimeout(t), resolve(x)) });
      void exited.then((code) => reject(new Error(`exited (${code}) before ${re}:\n${err}`)));
    });
  const m = await waitFor(/listening on https:\/\/127\.0\.0\.1:(\d+)/);
  return { child, port: Number(m[1]), stderr: () => err, exited, waitFor };
}

function day(offset: number): string {
  return new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
}

function exceptionYaml(name: string): string {
  return `apiVersion: kubecomply.io/v1alpha1
kind: ComplianceException
metadata:
  name: ${name}
  namespace: shop
spec:
  controls: [pss-privileged]
  match:
    kinds: [Pod]
    names: [legacy-*]
  justification: The legacy pod needs a privileged container until the driver moves to a DaemonSet.
  approvedBy: security@example.com
  approvedAt: ${day(-1)}
  expires: ${day(30)}
  ticket: SEC-1
`;
}

describe('kubecomply serve', () => {
  test('--self-signed: prints the CA it wrote; reviews with exceptions; reloads them; drains on SIGTERM and exits 0', async () => {
    const dir = tempDir();
    const exDir = path.join(dir, 'exceptions');
    writeTree(exDir, { 'legacy.yaml': exceptionYaml('legacy-privileged') });
    const s = await serve(['--self-signed', '--exceptions', exDir, '--log-requests']);
    const caFile = s.stderr().match(/wrote a throwaway CA to (\S+)/)![1];
    const ca = readFileSync(caFile, 'utf8');
    assert.match(s.stderr(), /1 exception \(1 active\)/);

    assert.equal((await request(s.port, ca, { method: 'GET', path: '/readyz' })).status, 200);
    const legacy = podReview({ name: 'legacy-app', privileged: true });
    const r1 = JSON.parse((await postReview(s.port, ca, legacy)).body);
    assert.equal(r1.response.uid, legacy.request.uid);
    assert.equal(r1.response.allowed, true, 'the exception covers it');
    const other = JSON.parse((await postReview(s.port, ca, podReview({ name: 'new-app', privileged: true }))).body);
    assert.equal(other.response.allowed, false);
    assert.match(other.response.status.message, /pss-privileged/);

    const m = parsePrometheus((await request(s.port, ca, { method: 'GET', path: '/metrics' })).body);
    assert.equal(valueOf(m, 'kubecomply_admission_exceptions_used_total', { exception: 'shop/legacy-privileged' }), 1);
    assert.equal(valueOf(m, 'kubecomply_admission_reviews_total', { mode: 'enforce', result: 'denied', kind: 'Pod', operation: 'CREATE' }), 1);

    // Revoking the exception (deleting its file) takes effect without a restart.
    rmSync(path.join(exDir, 'legacy.yaml'));
    await s.waitFor(/exceptions reloaded: 0 exceptions/);
    const again = JSON.parse((await postReview(s.port, ca, podReview({ name: 'legacy-app', privileged: true }))).body);
    assert.equal(again.response.allowed, false);
    // A broken edit keeps the set in force and says so.
    writeFileSync(path.join(exDir, 'new.yaml'), exceptionYaml('legacy-privileged-2'));
    await s.waitFor(/exceptions reloaded: 1 exception \(1 active\)/);
    writeFileSync(path.join(exDir, 'broken.yaml'), 'apiVersion: [unclosed\n');
    await s.waitFor(/were not reloaded, the previous 1 exception \(1 active\) stay in force/);
    assert.equal(JSON.parse((await postReview(s.port, ca, podReview({ name: 'legacy-app', privileged: true }))).body).response.allowed, true);

    // Access log lines are JSON.
    const lines = s.stderr().split('\n').filter((l) => l.startsWith('{'));
    assert.ok(lines.length >= 4);
    const review = lines.map((l) => JSON.parse(l)).find((l) => l.path === '/validate' && l.result === 'denied');
    assert.equal(review.status, 200);
    assert.deepEqual(review.controls, ['pss-privileged']);

    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0);
    assert.match(s.stderr(), /SIGTERM: shutting down/);
    assert.match(s.stderr(), /stopped/);
    assert.throws(() => readFileSync(caFile), /ENOENT/, 'the throwaway certificate directory is removed');
  });

  test('--tls-cert/--tls-key and --config: the settings apply (warn mode, baseline level)', async () => {
    const dir = tempDir();
    const ca = await generateCa();
    const leaf = await issueServingCert(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    writeTree(dir, {
      'tls.crt': leaf.certPem,
      'tls.key': leaf.keyPem,
      'kubecomply.yaml': 'apiVersion: kubecomply.io/v1\nkind: Config\npodSecurity:\n  level: baseline\nadmission:\n  mode: warn\n',
    });
    const s = await serve(['--tls-cert', path.join(dir, 'tls.crt'), '--tls-key', path.join(dir, 'tls.key'), '--config', path.join(dir, 'kubecomply.yaml')]);
    assert.match(s.stderr(), /mode warn, Pod Security baseline/);
    const r = JSON.parse((await postReview(s.port, ca.certPem, podReview({ privileged: true }))).body);
    assert.equal(r.response.allowed, true);
    assert.ok(r.response.warnings.some((w: string) => w.includes('pss-privileged')));
    // The path's mode wins over the settings.
    assert.equal(JSON.parse((await postReview(s.port, ca.certPem, podReview({ privileged: true }), '/validate/enforce')).body).response.allowed, false);
    s.child.kill('SIGINT');
    assert.equal(await s.exited, 0);
  });

  test('usage errors exit 2 with a hint', async () => {
    const none = await runCli(['serve']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /a serving certificate is required/);
    assert.match(none.stderr, /hint: give --tls-cert FILE --tls-key FILE/);
    const half = await runCli(['serve', '--tls-cert', 'x.crt']);
    assert.equal(half.code, 2);
    assert.match(half.stderr, /--tls-key is missing/);
    const both = await runCli(['serve', '--self-signed', '--tls-cert', 'a', '--tls-key', 'b']);
    assert.equal(both.code, 2);
    const missing = await runCli(['serve', '--tls-cert', '/nonexistent/tls.crt', '--tls-key', '/nonexistent/tls.key', '--no-config']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read the certificate \/nonexistent\/tls\.crt/);
    assert.equal((await runCli(['serve', '--self-signed', '--port', '70000'])).code, 2);
    assert.equal((await runCli(['serve', '--self-signed', '--shutdown-timeout', 'soon'])).code, 2);
    const badEx = await runCli(['serve', '--self-signed', '--no-config', '--exceptions', '/nonexistent/exceptions']);
    assert.equal(badEx.code, 2);
    assert.match(badEx.stderr, /exception files could not be read/);
    const help = await runCli(['serve', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Examples:/);
    assert.match(help.stdout, /--self-signed/);
  });
});

describe('kubecomply serve --cluster-exceptions', () => {
  async function cluster(token = 'good-token'): Promise<{ fake: FakeKubeApi; args: string[] }> {
    const fake = await FakeKubeApi.start();
    after(() => fake.close());
    const dir = tempDir();
    writeTree(dir, { 'ca.crt': fake.ca, token });
    return { fake, args: ['--self-signed', '--no-config', '--cluster-exceptions', '--kube-api', fake.url, '--kube-ca', path.join(dir, 'ca.crt'), '--kube-token-file', path.join(dir, 'token')] };
  }

  test('honours the exceptions of the cluster, follows ADDED and DELETED, and exports the source state', async () => {
    const { fake, args } = await cluster();
    fake.create('shop', 'legacy-privileged', activeSpec());
    const s = await serve(args);
    const ca = readFileSync(s.stderr().match(/wrote a throwaway CA to (\S+)/)![1], 'utf8');
    assert.match(s.stderr(), new RegExp(`cluster exceptions from ${fake.url.replace(/\./g, '\\.')} \\(ready after the first list, or within 10 s\\)`));
    await s.waitFor(/cluster exceptions: synced with .*: 1 ComplianceException in the cluster; watching for changes/);
    assert.equal((await request(s.port, ca, { method: 'GET', path: '/readyz' })).status, 200);
    assert.equal(JSON.parse((await postReview(s.port, ca, podReview({ name: 'legacy-app', privileged: true }))).body).response.allowed, true);
    fake.create('shop', 'tools', activeSpec({ match: { kinds: ['Pod'], names: ['tools-*'] } }));
    await s.waitFor(/exceptions updated \(cluster: ADDED shop\/tools\): 2 exceptions \(2 active\), 2 from the cluster/);
    assert.equal(JSON.parse((await postReview(s.port, ca, podReview({ name: 'tools-1', privileged: true }))).body).response.allowed, true);
    fake.delete('shop', 'legacy-privileged');
    await s.waitFor(/exceptions updated \(cluster: DELETED shop\/legacy-privileged\)/);
    assert.equal(JSON.parse((await postReview(s.port, ca, podReview({ name: 'legacy-app', privileged: true }))).body).response.allowed, false);
    const m = parsePrometheus((await request(s.port, ca, { method: 'GET', path: '/metrics' })).body);
    assert.equal(valueOf(m, 'kubecomply_exception_source_synced', { source: 'cluster' }), 1);
    assert.equal(valueOf(m, 'kubecomply_exceptions', { source: 'cluster', state: 'active' }), 1);
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0, 'the watch does not hold up the shutdown');
    await fake.until(() => fake.openWatches === 0, 'the watch closed');
  });

  test('a refused token: ready after --cluster-exceptions-wait with a warning, the 401 counted and logged once, reviews answered', async () => {
    const { fake, args } = await cluster('stale-token');
    const s = await serve([...args, '--cluster-exceptions-wait', '2']);
    const ca = readFileSync(s.stderr().match(/wrote a throwaway CA to (\S+)/)![1], 'utf8');
    const early = await request(s.port, ca, { method: 'GET', path: '/readyz' });
    assert.equal(early.status, 503);
    assert.match(early.body, /waiting for the first list of ComplianceExceptions/);
    await s.waitFor(/warning: the cluster exceptions were not listed within 2 s \(GET .*: 401: Unauthorized\); ready without them/);
    assert.equal((await request(s.port, ca, { method: 'GET', path: '/readyz' })).status, 200);
    await fake.until(() => fake.listRequests().length >= 3, 'retries');
    assert.equal((s.stderr().match(/401: Unauthorized \(the service account token was refused/g) ?? []).length, 1, s.stderr());
    const m = parsePrometheus((await request(s.port, ca, { method: 'GET', path: '/metrics' })).body);
    assert.ok(valueOf(m, 'kubecomply_exception_source_errors_total', { source: 'cluster', reason: 'unauthorized' }) >= 2);
    assert.equal(valueOf(m, 'kubecomply_exception_source_synced', { source: 'cluster' }), 0);
    const r = JSON.parse((await postReview(s.port, ca, podReview({ privileged: true }))).body);
    assert.equal(r.response.allowed, false, 'judged without the cluster exceptions: stricter, never looser');
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0);
  });

  test('usage errors: the --kube-* flags need --cluster-exceptions; https only; outside a pod --kube-api is required; unreadable files', async () => {
    const cases: [string[], RegExp][] = [
      [['--kube-api', 'https://127.0.0.1:6443'], /--kube-api is for --cluster-exceptions/],
      [['--kube-token-file', 'token'], /--kube-token-file is for --cluster-exceptions/],
      [['--cluster-exceptions-wait', '5'], /--cluster-exceptions-wait is for --cluster-exceptions/],
      [['--cluster-exceptions', '--kube-api', 'http://127.0.0.1:8080', '--kube-token-file', 'x'], /the API server URL must be https/],
      [['--cluster-exceptions'], /--cluster-exceptions: not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST[^\n]*\nhint: outside a pod, give --kube-api URL --kube-token-file FILE/],
      [['--cluster-exceptions', '--kube-api', 'https://127.0.0.1:6443', '--kube-token-file', '/nonexistent/token'], /cannot read --kube-token-file \/nonexistent\/token: ENOENT/],
      [['--cluster-exceptions', '--kube-api', 'https://127.0.0.1:6443', '--kube-ca', '/nonexistent/ca.crt'], /cannot read --kube-ca \/nonexistent\/ca\.crt/],
      [['--cluster-exceptions', '--cluster-exceptions-wait', 'never', '--kube-api', 'https://127.0.0.1:6443'], /invalid --cluster-exceptions-wait "never"/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(['serve', '--self-signed', '--no-config', ...args], { env: { KUBERNETES_SERVICE_HOST: undefined, KUBERNETES_SERVICE_PORT: undefined } });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re, args.join(' '));
    }
    const help = await runCli(['serve', '--help']);
    for (const flag of ['--cluster-exceptions', '--kube-api', '--kube-ca', '--kube-token-file', '--cluster-exceptions-wait']) assert.ok(help.stdout.includes(flag), flag);
    assert.match(help.stdout, /Cluster exceptions \(--cluster-exceptions\):/);
    assert.match(help.stdout, /410 Gone or a broken watch relists/);
    assert.match(help.stdout, /kubecomply_exception_source_errors_total\{source,reason\}/);
  });
});
