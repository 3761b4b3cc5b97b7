/**
 * Exceptions end to end, as a user runs them (the built binary): scans honour active exceptions and
 * show the findings as excepted in every format, never failing; expired ones are warned about with
 * file:line and not honoured; `kubecomply exceptions list|check` print and exit as documented.
 * Time is fixed with KUBECOMPLY_NOW; tests never depend on the wall clock.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { runCli } from '../helpers/cli.js';
import { ajvDraft04, ajvDraft07 } from '../helpers/schema.js';
import { tempDir, writeTree } from '../helpers/tmp.js';

const NOW = { KUBECOMPLY_NOW: '2026-12-01T09:00:00Z' };

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: vendor-agent
  namespace: tools
  labels:
    app: vendor-agent
spec:
  containers:
  - name: agent
    image: registry.example.com/vendor/agent:3.2
    securityContext:
      privileged: true
`;

function exception(name: string, spec: { approvedAt?: string; expires?: string; controls?: string; match?: string; approvedBy?: string | null } = {}): string {
  return `apiVersion: kubecomply.io/v1alpha1
kind: ComplianceException
metadata:
  name: ${name}
  namespace: tools
spec:
  controls: ${spec.controls ?? '[pss-privileged]'}
  match:
    ${spec.match ?? 'names: [vendor-agent]'}
  justification: "The vendor agent loads a kernel module; isolated node pool, vendor fix due in 3.3."
${spec.approvedBy === null ? '' : `  approvedBy: ${spec.approvedBy ?? 'ciso@example.com'}\n`}  approvedAt: ${spec.approvedAt ?? '2026-11-20'}
  expires: ${spec.expires ?? '2027-01-31'}
  ticket: SEC-77
`;
}

function setup(files: Record<string, string>): string {
  return writeTree(tempDir(), files);
}

const ONLY = ['--controls', 'pss-privileged'];

describe('scan honours active exceptions', () => {
  test('table: the finding is shown EXCEPTED with the exception and its expiry; exit 0 when only excepted findings remain', async () => {
    const dir = setup({ 'pod.yaml': POD, 'exceptions/agent.yaml': exception('vendor-agent-privileged') });
    const r = await runCli(['scan', path.join(dir, 'pod.yaml'), '--exceptions', path.join(dir, 'exceptions'), ...ONLY], { env: NOW });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /CRITICAL pss-privileged +container "agent" must not set securityContext\.privileged=true {2}EXCEPTED \(tools\/vendor-agent-privileged, expires 2027-01-31, 61 days left\)/);
    assert.match(r.stdout, /No failing findings in 1 resource; 1 finding excepted by approved exceptions/);
    assert.match(r.stdout, /Exceptions: 1 \(1 active\)\./);
    assert.match(r.stdout, /Result: PASS/);
    assert.equal(r.stderr, '');
    // --fail-on critical is not triggered by an excepted critical finding either
    const strict = await runCli(['scan', path.join(dir, 'pod.yaml'), '--exceptions', path.join(dir, 'exceptions'), ...ONLY, '--fail-on', 'critical'], { env: NOW });
    assert.equal(strict.code, 0);
    // --ignore-exceptions shows the raw state
    const raw = await runCli(['scan', path.join(dir, 'pod.yaml'), '--exceptions', path.join(dir, 'exceptions', 'agent.yaml'), ...ONLY, '--ignore-exceptions'], { env: NOW });
    assert.equal(raw.code, 2, 'contradictory flags');
    const audit = await runCli(['scan', path.join(dir, 'pod.yaml'), ...ONLY, '--ignore-exceptions'], { env: NOW });
    assert.equal(audit.code, 1);
    assert.doesNotMatch(audit.stdout, /EXCEPTED/);
  });

  test('json: status "excepted" with the exception object, counted in the summary, valid against the schema', async () => {
    const dir = setup({ 'pod.yaml': POD, 'ex.yaml': exception('vendor-agent-privileged') });
    const r = await runCli(['scan', path.join(dir, 'pod.yaml'), '--exceptions', path.join(dir, 'ex.yaml'), '-f', 'json'], { env: NOW });
    const doc = JSON.parse(r.stdout);
    const ajv = ajvDraft07();
    const valid = ajv.validate(JSON.parse(readFileSync('schemas/scan-result-v1.schema.json', 'utf8')), doc) as boolean;
    assert.ok(valid, JSON.stringify(ajv.errors?.slice(0, 5), null, 2));
    const f = doc.findings.find((x: any) => x.controlId === 'pss-privileged');
    assert.equal(f.status, 'excepted');
    assert.deepEqual(f.exception, {
      name: 'vendor-agent-privileged',
      namespace: 'tools',
      approvedBy: 'ciso@example.com',
      expires: '2027-01-31',
      ticket: 'SEC-77',
      justification: 'The vendor agent loads a kernel module; isolated node pool, vendor fix due in 3.3.',
    });
    assert.ok(doc.findings.some((x: any) => x.status === 'fail'), 'other controls still fail');
    assert.equal(doc.summary.excepted, 1);
    assert.equal(doc.summary.exceptedBySeverity.critical, 1);
    assert.equal(doc.summary.bySeverity.critical, 0);
    assert.equal(doc.summary.findings, doc.findings.length - 1);
    assert.deepEqual(doc.summary.exceptions, { total: 1, active: 1, expired: 0, unapproved: 0, invalid: 0, unused: 0 });
    assert.equal(doc.controls.find((c: any) => c.id === 'pss-privileged').excepted, 1);
    assert.equal(doc.controls.find((c: any) => c.id === 'pss-privileged').failed, 0);
    const [ex] = doc.exceptions;
    assert.equal(ex.key, 'tools/vendor-agent-privileged');
    assert.equal(ex.state, 'active');
    assert.equal(ex.findings, 1);
    assert.equal(ex.daysLeft, 61);
    assert.match(ex.location.file, /ex\.yaml$/);
    // the requirement the control decides passes, and says an exception is behind it
    const cis = doc.frameworks.find((x: any) => x.id === 'cis');
    const req = cis.requirements.find((q: any) => q.controls.includes('pss-privileged'));
    assert.equal(req.status, 'pass');
    assert.equal(req.excepted, 1);
  });

  test('sarif: an external, accepted suppression with the justification; valid SARIF 2.1.0', async () => {
    const dir = setup({ 'pod.yaml': POD, 'ex.yaml': exception('vendor-agent-privileged') });
    const r = await runCli(['scan', path.join(dir, 'pod.yaml'), '--exceptions', path.join(dir, 'ex.yaml'), '-f', 'sarif'], { env: NOW });
    const sarif = JSON.parse(r.stdout);
    const schema = JSON.parse(readFileSync('../shared/reference/schemas/sarif-schema-2.1.0.json', 'utf8'));
    const ajv = ajvDraft04({ validateFormats: false });
    const valid = ajv.validate(schema, sarif) as boolean;
    assert.ok(valid, JSON.stringify(ajv.errors?.slice(0, 5), null, 2));
    const results = sarif.runs[0].results;
    const priv = results.find((x: any) => x.ruleId === 'pss-privileged');
    assert.equal(priv.suppressions.length, 1);
    const s = priv.suppressions[0];
    assert.equal(s.kind, 'external');
    assert.equal(s.status, 'accepted');
    assert.equal(s.justification, 'The vendor agent loads a kernel module; isolated node pool, vendor fix due in 3.3.');
    assert.equal(s.properties.exception, 'tools/vendor-agent-privileged');
    assert.equal(s.properties.expires, '2027-01-31');
    assert.match(s.location.physicalLocation.artifactLocation.uri, /ex\.yaml$/);
    assert.ok(results.filter((x: any) => x.ruleId !== 'pss-privileged').every((x: any) => x.suppressions === undefined));
  });

  test('junit: the case is skipped with the exception as the reason, not a failure', async () => {
    const dir = setup({ 'pod.yaml': POD, 'ex.yaml': exception('vendor-agent-privileged') });
    const r = await runCli(['scan', path.join(dir, 'pod.yaml'), '--exceptions', path.join(dir, 'ex.yaml'), '-f', 'junit', '--controls', 'pss-privileged,pss-run-as-non-root'], { env: NOW });
    assert.equal(r.code, 1, 'pss-run-as-non-root still fails');
    assert.equal(XMLValidator.validate(r.stdout), true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(r.stdout);
    const suites = [doc.testsuites.testsuite].flat();
    const priv = suites.find((s: any) => s.name.startsWith('pss-privileged:'));
    assert.equal(priv.failures, '0');
    assert.equal(priv.skipped, '1');
    assert.equal(priv.testcase.failure, undefined);
    assert.match(priv.testcase.skipped.message, /^excepted by tools\/vendor-agent-privileged until 2027-01-31, approved by ciso@example\.com \(SEC-77\): The vendor agent/);
    assert.match(priv.testcase.skipped['#text'], /pod\.yaml:13:\d+: container "agent" must not set securityContext\.privileged=true/);
    const root = suites.find((s: any) => s.name.startsWith('pss-run-as-non-root:'));
    assert.equal(root.failures, '1');
    assert.equal(doc.testsuites.failures, '1');
  });

  test('exceptions in the scanned input and in kubecomply.yaml exceptions.files are honoured; the same file twice counts once', async () => {
    const inInput = setup({ 'k8s/pod.yaml': POD, 'k8s/exceptions.yaml': exception('in-input') });
    const a = await runCli(['scan', path.join(inInput, 'k8s'), ...ONLY], { env: NOW });
    assert.equal(a.code, 0, a.stdout + a.stderr);
    assert.match(a.stdout, /EXCEPTED \(tools\/in-input, /);
    assert.match(a.stdout, /1 resource in 2 inputs/, 'the exception document is not scanned as a resource');
    const withConfig = setup({
      'k8s/pod.yaml': POD,
      'governance/ex.yaml': exception('from-config'),
      'kubecomply.yaml': 'exceptions:\n  files: [governance/]\n',
    });
    const b = await runCli(['scan', 'k8s/', ...ONLY], { env: NOW, cwd: withConfig });
    assert.equal(b.code, 0, b.stdout + b.stderr);
    assert.match(b.stdout, /EXCEPTED \(tools\/from-config, /);
    const twice = await runCli(['scan', 'k8s/', 'governance/', ...ONLY], { env: NOW, cwd: withConfig });
    assert.equal(twice.code, 0, twice.stderr);
    assert.doesNotMatch(twice.stderr, /duplicate/);
  });
});

describe('exceptions that are not honoured', () => {
  test('an expired exception is warned about with file:line and why, and the finding fails', async () => {
    const dir = setup({ 'pod.yaml': POD, 'ex.yaml': exception('lapsed', { approvedAt: '2026-08-01', expires: '2026-10-01' }) });
    const r = await runCli(['scan', 'pod.yaml', '--exceptions', 'ex.yaml', ...ONLY], { env: NOW, cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^ex\.yaml:13:3: warning: exception "tools\/lapsed" is expired and not honoured: spec\.expires: expired at the end of 2026-10-01 \(60 days ago\)$/m);
    assert.doesNotMatch(r.stdout, /EXCEPTED/);
    assert.match(r.stdout, /Exceptions: 1 \(0 active, 1 expired\); 1 not honoured \(see the warnings\)\./);
    assert.match(r.stdout, /Result: FAIL/);
    // the same exception, judged before it lapsed, is honoured
    const before = await runCli(['scan', 'pod.yaml', '--exceptions', 'ex.yaml', ...ONLY], { env: { KUBECOMPLY_NOW: '2026-09-15' }, cwd: dir });
    assert.equal(before.code, 0, before.stderr);
  });

  test('unapproved and invalid exceptions are warned about too; an invalid KUBECOMPLY_NOW is a usage error', async () => {
    const dir = setup({ 'pod.yaml': POD, 'ex.yaml': `${exception('nobody', { approvedBy: null })}---\n${exception('typo', { controls: '[pss-privilegd]' })}` });
    const r = await runCli(['scan', 'pod.yaml', '--exceptions', 'ex.yaml', ...ONLY], { env: NOW, cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^ex\.yaml:6:1: warning: exception "tools\/nobody" is unapproved and not honoured: spec\.approvedBy: missing/m);
    assert.match(r.stderr, /^ex\.yaml:21:14: warning: exception "tools\/typo" is invalid and not honoured: spec\.controls\[0\]: unknown control "pss-privilegd"/m);
    const bad = await runCli(['scan', 'pod.yaml', ...ONLY], { env: { KUBECOMPLY_NOW: 'tomorrow' }, cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid KUBECOMPLY_NOW "tomorrow"/);
  });

  test('an exception that matched nothing is an unused note (with --verbose) and named in the summary', async () => {
    const dir = setup({ 'pod.yaml': POD, 'ex.yaml': exception('stale', { match: 'names: [old-agent]' }) });
    const r = await runCli(['scan', 'pod.yaml', '--exceptions', 'ex.yaml', ...ONLY, '--verbose'], { env: NOW, cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^ex\.yaml:1: note: exception "tools\/stale" matched no finding in this scan \(unused\)/m);
    assert.match(r.stdout, /Exceptions: 1 \(1 active\); unused: tools\/stale\./);
    // an exception whose controls did not run cannot be judged unused
    const other = await runCli(['scan', 'pod.yaml', '--exceptions', 'ex.yaml', '--controls', 'pss-run-as-non-root', '--verbose'], { env: NOW, cwd: dir });
    assert.doesNotMatch(other.stderr, /unused/);
  });

  test('other documents in an exceptions file are warned about and not scanned; a missing file is exit 2', async () => {
    const dir = setup({ 'pod.yaml': POD, 'ex.yaml': `${exception('ok')}---\n${POD}` });
    const r = await runCli(['scan', 'pod.yaml', '--exceptions', 'ex.yaml', ...ONLY], { env: NOW, cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^ex\.yaml:16: warning: Pod "vendor-agent" \(v1\) is not a kubecomply\.io ComplianceException; exception files hold exceptions only/m);
    assert.match(r.stdout, /1 resource in 1 input/);
    const missing = await runCli(['scan', 'pod.yaml', '--exceptions', 'nope/', ...ONLY], { env: NOW, cwd: dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\/: error: cannot read nope\/: no such file or directory/);
  });
});

const MIXED = [
  exception('good', { expires: '2027-01-31' }),
  exception('soon', { expires: '2026-12-10' }),
  exception('lapsed', { approvedAt: '2026-08-01', expires: '2026-10-01' }),
  exception('wide', { controls: '["pss-*"]', match: 'kinds: [Pod]' }).replace('  namespace: tools\n', ''),
].join('---\n');

describe('kubecomply exceptions list', () => {
  test('table: name, namespace, controls, match, approver, expires, state and days left', async () => {
    const dir = setup({ 'ex.yaml': MIXED });
    const r = await runCli(['exceptions', 'list', 'ex.yaml'], { env: NOW, cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0], /^NAME +NAMESPACE +CONTROLS +MATCH +APPROVER +EXPIRES +STATE +DAYS LEFT$/);
    assert.match(r.stdout, /^good +tools +pss-privileged +names=vendor-agent +ciso@example\.com +2027-01-31 +active +61$/m);
    assert.match(r.stdout, /^soon +tools .* 2026-12-10 +active +9$/m);
    assert.match(r.stdout, /^lapsed +tools .* 2026-10-01 +expired +-60$/m);
    assert.match(r.stdout, /^wide +— +pss-\* +kinds=Pod /m);
    assert.match(r.stdout, /4 exceptions, 3 active; 1 not honoured — "kubecomply exceptions check" says why\./);
  });

  test('json lists each exception with state, days left, problems and location; no input is a usage error', async () => {
    const dir = setup({ 'ex.yaml': MIXED });
    const r = await runCli(['exceptions', 'list', 'ex.yaml', '--format', 'json'], { env: NOW, cwd: dir });
    assert.equal(r.code, 0);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.now, '2026-12-01T09:00:00.000Z');
    assert.deepEqual(doc.exceptions.map((e: any) => [e.key, e.state, e.daysLeft]), [['tools/good', 'active', 61], ['tools/soon', 'active', 9], ['tools/lapsed', 'expired', -60], ['wide', 'active', 61]]);
    assert.deepEqual(doc.exceptions[2].problems, [{ state: 'expired', field: 'spec.expires', line: 43, column: 3, message: 'expired at the end of 2026-10-01 (60 days ago)' }]);
    assert.deepEqual(doc.exceptions[0].location, { file: 'ex.yaml', line: 1 });
    const none = await runCli(['exceptions', 'list', '--no-config'], { env: NOW, cwd: dir });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /error: no exception files given\nhint: .*exceptions\.files/);
  });

  test('without paths, the files named by kubecomply.yaml exceptions.files are listed', async () => {
    const dir = setup({ 'policy/ex.yaml': exception('good'), 'kubecomply.yaml': 'exceptions:\n  files: [policy]\n  maxDays: 30\n' });
    const r = await runCli(['exceptions', 'list'], { env: NOW, cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    // 2026-11-20 → 2027-01-31 is longer than the 30 days this organisation allows
    assert.match(r.stdout, /^good +tools .* invalid +61$/m);
  });
});

describe('kubecomply exceptions check', () => {
  test('flags expired, expiring-soon and over-broad exceptions with file:line; exit 1', async () => {
    const dir = setup({ 'ex.yaml': MIXED });
    const r = await runCli(['exceptions', 'check', 'ex.yaml'], { env: NOW, cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^tools\/good {2}ex\.yaml:1 {2}active, 61 days left\n {2}ok$/m);
    assert.match(r.stdout, /^ {2}EXPIRING +ex\.yaml:28 {2}spec\.expires: expires 2026-12-10 \(in 9 days\): renew and re-approve it/m);
    assert.match(r.stdout, /^ {2}EXPIRED +ex\.yaml:43 {2}spec\.expires: expired at the end of 2026-10-01 \(60 days ago\)$/m);
    assert.match(r.stdout, /^ {2}OVER-BROAD +ex\.yaml:51 {2}spec\.controls: covers the whole pod-security family/m);
    assert.match(r.stdout, /^ {2}OVER-BROAD +ex\.yaml:52 {2}spec\.match: no namespace, name or selector criterion/m);
    assert.match(r.stdout, /4 exceptions \(3 active, 1 expired\)/);
    assert.match(r.stdout, /Result: FAIL — 4 problems \(1 expiring-soon, 1 expired, 2 over-broad\) \(exit code 1\)\./);
    // a wider window catches "good" too; a narrow one lets "soon" pass
    const wide = JSON.parse((await runCli(['exceptions', 'check', 'ex.yaml', '--expiring-within', '90', '-f', 'json'], { env: NOW, cwd: dir })).stdout);
    assert.equal(wide.summary.byKind['expiring-soon'], 3);
    const narrow = JSON.parse((await runCli(['exceptions', 'check', 'ex.yaml', '--expiring-within', '3', '-f', 'json'], { env: NOW, cwd: dir })).stdout);
    assert.equal(narrow.summary.byKind['expiring-soon'], undefined);
    assert.equal(narrow.result, 'fail');
    const bad = await runCli(['exceptions', 'check', 'ex.yaml', '--expiring-within', 'soon'], { env: NOW, cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid --expiring-within "soon"/);
  });

  test('--scan flags active exceptions that match no finding; exit 0 when everything is in order', async () => {
    const dir = setup({ 'k8s/pod.yaml': POD, 'ex.yaml': `${exception('used')}---\n${exception('stale', { match: 'names: [old-agent]' })}` });
    const r = await runCli(['exceptions', 'check', 'ex.yaml', '--scan', 'k8s/', '--no-config'], { env: NOW, cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^tools\/used {2}ex\.yaml:1 {2}active, 61 days left · covers 1 finding\n {2}ok$/m);
    assert.match(r.stdout, /^ {2}UNUSED +ex\.yaml:16 {2}matched no finding in the scanned manifests/m);
    const clean = setup({ 'k8s/pod.yaml': POD, 'ex.yaml': exception('used') });
    const ok = await runCli(['exceptions', 'check', 'ex.yaml', '--scan', 'k8s/'], { env: NOW, cwd: clean });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /Result: PASS — no problems\./);
    const doc = JSON.parse((await runCli(['exceptions', 'check', 'ex.yaml', '--scan', 'k8s/', '-f', 'json'], { env: NOW, cwd: clean })).stdout);
    assert.equal(doc.result, 'pass');
    assert.equal(doc.exceptions[0].findings, 1);
    assert.deepEqual(doc.exceptions[0].review, []);
  });

  test('invalid and unapproved exceptions and unsupported versions are problems; unreadable input is exit 2', async () => {
    const dir = setup({
      'ex.yaml': `${exception('nobody', { approvedBy: null })}---\napiVersion: kubecomply.io/v2\nkind: ComplianceException\nmetadata:\n  name: future\n`,
      'broken.yaml': 'kind: [unclosed\n',
    });
    const r = await runCli(['exceptions', 'check', 'ex.yaml', '-f', 'json'], { env: NOW, cwd: dir });
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.exceptions[0].review.map((x: any) => [x.kind, x.field, x.line]), [['unapproved', 'spec.approvedBy', 6]]);
    assert.equal(doc.diagnostics[0].code, 'exception-api-version');
    assert.equal(doc.summary.problems, 2);
    assert.match(r.stderr, /^ex\.yaml:15:1: warning: ComplianceException "future" has apiVersion kubecomply\.io\/v2/m);
    const broken = await runCli(['exceptions', 'check', 'broken.yaml'], { env: NOW, cwd: dir });
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /broken\.yaml:\d+:\d+: error: YAML syntax error/);
  });

  test('--help explains the format and has examples', async () => {
    const top = await runCli(['exceptions', '--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /kind: ComplianceException/);
    assert.match(top.stdout, /Examples:\n {2}kubecomply exceptions list exceptions\//);
    const check = await runCli(['exceptions', 'check', '--help']);
    assert.equal(check.code, 0);
    assert.match(check.stdout, /--scan <manifests\.\.\.>/);
    assert.match(check.stdout, /--expiring-within <days>/);
    assert.match(check.stdout, /Exit codes:\n {2}0 {2}no problems\n {2}1 {2}at least one problem\n {2}2 /);
    const scan = await runCli(['scan', '--help']);
    assert.match(scan.stdout, /--exceptions <paths>/);
    const main = await runCli(['--help']);
    assert.match(main.stdout, /exceptions +list and review governed exceptions/);
  });
});

describe('the example platform', () => {
  test('examples/exceptions is active until mid-February 2027 and excepts the node exporter\'s host access', async () => {
    const r = await runCli(['scan', 'examples/', '--config', 'examples/kubecomply.yaml', '--fail-on', 'none', '-f', 'json'], { env: NOW });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    const excepted = doc.findings.filter((f: any) => f.status === 'excepted');
    assert.ok(excepted.length >= 5);
    assert.ok(excepted.every((f: any) => f.resource.name === 'node-exporter' && f.exception.name === 'node-exporter-host-access'));
    assert.deepEqual(doc.summary.exceptions, { total: 1, active: 1, expired: 0, unapproved: 0, invalid: 0, unused: 0 });
    const check = await runCli(['exceptions', 'check', 'examples/exceptions/', '--scan', 'examples/', '--config', 'examples/kubecomply.yaml'], { env: NOW });
    assert.equal(check.code, 0, check.stdout + check.stderr);
    const lastDay = await runCli(['exceptions', 'list', 'examples/exceptions/', '-f', 'json'], { env: { KUBECOMPLY_NOW: '2027-02-15T23:00:00Z' } });
    assert.equal(JSON.parse(lastDay.stdout).exceptions[0].state, 'active');
    const after = await runCli(['exceptions', 'list', 'examples/exceptions/', '-f', 'json'], { env: { KUBECOMPLY_NOW: '2027-02-16T00:00:00Z' } });
    assert.equal(JSON.parse(after.stdout).exceptions[0].state, 'expired');
  });
});
