/**
 * The pieces of the manifests fit the server: `kubecomply serve`, started with the Deployment's own
 * command line over the Secret's and the ConfigMap's files (at a temporary path instead of
 * /etc/kubecomply), answers over TLS that the webhook configuration's caBundle verifies for the name
 * the API server uses, judges reviews on the webhook paths, honours a ComplianceException kept in the
 * cluster (a fake API server on 127.0.0.1, found as in a pod: KUBERNETES_SERVICE_HOST/PORT and the
 * projected volume's token and ca.crt), and drains on SIGTERM as the grace period expects.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:https';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { BIN } from '../helpers/cli.js';
import { tempDir, writeTree } from '../helpers/tmp.js';
import { activeSpec, FakeKubeApi } from '../server/fake-kube.js';
import { objectsOf, one, run, type Obj } from './helpers.js';

interface Reply {
  status: number;
  body: string;
}

function call(port: number, ca: string, method: string, urlPath: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: urlPath,
        ca,
        // The name the API server calls the Service by; the certificate must carry it.
        servername: 'kubecomply.kubecomply.svc',
        agent: false,
        headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

function review(namespace: string, privileged: boolean): Obj {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `uid-${namespace}-${privileged}`,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      name: 'app',
      namespace,
      operation: 'CREATE',
      userInfo: { username: 'alice@example.com', groups: ['system:authenticated'] },
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'app', namespace, labels: { owner: 'team-a' } },
        spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1.0', securityContext: { privileged } }] },
      },
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}

describe('kubecomply serve with the Deployment command line', async () => {
  const objects = objectsOf(await run());
  const dir = tempDir();
  const secret = one(objects, 'Secret');
  const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');
  writeTree(dir, {
    'tls/tls.crt': b64(secret.data['tls.crt']),
    'tls/tls.key': b64(secret.data['tls.key']),
    'config/kubecomply.yaml': one(objects, 'ConfigMap').data['kubecomply.yaml'],
  });
  const vwc = one(objects, 'ValidatingWebhookConfiguration');
  const ca = b64(vwc.webhooks[0].clientConfig.caBundle);
  const pod = one(objects, 'Deployment').spec.template.spec;
  const command = pod.containers[0].command as string[];
  assert.equal(command[0], 'kubecomply');
  const args = command.slice(1).map((a) => (a.startsWith('/etc/kubecomply/') ? path.join(dir, a.slice('/etc/kubecomply/'.length)) : a));
  // The cluster: a fake API server, with an exception for pod "app" in team-c. The pod finds it as
  // the kubelet sets it up: the kubernetes Service in the environment, the projected volume's files.
  const fake = await FakeKubeApi.start();
  fake.create('team-c', 'app-privileged', activeSpec({ match: { kinds: ['Pod'], names: ['app'] } }));
  const projected = pod.volumes.find((v: Obj) => v.projected).projected.sources as Obj[];
  const file = (source: Obj): string => path.join(dir, 'serviceaccount', source.serviceAccountToken?.path ?? source.configMap?.items[0].path);
  writeTree(dir, { 'serviceaccount/token': 'good-token\n', 'serviceaccount/ca.crt': fake.ca });
  const tokenFile = file(projected.find((x) => x.serviceAccountToken)!);
  const caFile = file(projected.find((x) => x.configMap?.name === 'kube-root-ca.crt')!);
  // Only where it listens differs from the pod (a free port on loopback instead of 8443), and where
  // the projected files are (the flags stand for the mount path).
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args, '--port', '0', '--address', '127.0.0.1', '--kube-token-file', tokenFile, '--kube-ca', caFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: dir,
    env: { ...process.env, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(fake.port) },
  });
  after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await fake.close();
  });
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${stderr}`)), 30_000);
    child.stderr!.on('data', (b: Buffer) => {
      stderr += b.toString('utf8');
      const m = /listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${stderr}`)));
  });

  test('starts with the shipped configuration and answers the probes over TLS the caBundle verifies', async () => {
    assert.match(stderr, /mode enforce/);
    assert.match(stderr, new RegExp(`cluster exceptions from https://127\\.0\\.0\\.1:${fake.port}`));
    await fake.until(() => fake.openWatches === 1, 'the server watching the cluster exceptions');
    assert.equal((await call(port, ca, 'GET', '/healthz')).status, 200);
    assert.equal((await call(port, ca, 'GET', '/readyz')).status, 200);
  });

  test('a privileged pod is denied on the enforce path and only warned about on the warn path', async () => {
    const paths = Object.fromEntries((vwc.webhooks as Obj[]).map((w) => [w.name, w.clientConfig.service.path]));
    const denied = await call(port, ca, 'POST', paths['enforce.kubecomply.io'], review('team-a', true));
    assert.equal(denied.status, 200);
    const d = JSON.parse(denied.body);
    assert.equal(d.response.uid, 'uid-team-a-true');
    assert.equal(d.response.allowed, false, denied.body);
    const warned = JSON.parse((await call(port, ca, 'POST', paths['warn.kubecomply.io'], review('team-b', true))).body);
    assert.equal(warned.response.allowed, true);
    assert.ok(Array.isArray(warned.response.warnings) && warned.response.warnings.length > 0, JSON.stringify(warned.response));
  });

  test('a ComplianceException kept in the cluster is honoured, with the token and CA of the projected volume', async () => {
    const enforce = (vwc.webhooks as Obj[]).find((w) => w.name === 'enforce.kubecomply.io')!.clientConfig.service.path;
    // The review's pod breaks other controls too (it is denied for them); the exception excuses pss-privileged.
    const r = JSON.parse((await call(port, ca, 'POST', enforce, review('team-c', true))).body).response;
    assert.equal(r.auditAnnotations.excepted, 'pss-privileged=team-c/app-privileged', JSON.stringify(r));
    assert.doesNotMatch(r.auditAnnotations.violations, /pss-privileged/);
    assert.ok(fake.requests.length > 0 && fake.requests.every((x) => x.token === 'good-token'));
    const other = JSON.parse((await call(port, ca, 'POST', enforce, review('team-d', true))).body).response;
    assert.match(other.auditAnnotations.violations, /pss-privileged/, 'only in the namespace of the exception');
  });

  test('SIGTERM: readiness turns 503 during the shutdown delay, then the process exits 0 within the grace period', async () => {
    const start = Date.now();
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await call(port, ca, 'GET', '/readyz')).status, 503, 'still serving, but not ready');
    const [code] = await exited;
    assert.equal(code, 0, stderr);
    const took = (Date.now() - start) / 1000;
    const grace = one(objects, 'Deployment').spec.template.spec.terminationGracePeriodSeconds as number;
    assert.ok(took >= 4 && took < grace, `drained in ${took} s`);
  });
});
