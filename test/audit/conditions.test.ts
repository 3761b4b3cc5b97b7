import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileCondition, validateCondition, type Condition } from '../../src/audit/conditions.js';
import { ev, SA } from './helpers.js';

const holds = (c: Condition, e = ev()) => {
  assert.deepEqual(validateCondition(c), []);
  return compileCondition(c)(e);
};

test('operators', () => {
  const e = ev({ verb: 'list', objectRef: { resource: 'pods', subresource: 'exec', namespace: 'shop' }, sourceIPs: ['1.1.1.1', '10.0.0.2'], responseStatus: { code: 403 } });
  assert.ok(holds({ field: 'verb', equals: 'list' }, e));
  assert.ok(!holds({ field: 'verb', equals: 'get' }, e));
  assert.ok(holds({ field: 'verb', in: ['get', 'list'] }, e));
  assert.ok(holds({ field: 'objectRef.namespace', glob: 'sh*' }, e));
  assert.ok(holds({ field: 'objectRef.namespace', glob: ['x', 's?op'] }, e));
  assert.ok(holds({ field: 'user.username', regex: '^jane@' }, e));
  assert.ok(holds({ field: 'user.username', iregex: '^JANE@' }, e));
  assert.ok(holds({ field: 'userAgent', contains: 'kubectl' }, e));
  assert.ok(holds({ field: 'userAgent', startsWith: ['curl', 'kubectl'] }, e));
  assert.ok(holds({ field: 'impersonatedUser', exists: false }, e));
  assert.ok(!holds({ field: 'impersonatedUser', exists: true }, e));
  assert.ok(holds({ field: '$code', gt: 399 }, e));
  assert.ok(holds({ field: '$code', lt: 404 }, e));
  assert.ok(holds({ field: '$resource', equals: 'pods/exec' }, e));
  assert.ok(holds({ field: '$sourceIP', equals: '10.0.0.2' }, e));
  assert.ok(holds({ field: 'sourceIPs[0]', equals: '1.1.1.1' }, e));
  assert.ok(holds({ field: 'sourceIPs[-1]', equals: '10.0.0.2' }, e));
  assert.ok(holds({ field: 'user.groups[]', equals: 'developers' }, e));
});

test('paths: arrays, map values, keys, quoted keys; combinators', () => {
  const e = ev({
    user: SA('shop', 'web'),
    objectRef: { resource: 'configmaps', namespace: 'payments' },
    requestObject: { metadata: { labels: { 'app.kubernetes.io/name': 'web' } }, data: { 'db.password': 'x', other: 'y' }, spec: { containers: [{ ports: [{ containerPort: 80 }, { containerPort: 22 }] }] } },
  });
  assert.ok(holds({ field: 'requestObject.spec.containers[].ports[].containerPort', equals: 22 }, e));
  assert.ok(holds({ field: 'requestObject.data.*', equals: 'y' }, e));
  assert.ok(holds({ field: 'requestObject.data.$keys', glob: '*password*' }, e));
  assert.ok(holds({ field: 'requestObject.metadata.labels["app.kubernetes.io/name"]', equals: 'web' }, e));
  assert.ok(holds({ field: '$saNamespace', equals: 'shop' }, e));
  assert.ok(holds({ not: { field: '$saNamespace', equalsField: 'objectRef.namespace' } }, e));
  assert.ok(holds({ all: [{ field: 'verb', equals: 'get' }, { any: [{ field: 'verb', equals: 'x' }, { field: 'objectRef.resource', equals: 'configmaps' }] }] }, e));
  assert.ok(!holds({ not: { field: 'objectRef.resource', equals: 'configmaps' } }, e));
  assert.ok(!holds({ field: 'requestObject.nope[].x', exists: true }, e));
});

test('validation names the problem and where', () => {
  assert.deepEqual(validateCondition({ field: 'verb' }), ['when: no operator for field "verb" (one of equals, in, glob, regex, iregex, contains, startsWith, exists, gt, lt, equalsField)']);
  assert.match(validateCondition({ field: 'verb', equal: 'x' })[0], /unknown operator "equal"/);
  assert.match(validateCondition({ all: [{ field: 'verb', regex: '(' }] })[0], /^when\.all\[0\]\.regex: invalid regular expression/);
  assert.match(validateCondition({ any: [] })[0], /non-empty list/);
  assert.match(validateCondition({ field: 'a[x]', exists: true })[0], /bad "\[x\]"/);
  assert.match(validateCondition({ not: 1 })[0], /when\.not: expected a condition/);
  assert.match(validateCondition({ field: 'verb', in: 'get' })[0], /when\.in: expected a list/);
});
