import { test } from 'node:test';
import assert from 'node:assert/strict';
import { falcoSeverity, falcoToDetection, parseFalcoText } from '../../src/audit/falco.js';

// Falcosidekick's payload (types.FalcoPayload): uuid, output, priority, rule, time, source, output_fields, hostname, tags.
const alert = {
  uuid: '8f5b1c2e-1d4a-4c1b-9b1e-2a3b4c5d6e7f',
  output: '09:16:00.000000000: Notice A shell was spawned in a container with an attached terminal (user=root k8s.ns=shop k8s.pod=web-7d4b9c6f5-x2x8q container=web shell=sh)',
  priority: 'Notice',
  rule: 'Terminal shell in container',
  time: '2026-11-30T09:16:00.123456789Z',
  source: 'syscall',
  hostname: 'worker-1',
  tags: ['T1059', 'container', 'maturity_stable', 'mitre_execution', 'shell'],
  output_fields: { 'container.name': 'web', 'k8s.ns.name': 'shop', 'k8s.pod.name': 'web-7d4b9c6f5-x2x8q', 'user.name': 'root', 'proc.name': 'sh' },
};

test('Falcosidekick alerts become detections with MITRE tags', () => {
  const d = falcoToDetection(alert);
  assert.equal(d.source, 'falco');
  assert.equal(d.rule, 'falco-terminal-shell-in-container');
  assert.equal(d.severity, 'low');
  assert.deepEqual(d.mitre, ['T1059']);
  assert.match(d.explanation, /ATT&CK tactics: execution/);
  assert.equal(d.namespace, 'shop');
  assert.equal(d.name, 'web-7d4b9c6f5-x2x8q');
  assert.equal(d.time, '2026-11-30T09:16:00.123Z');
  const k8s = falcoToDetection({ rule: 'Attach/Exec Pod', priority: 'Warning', tags: ['k8s', 'mitre_execution', 'T1609'], output_fields: { 'ka.user.name': 'bob', 'ka.verb': 'create', 'ka.target.resource': 'pods', 'ka.target.namespace': 'shop', 'ka.target.name': 'web' } });
  assert.deepEqual([k8s.user, k8s.verb, k8s.resource, k8s.namespace, k8s.severity], ['bob', 'create', 'pods', 'shop', 'medium']);
});

test('priorities map to severities', () => {
  assert.deepEqual(['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'].map(falcoSeverity), ['critical', 'critical', 'critical', 'high', 'medium', 'low', 'info', 'info']);
});

test('JSON lines, arrays and single objects; bad lines reported', () => {
  assert.equal(parseFalcoText(JSON.stringify(alert, null, 2), 'a.json').alerts.length, 1);
  assert.equal(parseFalcoText(JSON.stringify([alert, alert]), 'a.json').alerts.length, 2);
  const r = parseFalcoText(`${JSON.stringify(alert)}\n{oops\n{"hello":1}\n${JSON.stringify(alert)}\n`, 'a.jsonl');
  assert.equal(r.alerts.length, 2);
  assert.deepEqual(r.diagnostics.map((d) => d.line), [2, 3]);
});
