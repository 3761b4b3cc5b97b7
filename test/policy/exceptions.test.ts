/**
 * ComplianceException documents: validation of every field (with the line of the offending field),
 * states at a fixed `now`, label-selector semantics, applying exceptions to findings, and the review
 * `kubecomply exceptions check` does. Time is always fixed here, never the wall clock.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { BUILTIN_CONTROLS, findControl } from '../../src/controls/index.js';
import { defaultExceptionPolicy } from '../../src/config/defaults.js';
import type { ExceptionPolicy, Finding, Resource } from '../../src/core/types.js';
import {
  applyExceptions,
  breadthProblems,
  daysLeft,
  exceptionKey,
  findException,
  isExceptionDocument,
  parseExceptions,
  parseInstant,
  placeholderReason,
  reviewException,
  type ExceptionStatus,
} from '../../src/policy/exceptions.js';
import { knownBuiltinControl } from '../../src/scanner.js';
import { loadSources } from '../../src/sources/loader.js';
import { tempDir, writeTree } from '../helpers/tmp.js';

const NOW = new Date('2026-12-01T09:00:00Z');
const POLICY = defaultExceptionPolicy();
const JUSTIFICATION = 'node-exporter needs the host network to export node metrics; read-only mounts.';

/** A valid exception document; `spec` lines replace or extend the defaults. */
function exceptionDoc(opts: { name?: string; namespace?: string | null; spec?: Record<string, string | null> } = {}): string {
  const spec: Record<string, string | null> = {
    controls: '[pss-host-namespaces, pss-host-ports]',
    match: '\n    kinds: [DaemonSet]\n    names: [node-exporter]',
    justification: JSON.stringify(JUSTIFICATION),
    approvedBy: 'sre-lead@example.com',
    approvedAt: '2026-11-20',
    expires: '2027-02-15',
    ticket: 'SEC-4821',
    ...opts.spec,
  };
  const ns = opts.namespace === null ? '' : `  namespace: ${opts.namespace ?? 'monitoring'}\n`;
  const lines = Object.entries(spec)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `  ${k}: ${v}`);
  return `apiVersion: kubecomply.io/v1alpha1\nkind: ComplianceException\nmetadata:\n  name: ${opts.name ?? 'node-exporter-host'}\n${ns}spec:\n${lines.join('\n')}\n`;
}

let counter = 0;
async function load(text: string): Promise<Resource[]> {
  const dir = tempDir();
  const file = path.join(dir, `doc${counter++}.yaml`);
  writeTree(dir, { [path.basename(file)]: text });
  const r = await loadSources([file]);
  assert.deepEqual(r.diagnostics, [], 'the test document itself must be valid YAML');
  return r.resources;
}

async function parse(text: string, policy: ExceptionPolicy = POLICY, now = NOW): Promise<ReturnType<typeof parseExceptions>> {
  return parseExceptions(await load(text), policy, knownBuiltinControl, now);
}

async function one(text: string, policy: ExceptionPolicy = POLICY, now = NOW): Promise<ExceptionStatus> {
  const { statuses } = await parse(text, policy, now);
  assert.equal(statuses.length, 1);
  return statuses[0];
}

/** The issue on `field`, asserting there is exactly one. */
function issueAt(s: ExceptionStatus, field: string): ExceptionStatus['issues'][number] {
  const found = s.issues.filter((i) => i.field === field);
  assert.equal(found.length, 1, `expected one issue at ${field}, got: ${JSON.stringify(s.problems)}`);
  return found[0];
}

describe('a valid exception', () => {
  test('is active, with its fields, expiry at the end of the day and no problems', async () => {
    const s = await one(exceptionDoc());
    assert.equal(s.state, 'active', JSON.stringify(s.problems));
    assert.deepEqual(s.problems, []);
    assert.deepEqual(s.issues, []);
    const e = s.exception;
    assert.equal(e.name, 'node-exporter-host');
    assert.equal(e.namespace, 'monitoring');
    assert.deepEqual(e.controls, ['pss-host-namespaces', 'pss-host-ports']);
    assert.deepEqual(e.match, { kinds: ['DaemonSet'], names: ['node-exporter'] });
    assert.equal(e.justification, JUSTIFICATION);
    assert.equal(e.approvedBy, 'sre-lead@example.com');
    assert.equal(e.approvedAt, '2026-11-20');
    assert.equal(e.expires, '2027-02-15');
    assert.equal(e.ticket, 'SEC-4821');
    assert.equal(e.origin.line, 1);
    assert.equal(s.expiresAt?.toISOString(), '2027-02-16T00:00:00.000Z');
    assert.equal(s.approvedAt?.toISOString(), '2026-11-20T00:00:00.000Z');
    assert.equal(exceptionKey(e), 'monitoring/node-exporter-host');
  });

  test('without a namespace its key is the name; the loader default namespace is not taken for it', async () => {
    const s = await one(exceptionDoc({ namespace: null }));
    assert.equal(s.state, 'active');
    assert.equal(s.exception.namespace, undefined);
    assert.equal(exceptionKey(s.exception), 'node-exporter-host');
  });

  test('other resources are ignored; a ticket may be a number; isExceptionDocument knows the kind', async () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n---\n${exceptionDoc({ spec: { ticket: '4821' } })}`;
    const resources = await load(text);
    const { statuses, diagnostics } = parseExceptions(resources, POLICY, knownBuiltinControl, NOW);
    assert.equal(statuses.length, 1);
    assert.deepEqual(diagnostics, []);
    assert.equal(statuses[0].exception.ticket, '4821');
    assert.equal(statuses[0].exception.origin.line, 6);
    assert.deepEqual(resources.map(isExceptionDocument), [false, true]);
  });
});

describe('validation names the field and its line', () => {
  test('metadata.name is required and must be a valid name', async () => {
    const missing = await one('apiVersion: kubecomply.io/v1alpha1\nkind: ComplianceException\nmetadata:\n  namespace: x\nspec:\n  controls: [pss-privileged]\n');
    assert.equal(missing.state, 'invalid');
    assert.match(issueAt(missing, 'metadata.name').message, /required/);
    const bad = await one(exceptionDoc({ name: 'Bad_Name' }));
    assert.equal(bad.state, 'invalid');
    const i = issueAt(bad, 'metadata.name');
    assert.equal(i.position.line, 4);
    assert.match(i.message, /"Bad_Name" is not a valid name/);
  });

  test('metadata.namespace must be a namespace name', async () => {
    const s = await one(exceptionDoc({ namespace: 'Not_A_Namespace' }));
    assert.equal(s.state, 'invalid');
    assert.equal(issueAt(s, 'metadata.namespace').position.line, 5);
  });

  test('spec is required; an unknown spec field (a typo) makes the exception invalid', async () => {
    const noSpec = await one('apiVersion: kubecomply.io/v1alpha1\nkind: ComplianceException\nmetadata:\n  name: x\n');
    assert.equal(noSpec.state, 'invalid');
    assert.match(issueAt(noSpec, 'spec').message, /required/);
    const typo = await one(exceptionDoc({ spec: { expires: null, expiry: '2027-01-31' } }));
    assert.equal(typo.state, 'invalid');
    const i = issueAt(typo, 'spec.expiry');
    assert.match(i.message, /unknown field/);
    assert.equal(i.position.line, 15);
    assert.match(issueAt(typo, 'spec.expires').message, /required/);
  });

  test('controls: required, a non-empty list of known ids or globs', async () => {
    const missing = await one(exceptionDoc({ spec: { controls: null } }));
    assert.equal(missing.state, 'invalid');
    assert.match(issueAt(missing, 'spec.controls').message, /required/);
    const empty = await one(exceptionDoc({ spec: { controls: '[]' } }));
    assert.match(issueAt(empty, 'spec.controls').message, /must not be empty/);
    const notList = await one(exceptionDoc({ spec: { controls: 'pss-privileged' } }));
    assert.match(issueAt(notList, 'spec.controls').message, /must be a list/);
    const unknown = await one(exceptionDoc({ spec: { controls: '\n  - pss-privileged\n  - pss-privilegd' } }));
    assert.equal(unknown.state, 'invalid');
    const i = issueAt(unknown, 'spec.controls[1]');
    assert.equal(i.position.line, 9);
    assert.match(i.message, /unknown control "pss-privilegd"/);
    const glob = await one(exceptionDoc({ spec: { controls: '["pss-host-*"]' } }));
    assert.equal(glob.state, 'active', JSON.stringify(glob.problems));
    const badGlob = await one(exceptionDoc({ spec: { controls: '["nothing-*"]' } }));
    assert.match(issueAt(badGlob, 'spec.controls[0]').message, /matches no known control/);
    const spaces = await one(exceptionDoc({ spec: { controls: '["pss privileged"]' } }));
    assert.match(issueAt(spaces, 'spec.controls[0]').message, /not a control id or glob/);
  });

  test('controls are checked with the caller\'s knownControl (admission guards, custom catalogs)', async () => {
    const resources = await load(exceptionDoc({ spec: { controls: '[guard-rbac-escalation]' } }));
    const strict = parseExceptions(resources, POLICY, knownBuiltinControl, NOW).statuses[0];
    assert.equal(strict.state, 'invalid');
    const admission = parseExceptions(resources, POLICY, (id) => id === 'guard-rbac-escalation', NOW).statuses[0];
    assert.equal(admission.state, 'active');
  });

  test('match: required, known criteria only, at least one non-empty criterion', async () => {
    const missing = await one(exceptionDoc({ spec: { match: null } }));
    assert.match(issueAt(missing, 'spec.match').message, /required/);
    const notMap = await one(exceptionDoc({ spec: { match: '[DaemonSet]' } }));
    assert.match(issueAt(notMap, 'spec.match').message, /must be a mapping/);
    // `namespace:` instead of `namespaces:` would silently widen the exception: it is invalid.
    const typo = await one(exceptionDoc({ spec: { match: '\n    namespace: [monitoring]' } }));
    assert.equal(typo.state, 'invalid');
    assert.equal(issueAt(typo, 'spec.match.namespace').position.line, 9);
    const emptyList = await one(exceptionDoc({ spec: { match: '\n    names: []' } }));
    assert.match(issueAt(emptyList, 'spec.match.names').message, /must not be empty/);
    const emptySelector = await one(exceptionDoc({ spec: { match: '\n    selector: {}' } }));
    assert.match(issueAt(emptySelector, 'spec.match').message, /at least one criterion/);
    const emptyMatch = await one(exceptionDoc({ spec: { match: '{}' } }));
    assert.match(issueAt(emptyMatch, 'spec.match').message, /at least one criterion/);
    const lowerKind = await one(exceptionDoc({ spec: { match: '\n    kinds: [deployment]' } }));
    assert.match(issueAt(lowerKind, 'spec.match.kinds[0]').message, /e\.g\. Deployment/);
    const blank = await one(exceptionDoc({ spec: { match: '\n    names: ["", ok]' } }));
    assert.match(issueAt(blank, 'spec.match.names[0]').message, /non-empty string/);
  });

  test('match.selector: a valid metav1.LabelSelector', async () => {
    const sel = (s: string): string => exceptionDoc({ spec: { match: `\n    selector:\n${s}` } });
    const ok = await one(sel('      matchLabels: {app: web}\n      matchExpressions:\n      - {key: tier, operator: In, values: [front]}\n      - {key: legacy, operator: Exists}'));
    assert.equal(ok.state, 'active', JSON.stringify(ok.problems));
    const op = await one(sel('      matchExpressions:\n      - {key: tier, operator: Equals, values: [front]}'));
    assert.match(issueAt(op, 'spec.match.selector.matchExpressions[0].operator').message, /In, NotIn, Exists, DoesNotExist/);
    assert.equal(issueAt(op, 'spec.match.selector.matchExpressions[0].operator').position.line, 11);
    const noValues = await one(sel('      matchExpressions:\n      - {key: tier, operator: In}'));
    assert.match(issueAt(noValues, 'spec.match.selector.matchExpressions[0].values').message, /required and non-empty with operator In/);
    const extraValues = await one(sel('      matchExpressions:\n      - {key: tier, operator: Exists, values: [x]}'));
    assert.match(issueAt(extraValues, 'spec.match.selector.matchExpressions[0].values').message, /must be empty with operator Exists/);
    const number = await one(sel('      matchLabels: {version: 2}'));
    assert.match(issueAt(number, 'spec.match.selector.matchLabels.version').message, /strings \(quote the value\)/);
    const key = await one(sel('      matchLabels: {"bad key": x}'));
    assert.match(issueAt(key, 'spec.match.selector.matchLabels["bad key"]').message, /not a valid label key/);
    const unknown = await one(sel('      matchLabel: {app: web}'));
    assert.match(issueAt(unknown, 'spec.match.selector.matchLabel').message, /unknown field/);
  });

  test('justification: required, at least minJustificationLength characters, not a placeholder', async () => {
    const missing = await one(exceptionDoc({ spec: { justification: null } }));
    assert.match(issueAt(missing, 'spec.justification').message, /required/);
    const short = await one(exceptionDoc({ spec: { justification: '"needed for metrics"' } }));
    assert.equal(short.state, 'invalid');
    const i = issueAt(short, 'spec.justification');
    assert.match(i.message, /is 18 characters; at least 20 are required/);
    assert.equal(i.position.line, 11);
    // exactly the minimum passes (whitespace is collapsed before counting)
    const exact = await one(exceptionDoc({ spec: { justification: '"needed for  metrics!!"' } }));
    assert.equal(exact.exception.justification, 'needed for metrics!!');
    assert.equal(exact.state, 'active', JSON.stringify(exact.problems));
    const policy = { ...POLICY, minJustificationLength: 100 };
    const longer = await one(exceptionDoc(), policy);
    assert.match(issueAt(longer, 'spec.justification').message, /is 78 characters; at least 100 are required/);
    for (const text of ['TODO: write the justification later', 'xxxxxxxxxxxxxxxxxxxxxxxxxxx', 'lorem ipsum dolor sit amet, consectetur', 'the justification goes here, later', '<justification for the exception>', 'needed-because-of-the-legacy-app']) {
      const s = await one(exceptionDoc({ spec: { justification: JSON.stringify(text) } }));
      assert.equal(s.state, 'invalid', text);
      assert.ok(placeholderReason(text), text);
    }
    assert.equal(placeholderReason(JUSTIFICATION), undefined);
    const notText = await one(exceptionDoc({ spec: { justification: '[a, b]' } }));
    assert.match(issueAt(notText, 'spec.justification').message, /must be text/);
  });

  test('approval: no approver or no date is unapproved; a malformed date is invalid; a future date is unapproved', async () => {
    const noApprover = await one(exceptionDoc({ spec: { approvedBy: null } }));
    assert.equal(noApprover.state, 'unapproved');
    assert.match(issueAt(noApprover, 'spec.approvedBy').message, /missing/);
    const noDate = await one(exceptionDoc({ spec: { approvedAt: null } }));
    assert.equal(noDate.state, 'unapproved');
    const future = await one(exceptionDoc({ spec: { approvedAt: '2026-12-02' } }));
    assert.equal(future.state, 'unapproved');
    assert.match(issueAt(future, 'spec.approvedAt').message, /in the future/);
    assert.equal(issueAt(future, 'spec.approvedAt').position.line, 13);
    // later the same day is in the future too
    const laterToday = await one(exceptionDoc({ spec: { approvedAt: '2026-12-01T10:00:00Z' } }));
    assert.equal(laterToday.state, 'unapproved');
    const earlierToday = await one(exceptionDoc({ spec: { approvedAt: '2026-12-01T08:59:00Z' } }));
    assert.equal(earlierToday.state, 'active');
    const malformed = await one(exceptionDoc({ spec: { approvedAt: 'last tuesday' } }));
    assert.equal(malformed.state, 'invalid');
    assert.match(issueAt(malformed, 'spec.approvedAt').message, /not a date/);
    const notString = await one(exceptionDoc({ spec: { approvedBy: '[a, b]' } }));
    assert.equal(notString.state, 'invalid');
  });

  test('expires: required, a real date or an RFC 3339 time with an offset, after approval, within maxDays', async () => {
    const missing = await one(exceptionDoc({ spec: { expires: null } }));
    assert.equal(missing.state, 'invalid');
    assert.match(issueAt(missing, 'spec.expires').message, /required/);
    for (const bad of ['2027-02-30', 'next month', '2027-02-15T10:00:00', '15/02/2027', '2027-2-5', '2027-02-15T25:00:00Z']) {
      const s = await one(exceptionDoc({ spec: { expires: JSON.stringify(bad) } }));
      assert.equal(s.state, 'invalid', bad);
      assert.match(issueAt(s, 'spec.expires').message, /not a date/, bad);
    }
    const before = await one(exceptionDoc({ spec: { approvedAt: '2026-11-20', expires: '2026-11-19' } }));
    assert.equal(before.state, 'invalid');
    assert.ok(before.problems.includes('spec.expires: 2026-11-19 is not after the approval (2026-11-20)'), JSON.stringify(before.problems));
    // 2026-11-20 → end of 2027-02-17 is 90 days: allowed; one more day is not
    const max = await one(exceptionDoc({ spec: { approvedAt: '2026-11-20', expires: '2027-02-17' } }));
    assert.equal(max.state, 'active', JSON.stringify(max.problems));
    const tooLong = await one(exceptionDoc({ spec: { approvedAt: '2026-11-20', expires: '2027-02-18' } }));
    assert.equal(tooLong.state, 'invalid');
    const i = issueAt(tooLong, 'spec.expires');
    assert.match(i.message, /valid for 91 days from approval \(2026-11-20\); at most 90 are allowed/);
    assert.equal(i.position.line, 14);
    const custom = await one(exceptionDoc({ spec: { approvedAt: '2026-11-20', expires: '2026-12-31' } }), { ...POLICY, maxDays: 30 });
    assert.match(issueAt(custom, 'spec.expires').message, /at most 30 are allowed/);
    // without an approval date, an expiry further away than maxDays can never be valid
    const far = await one(exceptionDoc({ spec: { approvedAt: null, expires: '2027-12-01' } }));
    assert.equal(far.state, 'invalid');
    assert.match(issueAt(far, 'spec.expires').message, /more than 90 days away/);
    const rfc = await one(exceptionDoc({ spec: { expires: '"2027-01-31T18:00:00+01:00"' } }));
    assert.equal(rfc.state, 'active');
    assert.equal(rfc.expiresAt?.toISOString(), '2027-01-31T17:00:00.000Z');
  });

  test('a document that is not what it should be never throws', async () => {
    const garbage = [
      'apiVersion: kubecomply.io/v1alpha1\nkind: ComplianceException\nmetadata: oops\nspec: "just a string"\n',
      'apiVersion: kubecomply.io/v1alpha1\nkind: ComplianceException\nspec:\n  controls: {a: 1}\n  match: {kinds: {x: 1}, selector: [1]}\n  justification: 42\n  approvedBy: {}\n  approvedAt: [2026]\n  expires: true\n  ticket: {}\n',
      'apiVersion: kubecomply.io/v1alpha1\nkind: ComplianceException\nmetadata:\n  name: x\nspec:\n  match:\n    selector:\n      matchExpressions: [1, {operator: In, values: [1]}, {key: k, operator: NotIn, values: "x"}]\n',
    ];
    for (const text of garbage) {
      const s = await one(text);
      assert.equal(s.state, 'invalid');
      assert.ok(s.problems.length > 0);
      assert.equal(s.problems.length, s.issues.length);
    }
  });
});

describe('states at a fixed now', () => {
  test('a date expiry holds to the end of that day UTC, then the exception is expired', async () => {
    const doc = exceptionDoc({ spec: { approvedAt: '2026-11-01', expires: '2026-12-01' } });
    assert.equal((await one(doc, POLICY, new Date('2026-12-01T23:59:59Z'))).state, 'active');
    const expired = await one(doc, POLICY, new Date('2026-12-02T00:00:00Z'));
    assert.equal(expired.state, 'expired');
    const i = issueAt(expired, 'spec.expires');
    assert.match(i.message, /expired at the end of 2026-12-01 \(today\)/);
    assert.equal(i.position.line, 14);
    const later = await one(doc, POLICY, new Date('2026-12-12T00:00:00Z'));
    assert.match(issueAt(later, 'spec.expires').message, /\(10 days ago\)/);
  });

  test('never approved is reported before lapsed: unapproved wins over expired, invalid over both', async () => {
    const both = await one(exceptionDoc({ spec: { approvedBy: null, approvedAt: '2026-09-01', expires: '2026-10-01' } }));
    assert.equal(both.state, 'unapproved');
    assert.deepEqual(both.issues.map((i) => i.state).sort(), ['expired', 'unapproved']);
    const all = await one(exceptionDoc({ spec: { approvedBy: null, expires: '2026-10-01', justification: '"short"' } }));
    assert.equal(all.state, 'invalid');
  });

  test('diagnostics are warnings naming file, line, state and reason; other versions get their own', async () => {
    const text = `${exceptionDoc({ spec: { approvedAt: '2026-09-01', expires: '2026-10-01' } })}---\napiVersion: kubecomply.io/v1beta1\nkind: ComplianceException\nmetadata:\n  name: newer\nspec: {}\n---\napiVersion: example.com/v1\nkind: ComplianceException\nmetadata:\n  name: someone-elses\n`;
    const { statuses, diagnostics } = await parse(text);
    assert.equal(statuses.length, 1);
    assert.equal(diagnostics.length, 2);
    const [expired, version] = diagnostics;
    assert.equal(expired.level, 'warning');
    assert.equal(expired.code, 'exception-expired');
    assert.match(expired.file, /doc\d+\.yaml$/);
    assert.equal(expired.line, 14);
    assert.match(expired.message, /exception "monitoring\/node-exporter-host" is expired and not honoured: spec\.expires: expired at the end of 2026-10-01 \(60 days ago\)/);
    assert.equal(version.code, 'exception-api-version');
    assert.equal(version.line, 17);
    assert.match(version.message, /has apiVersion kubecomply\.io\/v1beta1; this version of kubecomply reads kubecomply\.io\/v1alpha1/);
  });

  test('a second exception with the same key is invalid; the same name in another namespace is not', async () => {
    const text = [exceptionDoc(), exceptionDoc(), exceptionDoc({ namespace: 'other' })].join('---\n');
    const { statuses } = await parse(text);
    assert.deepEqual(statuses.map((s) => s.state), ['active', 'invalid', 'active']);
    assert.match(statuses[1].problems[0], /duplicate: exception "monitoring\/node-exporter-host" is already defined at .*:1$/);
  });
});

describe('parseInstant and daysLeft', () => {
  test('dates and RFC 3339 times', () => {
    assert.equal(parseInstant('2027-02-15')?.toISOString(), '2027-02-15T00:00:00.000Z');
    assert.equal(parseInstant('2027-02-15', true)?.toISOString(), '2027-02-16T00:00:00.000Z');
    assert.equal(parseInstant('2028-02-29')?.toISOString(), '2028-02-29T00:00:00.000Z');
    assert.equal(parseInstant('2027-02-29'), undefined);
    assert.equal(parseInstant('2027-01-31T18:00:00Z', true)?.toISOString(), '2027-01-31T18:00:00.000Z');
    assert.equal(parseInstant('2027-01-31t18:00:00.5-02:30')?.toISOString(), '2027-01-31T20:30:00.500Z');
    assert.equal(parseInstant('2027-01-31T18:00:00'), undefined);
    assert.equal(parseInstant('2027-01-31T18:00:00+25:00'), undefined);
    assert.equal(daysLeft(new Date('2027-02-16T00:00:00Z'), new Date('2026-12-01T00:00:00Z')), 77);
    assert.equal(daysLeft(new Date('2027-02-16T00:00:00Z'), new Date('2027-02-15T12:00:00Z')), 0);
    assert.equal(daysLeft(new Date('2026-10-02T00:00:00Z'), new Date('2026-12-01T00:00:00Z')), -60);
  });
});

// ------------------------------------------------------------------ matching

const TARGETS = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: legacy-billing
  namespace: billing
  labels: {app: billing, tier: back, legacy: "true"}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: billing-api
  namespace: billing
  labels: {app: billing, tier: front}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: legacy-db
  namespace: billing
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: legacy-billing
  namespace: shop
  labels: {app: billing}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: legacy-reader
`;

async function exceptionWith(match: string, extra: { namespace?: string | null; controls?: string } = {}): Promise<ExceptionStatus[]> {
  const { statuses } = await parse(exceptionDoc({ name: 'x', namespace: extra.namespace === undefined ? null : extra.namespace, spec: { controls: extra.controls ?? '[pss-run-as-non-root, "pss-host-*"]', match: `\n${match}` } }));
  assert.equal(statuses[0].state, 'active', JSON.stringify(statuses[0].problems));
  return statuses;
}

async function matching(match: string, extra: { namespace?: string | null; controls?: string } = {}, control = 'pss-run-as-non-root'): Promise<string[]> {
  const statuses = await exceptionWith(match, extra);
  const targets = await load(TARGETS);
  return targets.filter((t) => findException(statuses, control, t) !== undefined).map((t) => `${t.kind}/${t.namespace ?? ''}/${t.name}`);
}

describe('findException', () => {
  test('controls by id or glob; other controls are not covered', async () => {
    assert.deepEqual(await matching('    names: [billing-api]'), ['Deployment/billing/billing-api']);
    assert.deepEqual(await matching('    names: [billing-api]', {}, 'pss-host-ports'), ['Deployment/billing/billing-api']);
    assert.deepEqual(await matching('    names: [billing-api]', {}, 'pss-privileged'), []);
  });

  test('names and namespaces are globs (* and ?); kinds are exact', async () => {
    assert.deepEqual(await matching('    names: [legacy-*]'), ['Deployment/billing/legacy-billing', 'StatefulSet/billing/legacy-db', 'Deployment/shop/legacy-billing', 'ClusterRole//legacy-reader']);
    assert.deepEqual(await matching('    names: [legacy-??]'), ['StatefulSet/billing/legacy-db']);
    assert.deepEqual(await matching('    namespaces: [bill*]\n    kinds: [StatefulSet]'), ['StatefulSet/billing/legacy-db']);
    assert.deepEqual(await matching('    kinds: [ClusterRole]'), ['ClusterRole//legacy-reader']);
  });

  test('every criterion must hold, and the exception\'s own namespace restricts it', async () => {
    assert.deepEqual(await matching('    names: [legacy-billing]\n    kinds: [Deployment]'), ['Deployment/billing/legacy-billing', 'Deployment/shop/legacy-billing']);
    assert.deepEqual(await matching('    names: [legacy-billing]\n    kinds: [Deployment]', { namespace: 'shop' }), ['Deployment/shop/legacy-billing']);
    // cluster-scoped resources are in no namespace: a namespace criterion never matches them
    assert.deepEqual(await matching('    names: [legacy-*]', { namespace: 'billing' }), ['Deployment/billing/legacy-billing', 'StatefulSet/billing/legacy-db']);
    assert.deepEqual(await matching('    namespaces: ["*"]\n    kinds: [ClusterRole]'), []);
  });

  test('label selectors: matchLabels and In / NotIn / Exists / DoesNotExist, all ANDed', async () => {
    const sel = (s: string): string => `    selector:\n${s}`;
    assert.deepEqual(await matching(sel('      matchLabels: {app: billing}')), ['Deployment/billing/legacy-billing', 'Deployment/billing/billing-api', 'Deployment/shop/legacy-billing']);
    assert.deepEqual(await matching(sel('      matchExpressions:\n      - {key: tier, operator: In, values: [front, edge]}')), ['Deployment/billing/billing-api']);
    // NotIn also selects resources without the label (metav1 semantics)
    assert.deepEqual(await matching(sel('      matchExpressions:\n      - {key: tier, operator: NotIn, values: [front]}')), ['Deployment/billing/legacy-billing', 'StatefulSet/billing/legacy-db', 'Deployment/shop/legacy-billing', 'ClusterRole//legacy-reader']);
    assert.deepEqual(await matching(sel('      matchExpressions:\n      - {key: legacy, operator: Exists}')), ['Deployment/billing/legacy-billing']);
    assert.deepEqual(await matching(sel('      matchExpressions:\n      - {key: app, operator: DoesNotExist}')), ['StatefulSet/billing/legacy-db', 'ClusterRole//legacy-reader']);
    assert.deepEqual(await matching(sel('      matchLabels: {app: billing}\n      matchExpressions:\n      - {key: tier, operator: Exists}\n      - {key: legacy, operator: DoesNotExist}')), ['Deployment/billing/billing-api']);
  });

  test('only active exceptions are honoured; the first active one that covers wins', async () => {
    const text = [
      exceptionDoc({ name: 'expired', spec: { approvedAt: '2026-09-01', expires: '2026-10-01', match: '\n    kinds: [Deployment]' } }),
      exceptionDoc({ name: 'unapproved', spec: { approvedBy: null, match: '\n    kinds: [Deployment]' } }),
      exceptionDoc({ name: 'invalid', spec: { justification: '"short"', match: '\n    kinds: [Deployment]' } }),
      exceptionDoc({ name: 'first', namespace: null, spec: { controls: '[pss-run-as-non-root]', match: '\n    kinds: [Deployment]' } }),
      exceptionDoc({ name: 'second', namespace: null, spec: { controls: '[pss-run-as-non-root]', match: '\n    kinds: [Deployment]' } }),
    ].join('---\n');
    const { statuses } = await parse(text);
    assert.deepEqual(statuses.map((s) => s.state), ['expired', 'unapproved', 'invalid', 'active', 'active']);
    const [target] = await load(TARGETS);
    assert.equal(findException(statuses, 'pss-run-as-non-root', target)?.exception.name, 'first');
    assert.equal(findException(statuses.slice(0, 3), 'pss-run-as-non-root', target), undefined);
  });
});

describe('applyExceptions', () => {
  test('marks covered failing findings excepted with the exception, counts use, leaves the input alone', async () => {
    const statuses = await exceptionWith('    names: [legacy-billing]', { namespace: 'billing', controls: '[pss-run-as-non-root]' });
    const [legacy, api] = await load(TARGETS);
    const control = findControl('pss-run-as-non-root')!;
    const other = findControl('pss-privileged')!;
    const f = (resource: Resource, c = control, status: Finding['status'] = 'fail'): Finding => ({ control: c, resource, path: 'spec', message: 'm', status });
    const input = [f(legacy), f(legacy), f(api), f(legacy, other)];
    const { findings, used } = applyExceptions(input, statuses);
    assert.deepEqual(findings.map((x) => x.status), ['excepted', 'excepted', 'fail', 'fail']);
    assert.deepEqual(findings[0].exception, { name: 'x', namespace: 'billing', approvedBy: 'sre-lead@example.com', expires: '2027-02-15', ticket: 'SEC-4821', justification: JUSTIFICATION });
    assert.deepEqual([...used], [['billing/x', 2]]);
    assert.ok(input.every((x) => x.status === 'fail' && x.exception === undefined), 'input findings are not changed');
    assert.equal(findings[2], input[2]);
    // nothing active: findings unchanged, nothing used
    const none = applyExceptions(input, statuses.map((s) => ({ ...s, state: 'expired' as const })));
    assert.deepEqual(none.findings.map((x) => x.status), ['fail', 'fail', 'fail', 'fail']);
    assert.equal(none.used.size, 0);
  });
});

describe('review (exceptions check)', () => {
  test('over-broad: no namespace, name or selector criterion; a "*" control; a whole family', async () => {
    const kindsOnly = await one(exceptionDoc({ namespace: null, spec: { match: '\n    kinds: [Deployment]' } }));
    assert.deepEqual(breadthProblems(kindsOnly.exception).map((b) => b.field), ['spec.match']);
    const starNames = await one(exceptionDoc({ namespace: null, spec: { match: '\n    names: ["*"]' } }));
    assert.deepEqual(breadthProblems(starNames.exception).map((b) => b.field), ['spec.match']);
    const narrow = await one(exceptionDoc());
    assert.deepEqual(breadthProblems(narrow.exception, BUILTIN_CONTROLS), []);
    const star = await one(exceptionDoc({ spec: { controls: '["*"]' } }));
    assert.deepEqual(breadthProblems(star.exception, BUILTIN_CONTROLS).map((b) => b.message), ['"*" covers every control']);
    const family = await one(exceptionDoc({ spec: { controls: '["rbac-*"]' } }));
    assert.match(breadthProblems(family.exception, BUILTIN_CONTROLS)[0].message, /covers the whole rbac family/);
    const review = reviewException(kindsOnly, { now: NOW });
    assert.equal(review[0].kind, 'over-broad');
    assert.equal(review[0].position.line, 7);
  });

  test('expiring soon within 14 days by default, or the given window', async () => {
    const soon = await one(exceptionDoc({ spec: { expires: '2026-12-14' } }));
    assert.deepEqual(reviewException(soon, { now: NOW }).map((p) => p.kind), ['expiring-soon']);
    assert.match(reviewException(soon, { now: NOW })[0].message, /expires 2026-12-14 \(in 13 days\)/);
    const later = await one(exceptionDoc({ spec: { expires: '2026-12-20' } }));
    assert.deepEqual(reviewException(later, { now: NOW }), []);
    assert.deepEqual(reviewException(later, { now: NOW, expiringWithinDays: 30 }).map((p) => p.kind), ['expiring-soon']);
  });

  test('states become problems at their fields; with scan usage, unused active exceptions are flagged', async () => {
    const { statuses } = await parse([exceptionDoc({ name: 'used' }), exceptionDoc({ name: 'idle' }), exceptionDoc({ name: 'old', spec: { approvedAt: '2026-09-01', expires: '2026-10-01' } })].join('---\n'));
    const used = new Map([['monitoring/used', 3]]);
    const kinds = statuses.map((s) => reviewException(s, { now: NOW, used }).map((p) => p.kind));
    assert.deepEqual(kinds, [[], ['unused'], ['expired']]);
    assert.equal(reviewException(statuses[2], { now: NOW })[0].position.line, 46);
  });
});
