import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { analyzeEventList, analyzeFiles } from '../../src/audit/index.js';
import { expandInputs, readAuditStream, sortRotated } from '../../src/audit/reader.js';
import type { AuditDiagnostic, AuditEvent } from '../../src/audit/types.js';
import { ev } from './helpers.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'kc-audit-'));
const lines = (es: AuditEvent[]) => es.map((e) => JSON.stringify(e)).join('\n') + '\n';
const exec = (ns = 'default') => ev({ verb: 'create', objectRef: { resource: 'pods', subresource: 'exec', namespace: ns, name: 'web' }, responseStatus: { code: 101 } });

async function read(chunks: (string | Buffer)[], name = 'x.log') {
  const events: { e: AuditEvent; line: number }[] = [];
  const diags: AuditDiagnostic[] = [];
  const stats = await readAuditStream(Readable.from(chunks), name, (e, o) => events.push({ e, line: o.line }), (d) => diags.push(d));
  return { events, diags, stats };
}

test('JSON lines split across chunks, CRLF, blank lines', async () => {
  const text = lines([ev({ verb: 'get' }), ev({ verb: 'list' }), ev({ verb: 'watch' })]).replace(/\n/g, '\r\n') + '\n\n';
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += 37) chunks.push(text.slice(i, i + 37));
  const { events, diags } = await read(chunks);
  assert.deepEqual(events.map((x) => [x.e.verb, x.line]), [['get', 1], ['list', 2], ['watch', 3]]);
  assert.equal(diags.length, 0);
});

test('bad lines are reported with file:line and skipped', async () => {
  const good = JSON.stringify(ev({ verb: 'get' }));
  const { events, diags } = await read([`${good}\n{"kind":"Event","verb":\n[1,2]\n{"kind":"Pod","metadata":{}}\n${good}\n{"truncated":`]);
  assert.equal(events.length, 2);
  assert.deepEqual(events.map((x) => x.line), [1, 5]);
  assert.deepEqual(diags.map((d) => `${d.file}:${d.line}`), ['x.log:2', 'x.log:3', 'x.log:4', 'x.log:6']);
  assert.match(diags[0].message, /invalid JSON/);
  assert.match(diags[2].message, /not an audit\.k8s\.io Event/);
});

test('multi-byte UTF-8 split across chunks is decoded', async () => {
  const e = ev({ verb: 'get', userAgent: 'kübectl/ü∑' });
  const buf = Buffer.from(JSON.stringify(e) + '\n');
  const at = buf.indexOf(Buffer.from('ü')) + 1;
  const { events } = await read([buf.subarray(0, at), buf.subarray(at)]);
  assert.equal(events[0].e.userAgent, 'kübectl/ü∑');
});

test('EventList bodies (webhook backend) and pretty-printed documents', async () => {
  const list = { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: [exec(), ev({ verb: 'get' }), { kind: 0 }] };
  const a = await read([JSON.stringify(list) + '\n']);
  assert.equal(a.events.length, 2);
  assert.equal(a.diags.length, 1);
  assert.match(a.diags[0].message, /item 2/);
  const b = await read([JSON.stringify(list, null, 2)]);
  assert.equal(b.events.length, 2);
});

test('gzip is recognised by magic bytes, not by name; truncated gzip is reported', async () => {
  const dir = tmp();
  const body = lines([exec(), exec('shop')]);
  writeFileSync(path.join(dir, 'audit.log'), gzipSync(body)); // gzipped but named .log
  writeFileSync(path.join(dir, 'plain.gz'), lines([exec(), exec('shop')])); // plain but named .gz
  const r = await analyzeFiles([path.join(dir, 'audit.log'), path.join(dir, 'plain.gz')]);
  assert.equal(r.events, 4);
  assert.equal(r.detections.filter((d) => d.rule === 'audit-pod-exec').length, 4);
  assert.equal(r.diagnostics.length, 0);
  const gz = gzipSync(lines(Array.from({ length: 200 }, () => exec())));
  writeFileSync(path.join(dir, 'cut.gz'), gz.subarray(0, Math.floor(gz.length / 2)));
  const t = await analyzeFiles([path.join(dir, 'cut.gz')]);
  assert.ok(t.events > 0 && t.events < 200);
  assert.equal(t.diagnostics.length >= 1, true);
  assert.match(t.diagnostics.at(-1)!.message, /cannot read|invalid JSON/);
});

test('rotated sets are read oldest first, the live file last', async () => {
  assert.deepEqual(
    sortRotated(['audit.log', 'audit-2026-11-30T10-00-00.000.log.gz', 'audit-2026-11-29T10-00-00.000.log', 'other.json']),
    ['audit-2026-11-29T10-00-00.000.log', 'audit-2026-11-30T10-00-00.000.log.gz', 'audit.log', 'other.json'],
  );
  assert.deepEqual(sortRotated(['audit.log', 'audit.log.1', 'audit.log.2.gz']), ['audit.log.2.gz', 'audit.log.1', 'audit.log']);
  const dir = tmp();
  mkdirSync(path.join(dir, 'logs'));
  const d = path.join(dir, 'logs');
  writeFileSync(path.join(d, 'audit-2026-11-30T08-00-00.000.log.gz'), gzipSync(lines([ev({ verb: 'get', at: 1 })])));
  writeFileSync(path.join(d, 'audit-2026-11-30T09-00-00.000.log'), lines([ev({ verb: 'list', at: 2 })]));
  writeFileSync(path.join(d, 'audit.log'), lines([ev({ verb: 'watch', at: 3 })]));
  const seen: string[] = [];
  await analyzeFiles([d], { onEvent: (e) => seen.push(e.verb!) });
  assert.deepEqual(seen, ['get', 'list', 'watch']);
  const expanded = await expandInputs([path.join(d, 'audit.log')], true);
  assert.deepEqual(expanded.map((p) => path.basename(p)), ['audit-2026-11-30T08-00-00.000.log.gz', 'audit-2026-11-30T09-00-00.000.log', 'audit.log']);
});

test('stateful rules see events across rotated files', async () => {
  const dir = tmp();
  const fail = (at: number) => ev({ at, user: {}, sourceIPs: ['203.0.113.7'], responseStatus: { code: 401 } });
  writeFileSync(path.join(dir, 'audit-2026-11-30T08-00-00.000.log'), lines([fail(1), fail(2), fail(3)]));
  writeFileSync(path.join(dir, 'audit.log'), lines([fail(4), fail(5)]));
  const r = await analyzeFiles([dir]);
  const b = r.detections.filter((d) => d.rule === 'audit-auth-failures-burst');
  assert.equal(b.length, 1);
  assert.equal(b[0].count, 5);
  assert.equal(b[0].sourceIP, '203.0.113.7');
});

test('analyzeEventList: webhook bodies as objects, strings or bytes; bad bodies are diagnostics, never throws', () => {
  const body = { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [exec(), ev({ verb: 'get' })] };
  const a = analyzeEventList(body);
  assert.equal(a.events, 2);
  assert.deepEqual(a.detections.map((d) => d.rule), ['audit-pod-exec']);
  assert.equal(analyzeEventList(JSON.stringify(body)).events, 2);
  assert.equal(analyzeEventList(Buffer.from(JSON.stringify(body))).events, 2);
  const bad = analyzeEventList('{not json');
  assert.equal(bad.events, 0);
  assert.match(bad.diagnostics[0].message, /invalid JSON/);
  assert.equal(analyzeEventList({ kind: 'EventList', items: null }).events, 0);
  assert.equal(analyzeEventList(42).diagnostics.length, 1);
  const falco = analyzeEventList({ rule: 'Terminal shell in container', priority: 'Notice', output: 'shell', time: '2026-11-30T09:00:00Z', tags: ['T1059', 'mitre_execution'], output_fields: {} });
  assert.equal(falco.detections[0].source, 'falco');
});

test('analyzeEventList never throws on hostile bodies', async () => {
  const fc = (await import('fast-check')).default;
  const anyJson = fc.jsonValue({ maxDepth: 4 });
  const eventish = fc.record({
    kind: fc.constantFrom('Event', undefined, 'EventList', 3),
    verb: fc.oneof(fc.constantFrom('create', 'get', 'delete', 'list'), anyJson),
    user: anyJson, impersonatedUser: anyJson, objectRef: fc.oneof(anyJson, fc.record({ resource: fc.constantFrom('pods', 'secrets', 'clusterrolebindings'), subresource: fc.constantFrom('exec', undefined), namespace: anyJson })),
    requestObject: anyJson, responseStatus: anyJson, sourceIPs: anyJson, annotations: anyJson, stageTimestamp: anyJson, items: anyJson,
  }, { requiredKeys: [] });
  fc.assert(fc.property(fc.oneof(anyJson, eventish, fc.array(eventish).map((items) => ({ kind: 'EventList', items }))), (body) => {
    const r = analyzeEventList(body);
    assert.ok(Array.isArray(r.detections) && Array.isArray(r.diagnostics));
  }), { numRuns: 2000 });
});
