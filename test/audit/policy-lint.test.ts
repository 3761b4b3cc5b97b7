import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { covers, levelFor, lintPolicy, parsePolicy, type AuditPolicy } from '../../src/audit/policy-lint.js';

const lint = (file: string) => {
  const { policy, lines } = parsePolicy(readFileSync(file, 'utf8'), file);
  return lintPolicy(policy, lines);
};
const P = (rules: AuditPolicy['rules'], extra: Partial<AuditPolicy> = {}): AuditPolicy => ({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', omitStages: ['RequestReceived'], omitManagedFields: true, rules, ...extra });
const U = { user: 'u', groups: ['system:authenticated'] };

test('the good example policy has no findings', () => {
  assert.deepEqual(lint('examples/audit/policy-good.yaml'), []);
});

test('the bad example policy: each mistake found and explained', () => {
  const f = lint('examples/audit/policy-bad.yaml');
  const checks = new Set(f.map((x) => x.check));
  for (const c of ['no-catch-all', 'sensitive-bodies-logged', 'shadowed-rule', 'wrong-api-group', 'rbac-not-request-response', 'request-received-logged'])
    assert.ok(checks.has(c), c);
  assert.ok(f.some((x) => x.check === 'sensitive-bodies-logged' && x.severity === 'high' && x.message.includes('secrets')));
  assert.ok(f.some((x) => x.check === 'shadowed-rule' && x.line === 10));
});

test('first match wins, as the API server evaluates policies', () => {
  const p = P([
    { level: 'None', users: ['system:kube-proxy'], verbs: ['watch'] },
    { level: 'Metadata', resources: [{ group: '', resources: ['pods/*'] }] },
    { level: 'RequestResponse', resources: [{ group: '', resources: ['pods'] }] },
    { level: 'Request', nonResourceURLs: ['/api*'] },
    { level: 'Metadata' },
  ]);
  assert.equal(levelFor(p, { ...U, verb: 'create', group: '', resource: 'pods', subresource: 'exec' }).level, 'Metadata');
  assert.equal(levelFor(p, { ...U, verb: 'create', group: '', resource: 'pods' }).level, 'RequestResponse');
  assert.equal(levelFor(p, { user: 'system:kube-proxy', groups: [], verb: 'watch', group: '', resource: 'pods' }).level, 'None');
  assert.equal(levelFor(p, { ...U, verb: 'get', path: '/apis' }).level, 'Request');
  assert.equal(levelFor(p, { ...U, verb: 'get', path: '/metrics' }).level, 'Metadata');
  assert.equal(levelFor(P([{ level: 'Metadata', namespaces: ['kube-system'] }]), { ...U, verb: 'get', group: '', resource: 'pods', namespace: 'default' }).level, 'None');
});

test('shadowing: broader earlier rules cover narrower later ones, not the reverse', () => {
  assert.ok(covers({ level: 'None', resources: [{ group: '' }] }, { level: 'Metadata', resources: [{ group: '', resources: ['secrets'] }] }));
  assert.ok(!covers({ level: 'None', resources: [{ group: '', resources: ['secrets'] }] }, { level: 'Metadata', resources: [{ group: '' }] }));
  assert.ok(!covers({ level: 'None', users: ['a'] }, { level: 'Metadata' }));
  assert.ok(covers({ level: 'None', verbs: ['get', 'list'] }, { level: 'Metadata', verbs: ['get'], resources: [{ group: 'apps' }] }));
  assert.ok(!covers({ level: 'None', resources: [{ group: '', resources: ['configmaps'], resourceNames: ['leader'] }] }, { level: 'Metadata', resources: [{ group: '', resources: ['configmaps'] }] }));
  assert.ok(!covers({ level: 'None', nonResourceURLs: ['/healthz'] }, { level: 'Metadata', resources: [{ group: '' }] }));
});

test('exec hidden, secrets not logged, catch-all at None, invalid level', () => {
  const f = lintPolicy(P([
    { level: 'None', resources: [{ group: '', resources: ['pods/exec', 'secrets'] }] },
    { level: 'Loud' as string, verbs: ['get'] },
    { level: 'None' },
  ]));
  const c = f.map((x) => x.check);
  assert.ok(c.includes('exec-not-logged'));
  assert.ok(c.includes('secrets-not-logged'));
  assert.ok(c.includes('catch-all-none'));
  assert.ok(c.includes('invalid-level'));
  assert.deepEqual(lintPolicy({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [] }).map((x) => x.check), ['no-rules']);
});
