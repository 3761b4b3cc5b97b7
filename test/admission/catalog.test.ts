/**
 * Catalog controls at admission: every workload kind, UPDATEs as Pod Security admission judges them,
 * ephemeral containers, and the control selection.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AdmissionConfigError, createDecider, selectAdmissionControls } from '../../src/admission/index.js';
import { defaultAdmissionSettings } from '../../src/config/defaults.js';
import { BUILTIN_CONTROLS } from '../../src/controls/index.js';
import { v } from '../../src/controls/pod-security/version.js';
import { admissionReview, answer, COMPLIANT_POD_SPEC, CONFIG, decider, deniedIds, deployment, pod, PRIVILEGED_POD_SPEC, workloads } from './helpers.js';

const d = decider();

describe('workloads', () => {
  test('every workload kind failing a control is denied for a user; compliant ones are allowed', () => {
    for (const o of workloads(PRIVILEGED_POD_SPEC)) {
      const review = admissionReview({ operation: 'CREATE', object: o });
      const a = answer(d.review(review), review);
      assert.equal(a.allowed, false, `${o.kind} with a privileged container`);
      assert.ok(deniedIds(a).includes('pss-privileged'), `${o.kind}: ${a.status?.message}`);
      assert.match(a.auditAnnotations.details, /securityContext\.privileged/);
    }
    for (const o of workloads(COMPLIANT_POD_SPEC)) {
      const review = admissionReview({ operation: 'CREATE', object: o });
      const a = answer(d.review(review), review);
      assert.equal(a.allowed, true, `${o.kind}: ${a.status?.message}`);
    }
  });

  test('findings name the path inside each kind (CronJob job template, PodTemplate template)', () => {
    const [, , , , , , cron, , tmpl] = workloads(PRIVILEGED_POD_SPEC);
    const c = answer(d.review(admissionReview({ operation: 'CREATE', object: cron })));
    assert.match(c.status!.message, /\(spec\.jobTemplate\.spec\.template\.spec\.containers\[0\]\.securityContext\.privileged\)/);
    const t = answer(d.review(admissionReview({ operation: 'CREATE', object: tmpl })));
    assert.match(t.status!.message, /\(template\.spec\.containers\[0\]\.securityContext\.privileged\)/);
  });

  test('objects without kind/apiVersion (as some tools send them) are judged by the request kind', () => {
    const o = pod('bare', 'team-a', PRIVILEGED_POD_SPEC);
    delete o.kind;
    delete o.apiVersion;
    const a = answer(d.review(admissionReview({ operation: 'CREATE', object: o, kind: { group: '', version: 'v1', kind: 'Pod' } })));
    assert.equal(a.allowed, false);
    assert.ok(deniedIds(a).includes('pss-privileged'));
  });

  test('the Pod Security level and version of the configuration apply', () => {
    const hostPath = pod('hp', 'team-a', { ...COMPLIANT_POD_SPEC, volumes: [{ name: 'h', hostPath: { path: '/mnt/scratch' } }] });
    const restricted = answer(d.review(admissionReview({ operation: 'CREATE', object: hostPath })));
    assert.deepEqual(deniedIds(restricted), ['pss-restricted-volumes']);
    const baseline = decider({}, { config: { ...CONFIG, pss: { level: 'baseline', version: v(1, 30) } } });
    assert.deepEqual(deniedIds(answer(baseline.review(admissionReview({ operation: 'CREATE', object: hostPath })))), ['pss-host-path-volumes']);
    const nonRoot = pod('root', 'team-a', { ...COMPLIANT_POD_SPEC, securityContext: {} });
    assert.equal(answer(baseline.review(admissionReview({ operation: 'CREATE', object: nonRoot }))).allowed, true, 'baseline does not require runAsNonRoot');
    const privilegedLevel = decider({}, { config: { ...CONFIG, pss: { level: 'privileged', version: v(1, 30) } } });
    const p = answer(privilegedLevel.review(admissionReview({ operation: 'CREATE', object: pod('p', 'team-a', { containers: [{ name: 'a', image: 'nginx:1.27@sha256:' + 'a'.repeat(64), securityContext: { privileged: true } }] }) })));
    assert.ok(!deniedIds(p).some((id) => id.startsWith('pss-')), 'no Pod Security controls at level privileged');
  });

  test('DELETE of a non-compliant workload is allowed (removing it only helps)', () => {
    const o = deployment('legacy', 'team-a', PRIVILEGED_POD_SPEC);
    const a = answer(d.review(admissionReview({ operation: 'DELETE', oldObject: o })));
    assert.equal(a.allowed, true);
  });

  test('subresources other than ephemeralcontainers are not judged by the catalog (status, scale, binding)', () => {
    const o = pod('legacy', 'team-a', PRIVILEGED_POD_SPEC);
    const status = answer(d.review(admissionReview({ operation: 'UPDATE', object: o, oldObject: o, subResource: 'status' })));
    assert.equal(status.allowed, true);
    assert.match(status.auditAnnotations.skipped, /subresource status/);
    const scale = {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: 'legacy', namespace: 'team-a' },
      spec: { replicas: 3 },
    };
    const s = answer(
      d.review(admissionReview({ operation: 'UPDATE', object: scale, oldObject: { ...scale, spec: { replicas: 1 } }, kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, resource: { group: 'apps', version: 'v1', resource: 'deployments' }, subResource: 'scale' })),
    );
    assert.equal(s.allowed, true);
  });
});

describe('UPDATE', () => {
  const legacy = pod('legacy', 'team-a', { containers: [{ name: 'app', image: 'nginx:1.25', securityContext: { privileged: true } }] });

  test('pods: an update that changes only metadata is allowed, as Pod Security admission does', () => {
    const relabelled = structuredClone(legacy);
    relabelled.metadata.labels.release = 'canary';
    relabelled.metadata.annotations = { note: 'x' };
    relabelled.spec.activeDeadlineSeconds = 600;
    const a = answer(d.review(admissionReview({ operation: 'UPDATE', object: relabelled, oldObject: legacy })));
    assert.equal(a.allowed, true);
    assert.match(a.auditAnnotations.skipped, /as Pod Security admission/);
  });

  test('pods: an image change or a container seccomp annotation change is judged, and the new pod must comply', () => {
    const newImage = structuredClone(legacy);
    newImage.spec.containers[0].image = 'nginx:1.27';
    assert.ok(deniedIds(answer(d.review(admissionReview({ operation: 'UPDATE', object: newImage, oldObject: legacy })))).includes('pss-privileged'));
    const seccomp = structuredClone(legacy);
    seccomp.metadata.annotations = { 'container.seccomp.security.alpha.kubernetes.io/app': 'unconfined' };
    assert.equal(answer(d.review(admissionReview({ operation: 'UPDATE', object: seccomp, oldObject: legacy }))).allowed, false);
    // A compliant pod updated to a compliant image is fine.
    const ok = pod('ok');
    const okNew = structuredClone(ok);
    okNew.spec.containers[0].image = 'registry.example.com/shop/api:2.4.2@sha256:' + 'b'.repeat(64);
    assert.equal(answer(d.review(admissionReview({ operation: 'UPDATE', object: okNew, oldObject: ok }))).allowed, true);
  });

  test('pods/ephemeralcontainers: the pod is judged with its new ephemeral containers', () => {
    const base = pod('web');
    const debugged = structuredClone(base);
    debugged.spec.ephemeralContainers = [{ name: 'debugger-x7k2p', image: 'busybox:1.36', stdin: true, tty: true, targetContainerName: 'app', securityContext: { privileged: true } }];
    const a = answer(d.review(admissionReview({ operation: 'UPDATE', object: debugged, oldObject: base, subResource: 'ephemeralcontainers' })));
    assert.equal(a.allowed, false);
    assert.match(a.status!.message, /ephemeral container "debugger-x7k2p".*\(spec\.ephemeralContainers\[0\]/);
    const gentle = structuredClone(base);
    gentle.spec.ephemeralContainers = [
      {
        name: 'debugger-abcde',
        image: 'busybox:1.36@sha256:' + 'c'.repeat(64),
        targetContainerName: 'app',
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true },
      },
    ];
    const ok = answer(d.review(admissionReview({ operation: 'UPDATE', object: gentle, oldObject: base, subResource: 'ephemeralcontainers' })));
    assert.equal(ok.allowed, true, ok.status?.message);
  });

  test('pods/ephemeralcontainers from the alpha API (EphemeralContainers object) are merged into the pod', () => {
    const base = pod('web');
    const ec = { apiVersion: 'v1', kind: 'EphemeralContainers', metadata: { name: 'web', namespace: 'team-a' }, ephemeralContainers: [{ name: 'dbg', image: 'busybox', securityContext: { privileged: true } }] };
    const a = answer(
      d.review(admissionReview({ operation: 'UPDATE', object: ec, oldObject: { ...ec, ephemeralContainers: [] }, kind: { group: '', version: 'v1', kind: 'EphemeralContainers' }, resource: { group: '', version: 'v1', resource: 'pods' }, subResource: 'ephemeralcontainers' })),
    );
    assert.equal(a.allowed, false);
    assert.ok(deniedIds(a).includes('pss-privileged'));
    void base;
  });

  test('workloads: judged when the pod template changes; not when only replicas or metadata change', () => {
    const legacyDeploy = deployment('legacy', 'team-a', PRIVILEGED_POD_SPEC);
    const scaled = structuredClone(legacyDeploy);
    scaled.spec.replicas = 5;
    scaled.metadata.labels.tier = 'web';
    const a = answer(d.review(admissionReview({ operation: 'UPDATE', object: scaled, oldObject: legacyDeploy })));
    assert.equal(a.allowed, true);
    assert.equal(a.auditAnnotations.skipped, 'update leaves the pod template unchanged');
    const worse = deployment('web');
    const changed = structuredClone(worse);
    changed.spec.template.spec.containers[0].securityContext.privileged = true;
    assert.ok(deniedIds(answer(d.review(admissionReview({ operation: 'UPDATE', object: changed, oldObject: worse })))).includes('pss-privileged'));
    const annotated = structuredClone(legacyDeploy);
    annotated.spec.template.metadata.annotations = { 'kubectl.kubernetes.io/restartedAt': '2026-12-01T10:00:00Z' };
    assert.equal(answer(d.review(admissionReview({ operation: 'UPDATE', object: annotated, oldObject: legacyDeploy }))).allowed, false, 'a template change (a rollout) judges the new template');
  });
});

describe('control selection', () => {
  test('admission.controls picks from the catalog; only resource-scoped, active controls are evaluated', () => {
    const sel = selectAdmissionControls(defaultAdmissionSettings().controls, CONFIG);
    assert.ok(sel.controls.length > 15);
    for (const c of sel.controls) assert.equal(c.scope, 'resource');
    assert.deepEqual(sel.unknown, []);
    const withInventory = selectAdmissionControls(['pss-privileged', 'rbac-*', 'namespace-default-deny-ingress'], CONFIG);
    assert.ok(withInventory.needInventory.some((c) => c.id === 'namespace-default-deny-ingress'));
    assert.ok(withInventory.controls.some((c) => c.id === 'rbac-system-masters'), 'resource-scoped RBAC controls can be evaluated');
    const dec = createDecider({ config: CONFIG, admission: { ...defaultAdmissionSettings(), controls: ['pss-privileged', 'namespace-default-deny-ingress'] } });
    assert.deepEqual(dec.controls, ['pss-privileged']);
    assert.deepEqual(dec.skippedControls, [{ id: 'namespace-default-deny-ingress', reason: 'needs-cluster-state' }]);
  });

  test('configured non-workload controls apply to their kinds (e.g. Ingress without TLS)', () => {
    const dec = decider({ controls: ['ingress-without-tls'] });
    const ing = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'shop', namespace: 'team-a' }, spec: { rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'shop', port: { number: 80 } } } }] } }] } };
    const a = answer(dec.review(admissionReview({ operation: 'CREATE', object: ing })));
    assert.deepEqual(deniedIds(a), ['ingress-without-tls']);
  });

  test('unknown control ids are a configuration error at start-up, not per request', () => {
    assert.throws(() => createDecider({ config: CONFIG, admission: { ...defaultAdmissionSettings(), controls: ['pss-privilegd'] } }), (e: unknown) => e instanceof AdmissionConfigError && /pss-privilegd/.test(e.message));
  });

  test('the catalog given (disabled controls removed, severity overrides) is the one selected from', () => {
    const catalog = BUILTIN_CONTROLS.filter((c) => c.id !== 'image-not-pinned-by-digest');
    const dec = createDecider({ config: CONFIG, admission: defaultAdmissionSettings(), controls: catalog });
    assert.ok(!dec.controls.includes('image-not-pinned-by-digest'));
    const info = BUILTIN_CONTROLS.map((c) => (c.id === 'image-latest-tag' ? { ...c, severity: 'info' as const } : c));
    const lenient = createDecider({ config: CONFIG, admission: { ...defaultAdmissionSettings(), controls: ['image-latest-tag'] }, controls: info });
    const r = lenient.review(admissionReview({ operation: 'CREATE', object: pod('x', 'team-a', { ...COMPLIANT_POD_SPEC, containers: [{ ...COMPLIANT_POD_SPEC.containers[0], image: 'nginx' }] }) }));
    const a = answer(r);
    assert.equal(a.allowed, true, 'info findings warn but do not deny');
    assert.match(a.warnings![0], /\[image-latest-tag\]/);
    assert.equal(r.outcome.result, 'warned');
  });
});
