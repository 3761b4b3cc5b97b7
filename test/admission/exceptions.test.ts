/**
 * ComplianceExceptions at admission (src/policy/exceptions.ts): an active exception lets a covered
 * violation through with a warning; expired, unapproved and invalid ones are named but not honoured.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { isAdmissionGuard } from '../../src/admission/index.js';
import { defaultExceptionPolicy } from '../../src/config/defaults.js';
import { BUILTIN_CONTROLS } from '../../src/controls/index.js';
import { selectControls } from '../../src/controls/select.js';
import { parseExceptions, type ExceptionStatus } from '../../src/policy/exceptions.js';
import { loadSources } from '../../src/sources/loader.js';
import { tempDir, writeTree } from '../helpers/tmp.js';
import { ADMIN, admissionReview, answer, decider, deniedIds, pod, type UserInfo } from './helpers.js';

const PARSED_AT = new Date('2026-12-15T12:00:00Z');

const exception = (name: string, spec: Record<string, unknown>, namespace = 'billing'): string =>
  [
    'apiVersion: kubecomply.io/v1alpha1',
    'kind: ComplianceException',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${namespace}`,
    'spec:',
    ...Object.entries(spec)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`),
    '---',
  ].join('\n');

const GOOD = {
  controls: ['pss-privileged'],
  match: { namespaces: ['billing'], kinds: ['Pod'], names: ['legacy-*'] },
  justification: 'The vendor agent needs device access until the Q1 migration to the CSI driver',
  approvedBy: 'jane.doe@example.com',
  approvedAt: '2026-11-20',
  expires: '2027-01-31',
  ticket: 'PAY-123',
};

async function load(yaml: string): Promise<ExceptionStatus[]> {
  const dir = tempDir();
  writeTree(dir, { 'exceptions.yaml': yaml });
  const loaded = await loadSources([path.join(dir, 'exceptions.yaml')], { defaultNamespace: 'default' });
  const known = (id: string): boolean => selectControls(BUILTIN_CONTROLS, { include: [id] }).controls.length > 0 || isAdmissionGuard(id);
  return parseExceptions(loaded.resources, defaultExceptionPolicy(), known, PARSED_AT).statuses;
}

const privilegedPod = (name: string, namespace = 'billing'): Record<string, any> =>
  pod(name, namespace, {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{ name: 'agent', image: 'vendor.example.com/agent:4.2@sha256:' + 'd'.repeat(64), securityContext: { privileged: true, allowPrivilegeEscalation: true, capabilities: { drop: ['ALL'] } } }],
  });

describe('exceptions at admission', async () => {
  const statuses = await load(
    [
      exception('legacy-billing-privileged', GOOD),
      exception('legacy-billing-escalation', { ...GOOD, controls: ['pss-allow-privilege-escalation'], approvedAt: '2026-09-15', expires: '2026-11-30' }),
      exception('legacy-billing-unapproved', { ...GOOD, controls: ['pss-allow-privilege-escalation'], approvedBy: undefined }),
      exception('team-a-admins', { ...GOOD, controls: ['admission-rbac-ceiling'], match: { namespaces: ['team-a'], kinds: ['RoleBinding'], names: ['team-a-admins'] } }, 'team-a'),
      exception('self-service', { ...GOOD, controls: ['admission-exception-objects'], match: { namespaces: ['billing'] } }),
    ].join('\n'),
  );
  const byName = new Map(statuses.map((s) => [s.exception.name, s]));

  test('the fixtures parse into the states they are meant to have', () => {
    assert.equal(byName.get('legacy-billing-privileged')!.state, 'active');
    assert.equal(byName.get('legacy-billing-escalation')!.state, 'expired');
    assert.equal(byName.get('legacy-billing-unapproved')!.state, 'unapproved');
    assert.equal(byName.get('team-a-admins')!.state, 'active');
  });

  const dec = decider({}, { exceptions: () => statuses, now: () => PARSED_AT });

  test('an active exception covers its control: only the uncovered violations deny, with the exception named', () => {
    const review = admissionReview({ operation: 'CREATE', object: privilegedPod('legacy-agent') });
    const r = dec.review(review);
    const a = answer(r, review);
    assert.equal(a.allowed, false, 'privilege escalation is still not excepted (its exceptions are expired or unapproved)');
    assert.deepEqual(deniedIds(a), ['pss-allow-privilege-escalation']);
    assert.match(a.status!.message, /exception billing\/legacy-billing-escalation is expired, billing\/legacy-billing-unapproved is unapproved: not honoured/);
    assert.ok(a.warnings!.some((w) => /^kubecomply: \[pss-privileged\] allowed by ComplianceException billing\/legacy-billing-privileged until 2027-01-31, PAY-123: /.test(w)));
    assert.equal(a.auditAnnotations.excepted, 'pss-privileged=billing/legacy-billing-privileged');
    assert.equal(a.auditAnnotations.exceptions, 'billing/legacy-billing-privileged');
    assert.equal(a.auditAnnotations['exceptions-not-honoured'], 'billing/legacy-billing-escalation=expired,billing/legacy-billing-unapproved=unapproved');
    assert.equal(a.auditAnnotations.violations, 'pss-allow-privilege-escalation');
    const details = JSON.parse(a.auditAnnotations.details) as { control: string; exception?: string }[];
    assert.deepEqual(details.map((e) => [e.control, e.exception]), [['pss-privileged', 'billing/legacy-billing-privileged'], ['pss-allow-privilege-escalation', undefined]]);
    assert.equal(a.auditAnnotations.details, JSON.stringify(details), 'the details annotation is JSON.stringify text');
    assert.deepEqual(r.outcome.exceptions, ['billing/legacy-billing-privileged']);
    assert.deepEqual(r.outcome.controls, ['pss-privileged', 'pss-allow-privilege-escalation']);
  });

  test('when every violation is covered, the request is allowed with a warning', () => {
    const object = privilegedPod('legacy-agent');
    object.spec.containers[0].securityContext.allowPrivilegeEscalation = false;
    const review = admissionReview({ operation: 'CREATE', object });
    const r = dec.review(review);
    const a = answer(r, review);
    assert.equal(a.allowed, true, a.status?.message);
    assert.equal(r.outcome.result, 'allowed');
    assert.equal(a.warnings!.length, 1);
    assert.match(a.warnings![0], /allowed by ComplianceException billing\/legacy-billing-privileged/);
    assert.equal(a.auditAnnotations.decision, 'allowed');
  });

  test('an exception matches only what it names: other namespaces and names are denied', () => {
    const object = privilegedPod('web');
    object.spec.containers[0].securityContext.allowPrivilegeEscalation = false;
    assert.deepEqual(deniedIds(answer(dec.review(admissionReview({ operation: 'CREATE', object })))), ['pss-privileged']);
    const elsewhere = privilegedPod('legacy-agent', 'shop');
    elsewhere.spec.containers[0].securityContext.allowPrivilegeEscalation = false;
    assert.deepEqual(deniedIds(answer(dec.review(admissionReview({ operation: 'CREATE', object: elsewhere })))), ['pss-privileged']);
  });

  test('an exception that has expired since it was loaded is not honoured (judged at the decider’s clock)', () => {
    const later = decider({}, { exceptions: () => statuses, now: () => new Date('2027-02-01T00:00:01Z') });
    const object = privilegedPod('legacy-agent');
    object.spec.containers[0].securityContext.allowPrivilegeEscalation = false;
    const a = answer(later.review(admissionReview({ operation: 'CREATE', object })));
    assert.equal(a.allowed, false);
    assert.match(a.status!.message, /exception billing\/legacy-billing-privileged is expired: not honoured/);
    const lastDay = decider({}, { exceptions: () => statuses, now: () => new Date('2027-01-31T23:59:59Z') });
    assert.equal(answer(lastDay.review(admissionReview({ operation: 'CREATE', object }))).allowed, true, 'a date means the end of that day UTC');
  });

  test('safeguards can be excepted by id, except admission-exception-objects', () => {
    const rb = (name: string): Record<string, unknown> => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace: 'team-a' },
      subjects: [{ kind: 'Group', name: 'team-a-leads', apiGroup: 'rbac.authorization.k8s.io' }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
    });
    const ok = answer(dec.review(admissionReview({ operation: 'CREATE', object: rb('team-a-admins') })));
    assert.equal(ok.allowed, true);
    assert.match(ok.warnings![0], /\[admission-rbac-ceiling\] allowed by ComplianceException team-a\/team-a-admins/);
    assert.equal(answer(dec.review(admissionReview({ operation: 'CREATE', object: rb('other') }))).allowed, false);
    const self = { apiVersion: 'kubecomply.io/v1alpha1', kind: 'ComplianceException', metadata: { name: 'mine', namespace: 'billing' }, spec: GOOD };
    const a = answer(dec.review(admissionReview({ operation: 'CREATE', object: self })));
    assert.equal(a.allowed, false, 'no exception lets users write exceptions');
    assert.deepEqual(deniedIds(a), ['admission-exception-objects']);
  });

  test('exceptions never turn a denial into an error, and a failing exception source denies rather than allows', () => {
    const broken = decider(
      {},
      {
        exceptions: () => {
          throw new Error('store unavailable');
        },
      },
    );
    const a = answer(broken.review(admissionReview({ operation: 'CREATE', object: privilegedPod('legacy-agent') })));
    assert.equal(a.allowed, false);
    assert.equal(a.auditAnnotations['exceptions-error'], 'store unavailable');
    const none = decider({}, { exceptions: () => [] });
    assert.equal(answer(none.review(admissionReview({ operation: 'CREATE', object: pod('fine') }))).allowed, true);
  });

  test('administrators do not need exceptions; what covered them is still recorded', () => {
    const a = answer(dec.review(admissionReview({ operation: 'CREATE', object: privilegedPod('legacy-agent'), user: ADMIN as UserInfo })));
    assert.equal(a.allowed, true);
    assert.equal(a.auditAnnotations.exceptions, 'billing/legacy-billing-privileged');
  });
});
