/**
 * The decider never throws: a body that is not an AdmissionReview gets HTTP 400 and a clear error; a
 * well-formed review always gets an answer with its uid in its apiVersion, whatever the request holds.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { ReviewResult } from '../../src/admission/index.js';
import { admissionReview, ALICE, assertWellFormed, decider, pod, PRIVILEGED_POD_SPEC } from './helpers.js';

const d = decider();
const open = decider({ failurePolicy: 'Ignore' });

function badRequest(r: ReviewResult, pattern: RegExp): void {
  assert.equal(r.httpStatus, 400);
  const body = r.body as { error: string };
  assert.match(body.error, pattern);
  assert.equal(r.outcome.result, 'error');
}

describe('bodies that are not AdmissionReviews: HTTP 400', () => {
  test('non-objects, wrong apiVersion or kind, missing request or uid', () => {
    badRequest(d.review(undefined), /expected an AdmissionReview object, got undefined/);
    badRequest(d.review(null), /got null/);
    badRequest(d.review('{"apiVersion":"admission.k8s.io/v1"}'), /got "\{/);
    badRequest(d.review(42), /got a number/);
    badRequest(d.review([admissionReview({ operation: 'CREATE', object: pod('x') })]), /got an array/);
    badRequest(d.review({ kind: 'AdmissionReview', request: { uid: 'x' } }), /unsupported AdmissionReview apiVersion \(none\): expected admission\.k8s\.io\/v1 or admission\.k8s\.io\/v1beta1/);
    badRequest(d.review({ apiVersion: 'admission.k8s.io/v2', kind: 'AdmissionReview', request: { uid: 'x' } }), /unsupported AdmissionReview apiVersion "admission\.k8s\.io\/v2"/);
    badRequest(d.review({ apiVersion: 'admission.k8s.io/v1', kind: 'Pod', request: { uid: 'x' } }), /expected kind AdmissionReview, got "Pod"/);
    badRequest(d.review({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }), /AdmissionReview has no request/);
    badRequest(d.review({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: 'x' }), /request that is "x"/);
    badRequest(d.review({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { operation: 'CREATE' } }), /request has no uid/);
    badRequest(d.review({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 7 } }), /invalid uid \(a number\)/);
    badRequest(d.review({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: '' } }), /invalid uid/);
    // A response sent back to us is not a request.
    badRequest(d.review({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'x', allowed: true } }), /no request/);
  });
});

describe('malformed requests with a uid: answered, by the failure policy', () => {
  const base = (): Record<string, any> => admissionReview({ operation: 'CREATE', object: pod('x', 'team-a', PRIVILEGED_POD_SPEC), uid: 'u-1' });
  const cases: [string, (r: Record<string, any>) => void, RegExp][] = [
    ['no operation', (r) => delete r.request.operation, /request\.operation is missing/],
    ['unknown operation', (r) => (r.request.operation = 'PATCH'), /request\.operation is "PATCH"/],
    ['no kind', (r) => delete r.request.kind, /request\.kind is missing/],
    ['kind without a kind', (r) => (r.request.kind = { group: '', version: 'v1' }), /request\.kind must be/],
    ['object of the wrong type', (r) => (r.request.object = 'a pod'), /request\.object must be an object, got "a pod"/],
    ['object of the wrong kind', (r) => (r.request.object.kind = 'ConfigMap'), /request\.object is of kind "ConfigMap", but request\.kind is "Pod"/],
    ['apiVersion not a string', (r) => (r.request.object.apiVersion = 1), /request\.object\.apiVersion must be a string/],
    ['object missing on CREATE', (r) => (r.request.object = null), /request\.object is required for CREATE/],
    ['metadata not an object', (r) => (r.request.object.metadata = ['x']), /request\.object\.metadata must be an object/],
    ['userInfo not an object', (r) => (r.request.userInfo = 'alice'), /request\.userInfo must be an object/],
    ['groups not strings', (r) => (r.request.userInfo = { username: 'a', groups: [1] }), /groups must be a list of strings/],
    ['namespace not a string', (r) => (r.request.namespace = 5), /request\.namespace must be a string/],
    ['dryRun not a boolean', (r) => (r.request.dryRun = 'yes'), /request\.dryRun must be a boolean/],
    ['resource malformed', (r) => (r.request.resource = 'pods'), /request\.resource must be/],
  ];
  for (const [name, mutate, why] of cases) {
    test(name, () => {
      for (const apiVersion of ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1']) {
        const review = base();
        review.apiVersion = apiVersion;
        mutate(review);
        const r = d.review(review);
        assert.equal(r.httpStatus, 200);
        const body = r.body as Record<string, any>;
        assert.equal(body.apiVersion, apiVersion);
        assert.equal(body.response.uid, 'u-1');
        assert.equal(body.response.allowed, false, 'failurePolicy Fail: not judged, not allowed');
        assert.equal(body.response.status.code, 400);
        assert.match(body.response.status.message, why);
        assert.equal(body.response.auditAnnotations.decision, 'error');
        assert.equal(r.outcome.result, 'error');
        assertWellFormed(body.response);
        const o = open.review(review).body as Record<string, any>;
        assert.equal(o.response.allowed, true, 'failurePolicy Ignore: allowed, with a warning');
        assert.match(o.response.warnings[0], /could not judge the request.*allowed \(admission\.failurePolicy Ignore\)/);
      }
    });
  }

  test('UPDATE without oldObject, DELETE without oldObject (older API servers), CONNECT without options', () => {
    const upd = admissionReview({ operation: 'UPDATE', object: pod('x'), oldObject: null });
    assert.match((d.review(upd).body as any).response.status.message, /oldObject is required for UPDATE/);
    const del = admissionReview({ operation: 'DELETE', oldObject: null, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, name: 'x', namespace: 'kube-system' });
    const a = (d.review(del).body as any).response;
    assert.equal(a.allowed, false, 'a DELETE in kube-system is judged from the request alone');
    const conn = admissionReview({ operation: 'CONNECT', object: null, kind: { group: '', version: 'v1', kind: 'PodExecOptions' }, resource: { group: '', version: 'v1', resource: 'pods' }, subResource: 'exec', name: 'x', namespace: 'team-a' });
    assert.equal((d.review(conn).body as any).response.allowed, true);
  });
});

describe('never throws', () => {
  const json = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string(), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 5 })),
  })).value;
  const keys = ['apiVersion', 'kind', 'metadata', 'spec', 'containers', 'securityContext', 'privileged', 'labels', 'rules', 'roleRef', 'name', 'namespace', 'image', 'volumes', 'hostPath', 'template', 'ephemeralContainers'];
  const k8sish = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.integer(), fc.string({ maxLength: 12 }), fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(fc.constantFrom(...keys), tie('value'), { maxKeys: 6 })),
  })).value;

  test('arbitrary JSON as the body', () => {
    fc.assert(
      fc.property(json, (body) => {
        const r = d.review(body);
        assert.ok(r.httpStatus === 200 || r.httpStatus === 400);
        JSON.stringify(r.body);
      }),
      { numRuns: 500 },
    );
  });

  test('arbitrary request fields and objects inside a valid envelope', () => {
    const kinds = ['Pod', 'Deployment', 'CronJob', 'Role', 'RoleBinding', 'ClusterRole', 'Namespace', 'Node', 'CustomResourceDefinition', 'ComplianceException', 'PodExecOptions', 'EphemeralContainers', 'Widget'];
    fc.assert(
      fc.property(
        fc.record({
          operation: fc.constantFrom('CREATE', 'UPDATE', 'DELETE', 'CONNECT', 'PATCH', 7),
          kind: fc.constantFrom(...kinds),
          group: fc.constantFrom('', 'apps', 'batch', 'rbac.authorization.k8s.io', 'apiextensions.k8s.io', 'kubecomply.io'),
          subResource: fc.constantFrom(undefined, '', 'status', 'exec', 'ephemeralcontainers', 'proxy'),
          namespace: fc.constantFrom(undefined, '', 'kube-system', 'team-a'),
          object: k8sish,
          oldObject: k8sish,
          userInfo: fc.oneof(fc.constant(undefined), fc.record({ username: fc.constantFrom('alice', 'system:serviceaccount:kube-system:x', 'kubernetes-admin'), groups: fc.constantFrom([], ['system:masters']) }), json),
          dryRun: fc.constantFrom(undefined, true, false, 'x'),
          pathMode: fc.constantFrom(undefined, 'enforce', 'warn', 'audit', 'bogus'),
        }),
        (x) => {
          const review = {
            apiVersion: 'admission.k8s.io/v1',
            kind: 'AdmissionReview',
            request: { uid: 'fuzz', kind: { group: x.group, version: 'v1', kind: x.kind }, operation: x.operation, subResource: x.subResource, namespace: x.namespace, object: x.object, oldObject: x.oldObject, userInfo: x.userInfo, dryRun: x.dryRun },
          };
          const r = d.review(review, { pathMode: x.pathMode as never });
          assert.equal(r.httpStatus, 200);
          const body = r.body as Record<string, any>;
          assert.equal(body.response.uid, 'fuzz');
          assertWellFormed(body.response);
        },
      ),
      { numRuns: 1500 },
    );
  });

  test('objects with the right kind and wrong-typed fields everywhere', () => {
    const weird = [
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', labels: 'x' }, spec: { containers: 'nope' } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 5, labels: { a: 1, b: null } }, spec: { containers: [null, 1, { securityContext: 'x', name: {} }], volumes: [{ hostPath: 7 }] } },
      { apiVersion: 'v1', kind: 'Pod', spec: [] },
      { apiVersion: 'v1', kind: 'Pod', metadata: null, spec: null },
    ];
    for (const object of weird) {
      for (const operation of ['CREATE', 'UPDATE'] as const) {
        const review = admissionReview({ operation, object, oldObject: operation === 'UPDATE' ? { apiVersion: 'v1', kind: 'Pod' } : null, kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: 'team-a', name: 'x', user: ALICE });
        const r = d.review(review);
        assert.equal(r.httpStatus, 200);
        assertWellFormed((r.body as any).response);
      }
    }
  });
});
