/**
 * `kubecomply admission review`: the built CLI on the examples in examples/admission, stdin, bad input,
 * configuration and exceptions.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ADMISSION_GUARD_IDS } from '../../src/admission/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeTree } from '../helpers/tmp.js';

const EX = 'examples/admission';
const example = (f: string): Record<string, any> => JSON.parse(readFileSync(path.join(EX, f), 'utf8'));

describe('kubecomply admission review', () => {
  const expected: [string, string[], number, boolean][] = [
    ['user-privileged-pod.json', [], 1, false],
    ['user-compliant-deployment.json', [], 0, true],
    ['user-exec-kube-system.json', [], 1, false],
    ['user-bind-cluster-admin.json', [], 1, false],
    ['admin-create-crd.json', [], 0, true],
    ['warn-mode-deployment.json', [], 1, false],
    ['warn-mode-deployment.json', ['--mode', 'warn'], 0, true],
    ['warn-mode-deployment.json', ['--mode', 'audit'], 0, true],
  ];
  for (const [file, args, code, allowed] of expected) {
    test(`${file} ${args.join(' ')}: exit ${code}, the AdmissionReview response on stdout`, async () => {
      const r = await runCli(['admission', 'review', path.join(EX, file), '--no-config', ...args]);
      assert.equal(r.code, code, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.apiVersion, 'admission.k8s.io/v1');
      assert.equal(out.kind, 'AdmissionReview');
      assert.equal(out.response.uid, example(file).request.uid);
      assert.equal(out.response.allowed, allowed);
      assert.match(r.stderr, /^(allowed|denied|warned|audited) \(mode (enforce|warn|audit), Pod Security restricted v1\.37\) /);
    });
  }

  test('what each example shows', async () => {
    const priv = JSON.parse((await runCli(['admission', 'review', `${EX}/user-privileged-pod.json`, '--no-config'])).stdout);
    assert.match(priv.response.status.message, /^kubecomply: CREATE Pod shop\/node-debugger violates \d+ controls/);
    assert.match(priv.response.status.message, /\n\[pss-privileged\] container "shell" must not set securityContext\.privileged=true \(spec\.containers\[0\]\.securityContext\.privileged\) - fix: /);
    assert.match(priv.response.status.message, /\n\[pss-host-namespaces\] /);
    const exec = JSON.parse((await runCli(['admission', 'review', `${EX}/user-exec-kube-system.json`, '--no-config'])).stdout);
    assert.match(exec.response.status.message, /\[admission-admin-namespace\] namespace "kube-system" is reserved for administrators: exec into pod "coredns-7db6d8ff4d-x2k9p"/);
    const bind = JSON.parse((await runCli(['admission', 'review', `${EX}/user-bind-cluster-admin.json`, '--no-config'])).stdout);
    assert.match(bind.response.status.message, /\[admission-rbac-ceiling\] RoleBinding binds ClusterRole "cluster-admin"/);
    const crd = JSON.parse((await runCli(['admission', 'review', `${EX}/admin-create-crd.json`, '--no-config'])).stdout);
    assert.equal(crd.response.warnings, undefined, 'administrators are not warned for doing their job');
    assert.deepEqual(crd.response.auditAnnotations, { decision: 'allowed', mode: 'enforce', role: 'administrator', violations: 'admission-api-extension', details: crd.response.auditAnnotations.details });
    const warn = JSON.parse((await runCli(['admission', 'review', `${EX}/warn-mode-deployment.json`, '--no-config', '--mode', 'warn'])).stdout);
    assert.ok(warn.response.warnings.length >= 4);
    assert.equal(warn.response.auditAnnotations['dry-run'], 'true');
  });

  test('reads stdin and YAML', async () => {
    const text = readFileSync(`${EX}/user-privileged-pod.json`, 'utf8');
    const r = await runCli(['admission', 'review', '-', '--no-config', '-q'], { stdin: text });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, '');
    const dir = tempDir();
    const yaml = `apiVersion: admission.k8s.io/v1beta1
kind: AdmissionReview
request:
  uid: 11111111-2222-3333-4444-555555555555
  kind: {group: "", version: v1, kind: Pod}
  resource: {group: "", version: v1, resource: pods}
  namespace: shop
  operation: CREATE
  userInfo: {username: alice, groups: [system:authenticated]}
  object:
    apiVersion: v1
    kind: Pod
    metadata: {name: p, namespace: shop}
    spec:
      hostNetwork: yes
      containers: [{name: a, image: "nginx:1.27"}]
`;
    writeTree(dir, { 'review.yaml': yaml });
    const y = await runCli(['admission', 'review', path.join(dir, 'review.yaml'), '--no-config']);
    assert.equal(y.code, 1);
    const out = JSON.parse(y.stdout);
    assert.equal(out.apiVersion, 'admission.k8s.io/v1beta1');
    assert.match(out.response.status.message, /\[pss-host-namespaces\]/, 'YAML 1.1 "yes" is true, as Kubernetes reads it');
  });

  test('bad input: exit 2 with a clear error', async () => {
    const dir = tempDir();
    writeTree(dir, {
      'garbage.json': '{ not json',
      'pod.json': JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } }),
      'request.json': JSON.stringify(example('user-privileged-pod.json').request),
      'broken.json': JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u', operation: 'CREATE', kind: { kind: 'Pod' }, object: 'x' } }),
    });
    const g = await runCli(['admission', 'review', path.join(dir, 'garbage.json'), '--no-config']);
    assert.equal(g.code, 2);
    assert.match(g.stderr, /is neither JSON nor YAML/);
    const p = await runCli(['admission', 'review', path.join(dir, 'pod.json'), '--no-config']);
    assert.equal(p.code, 2);
    assert.match(p.stderr, /expected kind AdmissionReview, got "Pod"/);
    assert.deepEqual(Object.keys(JSON.parse(p.stdout)), ['error']);
    const req = await runCli(['admission', 'review', path.join(dir, 'request.json'), '--no-config']);
    assert.equal(req.code, 2);
    assert.match(req.stderr, /hint: this looks like an AdmissionRequest .*--request/);
    const wrapped = await runCli(['admission', 'review', path.join(dir, 'request.json'), '--no-config', '--request']);
    assert.equal(wrapped.code, 1);
    const broken = await runCli(['admission', 'review', path.join(dir, 'broken.json'), '--no-config']);
    assert.equal(broken.code, 2, 'an AdmissionReview that cannot be judged');
    assert.equal(JSON.parse(broken.stdout).response.uid, 'u');
    const missing = await runCli(['admission', 'review', path.join(dir, 'nope.json'), '--no-config']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read/);
    const mode = await runCli(['admission', 'review', path.join(dir, 'pod.json'), '--mode', 'loud']);
    assert.equal(mode.code, 2);
  });

  test('kubecomply.yaml admission settings and ComplianceException files are used', async () => {
    const dir = tempDir();
    writeTree(dir, {
      'kubecomply.yaml': 'admission:\n  namespaceModes:\n    sandbox: warn\n  bindableClusterRoles: [view, edit, cluster-admin]\n',
      'bad.yaml': 'admission:\n  controls: [pss-privilegd]\n',
      'exceptions.yaml': `apiVersion: kubecomply.io/v1alpha1
kind: ComplianceException
metadata:
  name: node-debugger
  namespace: shop
spec:
  controls: ["pss-*", container-runtime-socket-mount, sensitive-host-path-mount, "image-*"]
  match: {namespaces: [shop], kinds: [Pod], names: [node-debugger]}
  justification: Incident INC-4411 needs a node shell on the payment nodes for one week
  approvedBy: jane.doe@example.com
  approvedAt: "${new Date().toISOString().slice(0, 10)}"
  expires: "${new Date(Date.now() + 7 * 86400_000).toISOString().slice(0, 10)}"
  ticket: INC-4411
`,
    });
    const cfg = path.join(dir, 'kubecomply.yaml');
    const warn = await runCli(['admission', 'review', path.resolve(`${EX}/warn-mode-deployment.json`), '-c', cfg]);
    assert.equal(warn.code, 0, warn.stderr);
    assert.match(warn.stderr, /^warned \(mode warn/);
    const bind = await runCli(['admission', 'review', path.resolve(`${EX}/user-bind-cluster-admin.json`), '-c', cfg]);
    assert.equal(bind.code, 0, 'cluster-admin made bindable');
    const bad = await runCli(['admission', 'review', path.resolve(`${EX}/warn-mode-deployment.json`), '-c', path.join(dir, 'bad.yaml')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /admission\.controls names a control that does not exist: pss-privilegd/);
    const excepted = await runCli(['admission', 'review', path.resolve(`${EX}/user-privileged-pod.json`), '--no-config', '--exceptions', path.join(dir, 'exceptions.yaml')]);
    assert.equal(excepted.code, 0, excepted.stdout);
    const out = JSON.parse(excepted.stdout);
    assert.equal(out.response.auditAnnotations.exceptions, 'shop/node-debugger');
    assert.ok(out.response.warnings.length > 0, 'the excepted violations are named in warnings');
    assert.ok(out.response.warnings.every((w: string) => /allowed by ComplianceException shop\/node-debugger/.test(w)));
    assert.match(excepted.stderr, /\(exceptions: shop\/node-debugger\)/);
  });

  test('--help explains the model, the safeguards, the modes and the exit codes', async () => {
    const r = await runCli(['admission', 'review', '--help']);
    assert.equal(r.code, 0);
    for (const id of ADMISSION_GUARD_IDS) assert.match(r.stdout, new RegExp(id));
    assert.match(r.stdout, /need cluster state/);
    assert.match(r.stdout, /Exit codes:\n\s+0 +allowed/);
    assert.match(r.stdout, /1 +denied/);
    assert.match(r.stdout, /2 +bad input/);
    assert.match(r.stdout, /system:serviceaccount:<namespace>:<name>/);
    const top = await runCli(['--help']);
    assert.match(top.stdout, /admission/);
  });
});
