import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { runCli, type CliResult } from '../helpers/cli.js';

// Runs the built CLI as a user would (npm test builds dist/ first).
function cli(args: string[], stdin?: string | Buffer, cwd?: string): Promise<CliResult> {
  return runCli(args, { ...(stdin !== undefined ? { stdin } : {}), ...(cwd ? { cwd } : {}) });
}

const LOG = 'examples/audit/audit.log';

test('analyze tells the attack story in the sample log', async () => {
  const r = await cli(['audit', 'analyze', LOG]);
  assert.equal(r.code, 1, r.stderr);
  for (const rule of ['audit-pod-exec', 'audit-secrets-listed-cluster-wide', 'audit-cluster-admin-binding', 'audit-networkpolicy-deleted', 'audit-auth-failures-burst', 'audit-security-component-deleted'])
    assert.match(r.stdout, new RegExp(rule));
  assert.match(r.stdout, /Why it matters:/);
  assert.match(r.stdout, /T1609/);
  assert.match(r.stdout, /8 detections in 32 events: 1 critical, 5 high, 1 medium, 1 low/);
  // Benign traffic stays quiet.
  assert.doesNotMatch(r.stdout, /alice@example\.com/);
});

test('analyze --format json, --fail-on, stdin, gzip', async () => {
  const r = await cli(['audit', 'analyze', LOG, '--format', 'json', '--fail-on', 'critical']);
  assert.equal(r.code, 1);
  const j = JSON.parse(r.stdout);
  assert.equal(j.events, 32);
  assert.equal(j.detections[0].rule, 'audit-cluster-admin-binding');
  assert.deepEqual(j.detections[0].origin, { file: LOG, line: 28 });
  const sarif = await cli(['audit', 'analyze', LOG, '--format', 'sarif']);
  const doc = JSON.parse(sarif.stdout);
  assert.equal(doc.version, '2.1.0');
  assert.equal(doc.runs[0].results.length, 8);
  assert.equal(doc.runs[0].results[0].locations[0].physicalLocation.region.startLine, 28);
  assert.ok(doc.runs[0].tool.driver.rules[0].properties.tags.includes('mitre-attack/T1078.003'));
  const none = await cli(['audit', 'analyze', LOG, '--fail-on', 'none']);
  assert.equal(none.code, 0);
  const s = await cli(['audit', 'analyze', '--format', 'json', '--fail-on', 'none'], gzipSync(readFileSync(LOG)));
  assert.equal(s.code, 0, s.stderr);
  assert.equal(JSON.parse(s.stdout).detections.length, 8);
});

test('analyze: bad lines are warned about with file:line, the rest analysed, exit 2', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kc-audit-cli-'));
  const f = path.join(dir, 'audit.log');
  writeFileSync(f, readFileSync(LOG, 'utf8') + '{"kind":"Event",\n');
  const r = await cli(['audit', 'analyze', f, '--format', 'json']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`${f.replace(/[/.]/g, '\\$&')}:33: warning: invalid JSON`));
  assert.equal(JSON.parse(r.stdout).detections.length, 8);
  const missing = await cli(['audit', 'analyze', path.join(dir, 'nope.log')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read/);
});

test('analyze --rules adds user rules; invalid rules files are usage errors naming file:line', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kc-audit-cli-'));
  const rules = path.join(dir, 'rules.yaml');
  writeFileSync(rules, 'rules:\n  - id: deployer-from-outside\n    title: CI token used outside the CI network\n    severity: critical\n    mitre: [T1078]\n    when:\n      all:\n        - { field: user.username, equals: "system:serviceaccount:ci:deployer" }\n        - not: { field: $sourceIP, glob: "10.*" }\n');
  const r = await cli(['audit', 'analyze', LOG, '--rules', rules, '--format', 'json']);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(JSON.parse(r.stdout).detections.filter((d: { rule: string }) => d.rule === 'deployer-from-outside').length, 7);
  writeFileSync(rules, 'rules:\n  - id: x\n    title: t\n    severity: severe\n    verbs: [get]\n');
  const bad = await cli(['audit', 'analyze', LOG, '--rules', rules]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /rules\.yaml:4: rules\[0\]\.severity/);
});

test('query answers who did what, where, when', async () => {
  const r = await cli(['audit', 'query', LOG, '--resource', 'secrets', '--outcome', 'allowed']);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split('\n');
  assert.match(rows[0], /^TIME\s+USER\s+VERB\s+RESOURCE\s+OBJECT\s+CODE\s+SOURCE$/);
  assert.equal(rows.length, 4);
  assert.match(r.stdout, /system:serviceaccount:ci:deployer\s+list\s+secrets/);
  const j = await cli(['audit', 'query', LOG, '--user', '*ci:deployer', '--since', '2026-11-30T09:17:00Z', '--until', '2026-11-30T09:21:00Z', '--format', 'json']);
  const got = JSON.parse(j.stdout) as { verb: string; resource: string }[];
  assert.deepEqual(got.map((x) => `${x.verb} ${x.resource}`), ['list secrets', 'get secrets', 'create clusterrolebindings']);
  const denied = await cli(['audit', 'query', LOG, '--outcome', 'denied', '--format', 'json']);
  assert.equal(JSON.parse(denied.stdout).length, 6);
  const badTime = await cli(['audit', 'query', LOG, '--since', 'yesterday-ish']);
  assert.equal(badTime.code, 2);
});

test('timeline per user and per object', async () => {
  const r = await cli(['audit', 'timeline', LOG, '--user', 'system:serviceaccount:ci:*']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^== system:serviceaccount:ci:deployer {2}\(8 events, /);
  const o = await cli(['audit', 'timeline', LOG, '--by', 'object', '--namespace', 'payments', '--format', 'json']);
  const groups = JSON.parse(o.stdout) as { key: string; rows: unknown[] }[];
  assert.deepEqual(groups.map((g) => g.key), ['secrets payments/db-credentials', 'networkpolicies payments/default-deny-ingress', 'pods payments/']);
  assert.ok(groups.some((g) => g.key === 'networkpolicies payments/default-deny-ingress'));
});

test('lint-policy: good passes, bad explains, Falco sample', async () => {
  const good = await cli(['audit', 'lint-policy', 'examples/audit/policy-good.yaml']);
  assert.equal(good.code, 0);
  assert.match(good.stdout, /no findings/);
  const bad = await cli(['audit', 'lint-policy', 'examples/audit/policy-bad.yaml']);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /policy-bad\.yaml:25: high: no-catch-all/);
  assert.match(bad.stdout, /The default level is None/);
  const falco = await cli(['audit', 'lint-policy', '../shared/fixtures/audit/falco-sample-audit-policy.yaml', '--format', 'json']);
  assert.equal(falco.code, 1);
  assert.ok(JSON.parse(falco.stdout).findings.some((f: { check: string }) => f.check === 'sensitive-bodies-logged'));
  const missing = await cli(['audit', 'lint-policy', 'nope.yaml']);
  assert.equal(missing.code, 2);
});

test('falco alerts and the rules list', async () => {
  const r = await cli(['audit', 'falco', 'examples/audit/falco-alerts.jsonl']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /falco-terminal-shell-in-container/);
  assert.match(r.stdout, /T1059/);
  const l = await cli(['audit', 'rules']);
  assert.equal(l.code, 0);
  const n = Number(/(\d+) rules/.exec(l.stdout)?.[1]);
  assert.ok(n >= 30);
});

test('audit.rules in kubecomply.yaml are added (found in the working directory or named with --config); scan accepts the section', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kc-audit-cfg-'));
  const cfg = path.join(dir, 'kubecomply.yaml');
  writeFileSync(cfg, 'podSecurity:\n  level: baseline\naudit:\n  rules:\n    - id: deployer-secrets\n      title: CI deployer read secrets\n      severity: high\n      mitre: [T1552.007]\n      when:\n        all:\n          - { field: user.username, equals: "system:serviceaccount:ci:deployer" }\n          - { field: objectRef.resource, equals: secrets }\n');
  const log = path.resolve(LOG);
  let r = await cli(['audit', 'analyze', log, '--config', cfg, '--format', 'json']);
  assert.equal(r.code, 1, r.stderr);
  assert.ok((JSON.parse(r.stdout).detections as { rule: string }[]).some((d) => d.rule === 'deployer-secrets'));
  r = await cli(['audit', 'rules'], undefined, dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /deployer-secrets\s+high\s+T1552\.007/);
  r = await cli(['audit', 'rules', '--no-config'], undefined, dir);
  assert.doesNotMatch(r.stdout, /deployer-secrets/);
  r = await cli(['scan', path.resolve('examples/admission'), '--fail-on', 'none', '-q'], undefined, dir);
  assert.equal(r.code, 0, r.stderr);
  writeFileSync(cfg, 'audit:\n  rules:\n    - id: x\n      title: t\n      severity: severe\n');
  r = await cli(['audit', 'analyze', log], undefined, dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /invalid audit\.rules in .*kubecomply\.yaml/);
});
