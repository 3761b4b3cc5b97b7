/**
 * Real-world AdmissionRequests: the kubewarden/policies test data (../shared/fixtures/admission,
 * `request` bodies as `kwctl run -r` takes them), wrapped in AdmissionReviews.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ALICE, assertWellFormed, decider, deniedIds } from './helpers.js';
import { fixtures, isRequest } from './kubewarden.js';

const wrap = (request: unknown, apiVersion = 'admission.k8s.io/v1'): Record<string, unknown> => ({ apiVersion, kind: 'AdmissionReview', request });

/** The pod spec of a request's object, for the kinds the fixtures hold. */
function podSpecOf(r: Record<string, any>): Record<string, any> | undefined {
  const o = r.object;
  if (!o || typeof o !== 'object') return undefined;
  switch (r.kind?.kind) {
    case 'Pod':
      return o.spec;
    case 'CronJob':
      return o.spec?.jobTemplate?.spec?.template?.spec;
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'Job':
    case 'ReplicationController':
      return o.spec?.template?.spec;
    default:
      return undefined;
  }
}

/** What makes a pod dangerous at the baseline level, by the control that must name it. */
function dangers(spec: Record<string, any>): string[] {
  const out = new Set<string>();
  const containers = ['initContainers', 'containers', 'ephemeralContainers'].flatMap((k) => (Array.isArray(spec[k]) ? spec[k] : []));
  if (containers.some((c: any) => c?.securityContext?.privileged === true)) out.add('pss-privileged');
  if (Array.isArray(spec.volumes) && spec.volumes.some((v: any) => v && typeof v.hostPath === 'object' && v.hostPath !== null)) out.add('hostPath');
  if (spec.hostNetwork === true || spec.hostPID === true || spec.hostIPC === true) out.add('pss-host-namespaces');
  return [...out];
}

describe('kubewarden/policies AdmissionRequests', () => {
  const all = fixtures();
  const requests = all.filter((f) => isRequest(f.value));

  test('the fixtures are there (read from ../shared/fixtures/admission)', () => {
    assert.ok(all.length > 200, `${all.length} JSON files`);
    assert.ok(requests.length > 150, `${requests.length} requests`);
  });

  test('every file gets an answer and nothing throws: requests get a well-formed AdmissionReview in their version, other JSON a 400', () => {
    const d = decider();
    let answered = 0;
    let rejected = 0;
    for (const f of all) {
      for (const apiVersion of ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1']) {
        const r = d.review(wrap(f.value, apiVersion));
        if (isRequest(f.value)) {
          assert.equal(r.httpStatus, 200, `${f.file}: ${JSON.stringify(r.body)}`);
          const body = r.body as Record<string, any>;
          assert.equal(body.apiVersion, apiVersion);
          assert.equal(body.kind, 'AdmissionReview');
          assert.equal(body.response.uid, f.value.uid, f.file);
          assertWellFormed(body.response);
          answered++;
        } else {
          assert.ok(r.httpStatus === 400 || r.httpStatus === 200, f.file);
          if (r.httpStatus === 400) {
            assert.match((r.body as { error: string }).error, /AdmissionReview/);
            rejected++;
          }
        }
      }
    }
    assert.ok(answered > 300 && rejected > 50, `${answered} answered, ${rejected} rejected`);
  });

  test('every privileged, hostPath or host-namespace workload is denied for a user in enforce mode, at restricted and at baseline', () => {
    const restricted = decider();
    const baseline = decider({}, { config: { pss: { level: 'baseline', version: { major: 1, minor: 30 } }, defaultNamespace: 'default' } });
    let dangerous = 0;
    for (const f of requests) {
      const r = f.value as Record<string, any>;
      if (r.operation !== 'CREATE') continue;
      const spec = podSpecOf(r);
      if (!spec) continue;
      const found = dangers(spec);
      if (found.length === 0) continue;
      dangerous++;
      for (const [name, d, hostPathId] of [
        ['restricted', restricted, 'pss-restricted-volumes'],
        ['baseline', baseline, 'pss-host-path-volumes'],
      ] as const) {
        const res = d.review(wrap({ ...r, userInfo: ALICE }));
        const resp = (res.body as Record<string, any>).response;
        assert.equal(resp.allowed, false, `${f.file} (${name}) must be denied: ${found.join(', ')}`);
        assert.equal(resp.status.code, 403);
        const ids = deniedIds(resp);
        for (const id of found) {
          const want = id === 'hostPath' ? hostPathId : id;
          assert.ok(ids.includes(want), `${f.file} (${name}): expected ${want} in ${ids.join(', ')}`);
        }
        assert.equal(res.outcome.result, 'denied');
      }
    }
    assert.ok(dangerous >= 10, `${dangerous} dangerous workloads in the fixtures`);
  });

  test('administrators (most fixtures were recorded as kubernetes-admin in system:masters) are allowed', () => {
    const d = decider();
    for (const f of requests) {
      const r = f.value as Record<string, any>;
      if (!(r.userInfo?.groups ?? []).includes('system:masters')) continue;
      const res = d.review(wrap(r));
      const resp = (res.body as Record<string, any>).response;
      if (res.outcome.result === 'error') continue; // a malformed fixture (e.g. kind "pod"): answered by the failure policy
      assert.equal(resp.allowed, true, `${f.file}: ${resp.status?.message}`);
      assert.equal(resp.auditAnnotations.role, 'administrator');
    }
  });

  test('malformed fixtures are answered as errors, not judged', () => {
    const d = decider();
    const lower = requests.find((f) => (f.value as any).kind?.kind === 'pod');
    assert.ok(lower, 'namespace-label-propagator has a request with kind "pod"');
    const res = d.review(wrap(lower.value));
    assert.equal(res.outcome.result, 'error');
    assert.match((res.body as any).response.status.message, /request\.object is of kind "Pod", but request\.kind is "pod"/);
  });
});
