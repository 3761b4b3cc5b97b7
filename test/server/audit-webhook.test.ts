/**
 * POST /audit on the real HTTPS server: the audit webhook backend fed the real audit events of Falco's
 * k8s_audit trace files (../shared/fixtures/audit) as the API server sends them (EventList bodies). It finds
 * what `kubecomply audit analyze` finds in the same events, keeps the newest detections in a bounded ring
 * buffer served by GET /audit/findings, counts them in /metrics, records them as evidence without holding up
 * the answer, refuses bad bodies with a clear 4xx and keeps serving, and checks a bearer token when set.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { analyzeFiles } from '../../src/audit/index.js';
import type { Detection } from '../../src/audit/engine.js';
import { AuditSink, detectionEvidence } from '../../src/server/audit-sink.js';
import { ServerMetrics } from '../../src/server/metrics.js';
import { appendEvidence, loadOrCreateKey, verifyStore } from '../../src/store/evidence.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { tempDir } from '../helpers/tmp.js';
import { parsePrometheus, sumOf, valueOf } from './prom.js';
import { podReview, postReview, realDecider, request, startServer, type Started } from './helpers.js';

const DIR = path.resolve('../shared/fixtures/audit/falco-trace-events');
const TMP = tempDir('kubecomply-audit-webhook-');

/** Every audit Event in the trace files (JSON lines), in file order. */
function traceEvents(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const f of readdirSync(DIR).sort()) {
    for (const line of readFileSync(path.join(DIR, f), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const e = JSON.parse(line) as Record<string, unknown>;
      if (e.kind === 'Event') out.push(e);
    }
  }
  return out;
}

const eventList = (items: unknown[]): string => JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items });

async function postAudit(s: Started, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string; json: any }> {
  const r = await request(s.port, s.ca, { path: '/audit', body, headers });
  let json: any;
  try {
    json = JSON.parse(r.body);
  } catch {
    json = undefined;
  }
  return { status: r.status, body: r.body, json };
}

async function findings(s: Started, query = '', headers: Record<string, string> = {}): Promise<any> {
  const r = await request(s.port, s.ca, { method: 'GET', path: `/audit/findings${query}`, headers });
  assert.equal(r.status, 200, `GET /audit/findings${query}: ${r.body}`);
  return JSON.parse(r.body);
}

async function stillServes(s: Started): Promise<void> {
  const r = await postReview(s.port, s.ca, podReview());
  assert.equal(r.status, 200, r.body);
  assert.equal(JSON.parse(r.body).response.allowed, true);
}

const rulesOf = (ds: { rule: string }[]): string[] => ds.map((d) => d.rule).sort();

describe('POST /audit with the Falco trace events', () => {
  let s: Started;
  let metrics: ServerMetrics;
  let sink: AuditSink;
  let store: Store;
  let offline: Detection[];
  const events = traceEvents();

  before(async () => {
    offline = (await analyzeFiles([DIR])).detections;
    store = await openStore(path.join(TMP, 'kubecomply.db'));
    const key = loadOrCreateKey(path.join(TMP, 'evidence-ed25519.pem'));
    metrics = new ServerMetrics();
    sink = new AuditSink({ metrics, bufferSize: 1000, maxBodyBytes: 256 * 1024, record: (d) => appendEvidence(store, 'audit-detection', detectionEvidence(d), { key }) });
    s = await startServer({ decider: realDecider(), metrics, audit: sink });
  });
  after(async () => {
    await s.server.close();
    await sink.drain();
    await store.close();
  });

  test('one EventList of all the events finds what "audit analyze" finds in the files', async () => {
    assert.ok(events.length >= 50, `${events.length} events in the fixtures`);
    assert.ok(offline.length >= 20, `${offline.length} offline detections`);
    const r = await postAudit(s, eventList(events));
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json, { events: events.length, detections: offline.length });
    const f = await findings(s);
    assert.equal(f.kind, 'AuditDetectionList');
    assert.equal(f.events, events.length);
    assert.equal(f.detections, offline.length);
    assert.deepEqual(rulesOf(f.items), rulesOf(offline));
    assert.deepEqual(f.items.map((d: { seq: number }) => d.seq), f.items.map((_: unknown, i: number) => i + 1));
    const exec = f.items.find((d: Detection) => d.rule === 'audit-pod-exec');
    assert.ok(exec, 'the pods/exec event is detected');
    assert.deepEqual(exec.mitre.length > 0, true);
    assert.equal(exec.verb, 'create');
    assert.equal(exec.resource, 'pods/exec');
  });

  test('GET /audit/findings filters by severity, rule, after and limit; bad parameters are a 400', async () => {
    const all = (await findings(s)).items as { seq: number; severity: string; rule: string }[];
    const crit = (await findings(s, '?severity=critical')).items as typeof all;
    assert.deepEqual(crit, all.filter((d) => d.severity === 'critical'));
    const high = (await findings(s, '?severity=high')).items as typeof all;
    assert.deepEqual(high, all.filter((d) => d.severity === 'critical' || d.severity === 'high'));
    assert.deepEqual((await findings(s, '?rule=audit-privileged-pod')).items, all.filter((d) => d.rule === 'audit-privileged-pod'));
    assert.deepEqual((await findings(s, '?after=5&limit=3')).items, all.filter((d) => d.seq > 5).slice(-3));
    for (const q of ['?severity=urgent', '?limit=-1', '?after=x', '?user=bob']) {
      const r = await request(s.port, s.ca, { method: 'GET', path: `/audit/findings${q}` });
      assert.equal(r.status, 400, `${q}: ${r.body}`);
      assert.match(JSON.parse(r.body).message, /invalid|unknown parameter/, q);
    }
  });

  test('the detections are counted in /metrics and recorded as evidence records, in a chain that verifies', async () => {
    await sink.drain();
    const m = parsePrometheus((await request(s.port, s.ca, { method: 'GET', path: '/metrics' })).body);
    assert.equal(valueOf(m, 'kubecomply_audit_events_total'), events.length);
    assert.equal(sumOf(m, 'kubecomply_audit_detections_total'), offline.length);
    assert.equal(valueOf(m, 'kubecomply_audit_detections_total', { rule: 'audit-pod-exec', severity: offline.find((d) => d.rule === 'audit-pod-exec')!.severity }), offline.filter((d) => d.rule === 'audit-pod-exec').length);
    assert.equal(valueOf(m, 'kubecomply_audit_batches_total', { result: 'accepted' }), 1);
    assert.equal(valueOf(m, 'kubecomply_audit_evidence_records_total', { result: 'recorded' }), offline.length);
    const recs = await store.listEvidence({ kind: 'audit-detection' });
    assert.deepEqual(rulesOf(recs.map((r) => r.payload as { rule: string })), rulesOf(offline));
    const exec = recs.find((r) => (r.payload as { rule: string }).rule === 'audit-pod-exec')!.payload as Record<string, unknown>;
    assert.match(String(exec.message), /^audit detection: audit-pod-exec \(\w+\) — /);
    assert.ok(Array.isArray(exec.mitre) && typeof exec.auditID === 'string' && exec.auditID !== '');
    const v = await verifyStore(store, { publicKeys: [loadOrCreateKey(path.join(TMP, 'evidence-ed25519.pem')).publicKey] });
    assert.equal(v.ok, true, JSON.stringify(v.firstBroken));
  });

  test('bad bodies get a 4xx that says why, and the server keeps serving', async () => {
    const cases: [string, string | Buffer, Record<string, string>, number, RegExp][] = [
      ['not JSON', '{"kind": "EventList", "items": [', {}, 400, /the request body is not JSON/],
      ['not an event', JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } }), {}, 400, /not an audit\.k8s\.io\/v1 EventList or Event/],
      ['items not a list', JSON.stringify({ kind: 'EventList', items: 'nope' }), {}, 400, /EventList\.items is not a list/],
      ['a number', '42', {}, 400, /not an audit\.k8s\.io\/v1 EventList or Event/],
      ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), {}, 400, /not valid UTF-8/],
      ['wrong content type', eventList(events.slice(0, 1)), { 'content-type': 'text/plain' }, 415, /Content-Type must be application\/json/],
      ['too large', eventList(Array(400).fill(events[0])), {}, 413, /larger than 262144 bytes/],
    ];
    for (const [what, body, headers, status, message] of cases) {
      const r = await postAudit(s, body, headers);
      assert.equal(r.status, status, `${what}: ${r.body}`);
      assert.equal(r.json?.kind, 'Status', `${what}: a Kubernetes Status body`);
      assert.match(r.json.message, message, what);
      await stillServes(s);
    }
    const get = await request(s.port, s.ca, { method: 'GET', path: '/audit' });
    assert.equal(get.status, 405);
    // An EventList with some bad items: the good ones count, the bad ones are named.
    const mixed = await postAudit(s, eventList([events[0], { kind: 'Pod' }]));
    assert.equal(mixed.status, 200, mixed.body);
    assert.equal(mixed.json.events, 1);
    assert.match(mixed.json.skipped[0], /EventList item 1 is not an audit Event/);
    const empty = await postAudit(s, eventList([]));
    assert.deepEqual([empty.status, empty.json], [200, { events: 0, detections: 0 }]);
    const m = parsePrometheus((await request(s.port, s.ca, { method: 'GET', path: '/metrics' })).body);
    assert.equal(valueOf(m, 'kubecomply_audit_batches_total', { result: 'rejected' }), 3);
  });
});

describe('POST /audit: bounded memory, an answer that does not wait for the store, a bearer token', () => {
  test('the ring buffer keeps the newest detections only', async () => {
    const sink = new AuditSink({ bufferSize: 3 });
    const s = await startServer({ decider: realDecider(), audit: sink });
    try {
      const privileged = traceEvents().filter((e) => JSON.stringify(e).includes('"privileged":true'));
      assert.ok(privileged.length >= 3);
      for (let i = 0; i < 3; i++) assert.equal((await postAudit(s, eventList(privileged))).status, 200);
      const f = await findings(s);
      assert.equal(f.buffered, 3);
      assert.equal(f.bufferSize, 3);
      const total = f.detections as number;
      assert.ok(total > 3);
      assert.deepEqual(f.items.map((d: { seq: number }) => d.seq), [total - 2, total - 1, total]);
    } finally {
      await s.server.close();
    }
  });

  test('200 comes back while the evidence write is still pending; detections past maxPending are dropped and counted', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const written: string[] = [];
    const metrics = new ServerMetrics();
    const sink = new AuditSink({ metrics, maxPending: 2, record: async (d) => {
      await gate;
      written.push(d.rule);
    } });
    const s = await startServer({ decider: realDecider(), metrics, audit: sink });
    try {
      const exec = traceEvents().filter((e) => (e.objectRef as { subresource?: string } | undefined)?.subresource === 'exec');
      assert.ok(exec.length >= 1);
      const batch = [1, 2, 3, 4].map((i) => ({ ...exec[0], auditID: `00000000-0000-4000-8000-00000000000${i}` }));
      const r = await postAudit(s, eventList(batch));
      assert.equal(r.status, 200, r.body);
      assert.equal(r.json.detections, 4);
      const f = await findings(s);
      // The first is being written, two wait, one did not fit.
      assert.deepEqual(f.evidence, { recorded: 0, failed: 0, dropped: 1, pending: 2 });
      assert.deepEqual(written, []);
      release();
      await sink.drain();
      assert.equal(written.length, 3);
      const m = parsePrometheus((await request(s.port, s.ca, { method: 'GET', path: '/metrics' })).body);
      assert.equal(valueOf(m, 'kubecomply_audit_evidence_records_total', { result: 'recorded' }), 3);
      assert.equal(valueOf(m, 'kubecomply_audit_evidence_records_total', { result: 'dropped' }), 1);
    } finally {
      await s.server.close();
    }
  });

  test('with a token file, /audit and /audit/findings need the bearer token', async () => {
    const tokenFile = path.join(TMP, 'audit-token');
    writeFileSync(tokenFile, 's3cret-token\n');
    const sink = new AuditSink({ tokenFile });
    const s = await startServer({ decider: realDecider(), audit: sink });
    try {
      const body = eventList(traceEvents().slice(0, 2));
      const variants: Record<string, string>[] = [{}, { authorization: 'Bearer wrong' }, { authorization: 's3cret-token' }];
      for (const headers of variants) {
        const r = await postAudit(s, body, headers);
        assert.equal(r.status, 401, `${JSON.stringify(headers)}: ${r.body}`);
        assert.match(r.json.message, /bearer token of --audit-token-file/);
        assert.equal((await request(s.port, s.ca, { method: 'GET', path: '/audit/findings', headers })).status, 401);
      }
      const ok = await postAudit(s, body, { authorization: 'Bearer s3cret-token' });
      assert.equal(ok.status, 200, ok.body);
      assert.equal((await findings(s, '', { authorization: 'Bearer s3cret-token' })).events, 2);
      // A rotated token is used from the next request on.
      writeFileSync(tokenFile, 'rotated\n');
      assert.equal((await postAudit(s, body, { authorization: 'Bearer s3cret-token' })).status, 401);
      assert.equal((await postAudit(s, body, { authorization: 'Bearer rotated' })).status, 200);
      await stillServes(s);
    } finally {
      await s.server.close();
    }
  });

  test('a Falcosidekick alert posted to /audit is kept as a detection mapped to MITRE', async () => {
    const sink = new AuditSink();
    const s = await startServer({ decider: realDecider(), audit: sink });
    try {
      const alert = readFileSync('examples/audit/falco-alerts.jsonl', 'utf8').split('\n')[0];
      const r = await postAudit(s, alert);
      assert.equal(r.status, 200, r.body);
      assert.deepEqual(r.json, { events: 0, detections: 1 });
      const [d] = (await findings(s)).items;
      assert.equal(d.source, 'falco');
      assert.ok(d.mitre.length > 0, JSON.stringify(d));
    } finally {
      await s.server.close();
    }
  });

  test('without an audit sink, /audit is a 404 that says how to turn it on', async () => {
    const s = await startServer({ decider: realDecider() });
    try {
      const r = await postAudit(s, eventList([]));
      assert.equal(r.status, 404);
      assert.match(r.json.message, /start kubecomply serve with --audit/);
    } finally {
      await s.server.close();
    }
  });
});
