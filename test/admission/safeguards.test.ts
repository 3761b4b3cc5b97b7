/**
 * The safeguards: what users may not do whatever the object looks like, and that administrators may.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ADMISSION_GUARD_IDS, GUARDS } from '../../src/admission/index.js';
import { ADMIN, admissionReview, ALICE, answer, CI_SA, connect, CONTROLLER, decider, deniedIds, KUBELET, pod, type ReviewSpec, type UserInfo } from './helpers.js';

const d = decider();

function run(spec: ReviewSpec, dec = d): ReturnType<typeof answer> & { ids: string[] } {
  const review = admissionReview(spec);
  const a = answer(dec.review(review), review);
  return { ...a, ids: deniedIds(a) };
}

function denied(spec: ReviewSpec, id: string, dec = d): ReturnType<typeof run> {
  const a = run(spec, dec);
  assert.equal(a.allowed, false, `expected ${spec.operation} to be denied by ${id}`);
  assert.equal(a.status!.code, 403);
  assert.equal(a.status!.reason, 'Forbidden');
  assert.ok(a.ids.includes(id), `deny message names ${id}: ${a.status!.message}`);
  assert.ok(a.auditAnnotations.violations.split(',').includes(id));
  return a;
}

function allowed(spec: ReviewSpec, dec = d): ReturnType<typeof run> {
  const a = run(spec, dec);
  assert.equal(a.allowed, true, a.status?.message);
  return a;
}

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] },
};
const webhook = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingWebhookConfiguration',
  metadata: { name: 'kubecomply' },
  webhooks: [{ name: 'validate.kubecomply.io', clientConfig: { service: { name: 'kubecomply', namespace: 'kubecomply' } }, admissionReviewVersions: ['v1'], sideEffects: 'None' }],
};

describe('the safeguards', () => {
  test('have stable, unique ids and a one-line fix each', () => {
    assert.deepEqual(ADMISSION_GUARD_IDS, [
      'admission-api-extension',
      'admission-cluster-rbac',
      'admission-rbac-ceiling',
      'admission-admin-namespace',
      'admission-system-component',
      'admission-node-access',
      'admission-enforcement-labels',
      'admission-exception-objects',
    ]);
    for (const g of GUARDS) {
      assert.doesNotMatch(g.fix, /\n/);
      assert.ok(g.description.length > 20);
    }
  });
});

describe('admission-api-extension: users may not change the Kubernetes API', () => {
  const objects = [
    crd,
    webhook,
    { ...webhook, kind: 'MutatingWebhookConfiguration' },
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'p' }, spec: { validations: [{ expression: 'true' }] } },
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'p' }, spec: { policyName: 'p', validationActions: ['Deny'] } },
    { apiVersion: 'admissionregistration.k8s.io/v1beta1', kind: 'MutatingAdmissionPolicy', metadata: { name: 'm' }, spec: {} },
    { apiVersion: 'admissionregistration.k8s.io/v1beta1', kind: 'MutatingAdmissionPolicyBinding', metadata: { name: 'm' }, spec: { policyName: 'm' } },
    { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1beta1.metrics.k8s.io' }, spec: { group: 'metrics.k8s.io', version: 'v1beta1', service: { name: 'metrics-server', namespace: 'kube-system' } } },
  ];
  for (const o of objects) {
    test(`${o.kind}: CREATE, UPDATE and DELETE by a user are denied; by an administrator allowed`, () => {
      denied({ operation: 'CREATE', object: o }, 'admission-api-extension');
      denied({ operation: 'UPDATE', object: o, oldObject: o }, 'admission-api-extension');
      denied({ operation: 'DELETE', oldObject: o }, 'admission-api-extension');
      const review = admissionReview({ operation: 'CREATE', object: o, user: ADMIN });
      const r = d.review(review);
      const a = answer(r, review);
      assert.equal(a.allowed, true);
      assert.equal(a.warnings, undefined, 'administrators are not warned about what they are there to do');
      assert.equal(a.auditAnnotations.role, 'administrator');
      assert.equal(a.auditAnnotations.decision, 'allowed');
      assert.equal(a.auditAnnotations.violations, 'admission-api-extension', 'what an administrator did is recorded');
      assert.deepEqual(r.outcome.controls, [], 'and not counted as a violation');
    });
  }

  test('the message says what was attempted, and the fix', () => {
    const a = denied({ operation: 'CREATE', object: crd }, 'admission-api-extension');
    assert.match(a.status!.message, /^\[admission-api-extension\] users may not change the Kubernetes API: CREATE CustomResourceDefinition "widgets\.example\.com" - fix: .+$/m);
  });
});

const role = (rules: unknown[]): Record<string, unknown> => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r', namespace: 'team-a' }, rules });
const binding = (roleRef: Record<string, string>): Record<string, unknown> => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name: 'b', namespace: 'team-a' },
  subjects: [{ kind: 'User', name: 'bob@example.com', apiGroup: 'rbac.authorization.k8s.io' }],
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
});

describe('RBAC', () => {
  test('admission-cluster-rbac: any change to ClusterRoles and ClusterRoleBindings', () => {
    const cr = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] };
    const crb = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'x' }, subjects: [{ kind: 'User', name: 'alice@example.com' }], roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' } };
    for (const o of [cr, crb]) {
      denied({ operation: 'CREATE', object: o }, 'admission-cluster-rbac');
      denied({ operation: 'UPDATE', object: o, oldObject: o }, 'admission-cluster-rbac');
      denied({ operation: 'DELETE', oldObject: o, user: CI_SA }, 'admission-cluster-rbac');
      allowed({ operation: 'CREATE', object: o, user: ADMIN });
    }
  });

  test('admission-rbac-ceiling: Roles with wildcards or escalate/bind/impersonate', () => {
    const wild = denied({ operation: 'CREATE', object: role([{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]) }, 'admission-rbac-ceiling');
    assert.match(wild.auditAnnotations.details, /rules\[0\]\.verbs\[0\]/);
    assert.match(wild.auditAnnotations.details, /rules\[0\]\.resources\[0\]/);
    assert.match(wild.auditAnnotations.details, /rules\[0\]\.apiGroups\[0\]/);
    assert.match(wild.status!.message, /Role rule 0 grants every verb \("\*"\) \(rules\[0\]\.verbs\[0\]\) and 2 more - fix:/);
    for (const verb of ['escalate', 'bind', 'impersonate']) {
      const a = denied({ operation: 'CREATE', object: role([{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['get', verb] }]) }, 'admission-rbac-ceiling');
      assert.match(a.status!.message, new RegExp(`grants the ${verb} verb`));
    }
    denied({ operation: 'UPDATE', object: role([{ apiGroups: [''], resources: ['pods/*'], verbs: ['get'] }]), oldObject: role([]) }, 'admission-rbac-ceiling');
    allowed({ operation: 'CREATE', object: role([{ apiGroups: ['', 'apps'], resources: ['pods', 'deployments', 'pods/log'], verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'] }]) });
    allowed({ operation: 'DELETE', oldObject: role([{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]) }, d);
    allowed({ operation: 'CREATE', object: role([{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]), user: ADMIN });
  });

  test('admission-rbac-ceiling: RoleBindings to ClusterRoles other than the bindable ones', () => {
    for (const name of ['cluster-admin', 'admin', 'system:controller:namespace-controller']) {
      const a = denied({ operation: 'CREATE', object: binding({ kind: 'ClusterRole', name }) }, 'admission-rbac-ceiling');
      assert.match(a.status!.message, new RegExp(`binds ClusterRole "${name}".*users may bind only view, edit \\(admission\\.bindableClusterRoles\\) \\(roleRef\\.name\\)`));
    }
    allowed({ operation: 'CREATE', object: binding({ kind: 'ClusterRole', name: 'view' }) });
    allowed({ operation: 'CREATE', object: binding({ kind: 'ClusterRole', name: 'edit' }) });
    allowed({ operation: 'CREATE', object: binding({ kind: 'Role', name: 'cluster-admin' }) }, d);
    allowed({ operation: 'DELETE', oldObject: binding({ kind: 'ClusterRole', name: 'cluster-admin' }) });
    const wider = decider({ bindableClusterRoles: ['view', 'edit', 'admin'] });
    allowed({ operation: 'CREATE', object: binding({ kind: 'ClusterRole', name: 'admin' }) }, wider);
    denied({ operation: 'CREATE', object: binding({ kind: 'ClusterRole', name: 'cluster-admin' }) }, 'admission-rbac-ceiling', wider);
    allowed({ operation: 'CREATE', object: binding({ kind: 'ClusterRole', name: 'cluster-admin' }), user: ADMIN });
  });
});

describe('admission-admin-namespace', () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' }, data: { Corefile: '.:53 {}' } };

  test('CREATE, UPDATE and DELETE in kube-system, kube-public and kube-node-lease are denied to users', () => {
    for (const ns of ['kube-system', 'kube-public', 'kube-node-lease']) {
      const o = { ...cm, metadata: { ...cm.metadata, namespace: ns } };
      const a = denied({ operation: 'CREATE', object: o }, 'admission-admin-namespace');
      assert.match(a.status!.message, new RegExp(`namespace "${ns}" is reserved for administrators: CREATE ConfigMap "coredns"`));
      denied({ operation: 'UPDATE', object: o, oldObject: o }, 'admission-admin-namespace');
      denied({ operation: 'DELETE', oldObject: o, user: CI_SA }, 'admission-admin-namespace');
    }
  });

  test('CONNECT (exec, attach, port-forward, proxy) into kube-system is denied to users, allowed to administrators', () => {
    for (const sub of ['exec', 'attach', 'portforward', 'proxy'] as const) {
      const review = connect(sub, 'kube-system', 'coredns-5d78c9869d-abcde');
      const a = answer(d.review(review), review);
      assert.equal(a.allowed, false);
      assert.deepEqual(deniedIds(a), ['admission-admin-namespace']);
      assert.match(a.status!.message, /namespace "kube-system" is reserved for administrators: (exec into|attach to|port-forward to|proxy to) pod "coredns-5d78c9869d-abcde"/);
      const admin = connect(sub, 'kube-system', 'coredns-5d78c9869d-abcde', ADMIN);
      assert.equal(answer(d.review(admin), admin).allowed, true);
    }
    const mine = connect('exec', 'team-a', 'web-0');
    const a = answer(d.review(mine), mine);
    assert.equal(a.allowed, true, 'exec into your own pods is allowed');
    assert.equal(a.auditAnnotations.decision, 'allowed');
  });

  test('the Namespace objects themselves: UPDATE and DELETE are denied to users', () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } } };
    denied({ operation: 'DELETE', oldObject: ns }, 'admission-admin-namespace');
    const changed = { ...ns, metadata: { ...ns.metadata, labels: { ...ns.metadata.labels, team: 'a' } } };
    denied({ operation: 'UPDATE', object: changed, oldObject: ns }, 'admission-admin-namespace');
    allowed({ operation: 'UPDATE', object: changed, oldObject: ns, user: ADMIN });
    // Other namespaces may be deleted by users (RBAC decides who).
    const team = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } };
    allowed({ operation: 'DELETE', oldObject: team });
  });

  test('adminNamespaces is configurable', () => {
    const dec = decider({ adminNamespaces: ['kube-system', 'kubecomply'] });
    denied({ operation: 'CREATE', object: pod('x', 'kubecomply') }, 'admission-admin-namespace', dec);
    allowed({ operation: 'CREATE', object: pod('x', 'kube-public') }, dec);
  });
});

describe('admission-system-component and admission-node-access', () => {
  const dec = decider({ systemComponents: ['app.kubernetes.io/part-of=kube-prometheus', 'platform.example.com/managed'] });
  const labelled = (labels: Record<string, string>): Record<string, any> => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'prometheus', namespace: 'monitoring', labels },
    spec: { selector: { app: 'prometheus' }, ports: [{ port: 9090 }] },
  });

  test('objects labelled as system components: CREATE, UPDATE (old or new labels) and DELETE', () => {
    const sys = labelled({ 'app.kubernetes.io/part-of': 'kube-prometheus' });
    const plain = labelled({ app: 'prometheus' });
    const a = denied({ operation: 'CREATE', object: sys }, 'admission-system-component', dec);
    assert.match(a.status!.message, /labelled as a system component \(app\.kubernetes\.io\/part-of=kube-prometheus\).*\(metadata\.labels\["app\.kubernetes\.io\/part-of"\]\)/);
    denied({ operation: 'UPDATE', object: plain, oldObject: sys }, 'admission-system-component', dec);
    denied({ operation: 'UPDATE', object: sys, oldObject: plain }, 'admission-system-component', dec);
    denied({ operation: 'DELETE', oldObject: sys }, 'admission-system-component', dec);
    denied({ operation: 'DELETE', oldObject: labelled({ 'platform.example.com/managed': 'true' }) }, 'admission-system-component', dec);
    allowed({ operation: 'DELETE', oldObject: labelled({ 'app.kubernetes.io/part-of': 'shop' }) }, dec);
    allowed({ operation: 'DELETE', oldObject: sys, user: ADMIN }, dec);
  });

  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'worker-1', labels: { 'kubernetes.io/hostname': 'worker-1' } }, spec: { podCIDR: '10.244.1.0/24' } };

  test('Node objects: UPDATE (also nodes/status) and DELETE by users are denied; kubelets and administrators may', () => {
    const tainted = { ...node, spec: { ...node.spec, taints: [{ key: 'x', effect: 'NoSchedule' }] } };
    denied({ operation: 'UPDATE', object: tainted, oldObject: node }, 'admission-node-access');
    denied({ operation: 'UPDATE', object: node, oldObject: node, subResource: 'status' }, 'admission-node-access');
    denied({ operation: 'DELETE', oldObject: node }, 'admission-node-access');
    denied({ operation: 'CREATE', object: node }, 'admission-node-access');
    allowed({ operation: 'UPDATE', object: node, oldObject: node, subResource: 'status', user: KUBELET });
    allowed({ operation: 'DELETE', oldObject: node, user: ADMIN });
  });

  test('CONNECT to nodes/proxy is denied to users', () => {
    const review = admissionReview({
      operation: 'CONNECT',
      kind: { group: '', version: 'v1', kind: 'NodeProxyOptions' },
      resource: { group: '', version: 'v1', resource: 'nodes' },
      subResource: 'proxy',
      name: 'worker-1',
      object: { kind: 'NodeProxyOptions', apiVersion: 'v1', path: '/metrics' },
    });
    const a = answer(d.review(review), review);
    assert.equal(a.allowed, false);
    assert.deepEqual(deniedIds(a), ['admission-node-access']);
    assert.match(a.status!.message, /users may not connect to nodes: proxy to node "worker-1" \(nodes\/proxy\)/);
    const asAdmin = admissionReview({ ...(review.request as ReviewSpec), operation: 'CONNECT', kind: { group: '', version: 'v1', kind: 'NodeProxyOptions' }, resource: { group: '', version: 'v1', resource: 'nodes' }, subResource: 'proxy', name: 'worker-1', object: { kind: 'NodeProxyOptions', apiVersion: 'v1', path: '/metrics' }, user: ADMIN });
    assert.equal(answer(d.review(asAdmin), asAdmin).allowed, true);
  });
});

describe('admission-enforcement-labels and admission-exception-objects', () => {
  const ns = (labels: Record<string, string>): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-a', ...labels } } });
  const enforced = { 'pod-security.kubernetes.io/enforce': 'restricted', 'kubecomply.io/mode': 'enforce' };

  test('users may not add, change or remove the mode label or pod-security.kubernetes.io/* labels', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ ...enforced, 'kubecomply.io/mode': 'audit' }, /changes label kubecomply\.io\/mode from "enforce" to "audit"/],
      [{ 'pod-security.kubernetes.io/enforce': 'restricted' }, /removes label kubecomply\.io\/mode \(was "enforce"\)/],
      [{ ...enforced, 'pod-security.kubernetes.io/enforce': 'privileged' }, /changes label pod-security\.kubernetes\.io\/enforce from "restricted" to "privileged"/],
      [{ ...enforced, 'pod-security.kubernetes.io/warn': 'baseline' }, /adds label pod-security\.kubernetes\.io\/warn="baseline"/],
    ];
    for (const [labels, why] of cases) {
      const a = denied({ operation: 'UPDATE', object: ns(labels), oldObject: ns(enforced) }, 'admission-enforcement-labels');
      assert.match(a.status!.message, why);
      allowed({ operation: 'UPDATE', object: ns(labels), oldObject: ns(enforced), user: ADMIN });
    }
    allowed({ operation: 'UPDATE', object: ns({ ...enforced, team: 'payments' }), oldObject: ns(enforced) });
  });

  test('a Namespace is created with a mode no weaker than configured and no older Pod Security rules', () => {
    denied({ operation: 'CREATE', object: ns({ ...enforced, 'kubecomply.io/mode': 'audit' }) }, 'admission-enforcement-labels');
    denied({ operation: 'CREATE', object: ns({ ...enforced, 'kubecomply.io/mode': 'off' }) }, 'admission-enforcement-labels');
    const old = denied({ operation: 'CREATE', object: ns({ ...enforced, 'pod-security.kubernetes.io/enforce-version': 'v1.20' }) }, 'admission-enforcement-labels');
    assert.match(old.status!.message, /enforce-version=v1\.20 pins Pod Security rules older than the required v1\.37/);
    allowed({ operation: 'CREATE', object: ns({ ...enforced, 'pod-security.kubernetes.io/enforce-version': 'latest' }) });
    const lenient = decider({ mode: 'warn' });
    allowed({ operation: 'CREATE', object: ns({ ...enforced, 'kubecomply.io/mode': 'warn' }) }, lenient);
    // The required enforce level is the catalog control pss-namespace-enforce-label, as in a scan.
    const weak = denied({ operation: 'CREATE', object: ns({ 'pod-security.kubernetes.io/enforce': 'baseline' }) }, 'pss-namespace-enforce-label');
    assert.deepEqual(weak.ids, ['pss-namespace-enforce-label']);
  });

  const exception = {
    apiVersion: 'kubecomply.io/v1alpha1',
    kind: 'ComplianceException',
    metadata: { name: 'legacy-billing-root', namespace: 'billing' },
    spec: { controls: ['pss-run-as-non-root'], match: { namespaces: ['billing'] }, justification: 'vendor image runs as root until the Q3 release', approvedBy: 'jane@example.com', approvedAt: '2026-11-20', expires: '2027-01-31' },
  };

  test('only administrators create, change or delete ComplianceExceptions', () => {
    for (const user of [ALICE, CI_SA] as UserInfo[]) {
      denied({ operation: 'CREATE', object: exception, user }, 'admission-exception-objects');
      denied({ operation: 'UPDATE', object: exception, oldObject: exception, user }, 'admission-exception-objects');
      denied({ operation: 'DELETE', oldObject: exception, user }, 'admission-exception-objects');
    }
    allowed({ operation: 'CREATE', object: exception, user: ADMIN });
  });
});

describe('administrators', () => {
  test('users, groups and service accounts (namespace:name with *) from admission.administrators', () => {
    const dec = decider({ administrators: { users: ['ops@example.com'], groups: ['platform-admins'], serviceAccounts: ['kube-system:*', 'argocd:argocd-application-*', '*:cluster-bootstrap'] } });
    const o = { ...crd };
    const ok = (user: UserInfo): void => void allowed({ operation: 'CREATE', object: o, user }, dec);
    const no = (user: UserInfo): void => void denied({ operation: 'CREATE', object: o, user }, 'admission-api-extension', dec);
    ok({ username: 'ops@example.com', groups: [] });
    ok({ username: 'bob@example.com', groups: ['platform-admins', 'system:authenticated'] });
    ok(CONTROLLER);
    ok({ username: 'system:serviceaccount:argocd:argocd-application-controller', groups: [] });
    ok({ username: 'system:serviceaccount:tools:cluster-bootstrap', groups: [] });
    no({ username: 'system:serviceaccount:argocd:argocd-server', groups: ['system:serviceaccounts:argocd'] });
    no({ username: 'system:serviceaccount:kube-systemx:default', groups: [] });
    no({ username: 'kubernetes-admin', groups: ['system:masters'] });
    no({ username: 'system:serviceaccount:kube-system', groups: [] });
    no({ username: '', groups: [] });
  });

  test('are allowed with warnings (people) or silently (system components), and the decision is recorded', () => {
    const review = admissionReview({ operation: 'CREATE', object: pod('debug', 'team-a', { containers: [{ name: 'app', image: 'busybox', securityContext: { privileged: true } }] }), user: ADMIN });
    const a = answer(d.review(review), review);
    assert.equal(a.allowed, true);
    assert.equal(a.auditAnnotations.role, 'administrator');
    assert.equal(a.auditAnnotations.decision, 'warned');
    assert.match(a.auditAnnotations.violations, /pss-privileged/);
    assert.ok(a.warnings!.some((w) => /^kubecomply: administrator override: \[pss-privileged\]/.test(w)));

    const sys = admissionReview({ operation: 'CREATE', object: pod('debug', 'team-a', PRIVILEGED), user: CONTROLLER });
    const s = answer(d.review(sys), sys);
    assert.equal(s.allowed, true);
    assert.equal(s.warnings, undefined, 'controllers get no warnings to log');
    assert.equal(s.auditAnnotations.decision, 'audited');
    assert.match(s.auditAnnotations.violations, /pss-privileged/);
  });
});

const PRIVILEGED = { containers: [{ name: 'app', image: 'busybox', securityContext: { privileged: true } }] };
