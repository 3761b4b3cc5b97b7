import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_RULES } from '../../src/audit/rules.js';
import { loadUserRules, parseUserRules, RulesFileError } from '../../src/audit/user-rules.js';
import { detect, ev } from './helpers.js';

const ids = new Set(BUILTIN_RULES.map((r) => r.id));

test('user rules load and fire alongside the built-ins', () => {
  const rules = loadUserRules('test/audit/fixtures/user-rules.yaml', ids);
  assert.deepEqual(rules.map((r) => r.id), ['exec-into-payments', 'curl-user-agent', 'list-spray']);
  assert.equal(rules[0].source, 'test/audit/fixtures/user-rules.yaml');
  const all = [...BUILTIN_RULES, ...rules];
  const exec = (ns: string, groups = ['dev']) => ev({ verb: 'create', objectRef: { resource: 'pods', subresource: 'exec', namespace: ns, name: 'p' }, user: { username: 'u', groups } });
  assert.ok(detect([exec('payments')], all).some((d) => d.rule === 'exec-into-payments'));
  assert.ok(!detect([exec('shop')], all).some((d) => d.rule === 'exec-into-payments'));
  assert.ok(!detect([exec('payments', ['system:masters'])], all).some((d) => d.rule === 'exec-into-payments'));
  assert.ok(detect([ev({ userAgent: 'curl/8.5.0' })], all).some((d) => d.rule === 'curl-user-agent'));
  const lists = [1, 2, 3].map((at) => ev({ at, verb: 'list' }));
  assert.equal(detect(lists, all).filter((d) => d.rule === 'list-spray').length, 1);
  assert.equal(detect(lists.slice(0, 2), all).filter((d) => d.rule === 'list-spray').length, 0);
});

test('errors name the file and line', () => {
  assert.throws(() => loadUserRules('test/audit/fixtures/bad-rules.yaml', ids), (e: unknown) => {
    assert.ok(e instanceof RulesFileError);
    const m = e.message;
    assert.match(m, /bad-rules\.yaml:6: rules\[1\]\.id: expected a lower-case slug/);
    assert.match(m, /bad-rules\.yaml:8: rules\[1\]\.severity: expected one of critical/);
    assert.match(m, /bad-rules\.yaml:9: rules\[1\]\.mitre/);
    assert.match(m, /bad-rules\.yaml:1[0-2]: rules\[1\]\.when\.all\[0\]: unknown operator "equal"/);
    assert.match(m, /bad-rules\.yaml:13: rules\[2\]\.id: "audit-pod-exec" is a built-in rule id/);
    assert.doesNotMatch(m, /rules\[0\]/);
    return true;
  });
});

test('YAML syntax errors and wrong shapes', () => {
  assert.throws(() => parseUserRules('rules:\n  - id: x\n   title: [', 'r.yaml'), /r\.yaml:3: invalid YAML/);
  assert.throws(() => parseUserRules('foo: 1\n', 'r.yaml'), /r\.yaml:1: expected a "rules:" list/);
  assert.throws(() => parseUserRules('rules:\n  - id: x\n    title: t\n    severity: low\n', 'r.yaml'), /r\.yaml:2: rules\[0\]: a rule needs at least one of verbs, resources or when/);
  assert.throws(() => parseUserRules('rules:\n  - id: x\n    title: t\n    severity: low\n    verbs: [get]\n    threshold: {count: 1}\n', 'r.yaml'), /r\.yaml:6: rules\[0\]\.threshold\.count/);
  const cfg = parseUserRules('audit:\n  rules:\n    - id: x\n      title: t\n      severity: low\n      verbs: [get]\n', 'kubecomply.yaml');
  assert.equal(cfg[0].id, 'x');
});
