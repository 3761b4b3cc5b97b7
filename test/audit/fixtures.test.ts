// Real audit events from Falco's k8s_audit trace files (../shared/fixtures/audit/SOURCES.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeFiles } from '../../src/audit/index.js';
import { lintPolicy, parsePolicy } from '../../src/audit/policy-lint.js';

const DIR = path.resolve('../shared/fixtures/audit/falco-trace-events');

const EXPECTED: Record<string, string[]> = {
  'anonymous_creates_namespace_foo.json': ['audit-anonymous-allowed'],
  'attach_cluster_admin_role.json': ['audit-cluster-admin-binding'],
  'attach_pod.json': ['audit-pod-attach'],
  'exec_pod.json': ['audit-pod-exec'],
  'create_cluster_role_pod_exec.json': ['audit-role-grants-exec'],
  'create_cluster_role_wildcard_resources.json': ['audit-wildcard-role'],
  'create_cluster_role_wildcard_verbs.json': ['audit-wildcard-role'],
  'create_configmap_sensitive_values.json': Array(6).fill('audit-configmap-credentials'),
  'create_kube_system_secret.json': ['audit-secret-created-in-kube-system-by-user'],
  'create_nginx_pod_hostnetwork.json': ['audit-host-network-pod'],
  'create_nginx_pod_privileged.json': ['audit-privileged-pod'],
  'create_nginx_pod_privileged_2nd_container.json': ['audit-privileged-pod'],
  'create_nginx_pod_no_secctx_1st_container_privileged_2nd_container.json': ['audit-privileged-pod'],
  'create_nginx_pod_sensitive_mount.json': ['audit-hostpath-pod', 'audit-sensitive-hostpath-pod'],
  'create_nginx_pod_sensitive_mount_2nd_container.json': ['audit-hostpath-pod', 'audit-sensitive-hostpath-pod'],
  'create_nginx_service_nodeport.json': ['audit-nodeport-service'],
  'delete_namespace_foo.json': ['audit-namespace-deleted'],
  'delete_cluster_role_kube_aggregator.json': ['audit-system-role-modified'],
  'modify_cluster_role_node_problem_detector.json': ['audit-system-role-modified'],
};

test('the Falco trace events parse and produce the detections their content implies', async () => {
  const r = await analyzeFiles([DIR]);
  // 46 files with events (one has 6 lines, three have 2) + fal_01_003.json, which is {"kind": 0}.
  assert.ok(r.events >= 50, `${r.events} events`);
  assert.equal(r.diagnostics.length, 1);
  assert.match(r.diagnostics[0].file, /fal_01_003\.json$/);
  assert.equal(r.diagnostics[0].line, 1);
  const got = new Map<string, string[]>();
  for (const d of r.detections) {
    const f = path.basename(d.origin!.file);
    got.set(f, [...(got.get(f) ?? []), d.rule].sort());
  }
  for (const [f, rules] of Object.entries(EXPECTED)) assert.deepEqual(got.get(f), [...rules].sort(), f);
  // Benign and near-miss scenarios stay quiet.
  for (const f of ['create_nginx_pod_unprivileged.json', 'create_nginx_pod_nohostnetwork.json', 'create_nginx_pod_unsensitive_mount.json',
    'create_configmap_no_sensitive_values.json', 'create_service_account_token_secret.json', 'create_nginx_service_nonodeport.json',
    'create_pod_kube_system_namespace.json', 'create_clusterrole.json', 'minikube_creates_namespace_foo.json'])
    assert.equal(got.get(f), undefined, `${f} fired ${got.get(f)}`);
  assert.deepEqual([...got.keys()].filter((f) => !(f in EXPECTED)), []);
});

test("Falco's sample audit policy is linted with sensible findings", () => {
  const file = path.resolve('../shared/fixtures/audit/falco-sample-audit-policy.yaml');
  const { policy, lines } = parsePolicy(readFileSync(file, 'utf8'), file);
  const f = lintPolicy(policy, lines);
  const checks = f.map((x) => x.check);
  // It has a catch-all and omits RequestReceived: no findings for those.
  assert.ok(!checks.includes('no-catch-all'));
  assert.ok(!checks.includes('request-received-logged'));
  assert.ok(!checks.includes('exec-not-logged'));
  // Secrets are at Metadata; ConfigMaps are logged with bodies (Request in kube-system, RequestResponse elsewhere).
  const cm = f.filter((x) => x.check === 'sensitive-bodies-logged');
  assert.equal(cm.length, 2);
  assert.ok(cm.every((x) => x.message.includes('configmaps')));
  assert.deepEqual(cm.map((x) => x.line), [51, 60]);
  // Roles and RoleBindings fall through to the Metadata catch-all.
  const rbac = f.find((x) => x.check === 'rbac-not-request-response');
  assert.ok(rbac && /roles \(Metadata\)/.test(rbac.message) && !/clusterroles/.test(rbac.message), rbac?.message);
  // "deployments" is listed under the core group.
  const wrong = f.find((x) => x.check === 'wrong-api-group');
  assert.ok(wrong && wrong.message.includes('"deployments"') && wrong.line === 8);
  for (const x of f) assert.ok(x.explanation.length > 20);
});
