import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_RULES } from '../../src/audit/rules.js';
import { DetectionEngine } from '../../src/audit/engine.js';
import type { AuditEvent } from '../../src/audit/types.js';
import { ADMIN, CONTROLLER, detect, ev, SA } from './helpers.js';

const pod = (spec: Record<string, unknown>, o: Partial<AuditEvent> = {}) => ev({ verb: 'create', objectRef: { resource: 'pods', name: undefined }, requestObject: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec } }, responseStatus: { code: 201 }, ...o });
const deploy = (spec: Record<string, unknown>) => ev({ verb: 'create', objectRef: { resource: 'deployments', apiGroup: 'apps', name: undefined }, requestObject: { kind: 'Deployment', spec: { replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec } } } }, responseStatus: { code: 201 } });
const binding = (roleRef: string, subjects: unknown[] = [{ kind: 'User', name: 'bob' }], resource = 'clusterrolebindings') => ev({ verb: 'create', objectRef: { resource, apiGroup: 'rbac.authorization.k8s.io', namespace: resource === 'rolebindings' ? 'default' : undefined, name: 'b' }, requestObject: { kind: 'ClusterRoleBinding', roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleRef }, subjects }, responseStatus: { code: 201 } });
const role = (rules: unknown[]) => ev({ verb: 'create', objectRef: { resource: 'clusterroles', apiGroup: 'rbac.authorization.k8s.io', namespace: undefined, name: 'r' }, requestObject: { kind: 'ClusterRole', rules }, responseStatus: { code: 201 } });
const sub = (subresource: string, verb = 'create', o: Partial<AuditEvent> = {}) => ev({ verb, objectRef: { resource: 'pods', subresource }, responseStatus: { code: 101 }, ...o });
const burst = (k: number, code: number, o: (i: number) => Partial<AuditEvent>) => Array.from({ length: k }, (_, i) => ev({ at: 100 + i * 2, responseStatus: { code }, ...o(i) }));
const secrets = (verb: string, ns: string | undefined, o: Partial<AuditEvent> = {}) => ev({ verb, objectRef: { resource: 'secrets', namespace: ns, name: verb === 'get' ? 's' : undefined }, ...o });
const cfg = (data: Record<string, string>) => ev({ verb: 'create', objectRef: { resource: 'configmaps', name: 'c' }, requestObject: { kind: 'ConfigMap', data }, responseStatus: { code: 201 } });

/** Each rule: sequences that must make it fire, and near-misses that must not. */
const CASES: Record<string, { pos: AuditEvent[][]; neg: AuditEvent[][] }> = {
  'audit-pod-exec': { pos: [[sub('exec')], [sub('exec', 'get')]], neg: [[sub('log', 'get')], [ev({ verb: 'create' })]] },
  'audit-pod-attach': { pos: [[sub('attach')]], neg: [[sub('exec')], [sub('status', 'get')]] },
  'audit-pod-port-forward': { pos: [[sub('portforward')]], neg: [[sub('proxy', 'get')]] },
  'audit-ephemeral-container': { pos: [[sub('ephemeralcontainers', 'patch')]], neg: [[sub('ephemeralcontainers', 'get')]] },
  'audit-privileged-pod': {
    pos: [[pod({ containers: [{ name: 'a' }, { name: 'b', securityContext: { privileged: true } }] })], [deploy({ initContainers: [{ name: 'i', securityContext: { privileged: true } }] })]],
    neg: [[pod({ containers: [{ name: 'a', securityContext: { privileged: false } }] })], [pod({ securityContext: { runAsNonRoot: true } })]],
  },
  'audit-host-network-pod': { pos: [[pod({ hostNetwork: true })], [deploy({ hostNetwork: true })]], neg: [[pod({ hostNetwork: false })]] },
  'audit-host-pid-ipc-pod': { pos: [[pod({ hostPID: true })], [pod({ hostIPC: true })]], neg: [[pod({ hostPID: false, hostIPC: false })]] },
  'audit-hostpath-pod': { pos: [[pod({ volumes: [{ name: 'v', hostPath: { path: '/data/app' } }] })]], neg: [[pod({ volumes: [{ name: 'v', emptyDir: {} }] })]] },
  'audit-sensitive-hostpath-pod': {
    pos: [[pod({ volumes: [{ name: 'v', hostPath: { path: '/var/run/docker.sock' } }] })], [pod({ volumes: [{ name: 'v', hostPath: { path: '/' } }] })], [deploy({ volumes: [{ name: 'v', hostPath: { path: '/etc/kubernetes/pki' } }] })]],
    neg: [[pod({ volumes: [{ name: 'v', hostPath: { path: '/data/app' } }] })], [pod({ volumes: [{ name: 'v', hostPath: { path: '/etcd-backup' } }] })]],
  },
  'audit-pod-in-kube-system-by-user': {
    pos: [[pod({}, { objectRef: { resource: 'pods', namespace: 'kube-system', name: undefined } })]],
    neg: [[pod({}, { objectRef: { resource: 'pods', namespace: 'kube-system', name: undefined }, user: CONTROLLER })], [pod({})]],
  },
  'audit-psa-violation': {
    pos: [[pod({}, { annotations: { 'pod-security.kubernetes.io/audit-violations': 'would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false' } })]],
    neg: [[pod({}, { annotations: { 'pod-security.kubernetes.io/enforce-policy': 'restricted:latest' } })]],
  },
  'audit-cronjob-created': {
    pos: [[ev({ verb: 'create', objectRef: { resource: 'cronjobs', apiGroup: 'batch', name: 'c' } })]],
    neg: [[ev({ verb: 'create', objectRef: { resource: 'jobs', apiGroup: 'batch', name: 'c' } })], [ev({ verb: 'update', objectRef: { resource: 'cronjobs', apiGroup: 'batch', name: 'c' }, user: { username: 'system:kube-controller-manager' } })]],
  },
  'audit-nodeport-service': {
    pos: [[ev({ verb: 'create', objectRef: { resource: 'services', name: 's' }, requestObject: { spec: { type: 'NodePort' } } })]],
    neg: [[ev({ verb: 'create', objectRef: { resource: 'services', name: 's' }, requestObject: { spec: { type: 'ClusterIP' } } })]],
  },
  'audit-cluster-admin-binding': {
    pos: [[binding('cluster-admin')], [binding('cluster-admin', undefined, 'rolebindings')]],
    neg: [[binding('view')], [{ ...binding('cluster-admin'), responseStatus: { code: 403 } }]],
  },
  'audit-binding-to-anonymous': {
    pos: [[binding('view', [{ kind: 'Group', name: 'system:unauthenticated' }])], [binding('edit', [{ kind: 'User', name: 'system:anonymous' }])]],
    neg: [[binding('view', [{ kind: 'Group', name: 'developers' }])]],
  },
  'audit-wildcard-role': {
    pos: [[role([{ apiGroups: [''], resources: ['*'], verbs: ['get'] }])], [role([{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['*'] }])]],
    neg: [[role([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }])]],
  },
  'audit-role-grants-exec': { pos: [[role([{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }])]], neg: [[role([{ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }])]] },
  'audit-role-grants-escalation-verbs': { pos: [[role([{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['escalate'] }])], [role([{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'] }])]], neg: [[role([{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['get'] }])]] },
  'audit-system-role-modified': {
    pos: [[ev({ verb: 'patch', objectRef: { resource: 'clusterroles', namespace: undefined, name: 'system:node' } })]],
    neg: [[ev({ verb: 'patch', objectRef: { resource: 'clusterroles', namespace: undefined, name: 'my-role' } })], [ev({ verb: 'update', objectRef: { resource: 'clusterroles', namespace: undefined, name: 'system:node' }, user: { username: 'system:apiserver' } })]],
  },
  'audit-secrets-listed-cluster-wide': { pos: [[secrets('list', undefined)], [secrets('watch', undefined, { user: SA('ci', 'deployer') })]], neg: [[secrets('list', undefined, { responseStatus: { code: 403 } })], [secrets('list', undefined, { user: { username: 'system:kube-controller-manager' } })]] },
  'audit-secrets-listed-by-user': { pos: [[secrets('list', 'shop')]], neg: [[secrets('get', 'shop')], [secrets('list', 'shop', { user: SA('kube-system', 'generic-garbage-collector') })]] },
  'audit-secret-read-cross-namespace-sa': { pos: [[secrets('get', 'payments', { user: SA('shop', 'web') })]], neg: [[secrets('get', 'shop', { user: SA('shop', 'web') })], [secrets('get', 'payments', { user: SA('kube-system', 'cert-controller') })]] },
  'audit-secret-read-by-anonymous': { pos: [[secrets('get', 'default', { user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } })]], neg: [[secrets('get', 'default', { user: { username: 'system:anonymous' }, responseStatus: { code: 403 } })]] },
  'audit-sa-token-requested': { pos: [[ev({ verb: 'create', objectRef: { resource: 'serviceaccounts', subresource: 'token', name: 'deployer' }, responseStatus: { code: 201 } })]], neg: [[ev({ verb: 'create', objectRef: { resource: 'serviceaccounts', subresource: 'token', name: 'web' }, user: { username: 'system:node:worker-1', groups: ['system:nodes'] } })]] },
  'audit-sa-token-secret-created': { pos: [[ev({ verb: 'create', objectRef: { resource: 'secrets', name: 't' }, requestObject: { type: 'kubernetes.io/service-account-token' } })]], neg: [[ev({ verb: 'create', objectRef: { resource: 'secrets', name: 't' }, requestObject: { type: 'Opaque' } })]] },
  'audit-configmap-credentials': { pos: [[cfg({ 'app.properties': 'db.password = hunter2' })], [cfg({ AWS_SECRET_ACCESS_KEY: 'x' })]], neg: [[cfg({ 'ui.properties': 'color.good=purple' })]] },
  'audit-secret-created-in-kube-system-by-user': { pos: [[ev({ verb: 'create', objectRef: { resource: 'secrets', namespace: 'kube-system', name: 's' } })]], neg: [[ev({ verb: 'create', objectRef: { resource: 'secrets', namespace: 'kube-system', name: 's' }, user: { username: 'system:kube-controller-manager' } })]] },
  'audit-anonymous-allowed': {
    pos: [[ev({ verb: 'list', user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } })]],
    neg: [[ev({ verb: 'get', requestURI: '/healthz', objectRef: undefined, user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } })], [ev({ verb: 'list', user: { username: 'system:anonymous' }, responseStatus: { code: 403 }, annotations: { 'authorization.k8s.io/decision': 'forbid' } })]],
  },
  'audit-auth-failures-burst': {
    pos: [burst(5, 401, () => ({ user: {}, sourceIPs: ['203.0.113.9'] }))],
    neg: [burst(4, 401, () => ({ user: {}, sourceIPs: ['203.0.113.9'] })), burst(6, 401, (i) => ({ user: {}, sourceIPs: [`203.0.113.${i}`] })), [0, 1, 2, 3, 4].map((i) => ev({ at: i * 30, user: {}, sourceIPs: ['203.0.113.9'], responseStatus: { code: 401 } }))],
  },
  'audit-forbidden-burst': { pos: [burst(10, 403, () => ({ user: SA('ci', 'deployer') }))], neg: [burst(10, 403, (i) => ({ user: SA('ci', `d${i}`) }))] },
  'audit-permission-discovery': { pos: [[ev({ verb: 'create', objectRef: { resource: 'selfsubjectrulesreviews', namespace: undefined, name: undefined }, user: SA('shop', 'web') })]], neg: [[ev({ verb: 'create', objectRef: { resource: 'selfsubjectrulesreviews', namespace: undefined, name: undefined } })]] },
  'audit-impersonation': { pos: [[ev({ impersonatedUser: { username: 'bob' } })]], neg: [[ev({})]] },
  'audit-impersonation-privileged': { pos: [[ev({ impersonatedUser: { username: 'x', groups: ['system:masters'] } })]], neg: [[ev({ impersonatedUser: { username: 'bob', groups: ['developers'] } })]] },
  'audit-node-proxy': { pos: [[ev({ objectRef: { resource: 'nodes', subresource: 'proxy', namespace: undefined, name: 'worker-1' } })]], neg: [[ev({ objectRef: { resource: 'nodes', subresource: 'proxy', namespace: undefined, name: 'worker-1' }, user: { username: 'system:apiserver' } })], [ev({ objectRef: { resource: 'nodes', namespace: undefined, name: 'worker-1' } })]] },
  'audit-service-proxy': { pos: [[ev({ objectRef: { resource: 'services', subresource: 'proxy', name: 'grafana' } })]], neg: [[ev({ objectRef: { resource: 'services', name: 'grafana' } })]] },
  'audit-admission-webhook-changed': {
    pos: [[ev({ verb: 'create', objectRef: { resource: 'mutatingwebhookconfigurations', apiGroup: 'admissionregistration.k8s.io', namespace: undefined, name: 'w' } })]],
    neg: [[ev({ verb: 'create', objectRef: { resource: 'mutatingwebhookconfigurations', apiGroup: 'admissionregistration.k8s.io', namespace: undefined, name: 'w' }, user: ADMIN })], [ev({ verb: 'get', objectRef: { resource: 'mutatingwebhookconfigurations', namespace: undefined, name: 'w' } })]],
  },
  'audit-admission-webhook-deleted': { pos: [[ev({ verb: 'delete', objectRef: { resource: 'validatingwebhookconfigurations', namespace: undefined, name: 'w' }, user: ADMIN })]], neg: [[ev({ verb: 'update', objectRef: { resource: 'validatingwebhookconfigurations', namespace: undefined, name: 'w' }, user: ADMIN })]] },
  'audit-crd-changed': { pos: [[ev({ verb: 'delete', objectRef: { resource: 'customresourcedefinitions', namespace: undefined, name: 'policies.kyverno.io' } })]], neg: [[ev({ verb: 'delete', objectRef: { resource: 'customresourcedefinitions', namespace: undefined, name: 'x' }, user: ADMIN })]] },
  'audit-security-component-deleted': {
    pos: [[ev({ verb: 'delete', objectRef: { resource: 'daemonsets', namespace: 'falco', name: 'falco' } })], [ev({ verb: 'delete', objectRef: { resource: 'deployments', namespace: 'default', name: 'fluent-bit' } })]],
    neg: [[ev({ verb: 'delete', objectRef: { resource: 'deployments', namespace: 'shop', name: 'web' } })], [ev({ verb: 'delete', objectRef: { resource: 'pods', namespace: 'monitoring', name: 'prometheus-0' }, user: { username: 'system:serviceaccount:kube-system:replicaset-controller' } })]],
  },
  'audit-security-component-scaled-down': {
    pos: [[ev({ verb: 'patch', objectRef: { resource: 'deployments', subresource: 'scale', namespace: 'monitoring', name: 'prometheus' }, requestObject: { spec: { replicas: 0 } } })]],
    neg: [[ev({ verb: 'patch', objectRef: { resource: 'deployments', subresource: 'scale', namespace: 'monitoring', name: 'prometheus' }, requestObject: { spec: { replicas: 2 } } })], [ev({ verb: 'patch', objectRef: { resource: 'deployments', subresource: 'scale', namespace: 'shop', name: 'web' }, requestObject: { spec: { replicas: 0 } } })]],
  },
  'audit-networkpolicy-deleted': { pos: [[ev({ verb: 'delete', objectRef: { resource: 'networkpolicies', apiGroup: 'networking.k8s.io', name: 'deny' } })]], neg: [[ev({ verb: 'update', objectRef: { resource: 'networkpolicies', name: 'deny' } })]] },
  'audit-pod-security-relaxed': {
    pos: [[ev({ verb: 'patch', objectRef: { resource: 'namespaces', namespace: undefined, name: 'shop' }, requestObject: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } } })]],
    neg: [[ev({ verb: 'patch', objectRef: { resource: 'namespaces', namespace: undefined, name: 'shop' }, requestObject: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } })]],
  },
  'audit-events-deleted': { pos: [[ev({ verb: 'deletecollection', objectRef: { resource: 'events', name: undefined } })]], neg: [[ev({ verb: 'delete', objectRef: { resource: 'events', name: 'e' }, user: { username: 'system:kube-controller-manager' } })]] },
  'audit-namespace-deleted': { pos: [[ev({ verb: 'delete', objectRef: { resource: 'namespaces', namespace: undefined, name: 'shop' } })]], neg: [[ev({ verb: 'get', objectRef: { resource: 'namespaces', namespace: undefined, name: 'shop' } })], [ev({ verb: 'delete', objectRef: { resource: 'namespaces', namespace: undefined, name: 'x' }, user: { username: 'system:serviceaccount:kube-system:namespace-controller' } })]] },
  'audit-deletecollection': { pos: [[ev({ verb: 'deletecollection', objectRef: { resource: 'pods', name: undefined } })]], neg: [[ev({ verb: 'delete', objectRef: { resource: 'pods', name: 'p' } })]] },
};

test('at least 30 built-in rules, each with MITRE ids from the Containers matrix, severity and explanation', () => {
  assert.ok(BUILTIN_RULES.length >= 30, `${BUILTIN_RULES.length} rules`);
  // ATT&CK Enterprise v18.1 "Containers" techniques and the Microsoft matrix mappings (regulations.md §9).
  const allowed = new Set(['T1078', 'T1078.001', 'T1078.003', 'T1133', 'T1190', 'T1053.007', 'T1059.013', 'T1204.003', 'T1609', 'T1610', 'T1098.006', 'T1136.001', 'T1525', 'T1543.005', 'T1068', 'T1611', 'T1036.005', 'T1036.010', 'T1070', 'T1550.001', 'T1562', 'T1562.001', 'T1612', 'T1110', 'T1110.001', 'T1110.003', 'T1110.004', 'T1528', 'T1552', 'T1552.001', 'T1552.007', 'T1046', 'T1069', 'T1613', 'T1485', 'T1490', 'T1496', 'T1498', 'T1499', 'T1546']);
  for (const r of BUILTIN_RULES) {
    assert.ok(r.mitre.length > 0, `${r.id} has MITRE ids`);
    for (const m of r.mitre) assert.ok(allowed.has(m), `${r.id}: ${m} is not in the documented matrix`);
    assert.ok(r.explanation.length > 40 && r.remediation.length > 10, `${r.id} explains itself`);
  }
  assert.doesNotThrow(() => new DetectionEngine(BUILTIN_RULES));
});

test('every built-in rule has positive and near-miss cases', () => {
  for (const r of BUILTIN_RULES) {
    const c = CASES[r.id];
    assert.ok(c && c.pos.length > 0 && c.neg.length > 0, `cases for ${r.id}`);
  }
});

for (const [id, c] of Object.entries(CASES)) {
  test(`rule ${id}`, () => {
    c.pos.forEach((seq, i) => assert.ok(detect(seq).some((d) => d.rule === id), `positive case ${i} fires ${id}`));
    c.neg.forEach((seq, i) => {
      const fired = detect(seq).filter((d) => d.rule === id);
      assert.equal(fired.length, 0, `near-miss ${i} must not fire ${id}`);
    });
  });
}

test('RequestReceived stage is not evaluated; ResponseStarted+ResponseComplete of one request fire once', () => {
  const a = sub('exec', 'create', { stage: 'RequestReceived' });
  assert.equal(detect([a]).length, 0);
  const s = sub('exec', 'create', { stage: 'ResponseStarted', auditID: 'same' });
  const c = sub('exec', 'create', { stage: 'ResponseComplete', auditID: 'same' });
  assert.equal(detect([s, c]).filter((d) => d.rule === 'audit-pod-exec').length, 1);
});

test('detections carry who, what, where and the MITRE ids', () => {
  const [d] = detect([sub('exec', 'create', { user: SA('ci', 'deployer'), sourceIPs: ['1.2.3.4', '10.0.0.9'] })]);
  assert.equal(d.rule, 'audit-pod-exec');
  assert.equal(d.user, 'system:serviceaccount:ci:deployer');
  assert.equal(d.sourceIP, '10.0.0.9');
  assert.equal(d.resource, 'pods/exec');
  assert.deepEqual(d.mitre, ['T1609']);
  assert.equal(d.severity, 'high');
});
