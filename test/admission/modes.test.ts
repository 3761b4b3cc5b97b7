/**
 * Modes (enforce, warn, audit) and how they are chosen; v1 and v1beta1; dryRun; the shape of what the
 * API server and kubectl show.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ADMIN, admissionReview, answer, connect, decider, deniedIds, pod, PRIVILEGED_POD_SPEC, type ReviewSpec } from './helpers.js';

const privileged = (ns = 'team-a'): Record<string, any> => pod('web', ns, PRIVILEGED_POD_SPEC);
const create = (object: Record<string, unknown>, extra: Partial<ReviewSpec> = {}): Record<string, any> => admissionReview({ operation: 'CREATE', object, ...extra });

describe('modes', () => {
  const d = decider({ namespaceModes: { 'team-warn': 'warn', 'team-audit': 'audit' } });

  test('enforce: allowed false, 403 Forbidden, one line per violated control with path and fix', () => {
    const review = create(privileged());
    const r = d.review(review);
    const a = answer(r, review);
    assert.equal(a.allowed, false);
    assert.deepEqual({ code: a.status!.code, reason: a.status!.reason }, { code: 403, reason: 'Forbidden' });
    const lines = a.status!.message.split('\n');
    assert.match(lines[0], /^kubecomply: CREATE Pod team-a\/web violates \d+ controls( \(\d+ findings\))?:$/);
    const body = lines.slice(1).filter((l) => l.startsWith('['));
    assert.ok(body.length >= 5);
    for (const l of body) assert.match(l, /^\[[a-z0-9-]+\] .+ \([^)]*\S\)( and \d+ more)? - fix: \S.*$/);
    assert.equal(new Set(deniedIds(a)).size, deniedIds(a).length, 'one line per control');
    assert.equal(deniedIds(a)[0], 'pss-privileged', 'the most severe first');
    assert.match(a.status!.message, /\[pss-privileged\] container "app" must not set securityContext\.privileged=true \(spec\.containers\[0\]\.securityContext\.privileged\) - fix: Remove `privileged: true` from every container/);
    assert.equal(a.auditAnnotations.decision, 'denied');
    assert.equal(a.auditAnnotations.mode, 'enforce');
    assert.equal(r.outcome.result, 'denied');
    assert.equal(r.outcome.mode, 'enforce');
    assert.ok(r.outcome.controls.includes('pss-privileged'));
  });

  test('warn: allowed with one short warning per control', () => {
    const review = create(privileged('team-warn'));
    const r = d.review(review);
    const a = answer(r, review);
    assert.equal(a.allowed, true);
    assert.equal(a.status, undefined);
    assert.ok(a.warnings && a.warnings.length >= 5);
    assert.match(a.warnings[0], /^kubecomply: \[pss-privileged\] container "app" must not set securityContext\.privileged=true \(spec\.containers\[0\]\.securityContext\.privileged\)/);
    assert.equal(a.auditAnnotations.decision, 'warned');
    assert.equal(r.outcome.result, 'warned');
    assert.equal(r.outcome.mode, 'warn');
  });

  test('audit: allowed, no warnings, everything in the audit annotations', () => {
    const review = create(privileged('team-audit'));
    const r = d.review(review);
    const a = answer(r, review);
    assert.equal(a.allowed, true);
    assert.equal(a.warnings, undefined);
    assert.equal(a.auditAnnotations.decision, 'audited');
    assert.equal(a.auditAnnotations.mode, 'audit');
    assert.match(a.auditAnnotations.violations, /(^|,)pss-privileged(,|$)/);
    const details = JSON.parse(a.auditAnnotations.details) as { control: string; path: string; message: string }[];
    assert.ok(details.some((x) => x.control === 'pss-privileged' && x.path === 'spec.containers[0].securityContext.privileged'));
    assert.equal(r.outcome.result, 'audited');
  });

  test('a compliant object is allowed in every mode, with the decision recorded', () => {
    for (const ns of ['team-a', 'team-warn', 'team-audit']) {
      const review = create(pod('ok', ns));
      const r = d.review(review);
      const a = answer(r, review);
      assert.equal(a.allowed, true);
      assert.equal(a.warnings, undefined);
      assert.deepEqual(a.auditAnnotations, { decision: 'allowed', mode: r.outcome.mode, role: 'user' });
      assert.deepEqual(r.outcome.controls, []);
    }
  });

  test('the URL mode wins over namespaceModes, which wins over admission.mode; cluster-scoped objects use admission.mode', () => {
    const mode = (review: Record<string, any>, pathMode?: 'enforce' | 'warn' | 'audit', dec = d): string => dec.review(review, pathMode ? { pathMode } : {}).outcome.mode;
    assert.equal(mode(create(privileged('team-warn'))), 'warn');
    assert.equal(mode(create(privileged('team-warn')), 'enforce'), 'enforce');
    assert.equal(mode(create(privileged('team-a')), 'audit'), 'audit');
    assert.equal(mode(create(privileged('elsewhere'))), 'enforce');
    const lenient = decider({ mode: 'warn', namespaceModes: { 'team-a': 'enforce' } });
    assert.equal(mode(create(privileged('team-a')), undefined, lenient), 'enforce');
    assert.equal(mode(create(privileged('team-b')), undefined, lenient), 'warn');
    // Cluster-scoped: a ClusterRole, and the Namespace object (whose request namespace is its own name).
    const cr = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'x' }, rules: [] };
    assert.equal(mode(create(cr), undefined, lenient), 'warn');
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } };
    assert.equal(mode(create(ns), undefined, lenient), 'warn');
    // An invalid path mode is ignored, not trusted.
    assert.equal(d.review(create(privileged('team-warn')), { pathMode: 'off' as never }).outcome.mode, 'warn');
  });

  test('guards follow the mode too: warn mode lets a user exec into kube-system with a warning', () => {
    const dec = decider({ namespaceModes: { 'kube-system': 'warn' } });
    const review = connect('exec', 'kube-system', 'coredns-0');
    const r = dec.review(review);
    const a = answer(r, review);
    assert.equal(a.allowed, true);
    assert.match(a.warnings![0], /^kubecomply: \[admission-admin-namespace\] namespace "kube-system" is reserved for administrators: exec into pod "coredns-0" - fix: /);
    assert.equal(r.outcome.result, 'warned');
    assert.equal(r.outcome.operation, 'CONNECT');
    assert.equal(r.outcome.kind, 'PodExecOptions');
  });
});

describe('AdmissionReview versions', () => {
  const d = decider();
  for (const apiVersion of ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const) {
    test(`${apiVersion}: answered in the same version with the request's uid`, () => {
      for (const object of [privileged(), pod('ok')]) {
        const review = admissionReview({ apiVersion, operation: 'CREATE', object, uid: 'e911857d-c318-11e8-bbad-025000000001' });
        const r = d.review(review);
        const body = r.body as Record<string, any>;
        assert.equal(r.httpStatus, 200);
        assert.equal(body.apiVersion, apiVersion);
        assert.equal(body.kind, 'AdmissionReview');
        assert.equal(body.response.uid, 'e911857d-c318-11e8-bbad-025000000001');
        assert.deepEqual(Object.keys(body), ['apiVersion', 'kind', 'response']);
      }
    });
  }
});

describe('dryRun', () => {
  test('dry-run requests are judged identically and say so', () => {
    const d = decider();
    for (const object of [privileged(), pod('ok')]) {
      const wet = d.review(admissionReview({ operation: 'CREATE', object, uid: 'u1' }));
      const dry = d.review(admissionReview({ operation: 'CREATE', object, uid: 'u1', dryRun: true }));
      assert.equal(dry.outcome.dryRun, true);
      assert.equal(wet.outcome.dryRun, false);
      const w = (wet.body as any).response;
      const r = (dry.body as any).response;
      assert.equal(r.allowed, w.allowed);
      assert.deepEqual(r.status, w.status);
      assert.equal(r.auditAnnotations['dry-run'], 'true');
      const { 'dry-run': _, ...rest } = r.auditAnnotations;
      assert.deepEqual(rest, w.auditAnnotations);
      assert.deepEqual({ ...dry.outcome, dryRun: false }, wet.outcome);
    }
  });
});

describe('what kubectl shows', () => {
  test('a long list of violations is capped with "and N more"', () => {
    const containers = Array.from({ length: 30 }, (_, i) => ({
      name: `c${i}`,
      image: `registry.example.com/very/long/path/to/an/image/number-${i}:latest`,
      ports: [{ containerPort: 8000 + i, hostPort: 8000 + i }],
      securityContext: { privileged: true, allowPrivilegeEscalation: true, runAsUser: 0, capabilities: { add: ['SYS_ADMIN', 'NET_ADMIN', 'NET_RAW'] }, procMount: 'Unmasked', seLinuxOptions: { user: 'root', type: 'spc_t' } },
    }));
    const spec = {
      hostNetwork: true,
      hostPID: true,
      hostIPC: true,
      shareProcessNamespace: true,
      securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }], seccompProfile: { type: 'Unconfined' } },
      volumes: [{ name: 'sock', hostPath: { path: '/var/run/docker.sock' } }, { name: 'root', hostPath: { path: '/' } }],
      containers,
    };
    const dec = decider({ namespaceModes: { loud: 'warn' } });
    const review = admissionReview({ operation: 'CREATE', object: { ...pod('bad', 'team-a', spec), metadata: { name: 'bad', namespace: 'team-a' } } });
    const a = answer(dec.review(review), review);
    assert.equal(a.allowed, false);
    const lines = a.status!.message.split('\n');
    assert.ok(lines.length <= 13, `${lines.length} lines`);
    assert.ok(a.status!.message.length <= 3000);
    assert.match(a.status!.message, /\n\.\.\. and \d+ more \(see the audit log\)/);
    assert.ok(a.auditAnnotations.details.length <= 4096);
    assert.match(a.auditAnnotations.details, /\{"more":\d+\}\]$/);
    const warnReview = admissionReview({ operation: 'CREATE', object: { ...pod('bad', 'loud', spec), metadata: { name: 'bad', namespace: 'loud' } } });
    const w = answer(dec.review(warnReview), warnReview);
    assert.ok(w.warnings!.length <= 12);
    assert.match(w.warnings![w.warnings!.length - 1], /^kubecomply: \.\.\. and \d+ more \(see the audit log\)$/);
  });

  test('messages from the object cannot inject lines into warnings', () => {
    const dec = decider({ mode: 'warn' });
    const evil = pod('x', 'team-a', { containers: [{ name: 'app\nWarning: all good', image: 'nginx', securityContext: { privileged: true } }] });
    const review = admissionReview({ operation: 'CREATE', object: evil });
    const a = answer(dec.review(review), review);
    for (const w of a.warnings!) assert.doesNotMatch(w, /\n/);
  });

  test('administrators: allowed in every mode, audit annotations record what a user would have been denied', () => {
    const d = decider({ namespaceModes: { 'team-audit': 'audit' } });
    const r = d.review(admissionReview({ operation: 'CREATE', object: privileged('team-audit'), user: ADMIN }));
    const a = (r.body as any).response;
    assert.equal(a.allowed, true);
    assert.equal(a.warnings, undefined, 'audit mode sends no warnings, not even to administrators');
    assert.equal(a.auditAnnotations.role, 'administrator');
    assert.equal(r.outcome.result, 'audited');
  });
});
